"""The roster (报送名单): which units must report, read from CSV or XLSX.

CSV may be UTF-8, UTF-8 with BOM, or GBK (what Excel in China saves). Columns are
``code,name`` or ``单位代码,单位名称``. Problems are reported as :class:`RosterError`
with a Chinese message the district office can act on.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CODE_HEADERS = ("code", "单位代码", "代码")
NAME_HEADERS = ("name", "单位名称", "名称")
HEADER_SEARCH_ROWS = 5  # look this far for the column-name line
MAX_FILENAME = 120  # characters; leaves room for the folder in Windows' 260-character paths
MAX_FILENAME_BYTES = 200  # bytes in UTF-8; leaves room for the suffix under the usual 255-byte limit


class RosterError(Exception):
    """The roster cannot be used; ``str(error)`` is a Chinese message."""


@dataclass(frozen=True)
class RosterUnit:
    """One unit that must submit a return."""

    code: str
    name: str


@dataclass(frozen=True)
class Roster:
    """The units in file order."""

    units: list[RosterUnit]

    def mapping(self) -> dict[str, str]:
        """Unit code -> unit name."""
        return {unit.code: unit.name for unit in self.units}


def _decode(data: bytes, path: Path) -> str:
    """The roster's text, whatever a Chinese office's editor saved it as.

    UTF-16 ("Unicode 文本" from Excel, tab-separated, with or without a BOM), UTF-8 with or
    without a BOM, GBK/GB18030 ("ANSI" in Chinese Windows), and a UTF-8 BOM followed by GBK
    text (a UTF-8 file re-saved as ANSI by an editor that kept the BOM).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[tuple[bytes, str], ...] = ((data, "utf-16"),)
    elif len(data) >= 4 and data.count(b"\x00") * 4 >= len(data):
        # no BOM but every other byte zero: UTF-16 (little-endian when the zeros come second)
        order = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        candidates = ((data, order),)
    else:
        body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        candidates = ((body, "utf-8"), (body, "gb18030"))  # gb18030: a superset of GBK
    for raw, encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.lstrip("\ufeff")
    raise RosterError(
        f"报送名单“{path.name}”无法识别文字编码：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重试。"
    )


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number in Excel
    return str(value).strip()


def _rows_from_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise RosterError(
            f"报送名单“{path.name}”其实是 Excel 工作簿（.xlsx），只是扩展名被改成了 {path.suffix or '空'}："
            "请把扩展名改回 .xlsx，或在 Excel 中“另存为”CSV。"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterError(
            f"报送名单“{path.name}”其实是旧版 Excel 文件（.xls），只是扩展名被改了：请在 Excel 或 WPS 中另存为 .xlsx 或 CSV。"
        )
    text = _decode(data, path)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in (",", "\t", ";") if d in first_line), ",")
    if delimiter not in first_line and "，" in first_line:
        raise RosterError(
            f"报送名单“{path.name}”用全角逗号“，”分隔各列：请改为半角逗号“,”"
            "（或在 Excel 中另存为“CSV UTF-8（逗号分隔）”）后重试。"
        )
    try:
        return [[_clean(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:  # e.g. one field over 128 KB (an unterminated quote swallowing the file)
        reason = "有一项过长，可能是引号没有闭合" if "field larger than field limit" in str(exc) else "引号或分隔符不对"
        raise RosterError(f"报送名单“{path.name}”的格式有误，无法读取（{reason}）；请检查引号和分隔符。") from None


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    from ogi_xlsx.xlsx import XlsxError, read_xlsx

    try:  # the safe reader first: openpyxl would inflate a zip bomb or expand entities without limit
        read_xlsx(path)
    except XlsxError as exc:
        raise RosterError(f"报送名单“{path.name}”不是有效的 .xlsx 文件，无法读取：{exc.message}") from None
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise RosterError(f"报送名单“{path.name}”不是有效的 .xlsx 文件，无法打开（{type(exc).__name__}）。") from None
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # WPS sometimes writes a wrong dimension record
        return [[_clean(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _find_header(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def load_roster(path: Path) -> Roster:
    """Read a roster; raises :class:`RosterError` (Chinese message) when it cannot be used."""
    path = Path(path)
    if not path.exists():
        raise RosterError(f"找不到报送名单文件“{path}”。")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _rows_from_xlsx(path)
    elif suffix in (".csv", ".txt", ""):
        rows = _rows_from_csv(path)
    elif suffix in (".xls", ".et"):
        raise RosterError(f"报送名单“{path.name}”是 {suffix} 格式：请在 Excel 或 WPS 中另存为 .xlsx 或 .csv 后重试。")
    else:
        raise RosterError(f"报送名单“{path.name}”应为 .csv 或 .xlsx 文件。")
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if any(cell for cell in row)]
    if not numbered:
        raise RosterError(f"报送名单“{path.name}”是空的：第一行应为列名“单位代码,单位名称”，其后每行一个单位。")
    # the column names may sit under a title line or two, as in many office spreadsheets
    header_at = next(
        (
            i
            for i, (_, row) in enumerate(numbered[:HEADER_SEARCH_ROWS])
            if _find_header(row, CODE_HEADERS) is not None and _find_header(row, NAME_HEADERS) is not None
        ),
        0,
    )
    header = numbered[header_at][1]
    code_col = _find_header(header, CODE_HEADERS)
    name_col = _find_header(header, NAME_HEADERS)
    missing = [label for label, col in (("单位代码", code_col), ("单位名称", name_col)) if col is None]
    if missing:
        found = "、".join(h for h in header if h) or "（空）"
        raise RosterError(
            f"报送名单“{path.name}”缺少列：{'、'.join(missing)}。第一行应为列名“单位代码,单位名称”"
            f"（或 code,name），实际为：{found}。"
        )
    assert code_col is not None and name_col is not None
    units: list[RosterUnit] = []
    seen: dict[str, int] = {}
    seen_loose: dict[str, tuple[int, str]] = {}  # code without case and spaces -> (row, code)
    seen_names: dict[str, int] = {}
    problems: list[str] = []
    for number, row in numbered[header_at + 1 :]:
        code = row[code_col] if code_col < len(row) else ""
        name = row[name_col] if name_col < len(row) else ""
        if not code:
            problems.append(f"第 {number} 行（{name or '无名称'}）缺少单位代码")
            continue
        if not name:
            problems.append(f"第 {number} 行（代码 {code}）缺少单位名称")
            continue
        if code in seen:
            problems.append(f"第 {number} 行的单位代码“{code}”与第 {seen[code]} 行重复")
            continue
        loose = re.sub(r"\s+", "", code).upper()
        if loose in seen_loose:
            row, other = seen_loose[loose]
            problems.append(
                f"第 {number} 行的单位代码“{code}”与第 {row} 行的“{other}”只差大小写或空格，请统一为同一写法"
            )
            continue
        if name in seen_names:
            problems.append(f"第 {number} 行的单位名称“{name}”与第 {seen_names[name]} 行重复（一个单位只应出现一次）")
            continue
        seen[code] = number
        seen_loose[loose] = (number, code)
        seen_names[name] = number
        units.append(RosterUnit(code=code, name=name))
    if problems:
        shown = "；".join(problems[:10]) + ("；……" if len(problems) > 10 else "")
        raise RosterError(f"报送名单“{path.name}”有 {len(problems)} 处问题：{shown}。请修改后重试。")
    if not units:
        raise RosterError(f"报送名单“{path.name}”没有任何单位：列名行之后每行应有一个单位。")
    return Roster(units=units)


_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_FORBIDDEN = re.compile(r'[\x00-\x1f<>:"/\\|?*]')


def safe_filename(code: str, name: str, suffix: str = ".xlsx") -> str:
    """``<code>_<name>.xlsx`` that is a single, valid file name on Windows, macOS and Linux."""
    stem = f"{code}_{name}"
    stem = unicodedata.normalize("NFC", stem)
    stem = _FORBIDDEN.sub("_", stem)
    stem = re.sub(r"\s+", " ", stem)
    stem = re.sub(r"\.{2,}", "_", stem)  # no ".." anywhere
    stem = stem.strip(" .")
    if len(stem) > MAX_FILENAME:
        stem = stem[:MAX_FILENAME].rstrip(" .")
    # Linux and macOS count a name's bytes (255): 120 Chinese characters are 360 bytes in UTF-8
    while len(stem.encode("utf-8", "surrogateescape")) > MAX_FILENAME_BYTES:
        stem = stem[:-1].rstrip(" .")
    if not stem or stem.split(".")[0].upper() in _RESERVED:
        stem = f"_{stem}"
    return stem + suffix


def lost_leading_zeros(roster: dict[str, str], found: dict[str, str]) -> dict[str, str]:
    """Roster code -> the code the returns carry, where Excel dropped the roster's leading zeros.

    ``found``: unit code -> unit name of the returns. A pair is reported when the names are the
    same and the codes differ only in leading zeros (``1`` on the roster, ``001`` in the return).
    """
    hints: dict[str, str] = {}
    for code, name in found.items():
        if code in roster or code[:1] != "0":
            continue
        for roster_code, roster_name in roster.items():
            same_number = roster_code.lstrip("0") == code.lstrip("0") and len(roster_code) < len(code)
            if same_number and roster_name.strip() == name.strip() and roster_code not in found:
                hints[roster_code] = code
    return hints


def leading_zero_message(roster_code: str, code: str) -> str:
    """The fix for :func:`lost_leading_zeros`, in Chinese."""
    return (
        f"报送名单中的单位代码“{roster_code}”与报表中的“{code}”（单位名称相同）只差开头的 0："
        f"名单可能在 Excel 中打开后被去掉了开头的 0。请把名单的“单位代码”列设为文本，改为“{code}”后重新运行。"
    )
