"""The summary workbook (汇总表): the official sheets with the sums, plus four sheets of our own.

The official sheets, cover and identity are written by the template writer
(:func:`ogi_xlsx.template.write_workbook` with ``kind="summary"``), so a summary is itself a
valid return that can be merged again one level up (市 ← 区 ← 街道). This module adds,
through its ``extra_sheets`` hook:

- 报送情况: 应报 / 已报 / 通过 / 待补正 / 未报 and every unit with its status;
- 分单位明细: one row per merged unit, one column per cell, a Σ row (SUM formulas with
  cached values) and a reconciliation row checking Σ against the official sheet's cell;
- 来源文件: file name, sha256, size, modification time, format version, unit;
- 关键指标: the key figures per unit and a column chart of them.

Every text that comes from a return, a roster or a file name is written with
``write_string`` so that a unit called ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from ogi_xlsx.findings import SEVERITY_LABELS, open_queries
from ogi_xlsx.layout import SUMMARY_SHEETS, col_letter, workbook_layout
from ogi_xlsx.merge import FILE_USE_LABELS, STATUS_LABELS, SUMMARY_EXCLUDED, MergeResult
from ogi_xlsx.spec import FormatSpec

STATUS_SHEET, BREAKDOWN_SHEET, PROVENANCE_SHEET, CHART_SHEET = SUMMARY_SHEETS


def _short_where(spec: FormatSpec, item: dict[str, str]) -> str:
    """``表三 J6`` for an explained query (the sheet name when it is not a table)."""
    short = next((t.short for t in spec.tables if t.sheet == item["sheet"]), item["sheet"])
    return " ".join(part for part in (short, item["cell"]) if part)


FONT = "宋体"
OK_MARK = "✓"
BAD_MARK = "✗"
BREAKDOWN_PRINT_SCALE = 55  # percent; see breakdown_sheet
MAX_MESSAGES = 3  # first error messages shown per invalid unit on 报送情况
STATUS_WIDTHS = (6, 12, 30, 24, 34, 8, 8, 80)
LINE_HEIGHT = 14


def _lines(text: str, width: float) -> int:
    """Printed lines of a wrapped text in a column (xlsxwriter cannot autofit row heights)."""
    from ogi_xlsx.template import text_width

    return sum(max(1, -(-int(text_width(line)) // max(int(width) - 3, 1))) for line in text.split("\n"))


def key_figures(spec: FormatSpec) -> list[tuple[str, tuple[str, ...]]]:
    """The chart's key figures as (label, cell ids summed), derived from the spec.

    For every table with a total column (a column of computed cells): a table with
    computed rows (表三) gives its first row (本年新收) and each computed row (（七）总计);
    a table without (表四) gives one figure per top-level row group (行政复议, 行政诉讼).
    The format data has no explicit "key figure" marker, hence this structural rule.
    """
    figures: list[tuple[str, tuple[str, ...]]] = []
    for table in spec.tables:
        if table.layout == "blocks":
            continue
        rows: dict[str, list] = {}
        for cell in table.cells:
            rows.setdefault(cell.row, []).append(cell)
        computed_rows = [r for r, cells in rows.items() if all(c.computed for c in cells)]
        plain_rows = [r for r in rows if r not in computed_rows]
        total_cols = {c.column for r in plain_rows for c in rows[r] if c.computed}
        if len(total_cols) != 1:
            continue
        (total_col,) = total_cols

        def total_cell(row: str, rows: dict[str, list] = rows, total_col: str = total_col) -> Any:
            return next(c for c in rows[row] if c.column == total_col)

        if computed_rows:
            first = total_cell(plain_rows[0])
            figures.append((first.row_label, (first.id,)))
            for row in computed_rows:
                cell = total_cell(row)
                label = " ".join((*cell.row_groups[:1], cell.row_label))
                figures.append((label, (cell.id,)))
        else:
            groups: dict[str, list[str]] = {}
            for row in plain_rows:
                cell = total_cell(row)
                groups.setdefault(cell.row_groups[0] if cell.row_groups else cell.row_label, []).append(cell.id)
            figures += [(label, tuple(ids)) for label, ids in groups.items()]
    return figures


def _num(value: Any) -> float | int:
    """A cell value for xlsxwriter (Decimal only becomes a float at the very edge)."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _display(text: str) -> str:
    """Text that can be written as UTF-8: a file name that is not (lone surrogates) shows U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class _Sheets:
    """Writes the extra sheets of one summary into an xlsxwriter workbook."""

    def __init__(self, result: MergeResult, workbook: Any, formats: dict[str, Any]):
        self.result = result
        self.spec = result.spec
        self.wb = workbook
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        border = {**base, "border": 1}
        add = workbook.add_format
        self.f = {
            "title": add({**base, "bold": True, "font_size": 14}),
            "note": add({**base, "text_wrap": True}),
            "text": add({**border, "text_wrap": True}),
            "plain": add(border),
            "head": add({**border, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True, "align": "center"}),
            "num": add({**border, "num_format": "0"}),
            "money": add({**border, "num_format": "0.0000"}),
            "sum": add({**border, "bold": True, "bg_color": "#FFF2CC", "num_format": "0"}),
            "summoney": add({**border, "bold": True, "bg_color": "#FFF2CC", "num_format": "0.0000"}),
            "check": add({**border, "align": "center"}),
            "bad": add({**border, "font_color": "#C00000", "text_wrap": True}),
            "good": add({**border, "font_color": "#006100"}),
            "count": add({**border, "bold": True, "num_format": "0", "align": "center"}),
        }

    # -- helpers
    def text(self, ws: Any, row: int, col: int, value: Any, fmt: str = "text") -> None:
        ws.write_string(row, col, "" if value is None else _display(str(value)), self.f[fmt])

    def number(self, ws: Any, row: int, col: int, value: Any, cell_type: str = "count") -> None:
        if value is None:
            ws.write_blank(row, col, None, self.f["plain"])
        else:
            ws.write_number(row, col, _num(value), self.f["money" if cell_type == "amount" else "num"])

    def fit_row(self, ws: Any, row: int, texts: dict[int, str]) -> None:
        lines = max(_lines(text, STATUS_WIDTHS[col]) for col, text in texts.items())
        if lines > 1:
            ws.set_row(row, LINE_HEIGHT * lines)

    def merged(self, ws: Any, row: int, first: int, last: int, value: str, fmt: str) -> None:
        ws.merge_range(row, first, row, last, "", self.f[fmt])
        ws.write_string(row, first, _display(value), self.f[fmt])

    def title(self, ws: Any, text: str, width: int) -> None:
        doc = self.result.document
        who = doc.unit_name or "汇总"
        self.merged(ws, 0, 0, max(width - 1, 1), f"{who} {doc.year} 年度政府信息公开工作年度报表汇总：{text}", "title")
        ws.set_row(0, 24)

    # -- 报送情况
    def status_sheet(self) -> None:
        ws = self.wb.add_worksheet(STATUS_SHEET)
        r = self.result
        c = r.counts
        headers = ["序号", "单位代码", "单位名称", "状态", "文件", "错误数", "警告数", "说明 / 主要问题"]
        self.title(ws, "报送情况", len(headers))
        basis = "报送名单" if r.has_roster else "收到的报表（未提供报送名单）"
        basis_text = f"统计口径：{basis}；格式 {self.spec.id}（{self.spec.notice}），报告年度 {r.document.year}。"
        self.merged(ws, 1, 0, len(headers) - 1, basis_text, "note")
        rows = [
            ("应报单位", c.expected),
            ("已报单位", c.submitted),
            ("通过（已汇总）", c.passed),
            ("待补正（未汇总）", c.to_correct),
            ("未报单位", c.missing),
            ("名单外单位（未汇总）", c.unexpected),
            ("重复提交（只计一次）", c.duplicates),
            ("无法识别单位的文件", c.unidentified),
        ]
        if c.excluded:
            rows.append(("汇总表（未计入）", c.excluded))
        if c.skipped:
            rows.append(("跳过的文件（未读取）", c.skipped))
        row = 3
        for label, value in rows:
            self.merged(ws, row, 0, 1, label, "head")
            ws.write_number(row, 2, value, self.f["count"])
            row += 1
        done = (
            "汇总完整：应报单位全部通过审核并已汇总。"
            if r.complete
            else "汇总不完整：未报送、待补正、冲突或名单外的单位未计入汇总，请督促补报或补正后重新汇总。"
        )
        self.merged(ws, row, 0, len(headers) - 1, done, "good" if r.complete else "bad")
        row += 1
        if r.blank_everywhere:
            note = f"有 {len(r.blank_everywhere)} 个填报项所有已汇总单位均未填写，汇总表按 0 计。"
            self.merged(ws, row, 0, len(headers) - 1, note, "note")
            row += 1
        row += 1
        for col, h in enumerate(headers):
            self.text(ws, row, col, h, "head")
        head_row = row
        row += 1
        number = 1
        for unit in r.units:
            shown = unit.counted or (unit.files[0] if len(unit.files) == 1 else None)
            files = shown.name if shown else "\n".join(f.name for f in unit.files)
            errors = sum(1 for f in unit.findings if f.severity == "error")
            warnings = sum(1 for f in unit.findings if f.severity == "warning")
            messages = [unit.note] if unit.note else []
            if unit.status in ("invalid", "conflict", "unexpected"):
                messages += [
                    f"{SEVERITY_LABELS['error']}：{f.message}" for f in unit.findings if f.severity == "error"
                ][:MAX_MESSAGES]
                # queries (核实) the unit neither corrected nor explained acceptably
                messages += [f"{SEVERITY_LABELS['query']}（未说明）：{f.message}" for f in open_queries(unit.findings)][
                    :MAX_MESSAGES
                ]
            # the counted return's queries and the unit's explanations (listed in full below the table)
            messages += [
                f"{SEVERITY_LABELS['query']}（已说明）：{e['title']}（{_short_where(self.spec, e)}）"
                for e in unit.explanations
            ][:MAX_MESSAGES]
            # queries shown as warnings (--queries-as-warnings): where this year does not follow on from last year
            messages += [
                f"{SEVERITY_LABELS['warning']}：{f.message}"
                for f in unit.findings
                if f.code == "cross-year-mismatch" and f.severity == "warning"
            ][:MAX_MESSAGES]
            bad = unit.status in ("invalid", "conflict", "unexpected", "missing")
            ws.write_number(row, 0, number, self.f["num"])
            self.text(ws, row, 1, unit.code)
            self.text(ws, row, 2, unit.name)
            self.text(ws, row, 3, unit.label, "bad" if bad else "good")
            self.text(ws, row, 4, files)
            ws.write_number(row, 5, errors, self.f["num"])
            ws.write_number(row, 6, warnings, self.f["num"])
            self.text(ws, row, 7, "\n".join(messages))
            self.fit_row(ws, row, {2: unit.name, 3: unit.label, 4: files, 7: "\n".join(messages)})
            row += 1
            number += 1
        for entry in r.unidentified:
            messages = [f.message for f in entry.findings if f.severity == "error"][:MAX_MESSAGES]
            ws.write_number(row, 0, number, self.f["num"])
            self.text(ws, row, 1, "")
            self.text(ws, row, 2, "")
            self.text(ws, row, 3, STATUS_LABELS["unidentified"], "bad")
            self.text(ws, row, 4, entry.name)
            ws.write_number(row, 5, entry.errors, self.f["num"])
            ws.write_number(row, 6, entry.warnings, self.f["num"])
            self.text(ws, row, 7, "\n".join(messages))
            self.fit_row(ws, row, {4: entry.name, 7: "\n".join(messages)})
            row += 1
            number += 1
        # every input file is accounted for: summaries set aside, files not read (issue 11)
        extra = [(f.unit_code, f.unit_name, "汇总表（未计入）", f.name, SUMMARY_EXCLUDED + "。") for f in r.excluded]
        extra += [("", "", "跳过（未读取）", x.short, x.reason + "。") for x in r.skipped]
        for code, name, label, path, reason in extra:
            ws.write_number(row, 0, number, self.f["num"])
            self.text(ws, row, 1, code)
            self.text(ws, row, 2, name)
            self.text(ws, row, 3, label, "bad")
            self.text(ws, row, 4, path)
            ws.write_number(row, 5, 0, self.f["num"])
            ws.write_number(row, 6, 0, self.f["num"])
            self.text(ws, row, 7, reason)
            self.fit_row(ws, row, {2: name, 3: label, 4: path, 7: reason})
            row += 1
            number += 1
        ws.autofilter(head_row, 0, max(row - 1, head_row), len(headers) - 1)
        self.explanations_block(ws, row + 1, len(headers))
        ws.freeze_panes(head_row + 1, 0)
        for col, width in enumerate(STATUS_WIDTHS):
            ws.set_column(col, col, width)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(head_row)

    def explanations_block(self, ws: Any, row: int, width: int) -> int:
        """Below the unit table: every explained query of the counted returns, with the unit's
        explanation (单位、规则、单元格、核实内容、说明). Returns the next free row."""
        items = [(unit, e) for unit in self.result.units for e in unit.explanations]
        if not items:
            return row
        self.merged(ws, row, 0, width - 1, f"核实项及单位的情况说明（{len(items)} 项，已说明并计入汇总）", "head")
        row += 1
        for col, h in enumerate(("序号", "单位代码", "单位名称", "规则", "单元格")):
            self.text(ws, row, col, h, "head")
        self.merged(ws, row, 5, width - 1, "核实内容 / 单位的说明", "head")
        row += 1
        for number, (unit, e) in enumerate(items, start=1):
            text = f"{e['title']}\n说明：{e['explanation']}"
            ws.write_number(row, 0, number, self.f["num"])
            self.text(ws, row, 1, unit.code)
            self.text(ws, row, 2, unit.name)
            self.text(ws, row, 3, e["rule"])
            self.text(ws, row, 4, _short_where(self.spec, e))
            self.merged(ws, row, 5, width - 1, text, "text")
            self.fit_row(ws, row, {2: unit.name, 7: text})
            row += 1
        return row

    # -- 分单位明细
    def breakdown_sheet(self) -> None:
        # Written top to bottom (a streamed sheet: a row is final once a later row is written).
        add = getattr(self.wb, "add_row_ordered_worksheet", self.wb.add_worksheet)
        ws = add(BREAKDOWN_SHEET)
        spec, r = self.spec, self.result
        layout = workbook_layout(spec)
        ids = spec.cell_ids
        first_col = 2
        self.title(ws, "分单位明细（各单位填报数；合计项按填报数重新计算）", 8)
        ws.set_row(2, 90)
        ws.set_row(3, 30)
        places = [layout.locate(cid) for cid in ids]
        headers = [
            (
                "表 / 单元格",
                "",
                [
                    f"{spec.table(spec.cells[cid].table).short} {address}"
                    for cid, (_, address) in zip(ids, places, strict=True)
                ],
            ),
            ("项目", "", [spec.cells[cid].label + ("（合计）" if spec.cells[cid].computed else "") for cid in ids]),
            ("单元格编号", "", list(ids)),
            ("单位代码", "单位名称", [""] * len(ids)),
        ]
        for row, (first, second, texts) in enumerate(headers, start=1):
            self.text(ws, row, 0, first, "head")
            self.text(ws, row, 1, second, "head")
            for j, text in enumerate(texts):
                self.text(ws, row, first_col + j, text, "head")
        row = 5
        first_unit = row
        types = [spec.cells[cid].type for cid in ids]
        for contribution in r.contributions:
            self.text(ws, row, 0, contribution.code)
            self.text(ws, row, 1, contribution.name)
            values = contribution.values
            for j, cid in enumerate(ids):
                self.number(ws, row, first_col + j, values.get(cid), types[j])
            row += 1
        if not r.contributions:
            self.text(ws, row, 0, "")
            self.text(ws, row, 1, "（没有已汇总的单位）")
            row += 1
        last_unit = row - 1
        sigma, official, check = row, row + 1, row + 2
        column_sums, summary_values, oks = [], [], []
        for cid in ids:
            money = spec.cells[cid].type == "amount"
            column_sums.append(sum((c.values.get(cid) or 0 for c in r.contributions), Decimal(0) if money else 0))
            summary_values.append(r.document.values.get(cid) or 0)
            oks.append(column_sums[-1] == summary_values[-1])
        all_ok = all(oks)
        self.text(ws, sigma, 0, "Σ", "head")
        self.text(ws, sigma, 1, "各单位合计", "head")
        for j, cid in enumerate(ids):
            col, letter = first_col + j, col_letter(first_col + j)
            fmt = self.f["summoney" if spec.cells[cid].type == "amount" else "sum"]
            ws.write_formula(
                sigma, col, f"=SUM({letter}{first_unit + 1}:{letter}{last_unit + 1})", fmt, _num(column_sums[j])
            )
        self.text(ws, official, 0, "汇总表", "head")
        self.text(ws, official, 1, "汇总表中的数", "head")
        for j, cid in enumerate(ids):
            fmt = self.f["summoney" if spec.cells[cid].type == "amount" else "sum"]
            sheet, address = places[j]
            ws.write_formula(official, first_col + j, f"='{sheet}'!{address}", fmt, _num(summary_values[j]))
        self.text(ws, check, 0, "核对", "head")
        self.text(ws, check, 1, "Σ 与汇总表一致", "head")
        for j in range(len(ids)):
            letter = col_letter(first_col + j)
            # ROUND: money is stored as binary floating point; SUM(0.1,0.2) is not 0.3 exactly.
            ws.write_formula(
                check,
                first_col + j,
                f'=IF(ROUND({letter}{sigma + 1}-{letter}{official + 1},6)=0,"{OK_MARK}","{BAD_MARK}")',
                self.f["check"],
                OK_MARK if oks[j] else BAD_MARK,
            )
        last_letter = col_letter(first_col + len(ids) - 1)
        overall = check + 2
        ws.merge_range(overall, 0, overall, 1, "", self.f["good" if all_ok else "bad"])
        ws.write_formula(
            overall,
            0,
            f'=IF(COUNTIF({col_letter(first_col)}{check + 1}:{last_letter}{check + 1},"{BAD_MARK}")=0,'
            f'"{OK_MARK} 各单元格 Σ 均与汇总表一致","{BAD_MARK} 有单元格 Σ 与汇总表不一致")',
            self.f["good" if all_ok else "bad"],
            f"{OK_MARK} 各单元格 Σ 均与汇总表一致" if all_ok else f"{BAD_MARK} 有单元格 Σ 与汇总表不一致",
        )
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 24)
        ws.set_column(first_col, first_col + len(ids) - 1, 10)
        ws.freeze_panes(5, first_col)
        # Printing: A4 landscape, the unit columns and header rows repeated on every page, and a
        # scale that puts ~20 cell columns and all units of a district on a page (at 100% it
        # took 80 pages for 30 units: 8 columns a page).
        ws.set_landscape()
        ws.set_paper(9)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        ws.set_print_scale(BREAKDOWN_PRINT_SCALE)
        ws.repeat_rows(1, 4)
        ws.repeat_columns(0, 1)
        ws.set_footer("&C第 &P 页，共 &N 页")
        self.breakdown_rows = (first_unit, last_unit, sigma, official, check)

    # -- 来源文件
    def provenance_sheet(self) -> None:
        ws = self.wb.add_worksheet(PROVENANCE_SHEET)
        headers = [
            "序号",
            "文件名",
            "路径",
            "SHA-256",
            "大小（字节）",
            "修改时间",
            "格式版本",
            "单位代码",
            "单位名称",
            "审核结果",
            "使用情况",
        ]
        self.title(ws, "来源文件（每个汇总数均可追溯到以下文件）", len(headers))
        for col, h in enumerate(headers):
            self.text(ws, 2, col, h, "head")
        row = 3
        for i, f in enumerate(self.result.files, start=1):
            ws.write_number(row, 0, i, self.f["num"])
            self.text(ws, row, 1, f.name)
            self.text(ws, row, 2, f.path)
            self.text(ws, row, 3, f.sha256, "plain")
            ws.write_number(row, 4, f.size, self.f["num"])
            self.text(ws, row, 5, f.mtime, "plain")
            self.text(ws, row, 6, f.format_version or "", "plain")
            self.text(ws, row, 7, f.unit_code)
            self.text(ws, row, 8, f.unit_name)
            self.text(ws, row, 9, "通过" if f.valid and not f.errors else "未通过", "good" if f.valid else "bad")
            self.text(ws, row, 10, FILE_USE_LABELS[f.use], "good" if f.use == "counted" else "plain")
            row += 1
        ws.autofilter(2, 0, max(row - 1, 2), len(headers) - 1)
        ws.freeze_panes(3, 0)
        for col, width in enumerate((6, 30, 40, 66, 12, 26, 10, 12, 30, 10, 20)):
            ws.set_column(col, col, width)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2)

    # -- 关键指标 + chart
    def chart_sheet(self) -> None:
        ws = self.wb.add_worksheet(CHART_SHEET)
        figures = key_figures(self.spec)
        r = self.result
        self.title(ws, "各单位关键指标", len(figures) + 2)
        self.text(ws, 2, 0, "单位代码", "head")
        self.text(ws, 2, 1, "单位名称", "head")
        for j, (label, _ids) in enumerate(figures):
            self.text(ws, 2, 2 + j, label, "head")
        row = 3
        for c in r.contributions:
            self.text(ws, row, 0, c.code)
            self.text(ws, row, 1, c.name)
            for j, (_label, ids) in enumerate(figures):
                ws.write_number(row, 2 + j, _num(sum(c.values.get(i) or 0 for i in ids)), self.f["num"])
            row += 1
        last = row - 1
        self.text(ws, row, 0, "合计", "head")
        self.text(ws, row, 1, "", "head")
        for j, (_label, ids) in enumerate(figures):
            letter = col_letter(2 + j)
            total = sum(r.document.values.get(i) or 0 for i in ids)
            formula = f"=SUM({letter}4:{letter}{last + 1})" if r.contributions else "=0"
            ws.write_formula(row, 2 + j, formula, self.f["sum"], _num(total))
        ws.set_column(0, 0, 12)
        ws.set_column(1, 1, 30)
        ws.set_column(2, 1 + max(len(figures), 1), 18)
        ws.set_row(2, 48)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        if not r.contributions or not figures:
            return
        chart = self.wb.add_chart({"type": "column"})
        for j in range(len(figures)):
            chart.add_series(
                {
                    "name": [CHART_SHEET, 2, 2 + j],
                    "categories": [CHART_SHEET, 3, 1, last, 1],
                    "values": [CHART_SHEET, 3, 2 + j, last, 2 + j],
                    "data_labels": {"value": True},
                }
            )
        chart.set_title({"name": "各单位关键指标（件）", "name_font": {"name": FONT, "size": 12}})
        chart.set_x_axis({"num_font": {"name": FONT, "size": 9}})
        chart.set_y_axis({"name": "件", "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom", "font": {"name": FONT, "size": 9}})
        chart.set_size({"width": 960, "height": 420})
        ws.insert_chart(row + 2, 0, chart)


def summary_sheets(result: MergeResult) -> Callable[[Any, dict[str, Any]], None]:
    """The ``extra_sheets`` hook for :func:`ogi_xlsx.template.write_workbook`."""

    def add(workbook: Any, formats: dict[str, Any]) -> None:
        sheets = _Sheets(result, workbook, formats)
        sheets.status_sheet()
        sheets.breakdown_sheet()
        sheets.provenance_sheet()
        sheets.chart_sheet()

    return add


def write_summary(target: str | Path | BinaryIO, result: MergeResult, *, streamed: bool = True) -> None:
    """Write the summary workbook (one atomic write when ``target`` is a path).

    ``streamed=False`` keeps every cell in memory until the end (xlsxwriter's default mode):
    the same cells; used by a test that compares the two.
    """
    from ogi_xlsx.template import write_workbook

    doc = result.document
    write_workbook(
        target,
        result.spec,
        year=doc.year,
        unit_code=doc.unit_code,
        unit_name=doc.unit_name,
        cover=dict(doc.cover) or None,
        values=dict(doc.values),
        kind="summary",
        extra_sheets=summary_sheets(result),
        explanations=doc.explanations,  # the units' accepted explanations, read one level up
        # Rows are written out as they are completed: the per-unit breakdown (a row of ~200
        # cells per unit) would otherwise stay in memory, ~0.08 MB a unit.
        streamed=streamed,
    )


def summary_json_text(result: MergeResult) -> str:
    """``merge --json``: canonical JSON text (UTF-8, Chinese readable, trailing newline)."""
    import json

    return _display(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")


def write_summary_json(path: str | Path, result: MergeResult) -> None:
    """Write :func:`summary_json_text` atomically (temp file in the same folder, then rename)."""
    from ogi_xlsx.atomic import atomic_write_text

    atomic_write_text(path, summary_json_text(result))
