"""The annotated copy: opens in LibreOffice, keeps protection and unlocked inputs, lists the same findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ogi_xlsx.annotate import RESULT_SHEET, annotate
from ogi_xlsx.cli import app
from ogi_xlsx.findings import CODES
from ogi_xlsx.layout import workbook_layout
from ogi_xlsx.spec import load_format
from ogi_xlsx.validate import check_file
from ogi_xlsx.xlsx import read_xlsx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SPEC = load_format("2021")
LAYOUT = workbook_layout(SPEC)


@pytest.fixture(scope="module")
def tampered(tmp_path_factory) -> Path:
    from openpyxl import load_workbook

    folder = tmp_path_factory.mktemp("annotate")
    path = folder / "unit.xlsx"
    result = CliRunner().invoke(app, ["fill", str(EXAMPLES / "haibin-2024.json"), "-o", str(path)])
    assert result.exit_code == 0
    # tamper through a program that keeps protection: one text number, one overwritten total
    wb = load_workbook(path)
    sheet, address = LAYOUT.locate("t3.r_new.c_natural")
    wb[sheet][address].value = "３件"
    sheet, address = LAYOUT.locate("t4.r_review.c_total")
    wb[sheet][address].value = 0
    wb.save(path)
    return path


def test_copy_keeps_protection_unlocked_inputs_and_identity(tampered, tmp_path):
    report = check_file(tampered)
    copy = annotate(report, tmp_path / "copy.xlsx")
    raw = read_xlsx(copy)
    for sl in LAYOUT.sheets:
        sheet = raw.sheet(sl.sheet)
        assert sheet.protected
        for cell_id, pos in sl.cells.items():
            if not SPEC.cells[cell_id].computed:
                assert not sheet.cells[pos].locked, cell_id
    assert raw.sheet(RESULT_SHEET) is not None
    # the copy still validates to the same findings (plus the extra result sheet)
    again = check_file(copy)
    assert {(f.code, f.cell) for f in again.findings} - {("sheet-extra", None)} == {
        (f.code, f.cell) for f in report.findings
    }


def test_never_overwrites_the_input(tampered):
    with pytest.raises(ValueError):
        annotate(check_file(tampered), tampered)


@pytest.mark.slow
def test_annotated_copy_opens_in_libreoffice_and_lists_the_json_findings(tampered, tmp_path, libreoffice):
    from openpyxl import load_workbook

    outdir = tmp_path / "out"
    result = CliRunner().invoke(app, ["validate", str(tampered), "--json", "--annotate-all", "--annotate", str(outdir)])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["files"][0]["findings"]
    copy = outdir / "unit_审核结果.xlsx"
    converted = libreoffice.convert([copy], tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")[0]
    wb = load_workbook(converted)
    rows = [r for r in wb[RESULT_SHEET].iter_rows(min_row=2, values_only=True) if any(r)]
    # columns: 序号, 级别, 工作表, 单元格, 问题类型 (Chinese title), 问题, 代码
    assert [(r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows] == [
        (
            {"error": "错误", "warning": "警告", "info": "提示"}[f["severity"]],
            f["sheet"],
            f["cell"],
            CODES[f["code"]][1],
            f["message"],
            f["code"],
        )
        for f in findings
    ]
    assert wb.sheetnames[0] == RESULT_SHEET  # first: what the clerk reads and prints first
    raw = read_xlsx(converted)
    assert all(raw.sheet(sl.sheet).protected for sl in LAYOUT.sheets)
    sheet, address = LAYOUT.locate("t3.r_new.c_natural")
    assert [f["code"] for f in findings if f["cell"] == address and f["sheet"] == sheet] == ["value-unit-suffix"]
    assert wb[sheet][address].comment is not None
