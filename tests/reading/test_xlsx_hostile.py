"""Hostile and broken files (issue 6): read_xlsx answers with an XlsxError of the right code,
within 10 s and 500 MB, and never modifies its input. Every file is built at run time.

Each hostile read runs in a fresh interpreter so that its peak memory (ru_maxrss) and time are
its own; big inputs are written streamed, never held in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogi_xlsx.model.findings import CODES
from ogi_xlsx.reading.xlsx import Limits, RawWorkbook, XlsxError, read_xlsx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_xlsx import xlsxwriter_book

# Hostile inputs and fuzzing take seconds each: not part of the quick loop.
pytestmark = pytest.mark.slow

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MAX_SECONDS = 10
MAX_MB = 500

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_PROBE = """
import json, resource, sys, time
start = time.perf_counter()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from ogi_xlsx.reading.xlsx import XlsxError, read_xlsx
out = {"code": None}
try:
    wb = read_xlsx(sys.argv[1])
    out["sheets"] = [s.name for s in wb.sheets]
    out["truncated"] = [list(k) for s in wb.sheets for k, c in s.cells.items() if c.truncated]
except XlsxError as exc:
    out["code"], out["message"] = exc.code, exc.message
out["seconds"] = time.perf_counter() - start
out["rss_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps(out))
"""


def probe(path: Path) -> dict:
    """read_xlsx(path) in a fresh interpreter: code, message, seconds, peak RSS growth; input untouched."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    mtime = path.stat().st_mtime_ns
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, os.fsdecode(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    wall = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == "", proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["seconds"] < MAX_SECONDS, out
    assert wall < MAX_SECONDS + 5
    assert out["rss_mb"] < MAX_MB, out
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, "input modified"
    assert path.stat().st_mtime_ns == mtime
    if out["code"] is not None:
        assert out["code"] in CODES
        assert out["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in out["message"])
    return out


def expect(path: Path, code: str) -> dict:
    out = probe(path)
    assert out["code"] == code, out
    return out


def write_zip_with(path: Path, replace: dict[str, object], base: bytes | None = None) -> Path:
    """The xlsxwriter test book with some parts replaced: bytes, or a callable writing to a stream."""
    base = base or xlsxwriter_book()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = replace.get(info.filename, src.read(info.filename))
            if callable(content):
                with dst.open(info.filename, "w", force_zip64=True) as stream:
                    content(stream)
            else:
                dst.writestr(info.filename, content)
        for name, content in replace.items():
            if name in src.namelist():
                continue
            if callable(content):
                with dst.open(name, "w", force_zip64=True) as stream:
                    content(stream)
            else:
                dst.writestr(name, content)
    return path


# --------------------------------------------------------------------------- not a workbook


def test_empty(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert "空" in expect(path, "file-empty")["message"]
    with pytest.raises(XlsxError) as err:
        read_xlsx(b"")
    assert err.value.code == "file-empty"


@pytest.mark.parametrize(
    "content",
    [b"hello, this is text\n", b"%PDF-1.7\n...", b"<html><body><table></table></body></html>", b"\x1f\x8b\x08\x00"],
)
def test_not_a_zip(tmp_path, content):
    path = tmp_path / "r.xlsx"
    path.write_bytes(content)
    assert "Excel" in expect(path, "file-not-xlsx")["message"]


def test_zip_without_workbook(tmp_path):
    path = tmp_path / "r.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    assert "Word" in expect(path, "file-not-xlsx")["message"]
    ods = tmp_path / "r.ods"
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    assert "OpenDocument" in expect(ods, "file-not-xlsx")["message"]


def test_truncated_zip(tmp_path):
    data = xlsxwriter_book()
    for cut in (len(data) // 2, len(data) - 30, 100):
        path = tmp_path / f"cut{cut}.xlsx"
        path.write_bytes(data[:cut])
        expect(path, "file-corrupt")


def test_bad_crc(tmp_path):
    data = bytearray(xlsxwriter_book())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    # flip a byte in the middle of the compressed sheet data
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path = tmp_path / "crc.xlsx"
    path.write_bytes(bytes(data))
    expect(path, "file-corrupt")


def _ole(*streams: str) -> bytes:
    """An OLE2 compound-file header followed by directory entries with these stream names."""
    body = bytearray(OLE_MAGIC + b"\x00" * 504)
    for name in ("Root Entry", *streams):
        entry = name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
        body += entry
    return bytes(body) + b"\x00" * 1024


def test_legacy_xls(tmp_path):
    path = tmp_path / "报表.xls"
    path.write_bytes(_ole("Workbook", "\x05SummaryInformation"))
    assert "另存为" in expect(path, "file-xls")["message"]
    renamed = tmp_path / "报表.xlsx"  # an .xls renamed to .xlsx is still an .xls
    renamed.write_bytes(_ole("Workbook"))
    expect(renamed, "file-xls")


def test_wps_et(tmp_path):
    path = tmp_path / "报表.et"
    path.write_bytes(_ole("Workbook"))
    assert "WPS" in expect(path, "file-et")["message"]


def test_encrypted_ooxml(tmp_path):
    path = tmp_path / "加密.xlsx"
    path.write_bytes(_ole("EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"))
    assert "密码" in expect(path, "file-encrypted")["message"]
    et = tmp_path / "加密.et"  # encryption wins over the extension
    et.write_bytes(_ole("EncryptionInfo", "EncryptedPackage"))
    expect(et, "file-encrypted")


def test_zip_level_password(tmp_path):
    # zipfile cannot write encrypted entries: set the "encrypted" flag bit by hand
    data = bytearray(xlsxwriter_book())
    pos = 0
    while (pos := data.find(b"PK\x03\x04", pos)) >= 0:
        data[pos + 6] |= 1
        pos += 4
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        data[pos + 8] |= 1
        pos += 4
    path = tmp_path / "zipcrypto.xlsx"
    path.write_bytes(bytes(data))
    expect(path, "file-encrypted")


def test_file_over_size_limit(tmp_path):
    path = tmp_path / "big.xlsx"
    path.write_bytes(xlsxwriter_book())
    with pytest.raises(XlsxError) as err:
        read_xlsx(path, Limits(max_file_bytes=1000))
    assert err.value.code == "file-too-large"


# --------------------------------------------------------------------------- bombs and huge parts


def _zeros(total: int):
    def write(stream):
        chunk = b"0" * (1 << 20)
        for _ in range(total >> 20):
            stream.write(chunk)

    return write


def test_zip_bomb_declared(tmp_path):
    path = write_zip_with(tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": _zeros(300 << 20)})
    assert path.stat().st_size < 2 << 20
    out = expect(path, "file-unsafe")
    assert "压缩" in out["message"]


def test_zip_bomb_lying_sizes(tmp_path):
    """Declared sizes patched to look harmless: inflating must still stop at the declared size."""
    path = write_zip_with(tmp_path / "liar.xlsx", {"xl/worksheets/sheet1.xml": _zeros(150 << 20)})
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                # zip64 entries keep the real size in the extra field: patch it there too
                data[size_at + pos : size_at + pos + 4] = (0xFFFFFFFF).to_bytes(4, "little")
                extra = data.find(b"\x01\x00", name_at + len(name))
                data[extra + 4 : extra + 12] = (4000).to_bytes(8, "little")
            pos += 4
    path.write_bytes(bytes(data))
    out = probe(path)
    assert out["code"] in ("file-corrupt", "file-unsafe"), out


def test_uncompressed_total_over_limit(tmp_path):
    parts = {f"xl/media/image{i}.png": _zeros(60 << 20) for i in range(4)}
    path = write_zip_with(tmp_path / "media.xlsx", parts)
    # highly compressible media: the ratio check fires first; with a generous ratio, the total does
    expect(path, "file-unsafe")
    with pytest.raises(XlsxError) as err:
        read_xlsx(path, Limits(max_ratio=10_000))
    assert err.value.code == "file-too-large"


def _rows(n: int, cells_per_row: int = 1):
    def write(stream):
        stream.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
        batch = []
        for i in range(1, n + 1):
            cells = "".join(f'<c r="{chr(65 + j)}{i}"><v>{i}</v></c>' for j in range(cells_per_row))
            batch.append(f'<row r="{i}">{cells}</row>')
            if len(batch) == 10_000:
                stream.write("".join(batch).encode())
                batch.clear()
        stream.write(("".join(batch) + "</sheetData></worksheet>").encode())

    return write


def _empty_rows(n: int):
    def write(stream):
        stream.write(f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
        for start in range(1, n + 1, 10_000):
            stream.write("".join(f'<row r="{i}"/>' for i in range(start, min(n + 1, start + 10_000))).encode())
        stream.write(b"</sheetData></worksheet>")

    return write


def test_two_million_rows(tmp_path):
    """Over the part size limit: refused from the declared size, before inflating."""
    path = write_zip_with(tmp_path / "rows.xlsx", {"xl/worksheets/sheet1.xml": _rows(2_000_000)})
    out = expect(path, "file-too-large")
    assert "解压后" in out["message"] and out["seconds"] < 1


def test_million_rows_stopped_while_parsing(tmp_path):
    """Under the size limits: the cell limit stops the parse long before the end of the part."""
    path = write_zip_with(tmp_path / "rows.xlsx", {"xl/worksheets/sheet1.xml": _rows(1_500_000)})
    assert "单元格数量超过上限" in expect(path, "file-too-large")["message"]


def test_two_million_empty_rows(tmp_path):
    path = write_zip_with(tmp_path / "empty-rows.xlsx", {"xl/worksheets/sheet1.xml": _empty_rows(2_000_000)})
    expect(path, "file-too-large")


def test_cell_limit_is_configurable():
    data = xlsxwriter_book()
    total = sum(len(s.cells) for s in read_xlsx(data).sheets)
    with pytest.raises(XlsxError) as err:
        read_xlsx(data, Limits(max_cells=total - 1))
    assert err.value.code == "file-too-large"


def test_huge_shared_strings_table(tmp_path):
    def write(stream):
        stream.write(f'<?xml version="1.0"?><sst xmlns="{MAIN}">'.encode())
        for start in range(0, 1_500_000, 10_000):
            stream.write("".join(f"<si><t>s{i}</t></si>" for i in range(start, start + 10_000)).encode())
        stream.write(b"</sst>")

    path = write_zip_with(tmp_path / "sst.xlsx", {"xl/sharedStrings.xml": write})
    expect(path, "file-too-large")


def test_very_long_strings_are_truncated(tmp_path):
    long_text = "长" * 100_000
    base = xlsxwriter_book()
    with zipfile.ZipFile(io.BytesIO(base)) as zf:
        sst = zf.read("xl/sharedStrings.xml").decode()
    sst = sst.replace("<t>一、本年新收政府信息公开申请数量</t>", f"<t>{long_text}</t>", 1)
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        f'<c r="B1" t="inlineStr"><is><t>{long_text}</t></is></c><c r="C1"><v>1</v></c></row></sheetData></worksheet>'
    )
    path = write_zip_with(tmp_path / "long.xlsx", {"xl/sharedStrings.xml": sst, "xl/worksheets/sheet1.xml": sheet})
    out = expect(path, None)
    assert sorted(out["truncated"]) == [[0, 0], [0, 1]]
    wb = read_xlsx(path)
    cells = wb.sheet("表三").cells
    assert cells[(0, 0)].value == "长" * 32_767 and cells[(0, 0)].truncated
    assert cells[(0, 1)].value == "长" * 32_767 and cells[(0, 1)].truncated
    assert not cells[(0, 2)].truncated


def test_deeply_nested_xml(tmp_path):
    depth = 400_000

    def write(stream):
        stream.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
        stream.write(b"<a>" * depth + b"</a>" * depth)
        stream.write(b"</sheetData></worksheet>")

    path = write_zip_with(tmp_path / "deep.xlsx", {"xl/worksheets/sheet1.xml": write})
    assert probe(path)["code"] == "file-unsafe"  # compresses too well
    try:  # and when the ratio is allowed: no crash, no recursion error escaping
        read_xlsx(path, Limits(max_ratio=1_000_000))
    except XlsxError as exc:
        assert exc.code in ("file-too-large", "file-corrupt")


# --------------------------------------------------------------------------- unsafe XML

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>"
)
XXE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

PARTS = {
    "xl/workbook.xml": lambda ent: (
        f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{ent}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/sharedStrings.xml": lambda ent: f'<sst xmlns="{MAIN}"><si><t>{ent}</t></si></sst>',
    "xl/worksheets/sheet1.xml": lambda ent: (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{ent}</t></is></c>'
        "</row></sheetData></worksheet>"
    ),
    "docProps/custom.xml": lambda ent: (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="x"><vt:lpwstr>{ent}</vt:lpwstr>'
        "</property></Properties>"
    ),
    "xl/styles.xml": lambda ent: (
        f'<styleSheet xmlns="{MAIN}"><numFmts><numFmt numFmtId="164" formatCode="{ent}"/></numFmts></styleSheet>'
    ),
}


@pytest.mark.parametrize("part", sorted(PARTS))
@pytest.mark.parametrize(("attack", "entity"), [("laughs", "&lol9;"), ("xxe", "&xxe;")])
def test_unsafe_xml_in_any_part(tmp_path, part, attack, entity):
    prolog = BILLION_LAUGHS if attack == "laughs" else XXE
    body = PARTS[part](entity)
    path = write_zip_with(tmp_path / f"{attack}.xlsx", {part: (prolog + body).encode()})
    out = expect(path, "file-unsafe")
    assert "root:" not in json.dumps(out)


def test_unsafe_xml_in_utf16_part(tmp_path):
    """A part in UTF-16 hides '<!DOCTYPE' from a byte scan: defusedxml's parser must refuse it."""
    body = (XXE.replace("?>", ' encoding="UTF-16"?>', 1) + PARTS["xl/worksheets/sheet1.xml"]("&xxe;")).encode("utf-16")
    path = write_zip_with(tmp_path / "utf16.xlsx", {"xl/worksheets/sheet1.xml": body})
    expect(path, "file-unsafe")


def test_utf16_part_without_dtd_is_read(tmp_path):
    body = ('<?xml version="1.0" encoding="UTF-16"?>' + PARTS["xl/worksheets/sheet1.xml"]("文字")).encode("utf-16")
    path = write_zip_with(tmp_path / "utf16ok.xlsx", {"xl/worksheets/sheet1.xml": body})
    assert read_xlsx(path).sheet("表三").cells[(0, 0)].value == "文字"


# --------------------------------------------------------------------------- odd names


def test_odd_file_names(tmp_path):
    data = xlsxwriter_book()
    names = ["报表 #1 (终稿).xlsx", "a'b\"c;$(x).xlsx", "-rf.xlsx", " .xlsx"]
    if sys.platform != "win32":
        names.append(os.fsdecode(b"\xff\xfe\xb1\xed.xlsx"))  # not UTF-8: surrogate-escaped
    for name in names:
        path = tmp_path / name
        path.write_bytes(data)
        out = probe(path)
        assert out["code"] is None and out["sheets"][0] == "表三", (name, out)


def test_odd_names_inside_the_zip(tmp_path):
    path = write_zip_with(
        tmp_path / "names.xlsx",
        {"../../evil.xml": b"<x/>", "/abs/path.xml": b"<x/>", "C:\\windows\\x.xml": b"<x/>", "xl/\u202e.xml": b"<x/>"},
    )
    out = probe(path)
    assert out["code"] is None
    assert not (tmp_path.parent / "evil.xml").exists()


def test_missing_file_and_directory(tmp_path):
    for path in (tmp_path / "nope.xlsx", tmp_path):
        with pytest.raises(XlsxError) as err:
            read_xlsx(path)
        assert err.value.code == "file-unreadable"


# --------------------------------------------------------------------------- fuzz

FUZZ_EXAMPLES = int(os.environ.get("OGI_FUZZ_EXAMPLES", "200"))
_BOOK = xlsxwriter_book()
_PARTS = {}
with zipfile.ZipFile(io.BytesIO(_BOOK)) as _zf:
    for _name in _zf.namelist():
        _PARTS[_name] = _zf.read(_name)
_NAMES = sorted(_PARTS)


def _check(data: bytes) -> None:
    start = time.perf_counter()
    try:
        result = read_xlsx(data)
    except XlsxError as exc:
        assert exc.code in CODES and exc.code.startswith("file-")
        assert exc.message
    else:
        assert isinstance(result, RawWorkbook)
    assert time.perf_counter() - start < 2


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_BOOK) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_fuzz_zip_bytes(edits):
    data = bytearray(_BOOK)
    for pos, value in edits:
        data[pos] = value
    _check(bytes(data))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_NAMES),
    st.lists(
        st.tuples(
            st.floats(0, 1),
            st.sampled_from(["delete", "insert", "replace"]),
            st.sampled_from(
                [
                    b"<",
                    b">",
                    b"/",
                    b'"',
                    b"&",
                    b"&amp;",
                    b"<!DOCTYPE x>",
                    b"\x00",
                    b"\xff",
                    b"r=",
                    b' t="s"',
                    b"9" * 12,
                    b"<c>",
                    b"</row>",
                    b"-",
                ]
            ),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_fuzz_xml_parts(name, edits):
    part = bytearray(_PARTS[name])
    for where, op, text in edits:
        pos = int(where * len(part))
        if op == "delete":
            del part[pos : pos + len(text)]
        elif op == "insert":
            part[pos:pos] = text
        else:
            part[pos : pos + len(text)] = text
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for other in _NAMES:
            zf.writestr(other, bytes(part) if other == name else _PARTS[other])
    _check(out.getvalue())


def test_too_many_zip_entries(tmp_path):
    path = tmp_path / "entries.xlsx"
    with zipfile.ZipFile(io.BytesIO(xlsxwriter_book())) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        for i in range(12_000):
            dst.writestr(f"customXml/item{i}.xml", b"")
    assert "文件过多" in expect(path, "file-too-large")["message"]
    assert len(read_xlsx(path, Limits(max_parts=20_000)).sheets) == 4


def test_one_huge_text_node(tmp_path):
    """60 MB of compressible-but-not-bomb text in one cell: read, truncated, memory bounded."""
    rnd = random.Random(1)
    words = [bytes(rnd.choice(b"abcdefghijklmnop") for _ in range(8)) + b" " for _ in range(16)]

    def write(stream):
        stream.write(f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'.encode())
        for _ in range(60):
            stream.write(b"".join(rnd.choice(words) for _ in range(116_000)))
        stream.write(b"</t></is></c></row></sheetData></worksheet>")

    path = write_zip_with(tmp_path / "text.xlsx", {"xl/worksheets/sheet1.xml": write})
    out = expect(path, None)
    assert out["truncated"] == [[0, 0]]


def test_millions_of_unknown_elements(tmp_path):
    """Elements that are neither rows nor cells still count: the parse stops early."""

    def write(stream):
        stream.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
        for _ in range(30):
            stream.write(b"".join(b'<x a="%d"/>' % j for j in range(100_000)))
        stream.write(b"</sheetData></worksheet>")

    path = write_zip_with(tmp_path / "elements.xlsx", {"xl/worksheets/sheet1.xml": write})
    assert "元素过多" in expect(path, "file-too-large")["message"]


def _in_time(fn, seconds: float = MAX_SECONDS):
    start = time.perf_counter()
    with contextlib.suppress(XlsxError):
        fn()
    assert time.perf_counter() - start < seconds


def test_row_with_many_children_is_linear(tmp_path):
    """A huge row of cells followed by junk elements: no quadratic clean-up."""

    def write(stream):
        stream.write(f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'.encode())
        stream.write(b"".join(b'<c r="A%d"><v>1</v></c>' % (j % 1000 + 1) for j in range(150_000)))
        stream.write(b"<x/>" * 150_000)
        stream.write(b"</row></sheetData></worksheet>")

    path = write_zip_with(tmp_path / "row.xlsx", {"xl/worksheets/sheet1.xml": write})
    _in_time(lambda: read_xlsx(path, Limits(max_ratio=1_000_000)))


def test_long_shared_formula_with_many_dependents(tmp_path):
    master = "+".join(f"A{i}" for i in range(1, 1500))  # ~9 KB of references

    def write(stream):
        stream.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
        stream.write(f'<row r="1"><c r="B1"><f t="shared" ref="B1:B60000" si="0">{master}</f></c></row>'.encode())
        stream.write(
            b"".join(b'<row r="%d"><c r="B%d"><f t="shared" si="0"/></c></row>' % (i, i) for i in range(2, 60_001))
        )
        stream.write(b"</sheetData></worksheet>")

    path = write_zip_with(tmp_path / "shared.xlsx", {"xl/worksheets/sheet1.xml": write})
    _in_time(lambda: read_xlsx(path, Limits(max_ratio=1_000_000)))
    cells = read_xlsx(path, Limits(max_ratio=1_000_000)).sheet("表三").cells
    assert cells[(1, 1)].formula.startswith("A2+A3") and cells[(1, 1)].formula_shared
    assert cells[(59_999, 1)].formula is None and cells[(59_999, 1)].formula_shared  # over the budget
