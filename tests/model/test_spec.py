"""Format definitions: the meta-schema, semantic checks and the derived model."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from ogi_xlsx.model.layout import layout_hash, workbook_layout
from ogi_xlsx.model.spec import (
    FormatError,
    UnknownFormatError,
    all_formats,
    build_spec,
    definition_files,
    format_for_year,
    load_format,
    meta_schema,
)


def raw(year: str) -> dict:
    return copy.deepcopy(load_format(year).definition)


def test_meta_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(meta_schema())


def test_shipped_definitions_are_valid_and_complete():
    assert definition_files() == ["ogi-2019.json", "ogi-2021.json"]
    for spec in all_formats():
        jsonschema.Draft202012Validator(meta_schema()).validate(spec.definition)


@pytest.mark.parametrize(
    ("year", "inputs", "computed", "t3_inputs", "t3_computed"),
    [("2019", 166, 32, 132, 29), ("2021", 166, 34, 144, 31)],
)
def test_cell_counts_match_the_official_tables(year, inputs, computed, t3_inputs, t3_computed):
    spec = load_format(year)
    assert len(spec.input_ids) == inputs
    assert len(spec.computed_ids) == computed
    t3 = [c for c in spec.cells.values() if c.table == "t3"]
    assert sum(not c.computed for c in t3) == t3_inputs
    assert sum(c.computed for c in t3) == t3_computed


def test_years_choose_the_format():
    assert format_for_year(2019).id == "ogi-2019"
    assert format_for_year(2020).id == "ogi-2019"
    assert format_for_year(2021).id == "ogi-2021"
    assert format_for_year(2030).id == "ogi-2021"
    with pytest.raises(UnknownFormatError):
        format_for_year(2010)
    assert load_format("2021") is load_format("ogi-2021")
    with pytest.raises(UnknownFormatError):
        load_format("2017")


def test_every_computed_cell_has_exactly_one_formula_and_inputs_none():
    for spec in all_formats():
        assert set(spec.formulas) == set(spec.computed_ids)
        for cell_id, rule in spec.formulas.items():
            assert rule.lhs == (cell_id,)
            assert cell_id not in rule.rhs


def test_rules_cover_the_issue_list():
    spec = load_format("2021")
    ids = {r.id for r in spec.rules}
    assert ids == {"R1_t3_balance", "R2_t3_results_total", "R3_t3_row_total", "R4_t4_group_total"}
    r1 = [r for r in spec.rules if r.id == "R1_t3_balance"]
    assert len(r1) == 7  # per column, 总计 included
    assert r1[-1].lhs == ("t3.r_new.c_total", "t3.r_carry.c_total")
    assert r1[-1].rhs == ("t3.r_done_total.c_total", "t3.r_carry_next.c_total")
    r2 = next(r for r in spec.rules if r.key == "R2_t3_results_total[c_natural]")
    assert len(r2.rhs) == 21  # every leaf outcome row of the 2021 format
    assert len(next(r for r in load_format("2019").rules if r.id == "R2_t3_results_total").rhs) == 19


def _mutations():
    def drop_label(d):
        del d["tables"][1]["rows"][0]["label"]

    def unknown_cell(d):
        d["rules"][0]["lhs"][0] = "t3.r_nowhere.{c}"

    def orphan_total(d):
        d["rules"] = [r for r in d["rules"] if r["id"] != "R4_t4_group_total"]

    def duplicate_row(d):
        d["tables"][1]["rows"].append(copy.deepcopy(d["tables"][1]["rows"][0]))

    def bad_type(d):
        d["tables"][0]["blocks"][0]["columns"][0]["type"] = "float"

    def defines_input(d):
        d["rules"].append(
            {
                "id": "R9",
                "table": "t3",
                "source": "implicit",
                "severity": "error",
                "title": "x",
                "lhs": ["t3.r_new.c_natural"],
                "rhs": ["t3.r_carry.c_natural"],
                "defines": True,
            }
        )

    def long_sheet_name(d):
        d["tables"][0]["sheet"] = "二" * 40

    return [drop_label, unknown_cell, orphan_total, duplicate_row, bad_type, defines_input, long_sheet_name]


@pytest.mark.parametrize("mutate", _mutations(), ids=lambda f: f.__name__)
def test_broken_definitions_are_rejected(mutate):
    d = raw("2021")
    mutate(d)
    with pytest.raises(FormatError):
        build_spec(d)


def test_a_third_format_is_one_data_file(tmp_path, monkeypatch):
    """Adding a format needs no code: a new definition builds a full spec, layout and schema."""
    from ogi_xlsx.checks.schema import return_schema

    d = raw("2021")
    d.update(id="ogi-2031", year_format=2031, report_years={"first": 2031, "last": None})
    d["tables"][2]["columns"].insert(0, {"id": "c_withdrawn", "label": "撤回"})
    for rule in d["rules"]:
        if rule["id"] == "R4_t4_group_total":
            rule["rhs"].append("t4.{g}.c_withdrawn")
    spec = build_spec(d)
    assert "t4.r_review.c_withdrawn" in spec.input_ids
    assert workbook_layout(spec).sheet_for("t4").width == 18
    assert layout_hash(spec) != layout_hash(load_format("2021"))
    jsonschema.Draft202012Validator.check_schema(return_schema(spec))


def test_definitions_are_plain_json_with_readable_chinese():
    from importlib import resources

    text = resources.files("ogi_xlsx.formats").joinpath("ogi-2021.json").read_text(encoding="utf-8")
    assert "本年收费金额（单位：万元）" in text  # not \\u-escaped
    assert json.loads(text)["id"] == "ogi-2021"
