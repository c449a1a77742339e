"""Extraction from hand-built RawWorkbooks: identity, labels, shifts, sheets, formulas, cached totals."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from ogi_xlsx.checks.rules import compute_totals, with_totals
from ogi_xlsx.model.cellref import a1
from ogi_xlsx.model.identity import IDENTITY_KEYS, property_name
from ogi_xlsx.model.layout import COVER_SHEET, IDENTITY_SHEET, layout_hash, workbook_layout
from ogi_xlsx.model.spec import load_format
from ogi_xlsx.pipeline.check import check_workbook
from ogi_xlsx.pipeline.options import CheckOptions
from ogi_xlsx.pipeline.report import FileReport
from ogi_xlsx.reading.extract import extract, formula_cells, parse_ref, recognise_by_labels
from ogi_xlsx.reading.xlsx import RawCell, RawSheet, RawWorkbook

SPEC = load_format("2021")
LAYOUT = workbook_layout(SPEC)


def sample_inputs(spec=SPEC) -> dict:
    values = {}
    for i, cell_id in enumerate(spec.input_ids):
        cell = spec.cells[cell_id]
        values[cell_id] = Decimal("1.5") if cell.type == "amount" else (i % 4)
    for rule in spec.rules:  # make the balances hold: the first lhs input absorbs the difference
        adjustable = [ref for ref in rule.lhs if not spec.cells[ref].computed]
        if rule.defines or not adjustable:
            continue
        full = with_totals(spec, values)
        values[adjustable[0]] += sum(full[r] for r in rule.rhs) - sum(full[r] for r in rule.lhs)
        assert values[adjustable[0]] >= 0
    return values


def text(value) -> RawCell:
    return RawCell(value, "s")


def number(value) -> RawCell:
    return RawCell(value, "n")


def make_raw(
    spec=SPEC,
    inputs: dict | None = None,
    *,
    year: int = 2024,
    unit_code: str = "U01",
    unit_name: str = "测试局",
    identity: bool = True,
    formulas: bool = True,
    cached: bool = True,
) -> RawWorkbook:
    """A RawWorkbook as the template writer would produce for a completed return."""
    layout = workbook_layout(spec)
    inputs = sample_inputs(spec) if inputs is None else inputs
    totals = compute_totals(spec, inputs)
    sheets = []
    cover = RawSheet(COVER_SHEET, protected=True)
    values = {"unit_name": unit_name, "unit_code": unit_code, "year": year, "preparer": "张三", "phone": "123",
              "reviewer": "李四", "date": "2025-01-10"}  # fmt: skip
    for fld in spec.cover:
        cover.cells[layout.cover.labels[fld.id]] = text(fld.label)
        value = values[fld.id]
        cover.cells[layout.cover.fields[fld.id]] = number(value) if isinstance(value, int) else text(value)
    sheets.append(cover)
    defined = {}
    for sl in layout.sheets:
        sheet = RawSheet(sl.sheet, protected=True)
        for t in sl.texts:
            sheet.cells[(t.row, t.col)] = text(t.text)
        for cell_id, pos in sl.cells.items():
            defined[spec.cells[cell_id].defined_name] = f"'{sl.sheet}'!${a1(*pos)[0]}${a1(*pos)[1:]}"
            if cell_id in totals:
                rhs = ",".join(sl.address(r) for r in spec.formulas[cell_id].rhs)
                if formulas:
                    sheet.cells[pos] = RawCell(totals[cell_id] if cached else None, "n", formula=f"SUM({rhs})")
                else:
                    sheet.cells[pos] = number(totals[cell_id])
            elif inputs.get(cell_id) is not None:
                sheet.cells[pos] = RawCell(inputs[cell_id], "n", locked=False)
        sheets.append(sheet)
    wb = RawWorkbook(sheets=sheets, defined_names=defined if identity else {}, structure_locked=identity)
    if identity:
        ident = {"format": spec.id, "format_version": spec.version, "layout_hash": layout_hash(spec),
                 "year": str(year), "unit_code": unit_code, "unit_name": unit_name, "kind": "return",
                 "tool_version": "0.1.0"}  # fmt: skip
        wb.custom_properties = {property_name(k): ident[k] for k in IDENTITY_KEYS}
        hidden = RawSheet(IDENTITY_SHEET, state="veryHidden")
        for i, key in enumerate(IDENTITY_KEYS):
            hidden.cells[(i, 0)] = text(key)
            hidden.cells[(i, 1)] = text(ident[key])
        wb.sheets.append(hidden)
        wb.defined_names.update({f"ogi_id_{k}": f'"{v}"' for k, v in ident.items()})
    else:
        for sheet in wb.sheets:
            sheet.protected = False
    return wb


def check(wb: RawWorkbook, **options) -> FileReport:
    from pathlib import Path

    return check_workbook(wb, FileReport(Path("x.xlsx"), "", 0, 0.0), CheckOptions.make(**options))


def codes(report: FileReport) -> list[tuple[str, str | None, str | None]]:
    return [(f.code, f.sheet, f.cell) for f in report.findings]


def place(cell_id: str, spec=SPEC) -> tuple[str, tuple[int, int], str]:
    sheet, address = workbook_layout(spec).locate(cell_id)
    sl = next(s for s in workbook_layout(spec).sheets if s.sheet == sheet)
    return sheet, sl.cells[cell_id], address


def test_clean_return_has_no_findings_and_recomputes_totals():
    report = check(make_raw())
    assert report.valid
    assert [f.code for f in report.findings] == []
    assert report.format == "ogi-2021" and report.year == 2024 and report.unit_code == "U01"
    doc = report.document
    assert doc.values == {**sample_inputs(), **compute_totals(SPEC, sample_inputs())}


def test_parse_ref_and_equivalent_sum_forms():
    assert parse_ref("'三、依申请公开'!$D$6") == ("三、依申请公开", [(5, 3)])
    assert formula_cells("SUM(D6:F6)", "x") == formula_cells("SUM(D6,E6,F6)", "x") == formula_cells("D6+E6+F6", "x")
    assert formula_cells("SUM(D6;E6)", "x") == formula_cells("SUM(D6,E6)", "x")
    assert formula_cells("SUM($D$6:$E$6)", "x") == formula_cells("sum(d6:e6)", "x")
    assert formula_cells("'x'!D6+E6", "x") == formula_cells("D6+E6", "x")
    assert formula_cells("'y'!D6+E6", "x") is None
    assert formula_cells("SUM(D6:E6)*2", "x") is None
    assert formula_cells("SUM(D6:E6)", "x") != formula_cells("SUM(D6:F6)", "x")


def test_formula_overwritten_keeps_constant_for_sum_rule():
    wb = make_raw()
    cell_id = "t3.r_new.c_total"
    sheet_name, pos, address = place(cell_id)
    wb.sheet(sheet_name).cells[pos] = number(999)
    report = check(wb)
    found = codes(report)
    assert ("formula-overwritten", sheet_name, address) in found
    # one typed-over cell, one error: the rule defining that total would only repeat it (issue 11)
    assert ("sum-mismatch", sheet_name, address) not in found
    # rules the typed number takes part in say that it is the cause
    assert all("手填的数" in f.message for f in report.findings if f.code == "sum-mismatch" and cell_id in f.cell_ids)
    # one document: the recomputed total in its values, the typed number beside it (what the rules checked)
    assert report.document.values[cell_id] == compute_totals(SPEC, sample_inputs())[cell_id]
    assert report.document.reported_totals == {cell_id: 999}
    assert report.document.reported_values()[cell_id] == 999
    assert report.document.to_json()["values"][cell_id] == report.document.values[cell_id]  # JSON: recomputed


def test_an_intact_workbook_reports_no_totals_beside_its_values():
    report = check(make_raw())
    assert report.document.reported_totals == {}
    assert report.document.reported_values() == report.document.values


def test_formula_changed_and_cached_stale():
    wb = make_raw()
    sheet_name, pos, address = place("t3.r_new.c_total")
    raw = wb.sheet(sheet_name).cells[pos]
    raw.formula = "SUM(D6:H6)"
    sheet_name2, pos2, address2 = place("t3.r_carry.c_total")
    wb.sheet(sheet_name2).cells[pos2].value = 12345
    report = check(wb)
    found = codes(report)
    assert ("formula-changed", sheet_name, address) in found
    assert ("cached-stale", sheet_name2, address2) in found
    changed = next(f for f in report.findings if f.code == "formula-changed")
    row = address[1:]
    assert changed.args["expected"] == f"SUM(D{row}:I{row})" and "=SUM(D6:H6)" in changed.message


def test_libreoffice_range_form_is_accepted():
    wb = make_raw()
    sheet_name, pos, _ = place("t3.r_new.c_total")
    sl = next(s for s in LAYOUT.sheets if s.sheet == sheet_name)
    rhs = [sl.address(r) for r in SPEC.formulas["t3.r_new.c_total"].rhs]
    wb.sheet(sheet_name).cells[pos].formula = f"SUM({rhs[0]}:{rhs[-1]})"
    assert codes(check(wb)) == []


def test_identity_gone_is_recognised_by_labels_and_typed_total_checked():
    for spec in (load_format("2019"), SPEC):
        wb = make_raw(spec, identity=False, formulas=False)
        assert recognise_by_labels(wb)[0] is spec
    wb = make_raw(identity=False, formulas=False)
    sheet_name, pos, address = place("t3.r_new.c_total")
    wb.sheet(sheet_name).cells[pos] = number(1)
    report = check(wb)
    found = codes(report)
    assert ("format-by-labels", None, None) in found
    assert ("sum-mismatch", sheet_name, address) in found
    assert not any(f.code in ("protection-removed", "formula-overwritten") for f in report.findings)


def set_identity(wb: RawWorkbook, key: str, value: str) -> None:
    """Change one identity key in all three copies."""
    wb.custom_properties[property_name(key)] = value
    wb.defined_names[f"ogi_id_{key}"] = f'"{value}"'
    hidden = wb.sheet(IDENTITY_SHEET)
    hidden.cells[(IDENTITY_KEYS.index(key), 1)] = text(value)


def test_unknown_and_retired_and_mismatched_fingerprint(monkeypatch):
    wb = make_raw()
    set_identity(wb, "format", "ogi-2099")
    assert [f.code for f in check(wb).findings] == ["format-unknown"]
    wb = make_raw()
    set_identity(wb, "layout_hash", "0" * 16)
    assert [f.code for f in check(wb).findings] == ["fingerprint-mismatch"]
    wb = make_raw()
    wb.sheet(IDENTITY_SHEET).cells[(IDENTITY_KEYS.index("year"), 1)] = text("2020")  # one copy tampered with
    assert [f.code for f in check(wb).findings] == ["fingerprint-mismatch"]
    wb = make_raw()
    set_identity(wb, "format_version", "0.9.0")
    retired = dataclasses.replace(SPEC, retired_versions=("0.9.0",))
    monkeypatch.setattr("ogi_xlsx.reading.extract.load_format", lambda _: retired)
    assert "format-retired" in [f.code for f in check(wb).findings]
    wb = RawWorkbook(sheets=[RawSheet("Sheet1", cells={(0, 0): text("hello")})])
    assert [f.code for f in check(wb).findings] == ["format-unknown"]


def test_row_inserted_is_reported_and_values_follow():
    wb = make_raw(identity=False, formulas=False)
    sl = LAYOUT.sheets[1]
    sheet = wb.sheet(sl.sheet)
    first_data = sl.data_rows[0]
    insert_at = first_data + 3
    sheet.cells = {((r + 1 if r >= insert_at else r), c): v for (r, c), v in sheet.cells.items()}
    report = check(wb)
    shifted = [f for f in report.findings if f.code == "layout-shifted"]
    assert shifted and shifted[0].args["rows"] == 1 and shifted[0].sheet == sl.sheet
    assert shifted[0].cell[1:] == str(insert_at + 2) or shifted[0].cell[2:] == str(insert_at + 2)
    assert report.document.values == {**sample_inputs(), **compute_totals(SPEC, sample_inputs())}
    assert not any(f.code == "sum-mismatch" for f in report.findings)


def test_label_changed_and_sheet_renamed_missing_extra():
    wb = make_raw()
    sl = LAYOUT.sheets[1]
    label = next(t for t in sl.labels if t.role == "label")
    wb.sheet(sl.sheet).cells[(label.row, label.col)] = text("随便写的")
    wb.sheet(LAYOUT.sheets[0].sheet).name = "Sheet2"
    wb.sheets = [s for s in wb.sheets if s.name != LAYOUT.sheets[2].sheet]
    wb.sheets.append(RawSheet("草稿"))
    report = check(wb)
    found = codes(report)
    assert ("label-changed", sl.sheet, a1(label.row, label.col)) in found
    assert ("sheet-renamed", "Sheet2", None) in found
    assert ("sheet-missing", LAYOUT.sheets[2].sheet, None) in found
    assert ("sheet-extra", "草稿", None) in found
    # cells of the missing sheet are not reported blank one by one
    assert not any(f.code == "value-blank" and f.sheet == LAYOUT.sheets[2].sheet for f in report.findings)


def test_protection_and_structure():
    wb = make_raw()
    wb.sheet(LAYOUT.sheets[1].sheet).protected = False
    wb.structure_locked = False
    wb.sheet(COVER_SHEET).protected = False
    found = codes(check(wb))
    assert ("protection-removed", LAYOUT.sheets[1].sheet, None) in found
    assert ("protection-removed", COVER_SHEET, None) in found
    assert ("protection-removed", LAYOUT.sheets[0].sheet, None) not in found
    assert ("structure-unlocked", None, None) in found
    assert check(wb).valid  # warning and info only


def test_year_unit_roster_and_cover():
    wb = make_raw(year=2023)
    report = check(wb, expected_year=2024, roster={"U02": "别的局"})
    found = [f.code for f in report.findings]
    assert "year-mismatch" in found and "unit-not-on-roster" in found
    wb = make_raw()
    cover = wb.sheet(COVER_SHEET)
    cover.cells[LAYOUT.cover.fields["year"]] = number(2022)
    cover.cells[LAYOUT.cover.fields["unit_name"]] = text("另一个局")
    cover.cells.pop(LAYOUT.cover.fields["preparer"])
    found = codes(check(wb))
    assert ("year-mismatch", COVER_SHEET, a1(*LAYOUT.cover.fields["year"])) in found
    assert ("unit-mismatch", COVER_SHEET, a1(*LAYOUT.cover.fields["unit_name"])) in found
    assert ("cover-missing", COVER_SHEET, a1(*LAYOUT.cover.fields["preparer"])) in found
    wb = make_raw(load_format("2019"), year=2024)
    assert "format-year-mismatch" in [f.code for f in check(wb).findings]


@pytest.mark.parametrize(
    ("raw", "code", "value"),
    [
        (RawCell("#REF!", "e"), "value-error", None),
        (RawCell("3", "s"), "value-text-number", 3),
        (RawCell("abc", "s"), "value-not-number", None),
        (RawCell("-3", "s"), "value-negative", None),
        (RawCell(-3, "n"), "value-negative", None),
    ],
)
def test_input_problems_reported_once(raw, code, value):
    wb = make_raw()
    sheet_name, pos, address = place("t3.r_new.c_natural")
    wb.sheet(sheet_name).cells[pos] = raw
    report = check(wb)
    here = [f.code for f in report.findings if f.cell == address and f.sheet == sheet_name and f.code != "sum-mismatch"]
    assert here == [code]
    assert report.document.values["t3.r_new.c_natural"] == value


def test_blank_and_strict_blank():
    inputs = sample_inputs()
    inputs["t3.r_new.c_natural"] = None
    _, _, address = place("t3.r_new.c_natural")
    assert ("value-blank", LAYOUT.sheets[1].sheet, address) in codes(check(make_raw(inputs=inputs)))
    strict = check(make_raw(inputs=inputs), strict_blanks=True)
    assert ("value-blank-strict", LAYOUT.sheets[1].sheet, address) in codes(strict)
    assert not strict.valid


def test_extract_reports_moved_cells_on_renamed_sheet():
    wb = make_raw()
    wb.sheet(LAYOUT.sheets[1].sheet).name = "表3"
    # defined names follow a rename in Excel
    wb.defined_names = {k: v.replace(LAYOUT.sheets[1].sheet, "表3") for k, v in wb.defined_names.items()}
    ex = extract(wb)
    assert ex.inputs == sample_inputs()
    assert ex.sheet_names[LAYOUT.sheets[1].sheet] == "表3"


def test_column_inserted_and_row_deleted():
    wb = make_raw(identity=False, formulas=False)
    sl = LAYOUT.sheets[1]
    sheet = wb.sheet(sl.sheet)
    insert_col = sl.width - 2  # before the second-to-last column
    sheet.cells = {(r, (c + 1 if c >= insert_col else c)): v for (r, c), v in sheet.cells.items()}
    report = check(wb)
    shifted = [f for f in report.findings if f.code == "layout-shifted"]
    assert shifted and shifted[0].args["cols"] == 1 and shifted[0].args["rows"] == 0
    assert report.document.values == {**sample_inputs(), **compute_totals(SPEC, sample_inputs())}

    wb = make_raw(identity=False, formulas=False)
    sheet = wb.sheet(sl.sheet)
    gone = sl.data_rows[0] + 1  # delete the second data row
    sheet.cells = {((r - 1 if r > gone else r), c): v for (r, c), v in sheet.cells.items() if r != gone}
    report = check(wb)
    found = {f.code for f in report.findings}
    assert "layout-shifted" in found
    deleted = next(f for f in report.findings if f.code == "layout-shifted" and "deleted" in f.args)
    assert deleted.cell == a1(gone, 0) and "被删除" in deleted.message
    up = next(f for f in report.findings if f.code == "layout-shifted" and "rows" in f.args)
    assert up.args["rows"] == -1 and "删除了行" in up.message
    # the deleted row's cells are not read from the row that moved up
    label_row = {cid for cid, (r, _) in sl.cells.items() if r == gone}
    assert all(report.document.values[cid] is None for cid in label_row if not SPEC.cells[cid].computed)
    assert not any(f.code == "value-blank" and f.cell_ids[0] in label_row for f in report.findings)


def test_value_right_of_the_table_is_information():
    wb = make_raw()
    sl = LAYOUT.sheets[1]
    wb.sheet(sl.sheet).cells[(sl.data_rows[0], sl.width + 1)] = text("备注：含转办 3 件")
    report = check(wb)
    assert ("unexpected-value", sl.sheet, a1(sl.data_rows[0], sl.width + 1)) in codes(report)
    assert report.valid


def test_hand_copy_with_other_sheet_names_and_noted_label():
    wb = make_raw(identity=False, formulas=False)
    for i, sheet in enumerate(wb.sheets):
        sheet.name = f"Sheet{i + 1}"
    sl = LAYOUT.sheets[0]
    label = next(t for t in sl.labels if t.role == "label")
    wb.sheets[1].cells[(label.row, label.col)] = text(label.text + "（设区的市人民政府填报）")
    report = check(wb)
    renamed = [f for f in report.findings if f.code == "sheet-renamed"]
    assert sorted(f.args["expected"] for f in renamed) == sorted([COVER_SHEET, *(s.sheet for s in LAYOUT.sheets)])
    noted = [f for f in report.findings if f.code == "label-changed"]
    assert [(f.sheet, f.cell, f.severity) for f in noted] == [("Sheet2", a1(label.row, label.col), "warning")]
    assert report.document.values == {**sample_inputs(), **compute_totals(SPEC, sample_inputs())}
    assert report.unit_code == "U01" and report.year == 2024


def test_cover_date_stored_as_a_date_number():
    wb = make_raw()
    wb.sheet(COVER_SHEET).cells[LAYOUT.cover.fields["date"]] = RawCell(45667, "n", is_date=True)
    report = check(wb)
    assert report.document.cover["date"] == "2025-01-10"
    assert not any(f.code.startswith("cover-") for f in report.findings)


def test_empty_unit_code_and_name_point_to_the_cover():
    wb = make_raw(identity=False)
    cover = wb.sheet(COVER_SHEET)
    cover.cells.pop(LAYOUT.cover.fields["unit_code"])
    cover.cells[LAYOUT.cover.fields["unit_name"]] = text("  ")
    found = codes(check(wb))
    assert ("unit-code-missing", COVER_SHEET, a1(*LAYOUT.cover.fields["unit_code"])) in found
    assert ("cover-missing", COVER_SHEET, a1(*LAYOUT.cover.fields["unit_name"])) in found
    assert not any(code == "schema" for code, _, _ in found)


def test_overwritten_formula_without_identity_is_still_reported():
    wb = make_raw(identity=False)  # identity dropped, formulas kept (a program saved it)
    sheet_name, pos, address = place("t3.r_new.c_total")
    wb.sheet(sheet_name).cells[pos] = number(5)
    found = codes(check(wb))
    assert ("formula-overwritten", sheet_name, address) in found
    assert ("sum-mismatch", sheet_name, address) not in found  # said once, by formula-overwritten


def test_unit_code_retyped_as_number_keeps_leading_zeros():
    wb = make_raw(unit_code="007")
    wb.sheet(COVER_SHEET).cells[LAYOUT.cover.fields["unit_code"]] = number(7)
    report = check(wb)
    assert report.unit_code == "007"
    assert not any(f.code == "unit-mismatch" for f in report.findings)
