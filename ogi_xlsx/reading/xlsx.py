"""A lean, safe reader for returned .xlsx files: what the validator needs, nothing more.

Interface (stable; the validator, merge and tests code against it):

- :func:`read_xlsx` reads a path or bytes into a :class:`RawWorkbook` and raises
  :class:`XlsxError` (with a finding code and a Chinese message) for files that cannot be
  used at all: empty, not a zip, legacy .xls, WPS .et, encrypted, truncated, zip bombs,
  unsafe XML, over the size limits. No other exception escapes, whatever the bytes.
- Only the standard library's zipfile and the expat parser (with defusedxml where a part is
  not plain UTF-8) are used: no formula evaluation, no styles beyond what decides "is this
  number a date" and "is this cell locked".

Safety model (issue 6):

- The file is sniffed before unzipping (empty, OLE2 containers: .xls / .et / encrypted).
- Declared sizes and compression ratios are checked before anything is inflated, and the
  limits are enforced again while inflating (parts are read in chunks; declared sizes lie).
- Parts up to 1 MB (every part of a normal return) are parsed whole with the C parser;
  bigger ones incrementally, with cell, row and element counts enforced while parsing and
  finished elements emptied, so memory and time stay bounded whatever the part declares.
- XML: OPC forbids DTDs in package parts, so any part containing ``<!DOCTYPE`` is rejected
  (``file-unsafe``) before expat sees it. That removes entity expansion ("billion laughs")
  and external entities (XXE) for UTF-8 parts, which lets the fast C parser do the work;
  parts in another encoding go through defusedxml's parser (forbid_dtd) instead.
- Strings longer than ``Limits.max_string_chars`` (Excel's own cell limit is 32,767) are
  truncated and the cell is marked ``truncated=True``: one odd note must not make the whole
  return unreadable, and the validator can still report it.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal
from urllib.parse import unquote
from xml.etree.ElementTree import ParseError, TreeBuilder, XMLParser, XMLPullParser

from ogi_xlsx.model.cellref import col_letter as _col_letters
from ogi_xlsx.model.limits import Limits

CellKind = Literal["n", "s", "str", "inlineStr", "b", "e", "d", "blank"]


class XlsxError(Exception):
    """A file that cannot be read as a workbook; ``code`` is a finding code (``file-*``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class RawCell:
    """One cell as stored in the file.

    ``value``: ``str`` for text (shared, inline or formula-string results), ``int`` or
    ``Decimal`` for numbers (never float), ``bool`` for booleans, ``str`` like ``#REF!``
    for errors (``kind == "e"``), the ISO text for ``kind == "d"``, ``None`` when the cell
    has no value. A ``t="n"`` value that is not a finite number (hostile or broken files)
    is kept as text with ``kind == "str"``. ``formula`` is the formula text without the
    leading ``=``; for a shared formula's dependent cells (``formula_shared`` True) it is
    the master's text translated to the cell (relative references shifted), or ``None``
    when the master was not found. ``is_date``: the number has a date/time number format.
    ``locked``: False only when the cell's style unlocks it. ``truncated``: the text was
    longer than ``Limits.max_string_chars`` and was cut.
    """

    value: str | int | Decimal | bool | None
    kind: CellKind
    formula: str | None = None
    formula_shared: bool = False
    is_date: bool = False
    locked: bool = True
    truncated: bool = False


@dataclass
class RawSheet:
    """One worksheet: cells by 0-based (row, col), merges in A1 ranges, protection.

    ``sheet_type`` is ``worksheet`` or, for sheets without cells, ``chartsheet`` /
    ``dialogsheet`` / ``macrosheet`` / ``missing`` (the workbook names a part that is not
    in the file: LibreOffice and Excel would refuse it, we keep the name for the report).
    """

    name: str
    state: Literal["visible", "hidden", "veryHidden"] = "visible"
    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)
    protected: bool = False
    sheet_type: str = "worksheet"
    path: str = ""
    skipped: bool = False  # cells not read: the caller said it does not need this sheet
    hidden_rows: set[int] = field(default_factory=set)  # 0-based rows hidden in the file (<row hidden="1">)


@dataclass
class RawWorkbook:
    """What a returned workbook holds that ogi-xlsx cares about.

    ``defined_names``: workbook-scoped names (name -> reference text such as
    ``'表三'!$D$6``); a sheet-scoped name is added here only when no workbook-scoped name
    has the same name, and all sheet-scoped names are in ``local_names`` keyed by
    (sheet name, name). ``strict``: the file uses the Strict OOXML namespaces. ``date1904``:
    date serial numbers count from 1904 (old Mac Excel), not 1900.
    """

    sheets: list[RawSheet]
    defined_names: dict[str, str] = field(default_factory=dict)
    custom_properties: dict[str, str] = field(default_factory=dict)
    structure_locked: bool = False
    application: str | None = None
    local_names: dict[tuple[str, str], str] = field(default_factory=dict)
    strict: bool = False
    date1904: bool = False

    def sheet(self, name: str) -> RawSheet | None:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        return None


# --------------------------------------------------------------------------- messages


def _fail(code: str, detail: str | None = None, **params: object) -> XlsxError:
    """The error of ``code``, its message from the catalogue; ``detail`` names a piece saying why."""
    from ogi_xlsx.model.findings import piece, render

    if detail is None:
        return XlsxError(code, render(code))
    return XlsxError(code, render(code, "detail", {"detail": piece(detail, **params)}))


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


# --------------------------------------------------------------------------- namespaces

_MAIN_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_REL_ID_KEYS = (
    "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
    "{http://purl.oclc.org/ooxml/officeDocument/relationships}id",
)
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# Clark tag -> local name for the spreadsheet namespaces (both transitional and strict, and
# no namespace at all for sloppy writers); other namespaces map to "" (ignored).
_LOCAL: dict[str, str] = {}


def _local(tag: str) -> str:
    name = _LOCAL.get(tag)
    if name is None:
        if tag[:1] == "{":
            ns, _, rest = tag[1:].partition("}")
            name = rest if ns in _MAIN_NS else ""
        else:
            name = tag
        if len(_LOCAL) < 10_000:
            _LOCAL[tag] = name
    return name


_TAGSETS: dict[frozenset[str], frozenset[str]] = {}


def _tagset(locals_: frozenset[str]) -> frozenset[str]:
    """Every Clark name (both namespaces, or none) of these local names."""
    tags = _TAGSETS.get(locals_)
    if tags is None:
        tags = _TAGSETS[locals_] = frozenset({*locals_, *(f"{{{ns}}}{name}" for ns in _MAIN_NS for name in locals_)})
    return tags


def _anylocal(tag: str) -> str:
    """Local name whatever the namespace (for rels, docProps)."""
    return tag.rpartition("}")[2]


# --------------------------------------------------------------------------- sniffing

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _u16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _sniff_ole(data: bytes, suffix: str) -> XlsxError:
    if _u16("EncryptedPackage") in data or _u16("EncryptionInfo") in data:
        return _fail("file-encrypted")
    if suffix in (".et", ".ett") or _u16("ETExtData") in data:
        return _fail("file-et")
    if _u16("WordDocument") in data:
        return _fail("file-not-xlsx", "is-doc")
    if _u16("Workbook") in data or _u16("Book") in data or _u16("WorkBook") in data:
        return _fail("file-xls")
    if suffix == ".xls":
        return _fail("file-xls")
    return _fail("file-not-xlsx", "is-old-office")


def _sniff_other(head: bytes) -> XlsxError:
    low = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith(b"%pdf"):
        return _fail("file-not-xlsx", "is-pdf")
    if low.startswith((b"<html", b"<!doctype html", b"<table", b"mime-version")):
        return _fail("file-not-xlsx", "is-html")
    if low.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return _fail("file-not-xlsx", "is-xml2003")
    if low.startswith(b"<?xml") or low.startswith(b"<"):
        return _fail("file-not-xlsx", "is-xml")
    if head[:4] in (b"Rar!", b"7z\xbc\xaf") or head[:2] == b"\x1f\x8b":
        return _fail("file-not-xlsx", "is-archive")
    return _fail("file-not-xlsx")


# --------------------------------------------------------------------------- part reading

_CHUNK = 1 << 16
_DOCTYPE = b"<!DOCTYPE"
_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_NAMES = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}
_WHOLE = 1 << 20  # parts up to this size are parsed whole (faster); bigger ones incrementally
_SMALL_MAX = 1 << 20  # rels and docProps are never bigger in real files
# Elements whose content is read when their parent ends: never cleared early when streaming.
_KEEP = frozenset({"c", "v", "f", "is", "t", "r", "rPh", "numFmt", "xf", "protection", ""})


class ZipPackage:
    """The opened zip with its limits: reads parts once, in bounded chunks."""

    def __init__(self, zf: zipfile.ZipFile, limits: Limits) -> None:
        self.zf = zf
        self.limits = limits
        self.inflated = 0
        self.names: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            key = info.filename.replace("\\", "/").lstrip("/").lower()
            self.names[key] = info

    def info(self, path: str) -> zipfile.ZipInfo | None:
        return self.names.get(path.lstrip("/").lower())

    def check_declared(self, needed: list[zipfile.ZipInfo]) -> None:
        """Zip-bomb checks on the central directory, before inflating anything."""
        lim = self.limits
        total = 0
        for info in self.zf.infolist():
            total += info.file_size
            if info.file_size > (1 << 20) and info.file_size > lim.max_ratio * max(info.compress_size, 1):
                raise _fail("file-unsafe", "zip-ratio", name=info.filename)
        if total > lim.max_uncompressed_bytes:
            raise _fail("file-too-large", "inflated-total", size=_mb(total), limit=_mb(lim.max_uncompressed_bytes))
        for info in needed:
            if info.file_size > lim.max_part_bytes:
                raise _fail(
                    "file-too-large",
                    "part-size",
                    name=info.filename,
                    size=_mb(info.file_size),
                    limit=_mb(lim.max_part_bytes),
                )

    def _account(self, info: zipfile.ZipInfo, n: int) -> None:
        lim = self.limits
        self.inflated += n
        if n > lim.max_part_bytes or n > info.file_size:
            raise _fail(
                "file-too-large", "part-over", name=info.filename, limit=_mb(min(lim.max_part_bytes, info.file_size))
            )
        if self.inflated > lim.max_uncompressed_bytes:
            raise _fail("file-too-large", "inflated-over", limit=_mb(lim.max_uncompressed_bytes))

    def whole(self, info: zipfile.ZipInfo):
        """Parse a small part (declared <= 1 MB, checked while inflating) into a tree."""
        cap = max(_WHOLE, _SMALL_MAX)
        with self.zf.open(info) as stream:
            data = stream.read(cap + 1)
        if len(data) > cap:
            raise _fail("file-unsafe", "size-mismatch", name=info.filename)
        self._account(info, len(data))
        if not data:
            raise _fail("file-corrupt", "part-empty", name=info.filename)
        if _DOCTYPE in data:
            raise _fail("file-unsafe", "part-dtd", name=info.filename)
        parser = _make_parser(data, None)
        parser.feed(data)
        return parser.close()

    def walk(self, info: zipfile.ZipInfo, wanted, containers=frozenset(), local=None, small_only: bool = False):
        """Yield the elements of a part whose local name is in ``wanted``.

        Small parts (the normal case) are parsed whole with the C parser and only the root's
        children (and the children of ``containers``) are looked at; big parts are parsed
        incrementally, finished elements are cleared and the element count is bounded.
        """
        if small_only and info.file_size > _SMALL_MAX:
            raise _fail("file-too-large", "part-large", name=info.filename)
        if info.file_size <= _WHOLE or small_only:
            root = self.whole(info)
            if local is None:  # spreadsheetml parts: compare Clark names, no per-element calls
                tags, ctags = _tagset(wanted), _tagset(containers)
                for child in root:
                    tag = child.tag
                    if tag in tags:
                        yield child
                    elif tag in ctags:
                        for sub in child:
                            if sub.tag in tags:
                                yield sub
                return
            for child in root:
                name = local(child.tag)
                if name in wanted:
                    yield child
                elif name in containers:
                    for sub in child:
                        if local(sub.tag) in wanted:
                            yield sub
            return
        local = local or _local
        budget = self.limits.max_cells * 4 + 10_000  # a real cell is 2-3 elements (c, v, f)
        for _event, el in self.events(info):
            budget -= 1
            if budget < 0:
                raise _fail("file-too-large", "part-elements", name=info.filename)
            name = local(el.tag)
            if name in wanted:
                yield el
                el.clear()
            elif name not in _KEEP:
                el.clear()
            # Finished elements stay attached to their parent, emptied: a few dozen bytes each,
            # and the budget bounds their number. (Detaching them with parent.remove() would
            # scan the siblings: quadratic on a hostile row with many children.)

    def events(self, info: zipfile.ZipInfo, events: tuple[str, ...] = ("end",)):
        """Parse one part incrementally, yielding ElementTree (event, element) pairs."""
        part_bytes = 0
        tail = b""
        parser: XMLPullParser | None = None
        with self.zf.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                self.inflated -= part_bytes
                part_bytes += len(chunk)
                self._account(info, part_bytes)
                if parser is None:
                    parser = _make_parser(chunk, events)
                if _DOCTYPE in tail + chunk[:16] or _DOCTYPE in chunk:
                    raise _fail("file-unsafe", "part-dtd", name=info.filename)
                tail = chunk[-16:]
                parser.feed(chunk)
                yield from parser.read_events()
        if parser is None:
            raise _fail("file-corrupt", "part-empty", name=info.filename)
        parser.close()
        yield from parser.read_events()


def _make_parser(first: bytes, events: tuple[str, ...] | None):
    """A pull parser (``events``) or a whole-document parser (``None``) for a part."""
    head = first[:200]
    plain = not (head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4])
    if plain:
        m = _ENCODING_RE.match(head.removeprefix(b"\xef\xbb\xbf"))
        plain = m is None or m.group(1).lower() in _UTF8_NAMES
    if plain:
        return XMLPullParser(events) if events is not None else XMLParser(target=TreeBuilder())
    # Not UTF-8: the DOCTYPE byte scan cannot see through the encoding; let defusedxml's
    # parser refuse DTDs and entities instead (slower, and never used by real producers).
    from defusedxml.ElementTree import DefusedXMLParser

    defused = DefusedXMLParser(target=TreeBuilder(), forbid_dtd=True)
    return XMLPullParser(events, _parser=defused) if events is not None else defused


# --------------------------------------------------------------------------- small helpers

_REF_CACHE: dict[str, tuple[int, int]] = {}
_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_MAX_ROW = 1_048_576
_MAX_COL = 16_384


def _parse_ref(ref: str) -> tuple[int, int] | None:
    pos = _REF_CACHE.get(ref)
    if pos is not None:
        return pos
    m = _REF_RE.fullmatch(ref)
    if m is None:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2))
    if not (1 <= row <= _MAX_ROW and 1 <= col <= _MAX_COL):
        return None
    pos = (row - 1, col - 1)
    if len(_REF_CACHE) < 100_000:
        _REF_CACHE[ref] = pos
    return pos


_INT_RE = re.compile(r"[+-]?[0-9]+")
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _number(text: str) -> int | Decimal | None:
    """Excel's stored number text as int (integral digits) or exact Decimal; None if not a number."""
    text = text.strip()
    if _INT_RE.fullmatch(text):
        if len(text) > 400:
            return None
        return int(text)
    if len(text) > 400:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    # Excel numbers are doubles (|exponent| <= ~308); bigger ones would only blow up later sums.
    if value and not -400 < value.adjusted() < 400:
        return None
    return value


def _unescape(text: str) -> str:
    # OOXML ST_Xstring escapes control characters as _xHHHH_ (and a literal "_x" as _x005F_x).
    if "_x" in text:
        return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "on")


def _rich_text(el) -> str:
    """Text of an ``si`` / ``is`` element: ``t`` plus every run's ``t``; phonetic runs skipped.

    LibreOffice stores a label that mixes Chinese and Latin characters as runs (one font per
    script), so a plain label is often rich text.
    """
    t_tags, r_tags = _T_TAGS, _R_TAGS
    if len(el) == 1:
        child = el[0]
        if child.tag in t_tags:
            return child.text or ""
    parts = []
    for child in el:
        tag = child.tag
        if tag in t_tags:
            parts.append(child.text or "")
        elif tag in r_tags:
            for sub in child:
                if sub.tag in t_tags:
                    parts.append(sub.text or "")
    return "".join(parts)


# --------------------------------------------------------------------------- styles

# Builtin date/time formats (ECMA-376 18.8.30) plus the zh-CN locale builtins 27-36 and 50-58
# that Chinese Excel and WPS use for 年月日 dates without writing a <numFmt>.
_DATE_BUILTINS = frozenset([*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)])
_FMT_STRIP_RE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)
_DATE_TOKEN_RE = re.compile(r"[ydhs年月日时分秒]|\[[hms]+\]|am/pm|a/p|上午|下午", re.IGNORECASE)


def _is_date_format(code: str) -> bool:
    """True when an Excel number format code shows a date or time."""
    section = code[:1024].split(";", 1)[0]  # Excel's own limit is 255 characters
    stripped = _FMT_STRIP_RE.sub("", section)
    if stripped.strip().lower() == "general":
        return False
    return _DATE_TOKEN_RE.search(stripped) is not None


def _read_styles(pkg: ZipPackage, info: zipfile.ZipInfo | None) -> list[tuple[bool, bool]]:
    """cellXfs as (is_date, locked) per style index; stops parsing after cellXfs."""
    if info is None:
        return []
    formats: dict[int, str] = {}
    xfs: list[tuple[bool, bool]] = []
    for el in pkg.walk(info, _STYLE_WANTED):
        if _local(el.tag) == "numFmts":
            for fmt in el:
                if _local(fmt.tag) == "numFmt":
                    try:
                        formats[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode") or ""
                    except ValueError:
                        continue
            continue
        for xf in el:
            if _local(xf.tag) != "xf":
                continue
            try:
                fmt_id = int(xf.get("numFmtId") or 0)
            except ValueError:
                fmt_id = 0
            code = formats.get(fmt_id)
            is_date = fmt_id in _DATE_BUILTINS if code is None else _is_date_format(code)
            locked = True
            for sub in xf:
                if _local(sub.tag) == "protection":
                    locked = (sub.get("locked") or "1").strip().lower() not in ("0", "false")
            xfs.append((is_date, locked))
            if len(xfs) > pkg.limits.max_cells:
                raise _fail("file-too-large", "styles-large")
        break
    return xfs


_STYLE_WANTED = frozenset({"numFmts", "cellXfs"})


# --------------------------------------------------------------------------- shared strings


def _read_shared_strings(pkg: ZipPackage, info: zipfile.ZipInfo | None) -> tuple[list[str], set[int]]:
    strings: list[str] = []
    truncated: set[int] = set()
    if info is None:
        return strings, truncated
    limit = pkg.limits.max_string_chars
    max_items = pkg.limits.max_cells
    for el in pkg.walk(info, _SI):
        text = _unescape(_rich_text(el))
        if len(text) > limit:
            text = text[:limit]
            truncated.add(len(strings))
        strings.append(text)
        if len(strings) > max_items:
            raise _fail("file-too-large", "strings-many", count=max_items)
    return strings, truncated


_SI = frozenset({"si"})


# --------------------------------------------------------------------------- formulas

_FORMULA_TOKEN_RE = re.compile(
    # Quoted tokens never fail to match (an unterminated one runs to the end), so the scan is
    # linear whatever the text: no backtracking over hostile runs of quotes.
    r"""("(?:[^"]|"")*+"?)"""  # string literal
    r"""|('(?:[^']|'')*+'?)"""  # quoted sheet name
    r"""|(?<![A-Za-z0-9_.\\])(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})(?![A-Za-z0-9_(])"""
)


_TRANSLATE_BUDGET = 2_000_000  # characters of shared-formula text translated per sheet
_MAX_FORMULA = 8192  # Excel's limit; longer master texts are kept untranslated


def _translate(formula: str, drow: int, dcol: int) -> str:
    """Shift the relative A1 references of a shared formula's master text to another cell."""
    if (drow == 0 and dcol == 0) or len(formula) > _MAX_FORMULA:
        return formula

    def shift(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            return m.group(0)
        col_abs, letters, row_abs, digits = m.group(3), m.group(4), m.group(5), m.group(6)
        col = 0
        for ch in letters.upper():
            col = col * 26 + ord(ch) - 64
        row = int(digits)
        if col > _MAX_COL:
            return m.group(0)
        if not col_abs:
            col += dcol
        if not row_abs:
            row += drow
        if col < 1 or row < 1 or col > _MAX_COL or row > _MAX_ROW:
            return "#REF!"
        return f"{col_abs}{_col_letters(col - 1)}{row_abs}{row}"

    return _FORMULA_TOKEN_RE.sub(shift, formula)


# --------------------------------------------------------------------------- worksheets


def _tags(local: str) -> frozenset[str]:
    return frozenset({local, *(f"{{{ns}}}{local}" for ns in _MAIN_NS)})


_C_TAGS = _tags("c")
_T_TAGS = _tags("t")
_R_TAGS = _tags("r")
_V_TAGS = _tags("v")
_F_TAGS = _tags("f")
_IS_TAGS = _tags("is")
_SHEET_WANTED = frozenset({"row", "mergeCell", "sheetProtection"})
_SHEET_CONTAINERS = frozenset({"sheetData", "mergeCells"})


# long: the per-cell hot loop, inlined on purpose: a call per cell costs ~10% of a validation (benchmarks/run.py);
#   tested by tests/reading/test_xlsx*.py
def _read_sheet(
    pkg: ZipPackage,
    info: zipfile.ZipInfo,
    sheet: RawSheet,
    strings: list[str],
    truncated_strings: set[int],
    xfs: list[tuple[bool, bool]],
    budget: list[int],
) -> None:
    """Fill ``sheet`` from a worksheet part; ``budget`` = [cells, rows] left in the workbook."""
    cells = sheet.cells
    n_strings = len(strings)
    xf_default = xfs[0] if xfs else (False, True)
    # style attribute text -> (is_date, locked); unknown or invalid indexes fall back to style 0
    xf_by_s = {str(i): xf for i, xf in enumerate(xfs)}
    limit = pkg.limits.max_string_chars
    shared: dict[str, tuple[str, int, int]] = {}
    translate_left = _TRANSLATE_BUDGET
    cells_left, rows_left = budget
    prev_row = -1
    c_tags, v_tags, f_tags, is_tags = _C_TAGS, _V_TAGS, _F_TAGS, _IS_TAGS
    ref_get, xf_get = _REF_CACHE.get, xf_by_s.get
    for el in pkg.walk(info, _SHEET_WANTED, _SHEET_CONTAINERS):
        local = _local(el.tag)
        if local == "mergeCell":
            ref = el.get("ref")
            if ref:
                sheet.merges.append(ref)
                cells_left -= 1
                if cells_left < 0:
                    raise _fail("file-too-large", "merges-many", sheet=sheet.name)
            continue
        if local == "sheetProtection":
            sheet.protected = _truthy(el.get("sheet"))
            continue
        # A <row>: rows and cells may omit "r" (the position then follows the previous one).
        r_attr = el.get("r")
        if r_attr is not None:
            try:
                row = int(r_attr) - 1
            except ValueError:
                raise _fail("file-corrupt", "row-bad", sheet=sheet.name, value=r_attr[:20]) from None
            if not 0 <= row < _MAX_ROW:
                raise _fail("file-corrupt", "row-bad", sheet=sheet.name, value=r_attr[:20])
        else:
            row = prev_row + 1
        if _truthy(el.get("hidden")):
            sheet.hidden_rows.add(row)
        col = -1
        cells_left -= len(el)
        rows_left -= 1
        if cells_left < 0 or rows_left < 0:
            raise _fail("file-too-large", "cells-many", count=pkg.limits.max_cells, sheet=sheet.name)
        for c in el:
            if c.tag not in c_tags:
                continue
            ref = c.get("r")
            if ref is not None:
                pos = ref_get(ref) or _parse_ref(ref)
                if pos is None:
                    raise _fail("file-corrupt", "ref-bad", sheet=sheet.name, value=ref[:20])
                row, col = pos
            else:
                col += 1
                if col >= _MAX_COL:
                    raise _fail("file-corrupt", "row-cells-many", sheet=sheet.name, row=row + 1)
            kind = c.get("t", "n")
            f_el = is_el = None
            if len(c) == 1 and c[0].tag in v_tags:  # the common case: just a value
                v_text = c[0].text
            else:
                v_text = None
                for sub in c:
                    tag = sub.tag
                    if tag in v_tags:
                        v_text = sub.text  # None for <v/> (openpyxl writes that for formulas)
                    elif tag in f_tags:
                        f_el = sub
                    elif tag in is_tags:
                        is_el = sub
            is_date, locked = xf_get(c.get("s"), xf_default)
            truncated = False
            value: str | int | Decimal | bool | None
            if kind == "n":
                if not v_text:
                    value = None
                elif len(v_text) < 16 and v_text.isdigit() and v_text.isascii():
                    value = int(v_text)
                else:
                    value = _number(v_text)
                    if value is None:
                        value, kind, is_date = v_text, "str", False
            elif kind == "s":
                is_date = False
                if not v_text:
                    value = None
                else:
                    try:
                        idx = int(v_text)
                    except ValueError:
                        idx = -1
                    if not 0 <= idx < n_strings:
                        raise _fail(
                            "file-corrupt", "string-missing", sheet=sheet.name, address=f"{_col_letters(col)}{row + 1}"
                        )
                    value = strings[idx]
                    truncated = idx in truncated_strings
            elif kind == "str" or kind == "e":
                is_date = False
                value = _unescape(v_text) if v_text else ("" if f_el is not None else None)
            elif kind == "inlineStr":
                is_date = False
                value = _unescape(_rich_text(is_el)) if is_el is not None else v_text
            elif kind == "b":
                is_date = False
                value = None if not v_text else v_text.strip().lower() in ("1", "true")
            elif kind == "d":
                value, is_date = v_text or None, True
            else:  # unknown type: keep the text, call it a string
                value, kind, is_date = v_text, "str", False
            if value.__class__ is str and len(value) > limit:
                value = value[:limit]
                truncated = True
            formula = None
            formula_shared = False
            if f_el is not None:
                formula = f_el.text
                if formula is not None:
                    formula = formula.removeprefix("=")
                if f_el.get("t") == "shared":
                    si = f_el.get("si")
                    if formula:
                        if si is not None:
                            shared[si] = (formula, row, col)
                    else:
                        # A dependent of a shared formula: the master (earlier in the sheet) has the text.
                        formula_shared = True
                        master = shared.get(si) if si is not None else None
                        formula = None
                        if master is not None and translate_left > 0:
                            # bounded: a hostile long master with many dependents must not cost minutes
                            translate_left -= len(master[0])
                            formula = _translate(master[0], row - master[1], col - master[2])
            elif value is None:
                kind = "blank"
            cells[(row, col)] = RawCell(value, kind, formula, formula_shared, is_date, locked, truncated)
        prev_row = row
    budget[0], budget[1] = cells_left, rows_left


# --------------------------------------------------------------------------- package structure


def _rels(pkg: ZipPackage, source: str) -> list[tuple[str, str, str]]:
    """(id, type, resolved target path) of a part's relationships; [] when absent."""
    folder, _, name = source.rpartition("/")
    rels_path = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    info = pkg.info(rels_path)
    if info is None:
        return []
    out = []
    for el in pkg.walk(info, _RELATIONSHIP, local=_anylocal, small_only=True):
        if (el.get("TargetMode") or "").lower() == "external":
            continue
        # Targets are URIs relative to the source part's folder, or absolute from the package root.
        target = unquote((el.get("Target") or "").replace("\\", "/"))
        if target.startswith("/"):
            path = posixpath.normpath(target).lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join(folder, target)).lstrip("/")
        out.append((el.get("Id") or "", el.get("Type") or "", path))
    return out


_RELATIONSHIP = frozenset({"Relationship"})
_APPLICATION_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Application(?:\s[^>]*)?>([^<]{0,400})<")


def _application(pkg: ZipPackage, info: zipfile.ZipInfo | None) -> str | None:
    """docProps/app.xml's Application, found without parsing the part.

    xlsxwriter lists every defined name in app.xml (TitlesOfParts), which makes the part as
    big as all the sheets together; one informative string is not worth parsing it.
    """
    if info is None or info.file_size > _SMALL_MAX:
        return None
    with pkg.zf.open(info) as stream:
        data = stream.read(_SMALL_MAX + 1)
    pkg._account(info, len(data))
    m = _APPLICATION_RE.search(data)
    if m is None:
        return None
    text = m.group(1).decode("utf-8", "replace").strip()
    return _xml_unescape(text) or None


_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}
_ENTITY_RE = re.compile("&(?:lt|gt|quot|apos|amp);")


def _xml_unescape(text: str) -> str:
    """The five predefined XML entities (xml.sax.saxutils would import urllib.request: ~15 ms)."""
    return _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(0)], text) if "&" in text else text


_PROPERTY = frozenset({"property"})
_WB_WANTED = frozenset({"sheet", "definedName", "workbookProtection", "workbookPr"})
_WB_CONTAINERS = frozenset({"sheets", "definedNames"})


def check_zip_directory(data: bytes, limits: Limits) -> None:
    """Refuse archives with absurd numbers of entries before zipfile builds a ZipInfo for each.

    zipfile walks the central directory by its byte size, so both the declared entry count
    and the directory size are checked (from the end-of-central-directory record).
    """
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if pos < 0 or len(data) < pos + 22:
        return  # zipfile will report the archive as broken
    entries = int.from_bytes(data[pos + 10 : pos + 12], "little")
    size = int.from_bytes(data[pos + 12 : pos + 16], "little")
    z64 = data.rfind(b"PK\x06\x06", max(0, pos - 1024), pos)
    if z64 >= 0 and len(data) >= z64 + 48:
        entries = max(entries, int.from_bytes(data[z64 + 32 : z64 + 40], "little"))
        size = max(size, int.from_bytes(data[z64 + 40 : z64 + 48], "little"))
    if entries > limits.max_parts or size > limits.max_parts * 300:
        raise _fail("file-too-large", "entries-many", count=entries)


# long: reads the parts in dependency order under one running total of inflated bytes (the zip-bomb guard); kept
#   together so no part escapes the count
def _read_package(
    data: bytes, limits: Limits, skip_sheets: Callable[[dict[str, str]], Collection[str]] | None = None
) -> RawWorkbook:
    check_zip_directory(data, limits)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _fail("file-corrupt", "zip-incomplete") from exc
    with zf:
        pkg = ZipPackage(zf, limits)
        pkg.check_declared([])
        root_rels = _rels(pkg, "")
        wb_path = None
        app_path = "docProps/app.xml"
        custom_path = "docProps/custom.xml"
        for _rid, rtype, target in root_rels:
            if rtype.endswith("/officeDocument") and wb_path is None:
                wb_path = target
            elif rtype.endswith("/extended-properties"):
                app_path = target
            elif rtype.endswith("/custom-properties"):
                custom_path = target
        if wb_path is None or pkg.info(wb_path) is None:
            wb_path = "xl/workbook.xml"
        wb_info = pkg.info(wb_path)
        if wb_info is None:
            raise _not_workbook(pkg)
        if wb_info.filename.lower().endswith(".bin"):
            raise _fail("file-not-xlsx", "is-xlsb")

        wb_rels = {rid: (rtype, target) for rid, rtype, target in _rels(pkg, wb_path)}
        styles_info = shared_info = None
        for rtype, target in wb_rels.values():
            if rtype.endswith("/styles"):
                styles_info = pkg.info(target)
            elif rtype.endswith("/sharedStrings"):
                shared_info = pkg.info(target)
        folder = wb_path.rpartition("/")[0]
        if styles_info is None:
            styles_info = pkg.info(posixpath.join(folder, "styles.xml"))
        if shared_info is None:
            shared_info = pkg.info(posixpath.join(folder, "sharedStrings.xml"))

        # workbook.xml: sheets, defined names, structure lock
        sheets: list[RawSheet] = []
        sheet_parts: list[zipfile.ZipInfo | None] = []
        raw_names: list[tuple[str, str | None, str]] = []
        structure_locked = False
        strict = False
        date1904 = False
        pkg.check_declared([i for i in (wb_info, styles_info, shared_info) if i is not None])
        for el in pkg.walk(wb_info, _WB_WANTED, _WB_CONTAINERS):
            local = _local(el.tag)
            if local == "sheet":
                if el.tag.startswith("{" + _STRICT_MAIN):
                    strict = True
                name = el.get("name") or ""
                state = el.get("state") or "visible"
                if state not in ("visible", "hidden", "veryHidden"):
                    state = "visible"
                rid = next((el.get(k) for k in _REL_ID_KEYS if el.get(k) is not None), None)
                if rid is None:
                    rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
                rtype, target = wb_rels.get(rid or "", ("", ""))
                part = pkg.info(target) if target else None
                sheet_type = "worksheet"
                if part is None:
                    sheet_type = "missing"
                elif not rtype.endswith("/worksheet"):
                    sheet_type = _SHEET_TYPES.get(rtype.rpartition("/")[2], "worksheet")
                sheets.append(RawSheet(name=name, state=state, sheet_type=sheet_type, path=target))
                sheet_parts.append(part if sheet_type == "worksheet" else None)
                if len(sheets) > 10_000:
                    raise _fail("file-too-large", "sheets-many")
            elif local == "definedName":
                raw_names.append((el.get("name") or "", el.get("localSheetId"), el.text or ""))
                if len(raw_names) > limits.max_cells:
                    raise _fail("file-too-large", "names-many")
            elif local == "workbookProtection":
                structure_locked = _truthy(el.get("lockStructure"))
            elif local == "workbookPr":
                date1904 = _truthy(el.get("date1904"))
        pkg.check_declared([p for p in sheet_parts if p is not None])

        defined: dict[str, str] = {}
        local_names: dict[tuple[str, str], str] = {}
        for name, scope, text in raw_names:
            if scope is None:
                defined.setdefault(name, text)
        for name, scope, text in raw_names:
            if scope is None:
                continue
            try:
                sheet_name = sheets[int(scope)].name
            except (ValueError, IndexError):
                continue
            local_names.setdefault((sheet_name, name), text)
            defined.setdefault(name, text)

        custom: dict[str, str] = {}
        custom_info = pkg.info(custom_path)
        for el in pkg.walk(custom_info, _PROPERTY, local=_anylocal, small_only=True) if custom_info else ():
            name = el.get("name")
            if name is not None:
                value = next(iter(el), None)
                text = "" if value is None else (value.text or "")
                custom[name] = text[: limits.max_string_chars]
        skip = frozenset(skip_sheets(dict(custom))) if skip_sheets is not None else frozenset()

        xfs = _read_styles(pkg, styles_info)
        strings, truncated = _read_shared_strings(pkg, shared_info)
        budget = [limits.max_cells, limits.max_cells]  # cells, rows (empty rows cost time too)
        for sheet, part in zip(sheets, sheet_parts, strict=True):
            if part is None:
                continue
            if sheet.name in skip:
                sheet.skipped = True
                continue
            _read_sheet(pkg, part, sheet, strings, truncated, xfs, budget)
        del strings

        application = _application(pkg, pkg.info(app_path))
        return RawWorkbook(
            sheets=sheets,
            defined_names=defined,
            custom_properties=custom,
            structure_locked=structure_locked,
            application=application,
            local_names=local_names,
            strict=strict,
            date1904=date1904,
        )


_SHEET_TYPES = {
    "chartsheet": "chartsheet",
    "dialogsheet": "dialogsheet",
    "xlMacrosheet": "macrosheet",
    "macrosheet": "macrosheet",
}


def _not_workbook(pkg: ZipPackage) -> XlsxError:
    names = pkg.names
    if "word/document.xml" in names:
        return _fail("file-not-xlsx", "is-docx")
    if "ppt/presentation.xml" in names:
        return _fail("file-not-xlsx", "is-pptx")
    if "xl/workbook.bin" in names:
        return _fail("file-not-xlsx", "is-xlsb")
    if "mimetype" in names or "content.xml" in names:
        return _fail("file-not-xlsx", "is-ods")
    if any(n.endswith((".xlsx", ".xls", ".et")) for n in names):
        return _fail("file-not-xlsx", "is-archive")
    return _fail("file-not-xlsx", "no-workbook")


# --------------------------------------------------------------------------- entry point


def read_xlsx(
    source: Path | str | bytes,
    limits: Limits = Limits(),
    *,
    skip_sheets: Callable[[dict[str, str]], Collection[str]] | None = None,
) -> RawWorkbook:
    """Read a returned workbook (path or bytes) into a :class:`RawWorkbook`.

    ``skip_sheets``: given the custom document properties, the names of sheets whose cells
    are not wanted (left empty, ``RawSheet.skipped``; they count against no limit).
    Raises :class:`XlsxError` (never anything else) when the file cannot be used; the
    input file is only read.
    """
    suffix = ""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        path = Path(source)
        suffix = path.suffix.lower()
        try:
            size = os.stat(path).st_size
            if size > limits.max_file_bytes:
                raise _fail("file-too-large", "file-size", size=_mb(size), limit=_mb(limits.max_file_bytes))
            with open(path, "rb") as fh:
                data = fh.read(limits.max_file_bytes + 1)
        except XlsxError:
            raise
        except (OSError, ValueError) as exc:
            raise _fail("file-unreadable", "raw", text=type(exc).__name__) from exc
    if not data:
        raise _fail("file-empty")
    if len(data) > limits.max_file_bytes:
        raise _fail("file-too-large", "file-size", size=_mb(len(data)), limit=_mb(limits.max_file_bytes))
    if data[:4] == _OLE_MAGIC[:4]:  # D0 CF 11 E0: an OLE2 compound file (old Office, encrypted)
        raise _sniff_ole(data, suffix)
    if not data.startswith(b"PK"):
        raise _sniff_other(data[:4096])
    try:
        return _read_package(data, limits, skip_sheets)
    except XlsxError:
        raise
    except MemoryError as exc:
        raise _fail("file-too-large", "memory") from exc
    except RuntimeError as exc:
        # zipfile: "File ... is encrypted, password required for extraction"
        if "encrypted" in str(exc):
            raise _fail("file-encrypted") from exc
        raise _fail("file-corrupt", "raw", text=type(exc).__name__) from exc
    except ParseError as exc:
        raise _fail("file-corrupt", "xml-bad", text=str(exc)[:80]) from exc
    except Exception as exc:
        name = type(exc).__name__
        if name in ("DTDForbidden", "EntitiesForbidden", "ExternalReferenceForbidden", "DefusedXmlException"):
            raise _fail("file-unsafe", "dtd") from exc
        if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError)):
            raise _fail("file-corrupt", "deflate-bad") from exc
        if isinstance(exc, NotImplementedError):
            raise _fail("file-corrupt", "compression-unsupported") from exc
        raise _fail("file-corrupt", "raw", text=name) from exc
