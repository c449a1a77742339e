"""``ogi-xlsx template``: exit codes, format/year choice, --force, rosters."""

from __future__ import annotations

from datetime import date

import openpyxl
from typer.testing import CliRunner

from ogi_xlsx.cli.main import app
from ogi_xlsx.model.identity import property_name
from ogi_xlsx.model.layout import COVER_SHEET, IDENTITY_SHEET
from ogi_xlsx.writing.xlsxwriter_ext import password_hash

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["template", *args])


def identity(path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path)
    return {row[0].value: row[1].value for row in wb[IDENTITY_SHEET].iter_rows(max_col=2)}


def test_defaults_last_year_and_its_format(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("-o", str(out))
    assert result.exit_code == 0, result.output
    ident = identity(out)
    last_year = date.today().year - 1
    assert ident["year"] == str(last_year)
    assert ident["format"] == ("ogi-2019" if last_year <= 2020 else "ogi-2021")


def test_year_picks_the_format_and_unit_is_written(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("--year", "2020", "--unit-name", "海滨街道", "--unit-code", "LC001", "-o", str(out))
    assert result.exit_code == 0, result.output
    expected = {"format": "ogi-2019", "year": "2020", "unit_code": "LC001", "unit_name": "海滨街道"}
    assert expected.items() <= identity(out).items()
    wb = openpyxl.load_workbook(out)
    assert wb[COVER_SHEET]["B3"].value == "海滨街道"
    assert {p.name: p.value for p in wb.custom_doc_props.props}[property_name("unit_code")] == "LC001"


def test_format_that_does_not_fit_the_year_is_a_usage_error(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("--format", "2019", "--year", "2024", "-o", str(out))
    assert result.exit_code == 2
    assert "2019—2020年度" in result.output and "2024" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    result = run("--format", "2021", "--year", "2020", "-o", str(out))
    assert result.exit_code == 2
    assert run("--format", "1999", "--year", "2020", "-o", str(out)).exit_code == 2
    assert run("--year", "2018", "-o", str(out)).exit_code == 2


def test_never_overwrites_without_force(tmp_path):
    out = tmp_path / "t.xlsx"
    out.write_bytes(b"keep me")
    result = run("--year", "2024", "-o", str(out))
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_bytes() == b"keep me"
    result = run("--year", "2024", "-o", str(out), "--force")
    assert result.exit_code == 0
    assert identity(out)["year"] == "2024"


def test_password_option(tmp_path):
    out = tmp_path / "t.xlsx"
    assert run("--year", "2024", "--password", "abc", "-o", str(out)).exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.worksheets[1].protection.password == password_hash("abc")
    assert wb.security.workbookPassword == password_hash("abc")


def test_output_must_be_xlsx(tmp_path):
    assert run("--year", "2024", "-o", str(tmp_path / "t.xls")).exit_code == 2
    assert run("--year", "2024", "-o", str(tmp_path / "missing" / "t.xlsx")).exit_code == 2


def test_roster_writes_one_deterministic_file_per_unit(tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_bytes('单位代码,单位名称\nLC001,海滨街道\nLC002,=HYPERLINK("x")\nCON,a/b\n'.encode("gbk"))
    out = tmp_path / "out"
    result = run("--roster", str(roster), "--year", "2024", "-o", str(out))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["CON_a_b.xlsx", "LC001_海滨街道.xlsx", "LC002_=HYPERLINK(_x_).xlsx"]
    wb = openpyxl.load_workbook(out / "LC002_=HYPERLINK(_x_).xlsx")
    assert wb[COVER_SHEET]["B3"].value == '=HYPERLINK("x")' and wb[COVER_SHEET]["B3"].data_type == "s"
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    # existing files: refused without --force, identical with it (also through the process pool)
    result = run("--roster", str(roster), "--year", "2024", "-o", str(out))
    assert result.exit_code == 2 and "--force" in result.output
    result = run("--roster", str(roster), "--year", "2024", "-o", str(out), "--force", "--jobs", "2")
    assert result.exit_code == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first


def test_process_pool_gives_the_same_files(tmp_path, monkeypatch):
    from ogi_xlsx.cli import template as command

    monkeypatch.setattr(command, "POOL_THRESHOLD", 2)
    roster = tmp_path / "r.csv"
    roster.write_text("code,name\n" + "".join(f"U{i:03d},单位{i}\n" for i in range(6)), encoding="utf-8")
    serial, pooled = tmp_path / "serial", tmp_path / "pooled"
    assert run("--roster", str(roster), "--year", "2024", "-o", str(serial), "--jobs", "1").exit_code == 0
    assert run("--roster", str(roster), "--year", "2024", "-o", str(pooled), "--jobs", "2").exit_code == 0
    assert {p.name: p.read_bytes() for p in serial.iterdir()} == {p.name: p.read_bytes() for p in pooled.iterdir()}
    assert len(list(pooled.iterdir())) == 6


def test_bad_roster_is_a_chinese_usage_error(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("code,name\nA,x\nA,y\n", encoding="utf-8")
    result = run("--roster", str(roster), "--year", "2024", "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "重复" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    result = run("--roster", str(tmp_path / "none.csv"), "--year", "2024", "-o", str(tmp_path / "out"))
    assert result.exit_code == 2 and "找不到" in result.output
    roster.write_text("code,name\nA,x\n", encoding="utf-8")
    result = run("--roster", str(roster), "--unit-name", "x", "-o", str(tmp_path / "out"))
    assert result.exit_code == 2


def test_send_to_is_printed_in_the_instructions(tmp_path):
    def cover_text(path):
        sheet = openpyxl.load_workbook(path)[COVER_SHEET]
        return "".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)

    single = tmp_path / "a.xlsx"
    result = runner.invoke(
        app,
        ["template", "--year", "2025", "--send-to", "鲤城区信息公开办（邮箱 lcxxgk@example.cn）", "-o", str(single)],
    )
    assert result.exit_code == 0, result.output
    assert "鲤城区信息公开办（邮箱 lcxxgk@example.cn）" in cover_text(single)
    roster = tmp_path / "r.csv"
    roster.write_text("单位代码,单位名称\nA1,甲街道\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "template",
            "--year",
            "2025",
            "--roster",
            str(roster),
            "--send-to",
            "区政务公开办",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "区政务公开办" in cover_text(tmp_path / "out" / "A1_甲街道.xlsx")
