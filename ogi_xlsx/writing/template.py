"""The Excel workbook writer: blank templates, filled returns and the official part of summaries.

Everything is derived from the format (:mod:`ogi_xlsx.model.spec`) and its cell map
(:mod:`ogi_xlsx.model.layout`): texts, merged headers, input cells, total formulas, data
validation, the check area, protection, print setup and the identity. The per-format work
(formulas, ranges, widths) is planned once and cached, so writing many per-unit workbooks
costs little more than writing the cells themselves.
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter

import ogi_xlsx
from ogi_xlsx.checks.rules import compute_totals
from ogi_xlsx.model.cellref import a1_abs
from ogi_xlsx.model.document import Explanation, ReturnDocument
from ogi_xlsx.model.identity import IDENTITY_KEYS, Identity, defined_name, property_name
from ogi_xlsx.model.layout import (
    CHECK_SHEET_TITLE,
    COVER_SHEET,
    IDENTITY_SHEET,
    SheetLayout,
    a1,
    layout_hash,
    workbook_layout,
)
from ogi_xlsx.model.spec import FormatSpec, Rule
from ogi_xlsx.reading.explanation_sheet import EXPLANATION_SHEET
from ogi_xlsx.reading.explanation_sheet import HEADER_ROW as EXPLANATION_HEADER_ROW
from ogi_xlsx.util.atomic import atomic_write
from ogi_xlsx.writing.explanation_sheet import write_explanation_sheet
from ogi_xlsx.writing.styles import (
    BAD_MARK,
    COVER_PROMPTS,
    FORMAT_PROPERTIES,
    OK_MARK,
    VALIDATION_TEXT,
)
from ogi_xlsx.writing.xlsxwriter_ext import Workbook

# The sheet password of every template unless ``--password`` says otherwise. It is not a secret:
# protection only stops accidental edits (the reader re-checks everything anyway).
DEFAULT_PASSWORD = "ogi2021"


def example_date(year: int) -> str:
    """The example 填报日期 shown on the cover: in the month after the report year (returns are due in January)."""
    return f"{year + 1}-01-10"


# A fixed creation date keeps files byte-identical (xlsxwriter stamps "now" otherwise):
# the day the revised 政府信息公开条例 took effect.
CREATED = datetime(2019, 5, 15, 0, 0, 0)
DEFAULT_SEND_TO = "下发本表的政府信息公开工作主管部门"

Number = int | Decimal


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Check:
    """One line of a sheet's check area: a label and one or more live marks."""

    row: int
    label: str
    label_last_col: int
    marks: tuple[tuple[int, tuple[Rule, ...]], ...]  # (column, the rule expansions it checks)


@dataclass(frozen=True)
class _SheetPlan:
    layout: SheetLayout
    inputs: tuple[tuple[int, int, str, str], ...]  # row, col, cell id, value type
    computed: tuple[tuple[int, int, str, str, str], ...]  # row, col, cell id, value type, formula
    validations: tuple[tuple[str, int, int, str], ...]  # value type, first row, first col, sqref
    checks: tuple[_Check, ...]
    check_note_row: int
    last_row: int
    col_widths: tuple[float, ...]
    row_heights: dict[int, float]
    freeze: tuple[int, int]


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F", "A")


def text_width(text: str) -> float:
    """Approximate width of a text in Excel column units (a CJK character ≈ 2 digits)."""
    return sum(2.0 if _is_wide(ch) else 1.05 for ch in text)


def _ranges(cells: list[tuple[int, int]]) -> list[str]:
    """Cells (in order) as A1 ranges, merging runs along a row or a column."""
    out: list[str] = []
    i = 0
    while i < len(cells):
        r0, c0 = cells[i]
        j = i
        # a run along the row
        while j + 1 < len(cells) and cells[j + 1] == (r0, cells[j][1] + 1):
            j += 1
        if j == i:
            while j + 1 < len(cells) and cells[j + 1] == (cells[j][0] + 1, c0):
                j += 1
        r1, c1 = cells[j]
        out.append(a1(r0, c0) if j == i else f"{a1(r0, c0)}:{a1(r1, c1)}")
        i = j + 1
    return out


def _sum_expr(layout: SheetLayout, refs: tuple[str, ...]) -> str:
    return "SUM(" + ",".join(_ranges([layout.cells[ref] for ref in refs])) + ")"


def _check_expr(layout: SheetLayout, rule: Rule) -> str:
    # ROUND guards money against binary floating point noise in the spreadsheet.
    return f"ROUND({_sum_expr(layout, rule.lhs)}-{_sum_expr(layout, rule.rhs)},6)=0"


def check_formula(layout: SheetLayout, rules: tuple[Rule, ...]) -> str:
    """The live ✓/✗ formula of one check mark."""
    if len(rules) == 1:
        cond = _check_expr(layout, rules[0])
    else:
        cond = "AND(" + ",".join(_check_expr(layout, r) for r in rules) + ")"
    return f'=IF({cond},"{OK_MARK}","{BAD_MARK}")'


def _sqref(cells: list[tuple[int, int]]) -> str:
    """Space-separated ranges, rows compressed into horizontal runs (for data validation)."""
    ordered = sorted(cells)
    runs: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == (ordered[j][0], ordered[j][1] + 1):
            j += 1
        (r0, c0), (r1, c1) = ordered[i], ordered[j]
        runs.append(a1(r0, c0) if i == j else f"{a1(r0, c0)}:{a1(r1, c1)}")
        i = j + 1
    return " ".join(runs)


def _checks(spec: FormatSpec, layout: SheetLayout) -> tuple[_Check, ...]:
    """Check lines: rule by rule; expansions under their own column when each has its own."""
    table_rules: dict[str, list[Rule]] = {}
    for rule in spec.rules:
        if rule.table == layout.table.id:
            table_rules.setdefault(rule.id, []).append(rule)
    label_cols = min(col for _, col in layout.cells.values())
    checks: list[_Check] = []
    row = layout.check_row + 1
    for rules in table_rules.values():
        first = rules[0]
        cols = [layout.cells[r.lhs[0]][1] for r in rules]
        label = first.title
        if first.lhs_name and first.rhs_name:
            label = f"{label}（{first.lhs_name} = {first.rhs_name}）"
        if len(rules) > 1 and len(set(cols)) == len(rules) and min(cols) > 0:
            label_last = min(cols) - 1
            marks = tuple((c, (r,)) for c, r in zip(cols, rules, strict=True))
        else:
            label_last = max(label_cols - 1, layout.width - 2)
            marks = ((layout.width - 1, tuple(rules)),)
        checks.append(_Check(row, label, label_last, marks))
        row += 1
    return tuple(checks)


@cache
def sheet_plans(spec: FormatSpec) -> tuple[_SheetPlan, ...]:
    """Everything about the official sheets that does not depend on the unit (cached)."""
    plans = []
    for layout in workbook_layout(spec).sheets:
        inputs, computed = [], []
        by_type: dict[str, list[tuple[int, int]]] = {}
        for cell_id, (row, col) in layout.cells.items():
            cell = spec.cells[cell_id]
            if cell.computed:
                formula = "=" + _sum_expr(layout, spec.formulas[cell_id].rhs)
                computed.append((row, col, cell_id, cell.type, formula))
            else:
                inputs.append((row, col, cell_id, cell.type))
                by_type.setdefault(cell.type, []).append((row, col))
        validations = tuple((value_type, *min(cells), _sqref(cells)) for value_type, cells in sorted(by_type.items()))
        checks = _checks(spec, layout)
        note_row = (checks[-1].row if checks else layout.check_row) + 1
        widths, heights = _geometry(layout, checks)
        label_cols = min(col for _, col in layout.cells.values())
        plans.append(
            _SheetPlan(
                layout=layout,
                inputs=tuple(inputs),
                computed=tuple(computed),
                validations=validations,
                checks=checks,
                check_note_row=note_row,
                last_row=note_row,
                col_widths=widths,
                row_heights=heights,
                freeze=(layout.data_rows[0], label_cols),
            )
        )
    return tuple(plans)


MAX_CONSTANT = 255  # characters of a string constant in an Excel formula or name
COVER_LINE_WIDTH = 86.0  # text width units per line of the merged instructions (宋体 10pt in Excel)
NOMINAL_NAME_LENGTH = 16  # characters of a unit name the info line leaves room for
LINE_HEIGHT = 13.5  # points per line of 10-point 宋体
DATA_WIDTH = 9.0
LABEL_MAX = 40.0


def _geometry(layout: SheetLayout, checks: tuple[_Check, ...]) -> tuple[tuple[float, ...], dict[int, float]]:
    """Column widths for the Chinese labels, then row heights so that wrapped texts show fully."""
    label_cols = min(col for _, col in layout.cells.values())
    # few value columns (table 二) can afford room for their wrapped headers
    data_width = DATA_WIDTH if layout.width - label_cols > 4 else DATA_WIDTH * 1.6
    widths = [data_width] * layout.width
    for col in range(label_cols):
        widths[col] = 6.0
    for t in layout.texts:
        if t.role in ("title", "unit", "info") or t.col != t.last_col:
            continue
        rows = t.last_row - t.row + 1
        need = text_width(t.text) + 1.5
        if rows > 1:  # a tall merged label may wrap, but into no fewer than two lines
            need = max(need / rows, min(need, need / 2 + 1.5))
        cap = LABEL_MAX if t.col < label_cols else 16.0
        widths[t.col] = max(widths[t.col], min(need, cap))
    for t in layout.texts:
        if t.role == "unit":  # the unit line sits in one cell; let it fit there
            widths[t.col] = max(widths[t.col], text_width(t.text) + 2)
    heights: dict[int, float] = {}

    def fit(row: int, last_row: int, col: int, last_col: int, text: str) -> None:
        span = sum(widths[col : last_col + 1]) - 1
        lines = max(1, math.ceil(text_width(text) / max(span, 1.0)))
        need = lines * LINE_HEIGHT + 4
        per_row = need / (last_row - row + 1)
        for r in range(row, last_row + 1):
            heights[r] = max(heights.get(r, 15.0), per_row)

    for t in layout.texts:
        if t.role in ("title", "unit", "info"):
            continue
        fit(t.row, t.last_row, t.col, t.last_col, t.text)
    for check in checks:
        fit(check.row, check.row, 0, check.label_last_col, check.label)
    heights[0] = 24.0
    return tuple(widths), {r: round(h, 1) for r, h in sorted(heights.items()) if h > 15.0 or r == 0}


# --------------------------------------------------------------------------- writing


def workbook_title(identity: Identity) -> str:
    """The cover title, e.g. ``2024年度政府信息公开工作年度报告统计表``."""
    title = f"{identity.year}年度政府信息公开工作年度报告统计表"
    return title + "（汇总）" if identity.kind == "summary" else title


def _excel_number(value: Number) -> int | float:
    # Decimal becomes a float only here, at the edge, because xlsxwriter writes floats.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def header_text(text: str) -> str:
    """Escape ``&`` for Excel header/footer codes and keep the text short."""
    return text.replace("&", "&&")[:80]


def utf16_len(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _string_constant(value: str) -> str:
    return '="' + value.replace('"', '""') + '"'


def _protect(ws: Any, password: str) -> None:
    ws.protect(
        password,
        {
            "select_locked_cells": True,
            "select_unlocked_cells": True,
            "format_columns": True,
            "format_rows": True,
        },
    )


def _page_setup(ws: Any, title: str, unit_name: str, year: int, repeat_to: int | None) -> None:
    ws.set_paper(9)  # A4
    ws.set_landscape()
    # one page wide; and one page tall as the official tables are printed (a table never splits)
    ws.fit_to_pages(1, 1)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.6)
    if repeat_to is not None and repeat_to >= 0:
        ws.repeat_rows(0, repeat_to)
    unit = header_text(unit_name) if unit_name else "________"
    # no font codes: Excel localises their style names; the default font shows Chinese anyway
    ws.set_header(f"&L&9填报单位：{unit}&R&9报告年度：{year}年度")
    ws.set_footer(f"&L&9{header_text(title)}&R&9第 &P 页，共 &N 页")


class _Writer:
    def __init__(
        self,
        wb: Workbook,
        spec: FormatSpec,
        identity: Identity,
        cover: Mapping[str, str],
        values: Mapping[str, Number | None] | None,
        password: str,
        send_to: str,
    ):
        self.wb = wb
        self.spec = spec
        self.layout = workbook_layout(spec)
        self.identity = identity
        self.cover = cover
        self.values = values
        self.password = password
        self.send_to = send_to
        self.formats = {name: wb.add_format(props) for name, props in FORMAT_PROPERTIES.items()}
        all_values: dict[str, Number | None] = dict(values or {})
        all_values.update(compute_totals(spec, all_values))
        self.all_values = all_values
        self.check_cells: list[str] = []
        self._all_check_rules: list[tuple[Rule, ...]] = []

    # -- cover
    def cover_sheet(self) -> None:
        spec, f, ident = self.spec, self.formats, self.identity
        cover = self.layout.cover
        ws = self.wb.add_worksheet(COVER_SHEET)
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 66)
        year = int(ident.year)
        title = workbook_title(ident)
        ws.merge_range(cover.title_row, 0, cover.title_row, 1, "", f["cover_title"])
        ws.write_string(cover.title_row, 0, title, f["cover_title"])
        ws.set_row(cover.title_row, 30)
        fmt_line = (
            f"报表格式：{spec.notice}《{spec.notice_title}》，适用{spec.years_label}"
            f"（格式 {spec.id}，版本 {spec.version}）"
        )
        ws.merge_range(cover.title_row + 1, 0, cover.title_row + 1, 1, "", f["note"])
        ws.write_string(cover.title_row + 1, 0, fmt_line, f["note"])
        ws.set_row(cover.title_row + 1, 28)
        prefilled = {"unit_name": ident.unit_name, "unit_code": ident.unit_code}
        for fld in spec.cover:
            row, col = cover.fields[fld.id]
            lrow, lcol = cover.labels[fld.id]
            ws.write_string(lrow, lcol, fld.label, f["cover_label"])
            ws.set_row(row, 22)
            if fld.type == "year":
                ws.write_number(row, col, year, f["cover_year"])
            elif prefilled.get(fld.id):
                ws.write_string(row, col, prefilled[fld.id], f["cover_value"])
            else:
                value = self.cover.get(fld.id, "")
                if value:
                    ws.write_string(row, col, value, f["cover_input"])
                else:
                    ws.write_blank(row, col, None, f["cover_input"])
                title_text, message = COVER_PROMPTS["date" if fld.type == "date" else "text"]
                message = message.format(example=example_date(year))
                ws.data_validation(
                    row,
                    col,
                    row,
                    col,
                    {"validate": "any", "input_title": title_text, "input_message": f"{fld.label}：{message}"},
                )
        self.cover_ws = ws

    def cover_status_and_instructions(self) -> None:
        """The overall check line (needs the check cells) and 填报说明."""
        ws, f, cover = self.cover_ws, self.formats, self.layout.cover
        status_row = cover.instructions_row - 1
        if self.check_cells and status_row > max(r for r, _ in cover.fields.values()):
            ws.write_string(status_row, 0, "勾稽关系", f["cover_label"])
            cond = ",".join(f'{ref}="{OK_MARK}"' for ref in self.check_cells)
            ok = all(self._cached_check(rules) for rules in self._all_check_rules)
            good = f"{OK_MARK} 各表勾稽关系平衡"
            bad = f"{BAD_MARK} 有勾稽关系不平衡，请查看各表下方的校验区"
            ws.write_formula(
                status_row, 1, f'=IF(AND({cond}),"{good}","{bad}")', f["cover_status"], good if ok else bad
            )
            self._conditional_marks(ws, status_row, 1, status_row, 1)
            ws.set_row(status_row, 22)
        row = cover.instructions_row
        ws.merge_range(row, 0, row, 1, "", f["instructions_title"])
        ws.write_string(row, 0, "填报说明", f["instructions_title"])
        ws.set_row(row, 22)
        for i, line in enumerate(self.instructions(), start=1):
            r = row + i
            text = f"{i}. {line}"
            ws.merge_range(r, 0, r, 1, "", f["instructions"])
            ws.write_string(r, 0, text, f["instructions"])
            lines = max(1, math.ceil(text_width(text) / COVER_LINE_WIDTH))
            ws.set_row(r, lines * LINE_HEIGHT + 5)
        _page_setup(ws, "封面", self.identity.unit_name, int(self.identity.year), None)
        ws.set_portrait()
        ws.activate()
        _protect(ws, self.password)

    def instructions(self) -> list[str]:
        """填报说明, derived from the format."""
        spec = self.spec
        tables = "；".join(f"“{t.sheet}”工作表（{t.short}，{t.title.split('、', 1)[-1]}）" for t in spec.tables)
        types = {c.type for c in spec.cells.values() if not c.computed}
        number_rules = "件数只填整数"
        if "signed_count" in types:
            labels = sorted({c.column_label for c in spec.cells.values() if c.type == "signed_count"})
            number_rules += f"；“{'、'.join(labels)}”可填负数（减少时填负数，如 -3）"
        if "amount" in types:
            number_rules += "；金额只填数字、不带单位（单位见表头），可有小数"
        if self.identity.kind == "summary":
            return [
                f"本工作簿是{self.identity.year}年度各单位报表的汇总，按{spec.notice}《{spec.notice_title}》"
                f"的表样排列：{tables}。",
                "各表数字为已通过审核并计入汇总的单位之和；合计、总计为公式，每张表下方有勾稽关系校验。",
                "哪些单位已报、已汇总、待补正或未报，见“报送情况”等工作表。",
            ]
        return [
            f"本工作簿按{spec.notice}《{spec.notice_title}》制作，报告{self.identity.year}年度的情况。"
            f"除本封面外共 {len(spec.tables)} 张表：{tables}。",
            "请先核对封面上的填报单位、单位代码和报告年度；不符时请联系下发单位重新获取模板，不要自行修改。",
            "只在浅黄色底色的格子中填写。没有发生的事项请填 0，不要留空，也不要填“/”“—”“无”或文字。",
            f"{number_rules}。填写有误时表格会提示并拒绝输入。",
            "灰色底色的合计、总计格子由公式自动计算，无需也无法填写。",
            "每张表下方有“勾稽关系自动校验”区：显示 ✓ 表示平衡，显示 ✗ 表示数字对不上，请核对后再报送。"
            "本封面的“勾稽关系”一行汇总了各表的校验结果。",
            "请勿增删、改名或移动工作表，请勿插入或删除行列，请勿修改表格文字；各表已设保护，只能在填报格中输入。",
            f"请填写封面上的填报人、联系电话、审核人和填报日期（如 {example_date(int(self.identity.year))}）。",
            "审核中“核实”类的问题（数字可能有误，也可能属实）：填错的请改正；核对无误的，请在“情况说明”工作表中"
            "写明具体原因（只写“核实无误”不能作为说明）。",
            "填好后请用 Excel 或 WPS 直接保存为 .xlsx 格式（不要另存为 .xls、.et 或 PDF），"
            f"按规定时间报送{self.send_to}。",
        ]

    # -- official sheets
    def table_sheets(self) -> None:
        for plan in sheet_plans(self.spec):
            self.table_sheet(plan)

    def table_sheet(self, plan: _SheetPlan) -> None:
        f, layout = self.formats, plan.layout
        ws = self.wb.add_worksheet(layout.sheet)
        ws.hide_gridlines(2)
        for col, width in enumerate(plan.col_widths):
            ws.set_column(col, col, width)
        for row, height in plan.row_heights.items():
            ws.set_row(row, height)
        for t in layout.texts:
            fmt = f[t.role] if t.role in f else f["label"]
            if t.merged:
                ws.merge_range(t.row, t.col, t.last_row, t.last_col, "", fmt)
            ws.write_string(t.row, t.col, t.text, fmt)
        self._info_line(ws, plan)
        values = self.values
        for row, col, cell_id, value_type in plan.inputs:
            fmt = f["input_" + value_type]
            value = values.get(cell_id) if values is not None else None
            if value is None:
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write_number(row, col, _excel_number(value), fmt)
        for row, col, cell_id, value_type, formula in plan.computed:
            ws.write_formula(row, col, formula, f["total_" + value_type], _excel_number(self.all_values[cell_id]))
        for value_type, row, col, sqref in plan.validations:
            ws.data_validation(row, col, row, col, {**VALIDATION_TEXT[value_type], "multi_range": sqref})
        self._check_area(ws, plan)
        last_col = layout.width - 1
        ws.print_area(0, 0, plan.last_row, last_col)
        ws.freeze_panes(*plan.freeze)
        year = int(self.identity.year)
        _page_setup(ws, layout.table.title, self.identity.unit_name, year, layout.data_rows[0] - 1)
        _protect(ws, self.password)

    def _info_line(self, ws: Any, plan: _SheetPlan) -> None:
        """Row 1: unit and year, live from the cover so a unit filled in later shows up."""
        layout = plan.layout
        cover = self.layout.cover
        name_ref = f"{_quote_sheet(COVER_SHEET)}!{a1(*cover.fields['unit_name'])}"
        year_ref = f"{_quote_sheet(COVER_SHEET)}!{a1(*cover.fields['year'])}"
        shown = f"填报单位：{self.identity.unit_name}　　报告年度：{self.identity.year}年度"
        formula = f'="填报单位："&{name_ref}&"　　报告年度："&{year_ref}&"年度"'
        last = layout.width - 2
        if last > 0:
            ws.merge_range(1, 0, 1, last, "", self.formats["info"])
            span = sum(plan.col_widths[: last + 1])
            # room for a typical unit name, not this one's: the sheet must not depend on it
            typical = f"填报单位：{'某' * NOMINAL_NAME_LENGTH}　　报告年度：{self.identity.year}年度"
            lines = math.ceil(text_width(typical) / max(span - 1, 1.0))
            if lines > 1:
                ws.set_row(1, lines * LINE_HEIGHT + 3)
        ws.write_formula(1, 0, formula, self.formats["info"], shown)

    def _cached_check(self, rules: tuple[Rule, ...]) -> bool:
        def total(refs: tuple[str, ...]) -> Number:
            return sum((self.all_values.get(ref) or 0) for ref in refs)

        return all(total(r.lhs) == total(r.rhs) for r in rules)

    def _conditional_marks(self, ws: Any, r0: int, c0: int, r1: int, c1: int) -> None:
        f = self.formats
        ws.conditional_format(
            r0, c0, r1, c1, {"type": "text", "criteria": "begins with", "value": OK_MARK, "format": f["check_ok"]}
        )
        ws.conditional_format(
            r0, c0, r1, c1, {"type": "text", "criteria": "begins with", "value": BAD_MARK, "format": f["check_bad"]}
        )

    def _check_area(self, ws: Any, plan: _SheetPlan) -> None:
        f, layout = self.formats, plan.layout
        last_col = layout.width - 1
        ws.merge_range(layout.check_row, 0, layout.check_row, last_col, "", f["check_title"])
        ws.write_string(layout.check_row, 0, CHECK_SHEET_TITLE, f["check_title"])
        if not plan.checks:
            ws.merge_range(plan.check_note_row, 0, plan.check_note_row, last_col, "", f["note"])
            ws.write_string(plan.check_note_row, 0, "本表各项之间没有勾稽关系，请逐项核对后填写。", f["note"])
            return
        for check in plan.checks:
            if check.label_last_col > 0:
                ws.merge_range(check.row, 0, check.row, check.label_last_col, "", f["check_label"])
            ws.write_string(check.row, 0, check.label, f["check_label"])
            marked = {col for col, _ in check.marks}
            for col in range(check.label_last_col + 1, last_col + 1):
                if col not in marked:
                    ws.write_blank(check.row, col, None, f["check_mark"])
            for col, rules in check.marks:
                ok = self._cached_check(rules)
                ws.write_formula(
                    check.row, col, check_formula(layout, rules), f["check_mark"], OK_MARK if ok else BAD_MARK
                )
                self.check_cells.append(f"{_quote_sheet(layout.sheet)}!{a1(check.row, col)}")
                self._all_check_rules.append(rules)
        first, last = plan.checks[0].row, plan.checks[-1].row
        self._conditional_marks(ws, first, 0, last, last_col)
        note = "提示：✗ 所在列（或行）的数字不平衡；请对照上方表格核对。合计、总计由公式自动计算。"
        ws.merge_range(plan.check_note_row, 0, plan.check_note_row, last_col, "", f["note"])
        ws.write_string(plan.check_note_row, 0, note, f["note"])

    # -- identity
    def identity_parts(self) -> None:
        data = self.identity.as_dict()
        for key in IDENTITY_KEYS:
            # Excel refuses longer property values and string constants; the _ogi sheet keeps any length
            if utf16_len(data[key]) <= MAX_CONSTANT:
                self.wb.set_custom_property(property_name(key), data[key], "text")
                self.wb.define_name(defined_name(key), _string_constant(data[key]))
        ws = self.wb.add_worksheet(IDENTITY_SHEET)
        for i, key in enumerate(IDENTITY_KEYS):
            ws.write_string(i, 0, key)
            ws.write_string(i, 1, data[key])
        ws.very_hidden()
        _protect(ws, self.password)

    def cell_names(self) -> None:
        for layout in self.layout.sheets:
            sheet = _quote_sheet(layout.sheet)
            for cell_id, (row, col) in layout.cells.items():
                cell = self.spec.cells[cell_id]
                self.wb.define_name(cell.defined_name, f"={sheet}!{a1_abs(row, col)}")


# The report year printed in the committed blank template of a format still in force
# (a fixed year keeps ``templates/`` reproducible; the command writes any other year).
BLANK_TEMPLATE_YEAR = 2025


def blank_template_year(spec: FormatSpec) -> int:
    """Year of the committed blank template: the last year of a retired format, else a fixed one."""
    if spec.last_year is not None:
        return spec.last_year
    return max(spec.first_year, BLANK_TEMPLATE_YEAR)


def write_workbook(
    target: Path | str | BinaryIO,
    spec: FormatSpec,
    *,
    year: int,
    unit_code: str = "",
    unit_name: str = "",
    cover: dict[str, str] | None = None,
    values: Mapping[str, int | Decimal | None] | None = None,
    kind: str = "template",
    password: str = DEFAULT_PASSWORD,
    extra_sheets: Callable[[xlsxwriter.Workbook, dict[str, Any]], None] | None = None,
    send_to: str = DEFAULT_SEND_TO,
    lock_structure: bool = True,
    streamed: bool = False,
    explanations: Sequence[Explanation] = (),
) -> None:
    """Write a template (no ``values``) or a completed workbook (``values``) of one format.

    Templates and returns (not summaries) get the 情况说明 sheet, holding ``explanations``
    (a filled return's answers to queries, see :mod:`ogi_xlsx.reading.explanation_sheet`).

    A path target is written atomically (temporary file in the same folder, then
    ``os.replace``). The same arguments always give a byte-identical file. ``streamed``:
    rows are written out as they are completed (xlsxwriter's ``constant_memory``), for big
    summaries; the cells are the same, strings are stored inline instead of shared.
    """
    identity = Identity(
        format=spec.id,
        format_version=spec.version,
        layout_hash=layout_hash(spec),
        year=str(int(year)),
        unit_code=unit_code or "",
        unit_name=unit_name or "",
        kind=kind,
        tool_version=ogi_xlsx.__version__,
    )
    args = (
        spec,
        identity,
        cover or {},
        values,
        password,
        extra_sheets,
        send_to,
        lock_structure,
        streamed,
        explanations,
    )
    if isinstance(target, (str, os.PathLike)):
        atomic_write(Path(target), lambda tmp: _write(tmp, *args))
    else:
        _write(target, *args)


def _write(
    target: str | BinaryIO,
    spec: FormatSpec,
    identity: Identity,
    cover: Mapping[str, str],
    values: Mapping[str, Number | None] | None,
    password: str,
    extra_sheets: Callable[[xlsxwriter.Workbook, dict[str, Any]], None] | None,
    send_to: str,
    lock_structure: bool,
    streamed: bool,
    explanations: Sequence[Explanation] = (),
) -> None:
    wb = Workbook(target, streamed=streamed)
    wb.structure_password = password if lock_structure else None
    wb.set_properties(
        {
            "title": workbook_title(identity),
            "subject": f"{spec.notice} {spec.id} v{spec.version}",
            "author": identity.unit_name or "ogi-xlsx",
            "company": identity.unit_name,
            "comments": f"ogi-xlsx {identity.tool_version}",
            "created": CREATED,
        }
    )
    writer = _Writer(wb, spec, identity, cover, values, password, send_to)
    writer.cover_sheet()
    writer.table_sheets()
    writer.cover_status_and_instructions()
    writer.cell_names()
    if identity.kind != "summary" or explanations:
        # after the official tables: the clerk's answers to queries (unprotected, printed); a
        # summary's carries its units' accepted explanations one level up
        ws = write_explanation_sheet(wb, spec, explanations=explanations, summary=identity.kind == "summary")
        _page_setup(ws, EXPLANATION_SHEET, identity.unit_name, int(identity.year), None)
        ws.fit_to_pages(1, 0)  # as many pages tall as the explanations need
        ws.repeat_rows(EXPLANATION_HEADER_ROW)
    if extra_sheets is not None:
        extra_sheets(wb, writer.formats)
    writer.identity_parts()
    wb.close()


def write_return(doc: ReturnDocument, target: Path | str | BinaryIO, **options: Any) -> None:
    """A filled return workbook from a return document: its identity, cover, inputs (totals as
    formulas) and its 情况说明 rows; atomic for a path target. ``options`` go to :func:`write_workbook`."""
    write_workbook(
        target,
        doc.spec,
        year=doc.year,
        unit_code=doc.unit_code,
        unit_name=doc.unit_name,
        cover=dict(doc.cover),
        values=dict(doc.values),
        kind="return",
        explanations=doc.explanations,  # the 情况说明 sheet
        **options,
    )
