"""Writing the 情况说明 sheet (its layout and texts: :mod:`ogi_xlsx.reading.explanation_sheet`):

- :func:`write_explanation_sheet`: the sheet in a template or filled return (xlsxwriter);
- :func:`prefill_explanation_sheet`: the annotated copy gets one row per open query (openpyxl).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from ogi_xlsx.checks.explanations import matches
from ogi_xlsx.model.document import Explanation
from ogi_xlsx.model.findings import Finding
from ogi_xlsx.model.spec import FormatSpec
from ogi_xlsx.reading.explanation_sheet import (
    COLUMN_WIDTHS,
    EXPLANATION_SHEET,
    HEADER_ROW,
    HEADERS,
    INPUT_ROWS,
    INSTRUCTIONS,
    SUMMARY_COLUMN_WIDTHS,
    SUMMARY_INSTRUCTIONS,
    SUMMARY_TITLE,
    header_label,
    text_value,
)
from ogi_xlsx.writing.styles import FONT, INPUT_FILL, NOTE_HEAD_FILL

HEAD_FILL = NOTE_HEAD_FILL


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
    border = {"border": 1, "font_name": FONT, "font_size": 10, "valign": "vcenter"}
    title = wb.add_format({"bold": True, "font_size": 14, "font_name": FONT, "align": "center", "valign": "vcenter"})
    note = wb.add_format({"text_wrap": True, "font_name": FONT, "font_size": 10, "valign": "top"})
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
        labels = {header_label(c.value): c.column for c in row if c.value is not None}
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
        rule = text_value(ws.cell(row=r, column=cols["rule"]).value)
        cell = text_value(ws.cell(row=r, column=cols["cell"]).value)
        text = text_value(ws.cell(row=r, column=cols["text"]).value)
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
