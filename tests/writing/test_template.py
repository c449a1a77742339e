"""The template writer: golden files, parity with the declared rules, protection, identity."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import range_boundaries

import ogi_xlsx
from ogi_xlsx.checks.rules import check_rules, compute_totals
from ogi_xlsx.model.cellref import a1
from ogi_xlsx.model.document import document_from_json
from ogi_xlsx.model.identity import IDENTITY_KEYS, defined_name, property_name
from ogi_xlsx.model.layout import COVER_SHEET, IDENTITY_SHEET, layout_hash, workbook_layout
from ogi_xlsx.model.spec import all_formats, load_format
from ogi_xlsx.reading.explanation_sheet import EXPLANATION_SHEET
from ogi_xlsx.writing.template import DEFAULT_PASSWORD, blank_template_year, write_workbook
from ogi_xlsx.writing.xlsxwriter_ext import password_hash

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXAMPLES = ROOT / "examples"
REGENERATE = os.environ.get("OGI_REGENERATE") == "1"
FORMATS = [spec.id for spec in all_formats()]
HOSTILE = '=HYPERLINK("http://evil.example","点我")&"<b>"'


def build(spec_id: str = "ogi-2021", **kwargs) -> bytes:
    spec = load_format(spec_id)
    kwargs.setdefault("year", blank_template_year(spec))
    buffer = io.BytesIO()
    write_workbook(buffer, spec, **kwargs)
    return buffer.getvalue()


def xml_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in sorted(zf.namelist())}


def load(data: bytes, **kwargs) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), **kwargs)


def example(name: str):
    return document_from_json(json.loads((EXAMPLES / name).read_text(encoding="utf-8")))


def expand(formula: str) -> list[str]:
    """Every cell address a formula refers to, ranges expanded."""
    cells = []
    for first, last in re.findall(r"\$?([A-Z]+\$?[0-9]+)(?::\$?([A-Z]+\$?[0-9]+))?", formula):
        first = first.replace("$", "")
        min_col, min_row, max_col, max_row = range_boundaries(f"{first}:{(last or first).replace('$', '')}")
        cells += [a1(r - 1, c - 1) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]
    return cells


# --------------------------------------------------------------------------- golden files


def _compare(path: Path, data: bytes) -> None:
    """Compare the XML parts (not the zip container) of a file with freshly written data."""
    expected = xml_parts(path.read_bytes())
    actual = xml_parts(data)
    assert sorted(actual) == sorted(expected), "parts differ; regenerate with OGI_REGENERATE=1"
    for name in expected:
        assert actual[name] == expected[name], f"{path.name}:{name} drifted; regenerate with OGI_REGENERATE=1"


def _compare_or_regenerate(path: Path, data: bytes) -> None:
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"{path} is missing; run python tools/regenerate.py or OGI_REGENERATE=1 pytest"
    _compare(path, data)


@pytest.mark.parametrize("format_id", FORMATS)
def test_committed_blank_template_matches_the_writer(format_id):
    spec = load_format(format_id)
    _compare_or_regenerate(TEMPLATES / f"{spec.id}-blank.xlsx", build(format_id))


def test_golden_filled_return():
    doc = example("haibin-2024.json")
    data = build(
        doc.format,
        year=doc.year,
        unit_code=doc.unit_code,
        unit_name=doc.unit_name,
        cover=dict(doc.cover),
        values=doc.values,
        kind="return",
    )
    _compare_or_regenerate(GOLDEN / "haibin-2024-return.xlsx", data)


def test_golden_comparison_detects_a_changed_label(tmp_path):
    data = build("ogi-2021")
    parts = xml_parts(data)
    parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"].replace("规章".encode(), "规定".encode())
    changed = tmp_path / "changed.xlsx"
    with zipfile.ZipFile(changed, "w") as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    with pytest.raises(AssertionError, match="sharedStrings"):
        _compare(changed, data)


def test_same_arguments_give_byte_identical_files(tmp_path):
    kwargs = {"year": 2024, "unit_code": "LC001", "unit_name": "海滨街道办事处"}
    spec = load_format("2021")
    write_workbook(tmp_path / "a.xlsx", spec, **kwargs)
    write_workbook(tmp_path / "b.xlsx", spec, **kwargs)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx"]  # no temp files left
    write_workbook(tmp_path / "c.xlsx", spec, **{**kwargs, "unit_code": "LC002"})
    assert (tmp_path / "c.xlsx").read_bytes() != (tmp_path / "a.xlsx").read_bytes()


def test_failed_write_leaves_no_file(tmp_path):
    def boom(workbook, formats):
        raise RuntimeError("boom")

    target = tmp_path / "out.xlsx"
    with pytest.raises(RuntimeError):
        write_workbook(target, load_format("2021"), year=2024, extra_sheets=boom)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- parity


@pytest.mark.parametrize("format_id", FORMATS)
def test_every_formula_is_a_declared_rule_and_every_total_has_one(format_id):
    spec = load_format(format_id)
    layout = workbook_layout(spec)
    wb = load(build(format_id))
    for sheet in layout.sheets:
        ws = wb[sheet.sheet]
        by_address = {sheet.address(cid): cid for cid in sheet.cells}
        table_area = [
            (cell.coordinate, cell.value)
            for row in ws.iter_rows(max_row=sheet.check_row)
            for cell in row
            if isinstance(cell.value, str) and cell.value.startswith("=") and cell.row > 2
        ]
        formula_cells = {addr for addr, _ in table_area}
        computed = {sheet.address(cid) for cid in sheet.cells if spec.cells[cid].computed}
        assert formula_cells == computed, f"{sheet.sheet}: formulas where there are no totals or vice versa"
        for address, formula in table_area:
            cell_id = by_address[address]
            rule = spec.formulas[cell_id]
            assert re.fullmatch(r"=SUM\([A-Z0-9:,]+\)", formula), formula
            refs = expand(formula)
            assert len(refs) == len(set(refs))
            assert sorted(by_address[r] for r in refs) == sorted(rule.rhs), f"{address}: {formula} vs {rule.key}"


@pytest.mark.parametrize("format_id", FORMATS)
def test_check_area_covers_every_rule_expansion_once(format_id):
    spec = load_format(format_id)
    layout = workbook_layout(spec)
    wb = load(build(format_id))
    for sheet in layout.sheets:
        ws = wb[sheet.sheet]
        by_address = {sheet.address(cid): cid for cid in sheet.cells}
        checked: list[tuple[frozenset[str], frozenset[str]]] = []
        for row in ws.iter_rows(min_row=sheet.check_row + 1):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("=IF("):
                    for lhs, rhs in re.findall(r"ROUND\(SUM\(([^)]*)\)-SUM\(([^)]*)\),6\)=0", cell.value):
                        checked.append(
                            (
                                frozenset(by_address[a] for a in expand(lhs)),
                                frozenset(by_address[a] for a in expand(rhs)),
                            )
                        )
        expected = [(frozenset(r.lhs), frozenset(r.rhs)) for r in spec.rules if r.table == sheet.table.id]
        assert sorted(checked, key=repr) == sorted(expected, key=repr), sheet.sheet


# --------------------------------------------------------------------------- cells, protection


@pytest.mark.parametrize("format_id", FORMATS)
def test_inputs_unlocked_and_validated_everything_else_locked(format_id):
    spec = load_format(format_id)
    layout = workbook_layout(spec)
    wb = load(build(format_id))
    for sheet in layout.sheets:
        ws = wb[sheet.sheet]
        assert ws.protection.sheet, sheet.sheet
        assert ws.protection.password == password_hash(DEFAULT_PASSWORD)
        inputs = {sheet.address(cid) for cid in sheet.cells if not spec.cells[cid].computed}
        unlocked = {
            cell.coordinate for row in ws.iter_rows() for cell in row if cell.protection and not cell.protection.locked
        }
        assert unlocked == inputs
        for cid in sheet.cells:
            cell = ws[sheet.address(cid)]
            if not spec.cells[cid].computed:
                assert cell.fill.fgColor.rgb.endswith("FFF2CC")
        # each input has exactly one validation, of its type
        covered: dict[str, list] = {}
        for dv in ws.data_validations.dataValidation:
            for rng in str(dv.sqref).split():
                for address in expand(rng):
                    covered.setdefault(address, []).append(dv)
        assert set(covered) == inputs
        for cid in sheet.cells:
            cell = spec.cells[cid]
            if cell.computed:
                continue
            (dv,) = covered[sheet.address(cid)]
            assert dv.showErrorMessage and dv.showInputMessage
            assert dv.error and dv.prompt and re.search(r"[\u4e00-\u9fff]", dv.error)
            if cell.type == "count":
                assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
            elif cell.type == "signed_count":
                assert dv.type == "whole" and int(dv.formula1) < 0
            else:
                assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")


def test_every_sheet_protected_and_structure_locked():
    data = build("ogi-2021", password="s3cret")
    wb = load(data)
    for ws in wb.worksheets:
        if ws.title == EXPLANATION_SHEET:
            # the clerk's 情况说明 is deliberately open (rows may be added); the tables are not
            assert not ws.protection.sheet
            continue
        assert ws.protection.sheet, ws.title
        assert ws.protection.password == password_hash("s3cret")
    assert wb.security is not None and wb.security.lockStructure
    assert wb.security.workbookPassword == password_hash("s3cret")
    workbook_xml = xml_parts(data)["xl/workbook.xml"].decode()
    # schema order: workbookPr, workbookProtection, bookViews
    assert re.search(r"<workbookPr[^>]*/><workbookProtection [^>]*lockStructure=\"1\"[^>]*/><bookViews>", workbook_xml)


def test_password_hash_matches_known_values():
    # Known legacy hashes (as Excel writes them for these passwords).
    assert password_hash("password") == "83AF"
    assert password_hash("") == "CE4B"


def test_unlocked_structure_when_asked():
    wb = load(build("ogi-2021", lock_structure=False))
    assert wb.security is None or not wb.security.lockStructure


@pytest.mark.parametrize("format_id", FORMATS)
def test_every_cell_has_its_defined_name(format_id):
    spec = load_format(format_id)
    wb = load(build(format_id))
    layout = workbook_layout(spec)
    for cid, cell in spec.cells.items():
        name = wb.defined_names[cell.defined_name]
        sheet, address = layout.locate(cid)
        ((dest_sheet, dest),) = list(name.destinations)
        assert (dest_sheet, dest.replace("$", "")) == (sheet, address)


# --------------------------------------------------------------------------- values


def test_filled_return_has_values_and_correct_cached_totals():
    doc = example("haibin-2024.json")
    spec = doc.spec
    data = build(doc.format, year=doc.year, unit_code=doc.unit_code, unit_name=doc.unit_name, values=doc.values)
    cached = load(data, data_only=True)
    formulas = load(data)
    layout = workbook_layout(spec)
    totals = compute_totals(spec, doc.values)
    for cid, cell in spec.cells.items():
        sheet, address = layout.locate(cid)
        value = cached[sheet][address].value
        if cell.computed:
            assert value == totals[cid], cid
            assert formulas[sheet][address].value.startswith("=SUM(")
        elif doc.values.get(cid) is None:
            assert value is None
        else:
            assert Decimal(str(value)) == Decimal(doc.values[cid]), cid
    # every check mark cached as ✓ for a consistent return
    for sheet in layout.sheets:
        marks = [
            c.value
            for row in cached[sheet.sheet].iter_rows(min_row=sheet.check_row + 2)
            for c in row
            if c.value in ("✓", "✗")
        ]
        assert set(marks) <= {"✓"}
    assert cached[COVER_SHEET].cell(row=layout.cover.instructions_row, column=2).value.startswith("✓")


def test_blank_template_caches_zero_totals_and_leaves_inputs_empty():
    spec = load_format("2021")
    cached = load(build("ogi-2021"), data_only=True)
    layout = workbook_layout(spec)
    for cid, cell in spec.cells.items():
        sheet, address = layout.locate(cid)
        assert cached[sheet][address].value == (0 if cell.computed else None)


def test_unbalanced_return_shows_a_cross_in_the_check_area():
    doc = example("kaiyuan-2024-with-errors.json")
    spec = doc.spec
    totals = compute_totals(spec, doc.values)
    consistent = {**doc.values, **totals}
    broken = {f.rule for f in check_rules(spec, consistent)}
    assert broken, "the example should violate a balance rule even with recomputed totals"
    cached = load(build(doc.format, year=doc.year, values=doc.values), data_only=True)
    layout = workbook_layout(spec)
    t3 = layout.sheet_for("t3")
    marks = [c.value for row in cached[t3.sheet].iter_rows(min_row=t3.check_row + 2) for c in row]
    assert "✗" in marks
    assert cached[COVER_SHEET].cell(row=layout.cover.instructions_row, column=2).value.startswith("✗")


# --------------------------------------------------------------------------- cover, identity


def test_identity_stored_three_times():
    spec = load_format("2021")
    data = build("ogi-2021", year=2024, unit_code="LC001", unit_name="海滨街道", kind="template")
    expected = {
        "format": spec.id,
        "format_version": spec.version,
        "layout_hash": layout_hash(spec),
        "year": "2024",
        "unit_code": "LC001",
        "unit_name": "海滨街道",
        "kind": "template",
        "tool_version": ogi_xlsx.__version__,
    }
    wb = load(data)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert {k: props[property_name(k)] for k in IDENTITY_KEYS} == expected
    names = {k: wb.defined_names[defined_name(k)].value for k in IDENTITY_KEYS}
    assert names == {k: f'"{v}"' for k, v in expected.items()}
    ws = wb[IDENTITY_SHEET]
    assert ws.sheet_state == "veryHidden"
    assert [(r[0].value, r[1].value or "") for r in ws.iter_rows(max_col=2)] == list(expected.items())
    assert wb.sheetnames[-1] == IDENTITY_SHEET


def test_cover_prefilled_fields_locked_and_blank_unit_fields_editable():
    spec = load_format("2021")
    cover = workbook_layout(spec).cover
    ws = load(build("ogi-2021", year=2024, unit_code="LC001", unit_name="海滨街道"))[COVER_SHEET]
    cell = lambda fid: ws[a1(*cover.fields[fid])]  # noqa: E731
    assert cell("unit_name").value == "海滨街道" and cell("unit_name").protection.locked
    assert cell("unit_code").value == "LC001" and cell("unit_code").protection.locked
    assert cell("year").value == 2024 and cell("year").protection.locked
    for fid in ("preparer", "phone", "reviewer", "date"):
        assert not cell(fid).protection.locked
    for fld in spec.cover:
        assert ws[a1(*cover.labels[fld.id])].value == fld.label
    blank = load(build("ogi-2021", year=2024))[COVER_SHEET]
    assert not blank[a1(*cover.fields["unit_name"])].protection.locked
    assert blank[a1(*cover.fields["year"])].protection.locked
    texts = " ".join(
        str(c.value) for row in blank.iter_rows(min_row=cover.instructions_row + 1) for c in row if c.value
    )
    assert "填报说明" in texts and "填 0" in texts and ".xlsx" in texts


def test_hostile_unit_names_are_written_as_text():
    data = build("ogi-2021", year=2024, unit_code="+cmd|' /C calc'!A0", unit_name=HOSTILE)
    wb = load(data)
    cover = workbook_layout(load_format("2021")).cover
    name_cell = wb[COVER_SHEET][a1(*cover.fields["unit_name"])]
    assert name_cell.value == HOSTILE and name_cell.data_type == "s"
    code_cell = wb[COVER_SHEET][a1(*cover.fields["unit_code"])]
    assert code_cell.value == "+cmd|' /C calc'!A0" and code_cell.data_type == "s"
    assert wb[IDENTITY_SHEET]["B6"].value == HOSTILE and wb[IDENTITY_SHEET]["B6"].data_type == "s"
    assert {p.name: p.value for p in wb.custom_doc_props.props}[property_name("unit_name")] == HOSTILE
    # header text: "&" escaped so Excel does not read it as a header code
    header = re.search(r"<oddHeader>(.*?)</oddHeader>", xml_parts(data)["xl/worksheets/sheet2.xml"].decode()).group(1)
    assert '&amp;&amp;"&lt;b&gt;"' in header


def test_extra_sheets_hook_gets_the_formats_and_comes_before_the_identity_sheet():
    seen = {}

    def extra(workbook, formats):
        seen.update(formats)
        ws = workbook.add_worksheet("报送情况")
        ws.write_string(0, 0, "合计", formats["header"])

    wb = load(build("ogi-2021", kind="summary", values={}, extra_sheets=extra))
    assert {"header", "label", "title", "text", "num", "money"} <= set(seen)
    assert wb.sheetnames[-2:] == ["报送情况", IDENTITY_SHEET]
    assert wb["报送情况"]["A1"].value == "合计"


@pytest.mark.parametrize("format_id", FORMATS)
def test_sheets_texts_and_print_setup(format_id):
    spec = load_format(format_id)
    layout = workbook_layout(spec)
    wb = load(build(format_id, unit_name="海滨街道"))
    assert wb.sheetnames == [COVER_SHEET, *(s.sheet for s in layout.sheets), EXPLANATION_SHEET, IDENTITY_SHEET]
    for sheet in layout.sheets:
        ws = wb[sheet.sheet]
        merged = {str(r) for r in ws.merged_cells.ranges}
        for t in sheet.texts:
            assert ws.cell(row=t.row + 1, column=t.col + 1).value == t.text
            if t.merged:
                assert f"{a1(t.row, t.col)}:{a1(t.last_row, t.last_col)}" in merged
        assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # 1 is the default
        assert ws.print_title_rows
        assert "海滨街道" in str(ws.oddHeader.left.text) + str(ws.oddHeader.center.text)
        assert ws.freeze_panes
        font = ws[sheet.address(spec.input_ids[0] if spec.input_ids[0] in sheet.cells else next(iter(sheet.cells)))]
        assert font.font.name == "宋体"


# --------------------------------------------------------------------------- per-unit copies


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("LC001", "海滨街道办事处"),
        ("LC002", HOSTILE),
        ("+cmd|' /C calc'!A0", "开元街道"),  # falls back to a direct write ("!")
        ("<&>\"'", "x&y<z>"),
        ("A1", "名" * 150),  # longer than the page header keeps
        ("format", "封面"),  # strings already in the workbook: direct write
        ("A2", "tab\there_x0041_"),  # control character and an _xHHHH_ look-alike: direct write
        ("same", "same"),
    ],
)
def test_stamped_copies_equal_direct_writes(tmp_path, code, name):
    from ogi_xlsx.writing.stamp import TemplateStamp

    spec = load_format("2021")
    stamp = TemplateStamp(spec, year=2024, password="pw")
    stamp.write(tmp_path / "stamped.xlsx", unit_code=code, unit_name=name)
    write_workbook(tmp_path / "direct.xlsx", spec, year=2024, unit_code=code, unit_name=name, password="pw")
    assert (tmp_path / "stamped.xlsx").read_bytes() == (tmp_path / "direct.xlsx").read_bytes()


def test_stamping_is_used_for_ordinary_names():
    from ogi_xlsx.writing.stamp import TemplateStamp

    stamp = TemplateStamp(load_format("2021"), year=2024)
    assert stamp.stampable("LC001", "海滨街道办事处")
    assert stamp.stampable("LC002", HOSTILE)
    assert not stamp.stampable("format", "海滨街道")
    assert not stamp.stampable("LC001", "")


def test_summary_cover_says_it_is_a_summary():
    spec = load_format("2021")
    cover = workbook_layout(spec).cover
    ws = load(build("ogi-2021", year=2024, unit_name="鲤城区", kind="summary", values={}))[COVER_SHEET]
    assert ws.cell(row=cover.title_row + 1, column=1).value == "2024年度政府信息公开工作年度报告统计表（汇总）"
    texts = " ".join(str(c.value) for row in ws.iter_rows(min_row=cover.instructions_row + 1) for c in row if c.value)
    assert "汇总" in texts and "浅黄色" not in texts


def test_overlong_unit_name_is_kept_on_the_identity_sheet_only(tmp_path):
    from ogi_xlsx.writing.stamp import TemplateStamp

    long_name = "很长的单位名称" * 40  # 280 characters: too long for an Excel string constant
    spec = load_format("2021")
    data = build("ogi-2021", year=2024, unit_code="X1", unit_name=long_name)
    wb = load(data)
    assert defined_name("unit_name") not in wb.defined_names
    assert wb.defined_names[defined_name("unit_code")].value == '"X1"'
    assert wb[IDENTITY_SHEET]["B6"].value == long_name
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert property_name("unit_name") not in props and props[property_name("unit_code")] == "X1"
    stamp = TemplateStamp(spec, year=2024)
    stamp.write(tmp_path / "s.xlsx", unit_code="X1", unit_name=long_name)
    assert (tmp_path / "s.xlsx").read_bytes() == data


def _random_inputs(spec, draw_value):
    return {cid: draw_value(spec.cells[cid]) for cid in spec.input_ids}


@pytest.mark.slow
@pytest.mark.parametrize("format_id", FORMATS)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_cached_totals_and_marks_match_python_for_random_inputs(format_id, data):
    spec = load_format(format_id)

    def draw(cell):
        if cell.type == "amount":
            return data.draw(st.none() | st.decimals(min_value=0, max_value=10**6, places=2))
        low = -50 if cell.type == "signed_count" else 0
        return data.draw(st.none() | st.integers(low, 50))

    values = _random_inputs(spec, draw)
    written = build(format_id, values=values, kind="return")
    cached, formulas = load(written, data_only=True), load(written)
    layout = workbook_layout(spec)
    all_values = {**values, **compute_totals(spec, values)}
    for cid, total in compute_totals(spec, values).items():
        sheet, address = layout.locate(cid)
        assert cached[sheet][address].value == total
    for sheet in layout.sheets:
        by_address = {sheet.address(cid): cid for cid in sheet.cells}
        for row in formulas[sheet.sheet].iter_rows(min_row=sheet.check_row + 1):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("=IF("):
                    pairs = re.findall(r"SUM\(([^)]*)\)-SUM\(([^)]*)\)", cell.value)
                    ok = all(
                        sum(all_values.get(by_address[a]) or 0 for a in expand(lhs))
                        == sum(all_values.get(by_address[a]) or 0 for a in expand(rhs))
                        for lhs, rhs in pairs
                    )
                    assert cached[sheet.sheet][cell.coordinate].value == ("✓" if ok else "✗")
