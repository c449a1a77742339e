"""The annotated copy sent back to a unit: failing cells highlighted and commented, a 审核结果 sheet,
and in 情况说明 one pre-filled row per open query (核实) for the clerk to answer.

openpyxl loads the returned workbook and saves a copy (the input is never modified). It keeps
sheet protection, unlocked cells, defined names, hidden sheets and custom properties; the
tests check that the copy still opens in LibreOffice with protection and unlocked inputs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ogi_xlsx.model.cellref import column_index
from ogi_xlsx.model.findings import SEVERITY_LABELS, SEVERITY_ORDER, Finding, open_queries
from ogi_xlsx.pipeline.report import ANNOTATED_SUFFIX, FileReport
from ogi_xlsx.util.atomic import atomic_write
from ogi_xlsx.writing.styles import LINK_COLOR, SEVERITY_FILLS

RESULT_SHEET = "审核结果"
RESULT_HEADERS = ("序号", "级别", "工作表", "单元格", "问题类型", "问题", "代码")
RESULT_WIDTHS = (6, 6, 14, 10, 18, 70, 14)


# File names are limited to 255 bytes on Linux/macOS (and 255 UTF-16 units on Windows):
# a long original name is shortened so that the copy can be written.
MAX_NAME_BYTES = 255


def annotated_name(path: Path, n: int = 1) -> str:
    """``<stem>_审核结果.xlsx`` (``…_2.xlsx`` for ``n`` = 2), the stem shortened to fit a file name."""
    tail = f"{ANNOTATED_SUFFIX}{'' if n == 1 else f'_{n}'}.xlsx"
    room = MAX_NAME_BYTES - len(os.fsencode(tail))
    # a corrected copy mailed back and checked again: X_审核结果.xlsx -> X_审核结果.xlsx, not …_审核结果_审核结果
    stem = re.sub(rf"{ANNOTATED_SUFFIX}(_\d+)?$", "", path.stem) or path.stem
    while len(os.fsencode(stem)) > room:
        stem = stem[:-1]
    return stem + tail


def can_annotate(report: FileReport) -> bool:
    """Only workbooks that could be read get a copy (not .json, not unreadable files)."""
    if Path(report.path).suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    return not any(f.code.startswith("file-") for f in report.findings)


def _set_text(cell, value: str | int | None) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # a message or sheet name is text, never a formula


# openpyxl makes one object per cell of every merged or hyperlinked range when it loads a
# sheet: a hostile "A1:XFD1048576" would take minutes and gigabytes. Refuse such copies.
MAX_RANGE_CELLS = 1_000_000
_RANGE = re.compile(
    rb"<(?:\w+:)?(?:mergeCell|hyperlink)\b[^>]*?\bref=\"\$?([A-Za-z]{1,3})\$?(\d{1,7}):\$?([A-Za-z]{1,3})\$?(\d{1,7})\""
)


# openpyxl needs ~40 µs a cell to load and save: a return has under a thousand cells, so a copy
# of a workbook with far more (within the reader's limits) would take most of the 10 s budget.
MAX_COPY_CELLS = 50_000
MAX_COPY_RANGES = 10_000
MAX_COPY_XML_BYTES = 4 * 1024 * 1024  # all XML parts; a return's are about 100 KB
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")


def check_ranges(source: Path, limit: int = MAX_RANGE_CELLS, max_cells: int = MAX_COPY_CELLS) -> None:
    """Raise ValueError (Chinese message) when merged/hyperlinked ranges cover more than ``limit``
    cells, or the sheets hold more than ``max_cells`` cells: openpyxl could not copy it in time."""
    import zipfile

    total = cells = ranges = size = 0
    with zipfile.ZipFile(source) as zf:
        for info in zf.infolist():
            name = info.filename
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                if name.endswith((".xml", ".vml")):  # shared strings, styles, comments… (declared size)
                    size += info.file_size
                continue
            # part sizes were checked by the reader before (no file-* finding for this report)
            xml = zf.read(name)
            cells += len(_CELL.findall(xml))
            if cells > max_cells:
                raise ValueError(
                    f"文件中有超过 {max_cells} 个单元格，远多于报表所需，无法生成标注副本；请删除与报表无关的内容"
                )
            for m in _RANGE.finditer(xml):
                c1, r1, c2, r2 = column_index(m[1]) + 1, int(m[2]), column_index(m[3]) + 1, int(m[4])
                total += (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1)
                ranges += 1
                if ranges > MAX_COPY_RANGES:  # ~100 µs each in openpyxl; a return has about a hundred
                    raise ValueError(f"文件中的合并单元格或超链接超过 {MAX_COPY_RANGES} 处，无法生成标注副本")
                if total > limit:
                    ref = f"{m[1].decode()}{m[2].decode()}:{m[3].decode()}{m[4].decode()}"
                    raise ValueError(f"文件中的合并单元格或超链接范围过大（如 {ref}），无法生成标注副本")
            size += len(xml)
            if size > MAX_COPY_XML_BYTES:  # anything else openpyxl builds objects for (formats, validations…)
                raise ValueError(
                    f"文件内容过多（超过 {MAX_COPY_XML_BYTES // 1024 // 1024} MB），远多于报表所需，无法生成标注副本"
                )


def annotate(report: FileReport, target: Path) -> Path:
    """Write the annotated copy of ``report.path`` to ``target`` atomically; returns ``target``."""
    from openpyxl import load_workbook
    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    source = Path(report.path)
    if target.resolve() == source.resolve():
        raise ValueError(f"refusing to overwrite the input {source}")
    check_ranges(source)
    wb = load_workbook(source)
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    for (sheet, address), findings in by_cell.items():
        ws = wb[sheet]
        try:
            cell = ws[address]
        except (ValueError, IndexError):
            continue
        if isinstance(cell, MergedCell):
            continue
        worst = min((f.severity or "error" for f in findings), key=lambda s: SEVERITY_ORDER[s])
        cell.fill = PatternFill("solid", fgColor=SEVERITY_FILLS[worst])
        text = "\n".join(f"【{SEVERITY_LABELS[f.severity or 'error']}】{f.message}" for f in findings)
        comment = Comment(text, "ogi-xlsx")
        comment.width = 360
        comment.height = min(600, 60 + 40 * len(findings))
        cell.comment = comment

    # one row per open query in 情况说明: the clerk only writes the reason and sends the copy back
    open_ones = open_queries(report.findings)
    if open_ones and report.document is not None:
        from ogi_xlsx.writing.explanation_sheet import prefill_explanation_sheet

        prefill_explanation_sheet(wb, report.document.spec, open_ones)

    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]
    ws = wb.create_sheet(RESULT_SHEET, 0)  # first: what the clerk sees and prints first
    _result_sheet(ws, report, wb.sheetnames)
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = False  # one selected tab only: grouped sheets would edit together
    ws.sheet_view.tabSelected = True
    wb.active = wb.sheetnames.index(RESULT_SHEET)

    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, wb.save)
    return target


def _text_lines(text: str, width: int) -> int:
    """Lines ``text`` takes in a column ``width`` characters wide (CJK characters count two)."""
    from ogi_xlsx.util.text import display_width as _width

    room = max(width - 1, 1)
    return sum(max(1, -(-_width(part) // room)) for part in text.split("\n"))


def _result_sheet(ws, report: FileReport, sheetnames: Sequence[str]) -> None:
    """The 审核结果 sheet: one row per problem (blank cells of a table grouped), printable on A4 landscape."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    from ogi_xlsx.model.findings import CODES, group_blanks

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, header in enumerate(RESULT_HEADERS, start=1):
        c = ws.cell(row=1, column=col, value=header)
        c.font = bold
        c.alignment = wrap
    for i, f in enumerate(group_blanks(report.findings), start=1):
        row = i + 1
        ws.cell(row=row, column=1, value=i)
        _set_text(ws.cell(row=row, column=2), SEVERITY_LABELS[f.severity or "error"])
        _set_text(ws.cell(row=row, column=3), f.sheet)
        where = ws.cell(row=row, column=4)
        _set_text(where, f.cell)
        first = (f.cell or "").split(":")[0].rstrip("…")
        if f.sheet and first and f.sheet in sheetnames:
            quoted = f.sheet.replace("'", "''")
            where.hyperlink = Hyperlink(ref=where.coordinate, location=f"'{quoted}'!{first}")
            where.font = Font(color=LINK_COLOR, underline="single")
        _set_text(ws.cell(row=row, column=5), CODES.get(f.code, ("error", f.code))[1])
        message = f.message + (f"\n已说明：{f.explanation}" if f.explanation else "")
        _set_text(ws.cell(row=row, column=6), message)
        _set_text(ws.cell(row=row, column=7), f.code)
        for col in range(1, len(RESULT_HEADERS) + 1):
            ws.cell(row=row, column=col).alignment = wrap
        # spreadsheet programs do not grow a row for wrapped text written by openpyxl: set the height
        texts = {3: f.sheet or "", 5: CODES.get(f.code, ("error", f.code))[1], 6: message}
        lines = max(_text_lines(text, RESULT_WIDTHS[col - 1]) for col, text in texts.items())
        ws.row_dimensions[row].height = 15 * lines + 3
        ws.cell(row=row, column=2).fill = PatternFill("solid", fgColor=SEVERITY_FILLS[f.severity or "error"])
    for col, width in enumerate(RESULT_WIDTHS, start=1):
        ws.column_dimensions[chr(64 + col)].width = width
    ws.freeze_panes = "A2"
    # printing: A4 landscape, all columns on one page width, the header row on every page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


def plan_copies(
    reports: Sequence[FileReport], outdir: Path, keep: Sequence[Path] = (), include_valid: bool = False
) -> dict[Path, Path]:
    """Input path -> the annotated copy's path in ``outdir`` (names made unique), for the files that get one:
    readable returns that need correcting (``include_valid``: every readable return)."""
    inputs = {Path(r.path).resolve() for r in reports} | {Path(p).resolve() for p in keep}
    planned: dict[Path, Path] = {}
    used: set[str] = set()
    for report in reports:
        if not can_annotate(report) or (report.valid and not include_valid):
            continue
        name = annotated_name(Path(report.path))
        n = 2
        while name in used or (outdir / name).resolve() in inputs:
            name = annotated_name(Path(report.path), n)
            n += 1
        used.add(name)
        planned[Path(report.path)] = outdir / name
    return planned


def annotate_all(
    reports: Sequence[FileReport],
    outdir: Path,
    on_error: Callable[[Path, Exception], None] | None = None,
    keep: Sequence[Path] = (),
    include_valid: bool = True,
) -> dict[Path, Path]:
    """Annotated copies in ``outdir`` (see :func:`plan_copies`); input path -> copy.

    ``on_error(input, exception)``: called when one copy cannot be written (the others still
    are); without it the exception propagates. ``keep``: other inputs (the roster) a copy
    must not replace, like the returns themselves. ``include_valid``: also returns without errors.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    by_path = {Path(r.path): r for r in reports}
    written: dict[Path, Path] = {}
    for source, target in plan_copies(reports, outdir, keep, include_valid).items():
        report = by_path[source]
        try:
            written[source] = annotate(report, target)
        except Exception as exc:
            if on_error is None:
                raise
            on_error(Path(report.path), exc)
    return written
