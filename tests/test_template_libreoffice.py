"""LibreOffice as the real client: fill a template, let LibreOffice recalculate and save, check.

One soffice call converts every file of this module (they are batched in a module fixture).
"""

from __future__ import annotations

import json
import random
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from test_template import expand

from ogi_xlsx.document import document_from_json
from ogi_xlsx.explanation_sheet import EXPLANATION_SHEET
from ogi_xlsx.identity import IDENTITY_KEYS, defined_name, property_name
from ogi_xlsx.layout import IDENTITY_SHEET, workbook_layout
from ogi_xlsx.rules import compute_totals
from ogi_xlsx.spec import FormatSpec, all_formats
from ogi_xlsx.template import blank_template_year, write_workbook

pytestmark = pytest.mark.libreoffice
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def random_values(spec: FormatSpec, rng: random.Random) -> dict[str, int | Decimal]:
    values: dict[str, int | Decimal] = {}
    for cell_id in spec.input_ids:
        kind = spec.cells[cell_id].type
        if kind == "count":
            values[cell_id] = rng.randint(0, 60)
        elif kind == "signed_count":
            values[cell_id] = rng.randint(-20, 20)
        else:
            values[cell_id] = Decimal(rng.randint(0, 999_999)) / 100
    return values


def fill_with_openpyxl(path: Path, spec: FormatSpec, values: dict[str, int | Decimal]) -> None:
    """What a clerk does: type numbers into the input cells (openpyxl standing in for Excel)."""
    wb = openpyxl.load_workbook(path)
    layout = workbook_layout(spec)
    for cell_id, value in values.items():
        sheet, address = layout.locate(cell_id)
        wb[sheet][address].value = float(value) if isinstance(value, Decimal) else value
    wb.save(path)


@pytest.fixture(scope="module")
def roundtripped(libreoffice, tmp_path_factory):
    """Per case: (spec, identity, input values, the file LibreOffice saved)."""
    src = tmp_path_factory.mktemp("lo-in")
    out = tmp_path_factory.mktemp("lo-out")
    rng = random.Random(20240101)
    cases = []
    for spec in all_formats():
        path = src / f"filled-{spec.id}.xlsx"
        year = blank_template_year(spec)
        write_workbook(path, spec, year=year, unit_code="LC001", unit_name="海滨街道办事处")
        values = random_values(spec, rng)
        fill_with_openpyxl(path, spec, values)
        cases.append((spec, {"year": str(year), "unit_code": "LC001", "unit_name": "海滨街道办事处"}, values, path))
    doc = document_from_json(json.loads((EXAMPLES / "haibin-2024.json").read_text(encoding="utf-8")))
    path = src / "return-haibin.xlsx"
    write_workbook(
        path,
        doc.spec,
        year=doc.year,
        unit_code=doc.unit_code,
        unit_name=doc.unit_name,
        values=doc.values,
        kind="return",
    )
    values = {k: v for k, v in doc.values.items() if k in doc.spec.input_ids and v is not None}
    cases.append((doc.spec, {"year": str(doc.year), "unit_code": doc.unit_code, "kind": "return"}, values, path))
    # lo.roundtrip passes the filter name with literal quotes, which soffice rejects (nothing saved);
    # the same Excel 2007-365 filter without the quotes:
    saved = libreoffice.convert([c[3] for c in cases], out, "xlsx:Calc MS Excel 2007 XML")
    return [(*c[:3], s) for c, s in zip(cases, saved, strict=True)]


@pytest.mark.slow
def test_libreoffice_totals_equal_the_python_sums(roundtripped):
    cases = roundtripped
    for spec, _, values, saved in cases:
        wb = openpyxl.load_workbook(saved, data_only=True)
        layout = workbook_layout(spec)
        totals = compute_totals(spec, values)
        for cell_id, expected in totals.items():
            sheet, address = layout.locate(cell_id)
            assert Decimal(str(wb[sheet][address].value)) == Decimal(expected), (saved.name, cell_id)
        for cell_id, expected in values.items():
            sheet, address = layout.locate(cell_id)
            got = Decimal(str(wb[sheet][address].value)).quantize(Decimal("0.0001"))
            assert got == Decimal(expected).quantize(Decimal("0.0001")), (saved.name, cell_id)


@pytest.mark.slow
def test_libreoffice_check_marks_agree_with_python(roundtripped):
    cases = roundtripped
    for spec, _, values, saved in cases:
        all_values = {**values, **compute_totals(spec, values)}
        formulas = openpyxl.load_workbook(saved)
        cached = openpyxl.load_workbook(saved, data_only=True)
        seen = 0
        for sheet in workbook_layout(spec).sheets:
            by_address = {sheet.address(cid): cid for cid in sheet.cells}
            for row in formulas[sheet.sheet].iter_rows(min_row=sheet.check_row + 1):
                for cell in row:
                    if not (isinstance(cell.value, str) and cell.value.startswith("=IF(")):
                        continue
                    ok = all(
                        sum(all_values.get(by_address[a]) or 0 for a in expand(lhs))
                        == sum(all_values.get(by_address[a]) or 0 for a in expand(rhs))
                        for lhs, rhs in re.findall(r"SUM\(([^)]*)\)-SUM\(([^)]*)\)", cell.value)
                    )
                    assert cached[sheet.sheet][cell.coordinate].value == ("✓" if ok else "✗")
                    seen += 1
        assert seen


def test_libreoffice_keeps_protection_unlocked_inputs_and_identity(roundtripped):
    cases = roundtripped
    for spec, ident, _, saved in cases:
        wb = openpyxl.load_workbook(saved)
        layout = workbook_layout(spec)
        for ws in wb.worksheets:
            # 情况说明 is deliberately unprotected (the clerk may add rows); everything else stays locked
            assert bool(ws.protection.sheet) is (ws.title != EXPLANATION_SHEET), (saved.name, ws.title)
        assert EXPLANATION_SHEET in wb.sheetnames
        for cell_id in spec.input_ids:
            sheet, address = layout.locate(cell_id)
            assert not wb[sheet][address].protection.locked, (saved.name, cell_id)
        for cell_id in spec.computed_ids:
            sheet, address = layout.locate(cell_id)
            assert wb[sheet][address].protection.locked
            assert str(wb[sheet][address].value).startswith("=SUM(")
        props = {p.name: p.value for p in wb.custom_doc_props.props}
        sheet_copy = {r[0].value: str(r[1].value or "") for r in wb[IDENTITY_SHEET].iter_rows(max_col=2)}
        # LibreOffice has no "very hidden": it saves the sheet as merely hidden
        assert wb[IDENTITY_SHEET].sheet_state in ("hidden", "veryHidden")
        for key, value in ident.items():
            assert props[property_name(key)] == value
            assert sheet_copy[key] == value
            assert wb.defined_names[defined_name(key)].value == f'"{value}"'
        assert set(sheet_copy) == set(IDENTITY_KEYS)
        assert props[property_name("format")] == spec.id
        for cell_id in spec.input_ids[:5]:
            assert spec.cells[cell_id].defined_name in wb.defined_names
