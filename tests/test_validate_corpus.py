"""A corpus of returns built from generated templates, tampered with, saved once through LibreOffice.

Every detection of the validator is asserted by finding code and cell on files that went
through the real client (LibreOffice headless, one call for the whole corpus). Tampering is
done with openpyxl before the round trip; a stale cached total can only be made after it
(LibreOffice recalculates on save), by editing the sheet XML in the zip.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from ogi_xlsx.document import ReturnDocument, document_from_json, loads
from ogi_xlsx.identity import IDENTITY_KEYS, defined_name, property_name
from ogi_xlsx.layout import COVER_SHEET, IDENTITY_SHEET, a1, workbook_layout
from ogi_xlsx.rules import compute_totals
from ogi_xlsx.validate import FileReport, check_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
LO_FILTER = "xlsx:Calc MS Excel 2007 XML"

pytestmark = pytest.mark.libreoffice


def example(name: str) -> ReturnDocument:
    return document_from_json(loads((EXAMPLES / name).read_text(encoding="utf-8")))


H = example("haibin-2024.json")  # 2021 format, valid
L = example("seed-linjiang-2020.json")  # 2019 format
S21, S19 = H.spec, L.spec
LAY21, LAY19 = workbook_layout(S21), workbook_layout(S19)


def where(cell_id: str, spec=S21) -> tuple[str, str]:
    return workbook_layout(spec).locate(cell_id)


def write_return(path: Path, doc: ReturnDocument) -> Path:
    from ogi_xlsx.template import write_workbook

    write_workbook(
        path,
        doc.spec,
        year=doc.year,
        unit_code=doc.unit_code,
        unit_name=doc.unit_name,
        cover=doc.cover,
        values=doc.values,
        kind="return",
    )
    return path


def tamper(src: Path, dst: Path, change: Callable) -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(src)
    change(wb)
    wb.save(dst)
    return dst


def cell(wb, cell_id: str, spec=S21):
    sheet, address = where(cell_id, spec)
    return wb[sheet][address]


def set_value(cell_id: str, value, spec=S21) -> Callable:
    def change(wb):
        c = cell(wb, cell_id, spec)
        c.value = value
        if isinstance(value, str) and not value.startswith("="):
            c.data_type = "s"

    return change


def set_error(cell_id: str, value: str) -> Callable:
    def change(wb):
        c = cell(wb, cell_id)
        c.value = value
        c.data_type = "e"

    return change


def set_identity(key: str, value: str) -> Callable:
    def change(wb):
        from openpyxl.packaging.custom import StringProperty

        props = wb.custom_doc_props
        for prop in list(props):
            if prop.name == property_name(key):
                props.props.remove(prop)
        props.append(StringProperty(name=property_name(key), value=value))
        wb.defined_names[defined_name(key)].attr_text = f'"{value}"'
        wb[IDENTITY_SHEET].cell(row=IDENTITY_KEYS.index(key) + 1, column=2).value = value

    return change


def drop_identity(wb) -> None:
    for prop in list(wb.custom_doc_props):
        wb.custom_doc_props.props.remove(prop)
    for key in IDENTITY_KEYS:
        if defined_name(key) in wb.defined_names:
            del wb.defined_names[defined_name(key)]
    del wb[IDENTITY_SHEET]


def cover_cell(field: str, spec=S21) -> tuple[str, str]:
    return COVER_SHEET, a1(*workbook_layout(spec).cover.fields[field])


def set_cover(field: str, value, spec=S21) -> Callable:
    def change(wb):
        sheet, address = cover_cell(field, spec)
        wb[sheet][address].value = value

    return change


def insert_row(wb) -> None:
    sl = LAY21.sheets[1]
    ws = wb[sl.sheet]
    ws.insert_rows(sl.data_rows[0] + 4)  # 1-based: above the 4th data row


def hand_typed(path: Path, doc: ReturnDocument, wrong_total: str) -> Path:
    """A fresh workbook that copies the official layout: texts, typed inputs, typed totals; no identity."""
    from openpyxl import Workbook

    spec = doc.spec
    layout = workbook_layout(spec)
    values = {**doc.values, **compute_totals(spec, doc.values)}
    values[wrong_total] = values[wrong_total] + 1
    wb = Workbook()
    cover = wb.active
    cover.title = COVER_SHEET
    fields = {"unit_name": doc.unit_name, "unit_code": doc.unit_code, "year": doc.year, **doc.cover}
    for fld in spec.cover:
        cover.cell(*(x + 1 for x in layout.cover.labels[fld.id]), value=fld.label)
        cover.cell(*(x + 1 for x in layout.cover.fields[fld.id]), value=fields.get(fld.id) or None)
    for sl in layout.sheets:
        ws = wb.create_sheet(sl.sheet)
        for t in sl.texts:
            ws.cell(t.row + 1, t.col + 1, value=t.text)
        for cell_id, (row, col) in sl.cells.items():
            value = values[cell_id]
            ws.cell(row + 1, col + 1, value=float(value) if isinstance(value, Decimal) else value)
    wb.save(path)
    return path


def edit_sheet_xml(path: Path, sheet_name: str, edit: Callable[[str], str]) -> None:
    """Rewrite one worksheet part of a saved workbook (found through workbook.xml and its rels)."""
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info.filename) for info in zf.infolist()}
    workbook = parts["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet name="{re.escape(sheet_name)}"[^>]*r:id="([^"]+)"', workbook).group(1)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
    part = "xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")
    parts[part] = edit(parts[part].decode()).encode()
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    tmp.replace(path)


def stale_cache(cell_id: str, value: int) -> Callable[[str], str]:
    _, address = where(cell_id)

    def edit(xml: str) -> str:
        pattern = rf'(<c r="{address}"[^>]*>(?:<f[^>]*>[^<]*</f>)?<v>)[^<]*(</v>)'
        new, n = re.subn(pattern, rf"\g<1>{value}\g<2>", xml)
        assert n == 1, f"cell {address} not found"
        return new

    return edit


# name -> (build(src_dir) -> path, after-round-trip edit or None, expected (code, sheet, cell) list, valid)
T3 = LAY21.sheets[1].sheet
T4 = LAY21.sheets[2].sheet
NEW_NAT = "t3.r_new.c_natural"
NEW_TOTAL = "t3.r_new.c_total"
FEE = "t2.r_fees.c_fee_amount"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, libreoffice) -> dict[str, FileReport]:
    src = tmp_path_factory.mktemp("src")
    out = tmp_path_factory.mktemp("lo")
    base21 = write_return(tmp_path_factory.mktemp("base") / "base21.xlsx", H)
    base19 = write_return(base21.parent / "base19.xlsx", L)
    changes: dict[str, tuple[Path, Callable]] = {
        "clean": (base21, lambda wb: None),
        "text_number": (base21, set_value(NEW_NAT, "12")),
        "fullwidth": (base21, set_value(NEW_NAT, "１２")),
        "unit_suffix": (base21, set_value(NEW_NAT, "3件")),
        "money_wan": (base21, set_value(FEE, "43.788万元")),
        "money_yuan": (base21, set_value(FEE, "251000元")),
        "plus_sign": (base19, set_value("t2.r_license.c_delta", "+19", S19)),
        "not_applicable": (base21, set_value(NEW_NAT, "/")),
        "blank": (base21, set_value(NEW_NAT, None)),
        "negative": (base21, set_value(NEW_NAT, -3)),
        "decimal": (base21, set_value(NEW_NAT, 2.5)),
        "date": (base21, set_value(NEW_NAT, datetime.datetime(2024, 3, 1))),
        "bool": (base21, set_value(NEW_NAT, True)),
        "typed_formula": (base21, set_value(NEW_NAT, "=1+2")),
        "error_value": (base21, set_value(NEW_NAT, "=1/0")),
        "error_const": (base21, set_error(NEW_NAT, "#N/A")),
        "overwritten": (base21, set_value(NEW_TOTAL, 999)),
        "formula_changed": (base21, set_value(NEW_TOTAL, "=SUM(B6:F6)")),
        "stale": (base21, lambda wb: None),
        "protection": (base21, lambda wb: setattr(wb[T3].protection, "sheet", False)),
        "label": (base21, lambda wb: setattr(wb[T3][a1(*_first_row_label())], "value", "随便写的")),
        "row_inserted": (base21, insert_row),
        "row_deleted": (base21, lambda wb: wb[T3].delete_rows(LAY21.sheets[1].data_rows[0] + 2)),
        "col_inserted": (base21, lambda wb: wb[T4].insert_cols(3)),
        "outside": (base21, lambda wb: setattr(wb[T3].cell(6, LAY21.sheets[1].width + 2), "value", "备注")),
        "renamed": (base21, lambda wb: setattr(wb[T3], "title", "表3")),
        "deleted": (base21, lambda wb: wb.remove(wb[LAY21.sheets[2].sheet])),
        "added": (base21, lambda wb: wb.create_sheet("备注")),
        "year": (base21, set_cover("year", 2023)),
        "unit": (base21, set_cover("unit_name", "别的单位")),
        "format_year": (base19, set_cover("year", 2024, S19)),
        "cover_missing": (base21, set_cover("preparer", None)),
        "no_identity": (base21, drop_identity),
        "unknown": (base21, lambda wb: [set_identity("format", "ogi-2099")(wb)]),
        "fingerprint": (base21, set_identity("layout_hash", "0123456789abcdef")),
    }
    paths = {}
    for name, (base, change) in changes.items():
        paths[name] = tamper(base, src / f"{name}.xlsx", change)
    paths["hand"] = hand_typed(src / "hand.xlsx", H, NEW_TOTAL)
    names = list(paths)
    outputs = libreoffice.convert([paths[n] for n in names], out, LO_FILTER)
    saved = dict(zip(names, outputs, strict=True))
    edit_sheet_xml(saved["stale"], T3, stale_cache("t3.r_carry.c_total", 777))
    return {name: check_file(path) for name, path in saved.items()}


def _first_row_label() -> tuple[int, int]:
    sl = LAY21.sheets[1]
    text = next(t for t in sl.labels if t.role == "label" and t.row == sl.data_rows[0])
    return text.row, text.col


def found(report: FileReport) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.sheet, f.cell) for f in report.findings}


@pytest.mark.slow
def test_clean_return_is_valid_after_libreoffice(corpus):
    report = corpus["clean"]
    assert report.valid
    assert {f.code for f in report.findings} <= {"structure-unlocked"}
    assert report.document.values == {**H.values, **compute_totals(S21, H.values)}


@pytest.mark.parametrize(
    ("name", "code", "cell_id", "value"),
    [
        ("text_number", "value-text-number", NEW_NAT, 12),
        ("fullwidth", "value-fullwidth", NEW_NAT, 12),
        ("unit_suffix", "value-unit-suffix", NEW_NAT, 3),
        ("money_wan", "value-unit-suffix", FEE, Decimal("43.788")),
        ("money_yuan", "value-unit-suffix", FEE, Decimal("25.1")),
        ("not_applicable", "value-not-applicable", NEW_NAT, 0),
        ("blank", "value-blank", NEW_NAT, None),
        ("negative", "value-negative", NEW_NAT, None),
        ("decimal", "value-not-integer", NEW_NAT, None),
        ("date", "value-date", NEW_NAT, None),
        ("bool", "value-bool", NEW_NAT, None),
        ("typed_formula", "value-formula", NEW_NAT, 3),
        ("error_value", "value-formula", NEW_NAT, None),
        ("error_const", "value-error", NEW_NAT, None),
    ],
)
def test_cell_values(corpus, name, code, cell_id, value):
    report = corpus[name]
    sheet, address = where(cell_id)
    assert (code, sheet, address) in found(report)
    here = [f for f in report.findings if (f.sheet, f.cell) == (sheet, address) and not f.code.startswith("sum-")]
    assert len(here) == 1, here  # one finding per cell (no schema or blank repeat)
    # Excel's SUM skips text: a total that LibreOffice recalculated is not "stale" because of it
    assert not any(f.code == "cached-stale" for f in report.findings)
    assert report.document.values[cell_id] == value


def test_error_value_constant(corpus):
    # =1/0 typed in an input: reported as a formula; its cached #DIV/0! is not used as data
    report = corpus["error_value"]
    assert report.document.values[NEW_NAT] is None


def test_plus_sign_2019_signed_count(corpus):
    report = corpus["plus_sign"]
    sheet, address = where("t2.r_license.c_delta", S19)
    assert ("value-plus-sign", sheet, address) in found(report)
    assert report.document.values["t2.r_license.c_delta"] == 19


def test_formula_overwritten_is_reported_once(corpus):
    report = corpus["overwritten"]
    sheet, address = where(NEW_TOTAL)
    assert ("formula-overwritten", sheet, address) in found(report)
    assert ("sum-mismatch", sheet, address) not in found(report)  # one typed-over cell, one error (issue 11)
    assert report.document.values[NEW_TOTAL] == compute_totals(S21, H.values)[NEW_TOTAL]
    assert not report.valid


def test_formula_changed(corpus):
    sheet, address = where(NEW_TOTAL)
    assert ("formula-changed", sheet, address) in found(corpus["formula_changed"])


def test_stale_cached_total(corpus):
    sheet, address = where("t3.r_carry.c_total")
    report = corpus["stale"]
    assert ("cached-stale", sheet, address) in found(report)
    assert report.document.values["t3.r_carry.c_total"] == compute_totals(S21, H.values)["t3.r_carry.c_total"]


def test_protection_removed(corpus):
    assert ("protection-removed", T3, None) in found(corpus["protection"])


def test_label_changed(corpus):
    assert ("label-changed", T3, a1(*_first_row_label())) in found(corpus["label"])


def test_row_inserted(corpus):
    report = corpus["row_inserted"]
    shifted = [f for f in report.findings if f.code == "layout-shifted"]
    assert shifted and shifted[0].sheet == T3 and shifted[0].args["rows"] == 1
    first_moved = LAY21.sheets[1].data_rows[0] + 3  # 0-based row of the first label that moved
    assert shifted[0].cell.endswith(str(first_moved + 2))
    assert report.document.values[NEW_NAT] == H.values[NEW_NAT]


def test_row_deleted_and_column_inserted(corpus):
    sl = LAY21.sheets[1]
    gone = sl.data_rows[0] + 1  # 0-based row deleted (openpyxl counts from 1)
    report = corpus["row_deleted"]
    deleted = [f for f in report.findings if f.code == "layout-shifted" and "deleted" in f.args]
    assert [(f.sheet, f.cell) for f in deleted] == [(T3, a1(gone, 0))]
    assert report.document.values["t3.r_carry.c_natural"] is None
    assert report.document.values[NEW_NAT] == H.values[NEW_NAT]
    report = corpus["col_inserted"]
    shifted = [f for f in report.findings if f.code == "layout-shifted"]
    assert shifted and shifted[0].sheet == T4 and shifted[0].args["cols"] == 1
    first = min((t for t in LAY21.sheets[2].labels if t.col >= 2), key=lambda t: (t.row, t.col))
    assert shifted[0].cell == a1(first.row, first.col + 1)  # where the first moved label is now
    t4 = [cid for cid in S21.input_ids if cid.startswith("t4.")]
    assert {cid: report.document.values[cid] for cid in t4} == {cid: H.values[cid] for cid in t4}


def test_value_outside_the_table(corpus):
    report = corpus["outside"]
    assert ("unexpected-value", T3, a1(5, LAY21.sheets[1].width + 1)) in found(report)
    assert report.valid


def test_sheets_renamed_deleted_added(corpus):
    assert ("sheet-renamed", "表3", None) in found(corpus["renamed"])
    assert corpus["renamed"].document.values[NEW_NAT] == H.values[NEW_NAT]
    assert ("sheet-missing", LAY21.sheets[2].sheet, None) in found(corpus["deleted"])
    assert ("sheet-extra", "备注", None) in found(corpus["added"])
    assert corpus["added"].valid


def test_year_unit_and_cover(corpus):
    assert ("year-mismatch", *cover_cell("year")) in found(corpus["year"])
    assert ("unit-mismatch", *cover_cell("unit_name")) in found(corpus["unit"])
    assert "format-year-mismatch" in {f.code for f in corpus["format_year"].findings}
    assert ("cover-missing", *cover_cell("preparer")) in found(corpus["cover_missing"])


def test_expected_year_and_roster(corpus):
    path = corpus["clean"].path
    report = check_file(path, expected_year=2023, roster={"X": "别的单位"})
    codes = {f.code for f in report.findings}
    assert {"year-mismatch", "unit-not-on-roster"} <= codes
    assert check_file(path, expected_year=2024, roster={H.unit_code: H.unit_name}).valid


def test_identity(corpus):
    assert ("format-by-labels", None, None) in found(corpus["no_identity"])
    assert corpus["no_identity"].document.values == corpus["clean"].document.values
    assert [f.code for f in corpus["unknown"].findings] == ["format-unknown"]
    assert "fingerprint-mismatch" in {f.code for f in corpus["fingerprint"].findings}


def test_hand_typed_copy_is_recognised_and_checked(corpus):
    report = corpus["hand"]
    sheet, address = where(NEW_TOTAL)
    assert ("format-by-labels", None, None) in found(report)
    assert ("sum-mismatch", sheet, address) in found(report)
    assert report.format == S21.id and report.year == H.year and report.unit_code == H.unit_code
    assert not {"formula-overwritten", "protection-removed"} & {f.code for f in report.findings}
    inputs = {k: v for k, v in report.document.values.items() if k in S21.input_ids}
    assert inputs == {k: H.values[k] for k in S21.input_ids}


def test_unreadable_files_become_findings(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"not a zip at all")
    (tmp_path / "b.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (tmp_path / "empty.xlsx").write_bytes(b"")
    for path in sorted(tmp_path.iterdir()):
        report = check_file(path)
        assert not report.valid and report.document is None
        assert report.findings[0].code.startswith("file-")
        assert report.findings[0].message
