"""The summary's own sheets (报送情况, 分单位明细, 来源文件, 关键指标) and the whole workbook."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pipeline.test_merge import ERROR, input_values, make_doc, make_input, zeros

from ogi_xlsx.model.layout import workbook_layout
from ogi_xlsx.model.spec import load_format
from ogi_xlsx.pipeline.merge import merge_returns
from ogi_xlsx.pipeline.options import CheckOptions
from ogi_xlsx.writing.summary import (
    BREAKDOWN_SHEET,
    CHART_SHEET,
    PROVENANCE_SHEET,
    STATUS_SHEET,
    key_figures,
    summary_sheets,
)

SPEC = load_format("2021")
EVIL = '=HYPERLINK("http://evil.invalid","点我")'


def _result():
    roster = {"A1": "甲街道", "A2": EVIL, "A3": "丙街道", "A4": "丁街道"}
    a1 = make_doc("A1", {**zeros(), "t3.r_new.c_natural": 5, "t2.r_fees.c_fee_amount": Decimal("0.1")})
    a2 = make_doc(
        "A2",
        {
            **zeros(),
            "t3.r_new.c_natural": 7,
            "t3.r_open.c_natural": 7,
            "t4.r_lit_after.c_upheld": 2,
            "t2.r_fees.c_fee_amount": Decimal("0.2"),
        },
        name=EVIL,
    )
    a3 = make_doc("A3", {**zeros(), "t3.r_new.c_natural": 100})
    inputs = [
        make_input(a1, "returns/A1.xlsx"),
        make_input(a2, "returns/+cmd|'calc'!A0.xlsx"),
        make_input(a3, "returns/A3.xlsx", valid=False, findings=(ERROR,)),
    ]
    return merge_returns(inputs, roster=roster, unit_code="LC", unit_name="鲤城区")


def _extra_sheets_only(result) -> bytes:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    wb.set_properties({"created": datetime(2025, 1, 1)})
    summary_sheets(result)(wb, {})
    wb.close()
    return buffer.getvalue()


def test_key_figures_come_from_the_spec():
    for fmt in ("2019", "2021"):
        spec = load_format(fmt)
        figures = dict(key_figures(spec))
        assert len(figures) == 4
        ids = [cid for group in figures.values() for cid in group]
        assert all(spec.cells[cid].computed for cid in ids)
        assert "t3.r_new.c_total" in ids and "t3.r_done_total.c_total" in ids
        assert figures["行政复议"] == ("t4.r_review.c_total",)
        assert set(figures["行政诉讼"]) == {"t4.r_lit_direct.c_total", "t4.r_lit_after.c_total"}


def test_status_sheet_counts_and_units():
    result = _result()
    wb = openpyxl.load_workbook(io.BytesIO(_extra_sheets_only(result)))
    ws = wb[STATUS_SHEET]
    labels = {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(1, 15) if ws.cell(r, 1).value}
    assert labels["应报单位"] == 4
    assert labels["已报单位"] == 3
    assert labels["通过（已汇总）"] == 2
    assert labels["待补正（未汇总）"] == 1
    assert labels["未报单位"] == 1
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=1)]
    by_code = {row[1]: row for row in rows if row[1] in ("A1", "A2", "A3", "A4")}
    assert by_code["A3"][3].startswith("待补正")
    assert ERROR.message in by_code["A3"][7]
    assert by_code["A3"][5] == 1
    assert by_code["A4"][3] == "未报送"
    assert by_code["A2"][2] == EVIL  # the name is text, not a formula


def test_breakdown_sigma_and_reconciliation():
    result = _result()
    data = _extra_sheets_only(result)
    formulas = openpyxl.load_workbook(io.BytesIO(data))[BREAKDOWN_SHEET]
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)[BREAKDOWN_SHEET]
    ids = [formulas.cell(4, c).value for c in range(3, 3 + len(SPEC.cell_ids))]
    assert ids == list(SPEC.cell_ids)
    codes = [formulas.cell(r, 1).value for r in range(6, 8)]
    assert codes == ["A1", "A2"]
    sigma = next(r for r in range(1, 20) if formulas.cell(r, 1).value == "Σ")
    layout = workbook_layout(SPEC)
    for j, cid in enumerate(SPEC.cell_ids):
        col = 3 + j
        assert formulas.cell(sigma, col).value.startswith("=SUM(")
        expected = result.document.values[cid]
        assert Decimal(str(cached.cell(sigma, col).value)) == expected, cid
        sheet, address = layout.locate(cid)
        assert formulas.cell(sigma + 1, col).value == f"='{sheet}'!{address}"
        assert cached.cell(sigma + 2, col).value == "✓"
        unit_sum = sum(Decimal(str(cached.cell(r, col).value or 0)) for r in range(6, sigma))
        assert unit_sum == expected, cid
    assert cached.cell(sigma + 4, 1).value.startswith("✓")


def test_provenance_and_chart():
    result = _result()
    data = _extra_sheets_only(result)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[PROVENANCE_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert [r[1] for r in rows] == ["A1.xlsx", "+cmd|'calc'!A0.xlsx", "A3.xlsx"]
    assert {r[3] for r in rows} == {f.sha256 for f in result.files}
    assert rows[0][10] == "计入汇总" and rows[2][10] == "未计入"
    chart_ws = wb[CHART_SHEET]
    assert [chart_ws.cell(3, c).value for c in range(3, 7)] == [label for label, _ in key_figures(SPEC)]
    assert chart_ws.cell(5, 6).value == 2  # A2: 诉讼 = 复议后起诉 维持 2
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    # untrusted names and file names never become formulas
    assert "HYPERLINK" not in "".join(x for x in xml.split("<f>")[1:] for x in [x.split("</f>")[0]])
    assert "cmd|" not in "".join(x.split("</f>")[0] for x in xml.split("<f>")[1:])


def test_extra_sheets_are_deterministic():
    assert _extra_sheets_only(_result()) == _extra_sheets_only(_result())


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(input_values(), min_size=1, max_size=3))
def test_breakdown_cached_sigma_equals_summary_for_random_units(values_list):
    inputs = [make_input(make_doc(f"U{i}", v), f"U{i}.xlsx") for i, v in enumerate(values_list)]
    result = merge_returns(inputs, unit_code="D", unit_name="区")
    ws = openpyxl.load_workbook(io.BytesIO(_extra_sheets_only(result)), data_only=True)[BREAKDOWN_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    sigma = next(i for i, row in enumerate(rows) if row[0] == "Σ")
    units = rows[5:sigma]
    assert [row[0] for row in units] == [c.code for c in result.contributions]
    for j, cid in enumerate(SPEC.cell_ids):
        expected = result.document.values[cid]
        column = [Decimal(str(row[2 + j])) for row in units if row[2 + j] is not None]
        assert sum(column) == expected, cid
        assert Decimal(str(rows[sigma][2 + j])) == expected, cid
        assert rows[sigma + 2][2 + j] == "✓"


def _workbook_facts(data: bytes) -> dict:
    """Everything a reader sees in a workbook: cells with values, formulas and styles, merges,
    row heights, column widths, validations, conditional formats, panes, print titles, names, states."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    facts: dict = {"names": sorted((n, d.attr_text) for n, d in wb.defined_names.items()), "sheets": {}}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                cells[c.coordinate] = (
                    c.value,
                    c.number_format,
                    repr(c.font),
                    repr(c.fill),
                    repr(c.border),
                    repr(c.alignment),
                    repr(c.protection),
                )
        facts["sheets"][ws.title] = {
            "state": ws.sheet_state,
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "heights": {k: v.height for k, v in ws.row_dimensions.items() if v.height},
            "widths": {k: v.width for k, v in ws.column_dimensions.items() if v.width},
            "validations": sorted(
                repr((str(v.sqref), v.type, v.formula1, v.prompt)) for v in ws.data_validations.dataValidation
            ),
            "conditional": sorted(str(r.sqref) for r in ws.conditional_formatting),
            "panes": ws.freeze_panes,
            "print_titles": (ws.print_title_rows, ws.print_title_cols),
            "protected": ws.protection.sheet,
        }
    return facts


@pytest.mark.slow
def test_streamed_summary_has_the_same_cells_as_one_kept_in_memory():
    """The summary is written row by row (flat memory); every cell, style and merge is as in the default mode."""
    from ogi_xlsx.writing.summary import write_summary

    result = _result()
    streamed, kept = io.BytesIO(), io.BytesIO()
    write_summary(streamed, result)
    write_summary(kept, result, streamed=False)
    assert _workbook_facts(streamed.getvalue()) == _workbook_facts(kept.getvalue())
    again = io.BytesIO()
    write_summary(again, result)
    assert again.getvalue() == streamed.getvalue()  # still deterministic
    with zipfile.ZipFile(io.BytesIO(streamed.getvalue())) as zf:
        assert b"inlineStr" in zf.read("xl/worksheets/sheet1.xml")  # really written in constant_memory mode


def test_a_big_summary_is_valid_one_level_up_without_raising_limits(tmp_path):
    """A summary's breakdown has a row per unit; its own sheets are not read, so even a summary of
    more units than the cell limit allows is checked by its official tables, with no extra-sheet notes."""
    from ogi_xlsx.model.limits import Limits
    from ogi_xlsx.pipeline.check import check_file
    from ogi_xlsx.reading.xlsx import XlsxError, read_xlsx
    from ogi_xlsx.writing.summary import SUMMARY_SHEETS, write_summary

    docs = [
        make_input(
            make_doc(f"U{i:02d}", {**zeros(), "t3.r_new.c_natural": 1, "t3.r_open.c_natural": 1}), f"r/U{i:02d}.xlsx"
        )
        for i in range(40)
    ]
    out = tmp_path / "summary.xlsx"
    write_summary(out, merge_returns(docs, year=2024, unit_code="D1", unit_name="某区"))
    small = Limits(max_cells=3000)  # far fewer than the breakdown's 40 x 200 cells
    with pytest.raises(XlsxError, match="单元格数量超过上限"):
        read_xlsx(out, small)
    report = check_file(out, CheckOptions(limits=small))
    assert report.valid, [f.message for f in report.findings]
    assert report.document.values["t3.r_new.c_natural"] == 40
    assert not [f for f in report.findings if f.code == "sheet-extra"]
    skipped = read_xlsx(out, skip_sheets=lambda props: SUMMARY_SHEETS)
    assert all(s.skipped and not s.cells for s in skipped.sheets if s.name in SUMMARY_SHEETS)
    # a return that merely names a sheet like a summary's is read in full
    assert not any(s.skipped for s in read_xlsx(out, skip_sheets=lambda props: ()).sheets)


def test_row_ordered_sheet_replays_out_of_order_writes():
    """Writes to earlier rows after later ones (and A1 notation) survive constant_memory mode."""
    from ogi_xlsx.writing.xlsxwriter_ext import Workbook

    buffer = io.BytesIO()
    wb = Workbook(buffer, streamed=True)
    ws = wb.add_worksheet("s")
    ws.write_string(5, 0, "last")
    ws.merge_range(1, 0, 3, 1, "merged", None)
    ws.write_number("C2", 7)  # A1 notation, row 1
    ws.write_string(0, 0, "first")
    ws.write_string(1, 0, "overwritten later wins")
    ws.set_row(5, 30)  # after its row was written: still applied (a height on a row without cells is not kept)
    with pytest.raises(TypeError):
        ws.merge_range("A8:B9", 0, 0, 0, "x")
    wb.close()
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["s"]
    assert [sheet["A1"].value, sheet["A2"].value, sheet["C2"].value, sheet["A6"].value] == [
        "first",
        "overwritten later wins",
        7,
        "last",
    ]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A2:B4"]
    assert sheet.row_dimensions[6].height == 30
