"""The pipeline API (ogi_xlsx.api): the surface the CLI, demo and portal build on."""

from __future__ import annotations

from pathlib import Path

from ogi_xlsx import api

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_options_are_frozen_and_hashable():
    a = api.CheckOptions.make(expected_year=2024, roster={"B": "乙", "A": "甲"})
    b = api.CheckOptions.make(expected_year=2024, roster={"A": "甲", "B": "乙"})
    assert a == b and hash(a) == hash(b)
    assert a.roster_mapping == {"A": "甲", "B": "乙"}


def test_options_from_a_roster_file(tmp_path):
    roster_file = tmp_path / "名单.csv"
    roster_file.write_text("单位代码,单位名称\nB,乙\nA,甲\n", encoding="utf-8")
    options = api.CheckOptions.make(roster=api.load_roster(roster_file))
    assert options == api.CheckOptions.make(roster={"A": "甲", "B": "乙"})


def test_check_write_merge_round_trip(tmp_path):
    doc = api.read_return_json(EXAMPLES / "haibin-2024.json")
    api.write_return(doc, tmp_path / "haibin.xlsx")
    report = api.check_file(tmp_path / "haibin.xlsx", api.CheckOptions(expected_year=2024))
    assert report.valid and report.document is not None
    assert report.document.values == api.check_file(EXAMPLES / "haibin-2024.json").document.values
    wrong_year = api.check_file(tmp_path / "haibin.xlsx", api.CheckOptions(expected_year=2023))
    assert not wrong_year.valid
    result = api.merge([report], year=2024, unit_code="350502", unit_name="泉州市鲤城区")
    assert result.complete
    api.write_summary(result, tmp_path / "sum.xlsx")
    summary = api.check_file(tmp_path / "sum.xlsx")
    assert summary.valid and summary.document.values == report.document.values
