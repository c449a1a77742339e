"""``ogi-xlsx merge`` end to end: real workbooks, roster statuses, exit codes, two levels."""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ogi_xlsx.checks.rules import with_totals
from ogi_xlsx.checks.schema import validate_document_json
from ogi_xlsx.cli.main import app
from ogi_xlsx.model.document import document_from_json, loads
from ogi_xlsx.pipeline.merge import merge_returns

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
runner = CliRunner()


def demo_doc(code: str):
    return document_from_json(loads((DEMO / "returns" / f"{code}.json").read_text(encoding="utf-8")))


def write_return(path: Path, doc) -> Path:
    from ogi_xlsx.writing.template import write_return as write

    write(doc, path)
    return path


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def expected_sum(docs):
    """The reference: input cells summed by hand (blank = 0), totals recomputed."""
    spec = docs[0].spec
    sums = {}
    for cid in spec.input_ids:
        total = 0
        for d in docs:
            total += d.values.get(cid) or 0
        sums[cid] = total
    return with_totals(spec, sums)


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """Returns for a roster of 8 with missing, invalid, duplicate and unexpected units."""
    base = tmp_path_factory.mktemp("district")
    returns = base / "returns"
    returns.mkdir()
    for code in ("LC001", "LC002", "LC003", "LC004", "LC005"):
        write_return(returns / f"{code}.xlsx", demo_doc(code))
    shutil.copy2(returns / "LC004.xlsx", returns / "LC004 再次发送.xlsx")
    stranger = replace(demo_doc("LC008"), unit_code="XX999", unit_name="名单外单位")
    write_return(returns / "XX999.xlsx", stranger)
    roster = base / "roster.csv"
    shutil.copy(DEMO / "roster.csv", roster)
    return base, returns, roster


def test_roster_driven_statuses_exit_codes_and_a_valid_summary(district, tmp_path):
    _base, returns, roster = district
    out = tmp_path / "汇总表.xlsx"
    js = tmp_path / "汇总表.json"
    result = invoke(
        "merge", returns, "--roster", roster, "--year", "2024", "--unit-name", "鲤城区", "--unit-code", "350502",
        "-o", out, "--json", js,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "应报 8 个单位，已报 5 个，通过 4 个，待补正 1 个，未报 3 个" in result.output
    assert "名单外 1 个" in result.output
    data = json.loads(js.read_text(encoding="utf-8"))
    status = {u["code"]: u["status"] for u in data["units"]}
    assert status == {
        "LC001": "merged",
        "LC002": "merged",
        "LC003": "invalid",
        "LC004": "duplicate",
        "LC005": "merged",
        "LC006": "missing",
        "LC007": "missing",
        "LC008": "missing",
        "XX999": "unexpected",
    }
    lc004 = next(u for u in data["units"] if u["code"] == "LC004")
    assert len(lc004["files"]) == 2 and lc004["sha256"] == lc004["files"][0]["sha256"] == lc004["files"][1]["sha256"]
    # the JSON summary is a return document valid against `ogi-xlsx schema`
    assert validate_document_json(loads(json.dumps(data))) == []
    summary = document_from_json(loads(json.dumps(data)))
    assert summary.values == expected_sum([demo_doc(c) for c in ("LC001", "LC002", "LC004", "LC005")])
    assert (summary.unit_code, summary.unit_name, summary.year) == ("350502", "鲤城区", 2024)

    # the summary workbook is itself a valid return, with the same numbers
    from ogi_xlsx.pipeline.check import check_file

    report = check_file(out)
    assert report.valid, [f.message for f in report.findings]
    assert report.document.values == summary.values
    assert (report.unit_code, report.unit_name) == ("350502", "鲤城区")
    validated = invoke("validate", out)
    assert validated.exit_code == 0, validated.output
    import openpyxl

    from ogi_xlsx.model.layout import IDENTITY_SHEET

    identity = {row[0]: row[1] for row in openpyxl.load_workbook(out)[IDENTITY_SHEET].iter_rows(values_only=True)}
    assert identity["kind"] == "summary" and identity["unit_code"] == "350502"


@pytest.mark.slow
def test_complete_without_roster_exits_0_and_is_deterministic(district, tmp_path):
    _, returns, _ = district
    folder = tmp_path / "ok"
    folder.mkdir()
    for code in ("LC001", "LC002"):
        shutil.copy2(returns / f"{code}.xlsx", folder)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    first = invoke("merge", folder, "--unit-name", "区", "--unit-code", "D", "-o", a)
    assert first.exit_code == 0, first.output
    assert invoke("merge", folder, "--unit-name", "区", "--unit-code", "D", "-o", b).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    # an existing output is not overwritten without --force
    again = invoke("merge", folder, "--unit-name", "区", "--unit-code", "D", "-o", a)
    assert again.exit_code == 2 and "--force" in again.output
    assert invoke("merge", folder, "--unit-name", "区", "--unit-code", "D", "-o", a, "--force").exit_code == 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_conflict_and_prefer_newest(district, tmp_path):
    import os

    _, _returns, _ = district
    folder = tmp_path / "conflict"
    folder.mkdir()
    old = demo_doc("LC001")
    new = replace(old, values=dict(old.values))
    new.values["t2.r_license.c_decisions"] = old.values["t2.r_license.c_decisions"] + 10
    write_return(folder / "LC001-旧.xlsx", old)
    write_return(folder / "LC001-新.xlsx", new)
    os.utime(folder / "LC001-旧.xlsx", (1_700_000_000, 1_700_000_000))
    os.utime(folder / "LC001-新.xlsx", (1_700_100_000, 1_700_100_000))
    js = tmp_path / "c.json"
    result = invoke("merge", folder, "-o", tmp_path / "c.xlsx", "--json", js)
    assert result.exit_code == 1
    unit = json.loads(js.read_text(encoding="utf-8"))["units"][0]
    assert unit["status"] == "conflict" and len(unit["files"]) == 2
    js2 = tmp_path / "n.json"
    result = invoke("merge", folder, "-o", tmp_path / "n.xlsx", "--json", js2, "--prefer", "newest")
    assert result.exit_code == 0, result.output
    data = json.loads(js2.read_text(encoding="utf-8"))
    assert data["units"][0]["path"].endswith("LC001-新.xlsx")
    assert data["values"]["t2.r_license.c_decisions"] == new.values["t2.r_license.c_decisions"]


def test_usage_errors_exit_2(district, tmp_path):
    _, returns, _roster = district
    out = tmp_path / "s.xlsx"
    assert invoke("merge", "-o", out).exit_code == 2  # no inputs
    assert invoke("merge", tmp_path / "nowhere", "-o", out).exit_code == 2
    # output equals an input
    same = invoke("merge", returns / "LC001.xlsx", "-o", returns / "LC001.xlsx", "--force")
    assert same.exit_code == 2 and "输入" in same.output
    assert (returns / "LC001.xlsx").exists()
    # a bad roster
    bad = tmp_path / "bad.csv"
    bad.write_text("名字\n甲\n", encoding="utf-8")
    assert invoke("merge", returns, "--roster", bad, "-o", out).exit_code == 2
    # mixed report years without --year
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy2(returns / "LC001.xlsx", mixed)
    write_return(mixed / "LC002-2023.xlsx", replace(demo_doc("LC002"), year=2023))
    refused = invoke("merge", mixed, "-o", out)
    assert refused.exit_code == 2 and "--year" in refused.output
    assert not out.exists()


@pytest.mark.slow
def test_two_levels_city_equals_all_units(tmp_path):
    from ogi_xlsx.pipeline.batch import check_paths
    from ogi_xlsx.pipeline.check import check_file

    units = {"D1": ("LC001", "LC002"), "D2": ("LC004", "LC005", "LC006")}
    summaries = tmp_path / "districts"
    summaries.mkdir()
    all_dir = tmp_path / "all"
    all_dir.mkdir()
    for district, codes in units.items():
        folder = tmp_path / district
        folder.mkdir()
        for code in codes:
            write_return(folder / f"{code}.xlsx", demo_doc(code))
            write_return(all_dir / f"{code}.xlsx", demo_doc(code))
        result = invoke("merge", folder, "--unit-code", district, "--unit-name", f"{district}区", "-o",
                        summaries / f"{district}.xlsx")  # fmt: skip
        assert result.exit_code == 0, result.output
        assert check_file(summaries / f"{district}.xlsx").valid
    city_json = tmp_path / "city.json"
    city = invoke("merge", summaries, "--unit-code", "C", "--unit-name", "市", "-o", tmp_path / "city.xlsx",
                  "--json", city_json)  # fmt: skip
    assert city.exit_code == 0, city.output
    direct = merge_returns(check_paths([all_dir]), unit_code="C", unit_name="市")
    assert json.loads(city_json.read_text(encoding="utf-8"))["values"] == direct.document.to_json()["values"]
    assert direct.document.values == expected_sum([demo_doc(c) for codes in units.values() for c in codes])


def test_untrusted_names_stay_text(tmp_path):
    evil = '=HYPERLINK("http://evil.invalid","x")'
    folder = tmp_path / "r"
    folder.mkdir()
    write_return(folder / "a.xlsx", replace(demo_doc("LC001"), unit_name=evil))
    roster = tmp_path / "roster.csv"
    roster.write_text(f'单位代码,单位名称\nLC001,"{evil.replace(chr(34), chr(34) * 2)}"\n', encoding="utf-8")
    out = tmp_path / "s.xlsx"
    result = invoke("merge", folder, "--roster", roster, "--unit-name", "+cmd|' /C calc'!A0", "--unit-code", "D",
                    "-o", out)  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    with zipfile.ZipFile(out) as z:
        formulas = "".join(
            part.split("</f>")[0]
            for name in z.namelist()
            if name.startswith("xl/worksheets/")
            for part in z.read(name).decode("utf-8").split("<f>")[1:]
        )
    assert "HYPERLINK" not in formulas and "cmd|" not in formulas


def test_one_return_is_reproduced_and_inputs_are_untouched(district, tmp_path):
    import hashlib

    from ogi_xlsx.pipeline.check import check_file

    _, returns, roster = district
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in [*returns.iterdir(), roster]}
    out = tmp_path / "one.xlsx"
    result = invoke("merge", returns / "LC002.xlsx", "--unit-code", "D", "--unit-name", "区", "-o", out,
                    "--preparer", "王丽", "--phone", "0595-1", "--reviewer", "陈明", "--date", "2025-01-20")  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = check_file(out)
    assert summary.document.values == check_file(returns / "LC002.xlsx").document.values
    assert summary.document.cover == {"preparer": "王丽", "phone": "0595-1", "reviewer": "陈明", "date": "2025-01-20"}
    assert not [f for f in summary.findings if f.severity != "info"]
    invoke("merge", returns, "--roster", roster, "-o", tmp_path / "all.xlsx")
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in [*returns.iterdir(), roster]}
    assert after == before


def test_unreadable_file_is_listed_not_fatal(district, tmp_path):
    _, returns, _ = district
    folder = tmp_path / "mixed-bag"
    folder.mkdir()
    shutil.copy2(returns / "LC001.xlsx", folder)
    (folder / "坏文件.xlsx").write_bytes(b"not a zip at all")
    js = tmp_path / "u.json"
    result = invoke("merge", folder, "--unit-code", "D", "--unit-name", "区", "-o", tmp_path / "u.xlsx", "--json", js)
    assert result.exit_code == 1, result.output
    assert "无法识别单位的文件 1 个" in result.output and "坏文件.xlsx" in result.output
    units = json.loads(js.read_text(encoding="utf-8"))["units"]
    assert [u["status"] for u in units] == ["merged", "unidentified"]
    assert units[1]["files"][0]["findings"][0]["code"].startswith("file-")
