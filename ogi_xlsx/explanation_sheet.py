"""The 情况说明 sheet: where a unit explains its queries inside the workbook it sends back.

One row per explanation: 序号, 规则 (the rule it answers, e.g. ``Y1``), 单元格 (e.g. ``表三 J6``),
核实内容 (the query, filled in by ogi-xlsx in the annotated copy) and 说明 (the reason, typed by
the clerk). The sheet is not protected (the clerk may add rows), printed on A4 landscape, and
starts with instructions. Three functions:

- :func:`write_explanation_sheet`: the sheet in a template or filled return (xlsxwriter);
- :func:`prefill_explanation_sheet`: the annotated copy gets one row per open query (openpyxl);
- :func:`read_explanation_grid`: the rows back from a sheet's cell values, tolerant of moved
  columns, inserted rows and a clerk's extra rows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ogi_xlsx.document import Explanation
from ogi_xlsx.explanations import GENERIC_EXAMPLE, matches
from ogi_xlsx.findings import Finding
from ogi_xlsx.spec import FormatSpec

EXPLANATION_SHEET = "情况说明"
HEADERS = ("序号", "规则", "单元格", "核实内容", "说明（请写明原因）")
COLUMN_WIDTHS = (6, 20, 12, 52, 60)
HEADER_ROW = 6  # 0-based: title, four lines of instructions, a blank row, then the header
INPUT_ROWS = 12  # with the instructions, one A4 landscape page
INPUT_FILL = "#FFF2CC"
HEAD_FILL = "#D9E1F2"

INSTRUCTIONS = (
    "1. 审核结果中“核实”一级的问题，是数字可能有误、也可能属实的情况。请先核对数字：填错的，请在相应表格中改正；"
    "核对无误的，请在下表写明原因，审核单位据此判断。",
    "2. 每行说明一个核实项：“规则”填规则编号（如 Y1），“单元格”填表名和单元格（如 表三 J6），"
    "“说明”写清原因。退回的标注副本已列出待说明的核实项，只需填写“说明”一栏。",
    f"3. 说明要写具体原因，例如：{GENERIC_EXAMPLE}。只写“核实无误”“数据无误”“情况属实”“已核实”等，不能作为说明。",
    "4. 没有核实项的，本表不用填写。行数不够时可在表格下方继续填写。",
)


SUMMARY_TITLE = "情况说明（下级单位对审核“核实”项的说明）"
SUMMARY_INSTRUCTIONS = (
    "1. 本表列出汇总所含各单位对审核“核实”项的说明（已审核接受），随汇总表报送，供上级审核参考。",
    "2. “单元格”一栏先写单位名称和代码，再写该单位报表中的表名和单元格。",
    "3. 本表由 ogi-xlsx 汇总时生成，请勿修改。",
    "",
)


# a summary's rows name the unit in 单元格 and have no 核实内容
SUMMARY_COLUMN_WIDTHS = (6, 20, 36, 30, 60)


def _row_height(widths: Sequence[float], texts: Sequence[str]) -> float:
    """Points for a row whose wrapped texts sit in columns 1.. (a CJK character is two units wide)."""
    import math

    lines = 2  # room to write by hand in a printed copy
    for width, text in zip(widths[1:], texts, strict=False):
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
        lines = max(lines, math.ceil(units / max(width - 1, 1)))
    return min(409, 15 * lines + 3)  # 409: Excel's largest row height


def _where(spec: FormatSpec, finding: Finding) -> str:
    """``表三 J6`` for a finding on a table sheet (the sheet name otherwise)."""
    short = next((t.short for t in spec.tables if t.sheet == finding.sheet), finding.sheet or "")
    return " ".join(part for part in (short, finding.cell or "") if part)


def write_explanation_sheet(
    wb: Any,
    spec: FormatSpec,
    *,
    explanations: Sequence[Explanation] = (),
    queries: Sequence[Finding] = (),
    input_rows: int = INPUT_ROWS,
    summary: bool = False,
) -> Any:
    """Add the 情况说明 sheet to an xlsxwriter workbook, rows in order (constant_memory safe).

    ``queries`` become pre-filled rows (规则, 单元格, 核实内容) for the clerk to answer;
    ``explanations`` (a filled return's) follow them. ``summary``: the sheet of a summary,
    carrying its units' accepted explanations to the next level (no blank rows to fill).
    Returns the worksheet.
    """
    border = {"border": 1, "font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    title = wb.add_format({"bold": True, "font_size": 14, "font_name": "宋体", "align": "center", "valign": "vcenter"})
    note = wb.add_format({"text_wrap": True, "font_name": "宋体", "font_size": 10, "valign": "top"})
    head = wb.add_format({**border, "bold": True, "align": "center", "text_wrap": True, "bg_color": HEAD_FILL})
    text = wb.add_format({**border, "text_wrap": True, "valign": "top", "locked": False, "num_format": "@"})
    answer = wb.add_format(
        {**border, "text_wrap": True, "valign": "top", "locked": False, "num_format": "@", "bg_color": INPUT_FILL}
    )
    number = wb.add_format({**border, "align": "center", "valign": "top"})
    ws = wb.add_worksheet(EXPLANATION_SHEET)
    widths = SUMMARY_COLUMN_WIDTHS if summary else COLUMN_WIDTHS
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    last = len(HEADERS) - 1
    heading = SUMMARY_TITLE if summary else "情况说明（对审核“核实”项的说明）"
    ws.merge_range(0, 0, 0, last, heading, title)
    ws.set_row(0, 28)
    lines = SUMMARY_INSTRUCTIONS if summary else INSTRUCTIONS
    if summary:
        input_rows = 0
    for i, line in enumerate(lines, start=1):
        ws.merge_range(i, 0, i, last, line, note)
        ws.set_row(i, 30)
    for col, label in enumerate(HEADERS):
        ws.write_string(HEADER_ROW, col, label, head)
    ws.set_row(HEADER_ROW, 22)
    rows: list[tuple[str, str, str, str]] = [(q.rule or "", _where(spec, q), q.message, "") for q in queries]
    rows += [(e.rule, e.cell, "", e.text) for e in explanations]
    rows += [("", "", "", "")] * max(0, input_rows - len(rows))
    for i, (rule, cell, query, reason) in enumerate(rows, start=1):
        r = HEADER_ROW + i
        ws.write_number(r, 0, i, number)
        for col, value in ((1, rule), (2, cell), (3, query)):
            if value:
                ws.write_string(r, col, value, text)
            else:
                ws.write_blank(r, col, None, text)
        if reason:
            ws.write_string(r, 4, reason, answer)
        else:
            ws.write_blank(r, 4, None, answer)
        ws.set_row(r, _row_height(widths, (rule, cell, query, reason)))
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    ws.set_footer("&C&9第 &P 页，共 &N 页")
    return ws


def _label(value: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value)).split()) if value is not None else ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


def read_explanation_grid(cells: Mapping[tuple[int, int], Any]) -> list[Explanation]:
    """Explanations from a 情况说明 sheet's values (0-based (row, col) -> value).

    The header row is found by its labels (规则, 单元格, 说明…), so moved columns and inserted
    rows are fine; rows without a reason (a pre-filled query left unanswered, an empty row)
    are not explanations.
    """
    header_row = None
    columns: dict[str, int] = {}
    for (row, col), value in sorted(cells.items()):
        label = _label(value)
        is_header = label in ("规则", "规则编号", "单元格") or label.startswith("说明")
        if is_header and (header_row is None or row == header_row):
            header_row = row
            key = "rule" if label.startswith("规则") else "cell" if label == "单元格" else "text"
            columns.setdefault(key, col)
        if header_row is not None and row > header_row:
            break
    if header_row is None or "text" not in columns:
        return []
    by_row: dict[int, dict[int, Any]] = {}
    for (row, col), value in cells.items():
        if row > header_row:
            by_row.setdefault(row, {})[col] = value
    out = []
    for row in sorted(by_row):
        values = by_row[row]
        text = _text(values.get(columns["text"]))
        if not text:
            continue
        rule = _text(values.get(columns["rule"])) if "rule" in columns else ""
        cell = _text(values.get(columns["cell"])) if "cell" in columns else ""
        out.append(Explanation(rule=rule, cell=cell, text=text))
    return out


def read_explanation_sheet(ws: Any) -> list[Explanation]:
    """Explanations from an openpyxl worksheet (values, not formulas)."""
    cells = {
        (cell.row - 1, cell.column - 1): cell.value
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None and hasattr(cell, "column")
    }
    return read_explanation_grid(cells)


def prefill_explanation_sheet(wb: Any, spec: FormatSpec, queries: Sequence[Finding]) -> int:
    """In an openpyxl workbook (the annotated copy), one row per open query in 情况说明.

    A query already named in a row (the clerk's refused explanation, say) gets that row's
    核实内容 refreshed rather than a second row; the clerk's text is never changed. Workbooks
    from before the sheet existed get one. Returns the number of rows added.
    """
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    if EXPLANATION_SHEET in wb.sheetnames:
        ws = wb[EXPLANATION_SHEET]
    else:
        ws = wb.create_sheet(EXPLANATION_SHEET)
        ws.cell(row=1, column=1, value="情况说明（对审核“核实”项的说明）").font = Font(bold=True, size=14)
        for i, line in enumerate(INSTRUCTIONS, start=2):
            ws.cell(row=i, column=1, value=line).alignment = Alignment(wrap_text=False)
        for col, label in enumerate(HEADERS, start=1):
            c = ws.cell(row=HEADER_ROW + 1, column=col, value=label)
            c.font = Font(bold=True)
            c.border = box
            c.fill = PatternFill("solid", fgColor=HEAD_FILL.lstrip("#"))
        for col, width in enumerate(COLUMN_WIDTHS, start=1):
            ws.column_dimensions["ABCDE"[col - 1]].width = width
    # where the columns are now (the clerk may have moved them)
    header, cols = HEADER_ROW + 1, {"n": 1, "rule": 2, "cell": 3, "query": 4, "text": 5}
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 40)):
        labels = {_label(c.value): c.column for c in row if c.value is not None}
        if "单元格" in labels:
            header = row[0].row
            cols["rule"] = labels.get("规则", cols["rule"])
            cols["cell"] = labels["单元格"]
            cols["query"] = labels.get("核实内容", cols["query"])
            cols["text"] = next((c for label, c in labels.items() if label.startswith("说明")), cols["text"])
            cols["n"] = labels.get("序号", cols["n"])
            break
    existing: list[tuple[int, Explanation]] = []
    free: list[int] = []
    for r in range(header + 1, ws.max_row + 1):
        rule = _text(ws.cell(row=r, column=cols["rule"]).value)
        cell = _text(ws.cell(row=r, column=cols["cell"]).value)
        text = _text(ws.cell(row=r, column=cols["text"]).value)
        if rule or cell or text:
            existing.append((r, Explanation(rule=rule, cell=cell, text=text)))
        else:
            free.append(r)
    added = 0
    next_row = ws.max_row + 1
    for query in queries:
        named = next((r for r, e in existing if (e.rule or e.cell) and matches(spec, query, e)), None)
        if named is None:
            if free:
                named = free.pop(0)
            else:
                named = next_row
                next_row += 1
            existing.append((named, Explanation(rule=query.rule or "", cell=_where(spec, query), text="")))
            ws.cell(row=named, column=cols["rule"], value=query.rule or "")
            ws.cell(row=named, column=cols["cell"], value=_where(spec, query))
            answer = ws.cell(row=named, column=cols["text"])
            answer.fill = PatternFill("solid", fgColor=INPUT_FILL.lstrip("#"))
            added += 1
        ws.cell(row=named, column=cols["query"], value=query.message)
        for key in ("n", "rule", "cell", "query", "text"):
            c = ws.cell(row=named, column=cols[key])
            c.border = box
            c.alignment = Alignment(horizontal="center", vertical="top") if key == "n" else wrap
            if key != "n" and isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"  # text, never a formula
        ws.cell(row=named, column=cols["n"], value=named - header)
        ws.row_dimensions[named].height = 60
    return added
