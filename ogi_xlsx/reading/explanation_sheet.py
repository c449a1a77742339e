"""The 情况说明 sheet: where a unit explains its queries inside the workbook it sends back.

One row per explanation: 序号, 规则 (the rule it answers, e.g. ``Y1``), 单元格 (e.g. ``表三 J6``),
核实内容 (the query, filled in by ogi-xlsx in the annotated copy) and 说明 (the reason, typed by
the clerk). The sheet is not protected (the clerk may add rows), printed on A4 landscape, and
starts with instructions. Here: the sheet's layout and texts, and :func:`read_explanation_grid`,
the rows back from a sheet's cell values, tolerant of moved columns, inserted rows and a clerk's
extra rows. The sheet is written by :mod:`ogi_xlsx.writing.explanation_sheet`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from ogi_xlsx.checks.explanations import GENERIC_EXAMPLE
from ogi_xlsx.model.document import Explanation

EXPLANATION_SHEET = "情况说明"
HEADERS = ("序号", "规则", "单元格", "核实内容", "说明（请写明原因）")
COLUMN_WIDTHS = (6, 20, 12, 52, 60)
HEADER_ROW = 6  # 0-based: title, four lines of instructions, a blank row, then the header
INPUT_ROWS = 12  # with the instructions, one A4 landscape page

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


def header_label(value: Any) -> str:
    """A header cell's text as compared (NFKC, no spaces): "说明（请写明原因）" however typed."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split()) if value is not None else ""


def text_value(value: Any) -> str:
    """A cell value as the text of an explanation (booleans as 是/否, stripped)."""
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
        label = header_label(value)
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
        text = text_value(values.get(columns["text"]))
        if not text:
            continue
        rule = text_value(values.get(columns["rule"])) if "rule" in columns else ""
        cell = text_value(values.get(columns["cell"])) if "cell" in columns else ""
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
