"""Builders of hostile, broken and odd returns (issue 6), shared by the hostile CLI and fuzz tests.

Everything is built at run time from a return written by the product itself; big inputs are
streamed into the zip, never held in memory.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from ogi_xlsx.model.document import ReturnDocument, document_from_json, loads

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "haibin-2024.json"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Formula injection: texts a spreadsheet would run as formulas if written as formulas.
INJECTIONS = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-1+1")

# Names that must never become a path outside the output folder.
TRAVERSAL_NAMES = ("../evil", "..\\evil", "con", "a/b", "nul.txt", "c:evil", "..", "/etc/x", "AUX.xlsx")


def example_doc(code: str = "LC002", name: str | None = None) -> ReturnDocument:
    """The valid 2021 example return, optionally with another unit code/name."""
    doc = document_from_json(loads(EXAMPLE.read_text(encoding="utf-8")))
    doc.unit_code = code
    if name is not None:
        doc.unit_name = name
    return doc


def write_return(path: Path, doc: ReturnDocument | None = None) -> Path:
    """A completed return as ``ogi-xlsx fill`` writes it."""
    from ogi_xlsx.writing.template import write_return as write

    write(doc or example_doc(), path)
    return path


@cache
def valid_bytes() -> bytes:
    """The bytes of the valid example return (cached per process)."""
    buf = io.BytesIO()
    from ogi_xlsx.writing.template import write_workbook

    doc = example_doc()
    write_workbook(
        buf,
        doc.spec,
        year=doc.year,
        unit_code=doc.unit_code,
        unit_name=doc.unit_name,
        cover=dict(doc.cover),
        values=dict(doc.values),
        kind="return",
    )
    return buf.getvalue()


def parts(data: bytes | None = None) -> dict[str, bytes]:
    """Every part of a zip (default: the valid return), in order."""
    with zipfile.ZipFile(io.BytesIO(data or valid_bytes())) as zf:
        return {info.filename: zf.read(info.filename) for info in zf.infolist()}


def rezip(path: Path, replace: dict[str, bytes | Callable | None], base: bytes | None = None) -> Path:
    """The valid return with parts replaced (bytes or a callable writing to a stream) or dropped (None)."""
    base = base or valid_bytes()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        for name in names + [n for n in replace if n not in names]:
            content = replace[name] if name in replace else src.read(name)
            if content is None:
                continue
            if callable(content):
                with dst.open(name, "w", force_zip64=True) as stream:
                    content(stream)
            else:
                dst.writestr(name, content)
    return path


def sheet_part(sheet_name: str, data: bytes | None = None) -> str:
    """The zip part name of a worksheet by its name (via workbook.xml and its rels)."""
    p = parts(data)
    workbook = p["xl/workbook.xml"].decode()
    rels = p["xl/_rels/workbook.xml.rels"].decode()
    for m in re.finditer(r"<sheet [^>]*/>", workbook):
        tag = m.group(0)
        if f'name="{sheet_name}"' in tag:
            rid = re.search(r'r:id="([^"]+)"', tag).group(1)
            target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*/>', rels).group(0)
            target = re.search(r'Target="([^"]+)"', target).group(1)
            return "xl/" + target.lstrip("/").removeprefix("xl/")
    raise KeyError(sheet_name)


def ole(*streams: str) -> bytes:
    """An OLE2 compound-file header followed by directory entries with these stream names."""
    body = bytearray(OLE_MAGIC + b"\x00" * 504)
    for name in ("Root Entry", *streams):
        body += name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
    return bytes(body) + b"\x00" * 1024


def _zeros(total: int) -> Callable:
    def write(stream):
        chunk = b"0" * (1 << 20)
        for _ in range(total >> 20):
            stream.write(chunk)

    return write


def _million_rows(n: int) -> Callable:
    def write(stream):
        stream.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
        for start in range(1, n + 1, 10_000):
            stream.write(
                "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(start, start + 10_000)).encode()
            )
        stream.write(b"</sheetData></worksheet>")

    return write


def _huge_sst(n: int) -> Callable:
    def write(stream):
        stream.write(f'<?xml version="1.0"?><sst xmlns="{MAIN}">'.encode())
        for start in range(0, n, 10_000):
            stream.write("".join(f"<si><t>s{i}</t></si>" for i in range(start, start + 10_000)).encode())
        stream.write(b"</sst>")

    return write


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>"
)
XXE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def with_dtd(xml: bytes, prolog: str, entity: str) -> bytes:
    """``xml`` with a DTD prolog and the entity used in its first text node."""
    text = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
    text = re.sub(rb"<t>", b"<t>" + entity.encode(), text, count=1) if b"<t>" in text else text
    if entity.encode() not in text:  # no text node: put it in an attribute-free element's tail
        text = re.sub(rb"(<[A-Za-z][^>]*[^/]>)", lambda m: m.group(1) + entity.encode(), text, count=1)
    return prolog.encode() + text


class Formula(str):
    """A cell value written as a formula by :func:`set_cells` (plain ``str`` is written as text)."""


def set_cells(path: Path, values: dict[str, object], *, base: Path | None = None) -> Path:
    """A copy of a return (default: the valid one) with cells set by cell id or ``(sheet, address)``.

    Values go through openpyxl as a spreadsheet program would store them: datetimes with a
    date format, booleans, :class:`Formula` formulas, ``#REF!`` error values, any other ``str`` as text.
    """
    from openpyxl import load_workbook

    from ogi_xlsx.model.layout import workbook_layout

    if base is None:
        base = path.with_name(path.stem + ".base.xlsx")
        base.write_bytes(valid_bytes())
    wb = load_workbook(base)
    layout = workbook_layout(example_doc().spec)
    for key, value in values.items():
        sheet, address = key if isinstance(key, tuple) else layout.locate(key)
        cell = wb[sheet][address]
        cell.value = value
        if isinstance(value, (dt.date, dt.datetime)):
            cell.number_format = "yyyy-mm-dd"
        if isinstance(value, str) and not isinstance(value, Formula) and not value.startswith("#"):
            cell.data_type = "s"  # typed as text (a leading apostrophe, or a text-formatted cell)
    wb.save(path)
    if base.name.endswith(".base.xlsx"):
        base.unlink()
    return path


def t3_sheet() -> str:
    """The sheet name of table 三 (from the layout, never hard-coded)."""
    from ogi_xlsx.model.layout import workbook_layout

    return workbook_layout(example_doc().spec).locate("t3.r_new.c_natural")[0]


def cover_address(field: str) -> tuple[str, str]:
    from ogi_xlsx.model.cellref import a1
    from ogi_xlsx.model.layout import COVER_SHEET, workbook_layout

    return COVER_SHEET, a1(*workbook_layout(example_doc().spec).cover.fields[field])


def label_address() -> tuple[str, str]:
    """The first fixed label of the first table sheet."""
    from ogi_xlsx.model.cellref import a1
    from ogi_xlsx.model.layout import workbook_layout

    sheet = workbook_layout(example_doc().spec).sheets[0]
    text = next(t for t in sheet.texts if t.text.strip())
    return sheet.sheet, a1(text.row, text.col)


def build_file_cases(folder: Path) -> dict[str, Path]:
    """Unusable files: each must give a file-level finding. Name -> path (folder is created)."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        out[name] = folder / name

    good = valid_bytes()
    put("not-a-zip.xlsx", b"hello, this is text\n")
    put("pdf.xlsx", b"%PDF-1.7\n...")
    put("empty.xlsx", b"")
    put("truncated.xlsx", good[: len(good) // 2])
    put("legacy.xls", ole("Workbook", "\x05SummaryInformation"))
    put("xls-renamed.xlsx", ole("Workbook"))
    put("wps.et", ole("Workbook"))
    put("encrypted.xlsx", ole("EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"))
    sheet = sheet_part(t3_sheet())
    out["zip-bomb.xlsx"] = rezip(folder / "zip-bomb.xlsx", {sheet: _zeros(300 << 20)})
    out["million-rows.xlsx"] = rezip(folder / "million-rows.xlsx", {sheet: _million_rows(2_000_000)})
    out["huge-sst.xlsx"] = rezip(folder / "huge-sst.xlsx", {"xl/sharedStrings.xml": _huge_sst(1_500_000)})
    p = parts()
    for part in ("xl/workbook.xml", "xl/sharedStrings.xml", sheet, "docProps/custom.xml", "xl/styles.xml"):
        if part not in p:
            continue
        short = part.rsplit("/", 1)[-1].removesuffix(".xml")
        for attack, prolog, entity in (("laughs", BILLION_LAUGHS, "&lol9;"), ("xxe", XXE, "&xxe;")):
            name = f"{attack}-{short}.xlsx"
            out[name] = rezip(folder / name, {part: with_dtd(p[part], prolog, entity)})
    return out


def odd_names() -> list[str]:
    """File names that are legal on Linux but odd: spaces, Chinese, emoji, a leading dash, very long."""
    return [
        "with spaces 报表 (1).xlsx",
        "海滨街道😀.xlsx",
        "-x.xlsx",
        "--help.xlsx",
        "长" * 80 + ".xlsx",  # 240 bytes in UTF-8, under NAME_MAX (255)
        "semi;colon&amp'quote\".xlsx",
    ]


def non_utf8_name(folder: Path) -> Path:
    """A file whose name is not valid UTF-8 (GBK bytes, as an old Windows zip extracts it)."""
    raw = os.fsencode(folder) + b"/" + "报表".encode("gbk") + b".xlsx"
    with open(raw, "wb") as fh:
        fh.write(valid_bytes())
    return Path(os.fsdecode(raw))


def formulas_in(data: bytes) -> list[str]:
    """Every ``<f>`` text in every XML part of an xlsx."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.endswith(".xml"):
                found += re.findall(r"<f(?:\s[^>]*)?>(.*?)</f>", zf.read(name).decode("utf-8", "replace"), re.S)
    return found


def huge_range(path: Path, kind: str = "merge") -> Path:
    """The valid return with one merged (or hyperlinked) range covering most of a sheet (A200:XFD1048576)."""
    name = sheet_part(t3_sheet())
    xml = parts()[name].decode()
    if kind == "merge":
        m = re.search(r'<mergeCells count="(\d+)">', xml)
        xml = xml.replace(m.group(0), f'<mergeCells count="{int(m.group(1)) + 1}"><mergeCell ref="A200:XFD1048576"/>')
    else:
        link = '<hyperlinks><hyperlink ref="A200:XFD1048576" location="A1" display="x"/></hyperlinks>'
        at = next(xml.find(tag) for tag in ("<printOptions", "<pageMargins") if tag in xml)
        xml = xml[:at] + link + xml[at:]
    return rezip(path, {name: xml.encode()})


def many_cells(path: Path, rows: int = 19_000, cols: int = 10) -> Path:
    """The valid return with ``rows`` x ``cols`` numbers far below table 三 (within the reader's cell limit)."""
    name = sheet_part(t3_sheet())
    xml = parts()[name].decode()
    letters = [chr(65 + i) for i in range(cols)]
    extra = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in letters) + "</row>"
        for r in range(200, 200 + rows)
    )
    return rezip(path, {name: xml.replace("</sheetData>", extra + "</sheetData>").encode()})


def many_merges(path: Path, count: int = 100_000) -> Path:
    """The valid return with ``count`` small merged ranges below table 三."""
    name = sheet_part(t3_sheet())
    xml = parts()[name].decode()
    m = re.search(r'<mergeCells count="(\d+)">', xml)
    extra = "".join(f'<mergeCell ref="A{r}:B{r}"/>' for r in range(300, 300 + count))
    return rezip(
        path, {name: xml.replace(m.group(0), f'<mergeCells count="{int(m.group(1)) + count}">' + extra).encode()}
    )


def many_conditional_formats(path: Path, count: int = 50_000) -> Path:
    """The valid return with ``count`` one-cell conditional formats (7 MB of worksheet XML)."""
    name = sheet_part(t3_sheet())
    xml = parts()[name].decode()
    extra = "".join(
        f'<conditionalFormatting sqref="A{r}"><cfRule type="expression" dxfId="0" priority="{r}">'
        f"<formula>A{r}&gt;1</formula></cfRule></conditionalFormatting>"
        for r in range(300, 300 + count)
    )
    at = xml.find("<conditionalFormatting") if "<conditionalFormatting" in xml else xml.find("<pageMargins")
    return rezip(path, {name: (xml[:at] + extra + xml[at:]).encode()})
