"""Queries for checked returns (queries.apply_queries): plausibility, switched-off rules,
explanations and the office's policy, over FileReports as validate and merge produce them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ogi_xlsx.document import Explanation, document_from_json, loads, validate_return
from ogi_xlsx.findings import has_open_queries
from ogi_xlsx.queries import apply_queries, explained_queries, previous_documents
from ogi_xlsx.rules import check_cross_year
from ogi_xlsx.settings import settings_from_data
from ogi_xlsx.validate import FileReport

ROOT = Path(__file__).resolve().parent.parent
REALISTIC = ROOT / "tests" / "fixtures" / "realistic"
GOOD = "本年因征收项目集中申请，新收申请由 31 件增至 148 件"


def _report(name: str, *, cross_year_from: str | None = None) -> FileReport:
    path = REALISTIC / f"{name}.json"
    doc = document_from_json(loads(path.read_text(encoding="utf-8")))
    findings = validate_return(doc)
    if cross_year_from:
        last = _report(cross_year_from).document
        # the cross-year rules as queries (what the format files declare from phase 2 on)
        findings += [
            replace(f, severity="query")
            for f in check_cross_year(doc.spec, doc.values, last.values, previous_year=last.year)
        ]
    return FileReport(path=path, sha256="", size=0, mtime=0.0, document=doc, findings=findings)


def test_plausibility_queries_need_last_years_return_for_year_on_year():
    this, last = _report("district-natural-resources-2024"), _report("district-natural-resources-2023")
    assert apply_queries([this]).queries == 0
    tally = apply_queries([this], [last])
    assert (tally.queries, tally.explained, tally.open, tally.returns_with_open_queries) == (1, 0, 1, 1)
    assert [f.rule for f in this.findings if f.severity == "query"] == ["Y1_t3_new_increase"]
    assert has_open_queries(this.findings)


def test_applying_twice_changes_nothing():
    this, last = _report("district-natural-resources-2024"), _report("district-natural-resources-2023")
    apply_queries([this], [last])
    once = list(this.findings)
    apply_queries([this], [last])
    assert this.findings == once


def test_an_explained_query_passes_and_carries_its_explanation():
    this, last = _report("district-natural-resources-2024"), _report("district-natural-resources-2023")
    this.document.explanations = [Explanation("Y1", "表三 J6", GOOD)]
    tally = apply_queries([this], [last])
    assert (tally.queries, tally.explained, tally.returns_with_open_queries) == (1, 1, 0)
    assert not has_open_queries(this.findings)
    assert explained_queries(this.findings) == [
        {
            "rule": "Y1_t3_new_increase",
            "sheet": "三、依申请公开",
            "cell": "J6",
            "title": "本年新收申请较上年大幅增加",
            "explanation": GOOD,
        }
    ]


def test_cross_year_mismatch_unexplained_then_explained_then_boilerplate():
    """The issue's story for X1: 待补正 → explained well (passes) → boilerplate (still 待补正, guidance)."""
    # the fixtures agree (2023 carried 4 into 2024); this year's 上年结转 is then changed to 2
    this = _report("district-natural-resources-2024", cross_year_from="district-natural-resources-2023")
    last = _report("district-natural-resources-2023")
    assert not [f for f in this.findings if f.rule == "X1_t3_carry"]
    this.document.values["t3.r_carry.c_natural"] = 2  # last year carried 4
    this.document.values["t3.r_carry.c_total"] = 2
    this.document.values["t3.r_carry_next.c_natural"] -= 2
    this.document.values["t3.r_carry_next.c_total"] -= 2
    this.findings = [
        *validate_return(this.document),
        *(
            replace(f, severity="query")
            for f in check_cross_year(
                this.document.spec, this.document.values, last.document.values, previous_year=2023
            )
        ),
    ]
    assert not [f for f in this.findings if f.severity == "error"]
    base = list(this.findings)

    apply_queries([this], [last])
    assert {f.rule for f in this.findings if f.severity == "query"} == {"X1_t3_carry", "Y1_t3_new_increase"}
    assert has_open_queries(this.findings)

    this.findings = list(base)
    this.document.explanations = [
        Explanation("X1", "", "上年结转的 2 件申请已在上年 12 月 30 日答复，上年报表误计入结转"),
        Explanation("Y1", "表三 J6", GOOD),
    ]
    tally = apply_queries([this], [last])
    assert tally.returns_with_open_queries == 0 and tally.explained == tally.queries == 3

    this.findings = list(base)
    this.document.explanations = [Explanation("X1", "", "经核实，数据无误。"), Explanation("Y1", "表三 J6", GOOD)]
    tally = apply_queries([this], [last])
    assert tally.returns_with_open_queries == 1 and tally.rejected == 1
    (guidance,) = [f for f in this.findings if f.code == "explanation-rejected"]
    assert "只说核实过、数据无误，没有说明原因" in guidance.message and "例如：" in guidance.message


def test_settings_switch_off_a_cross_year_rule_and_make_queries_warnings():
    this = _report("district-natural-resources-2024")
    last = _report("district-natural-resources-2023")
    off = settings_from_data({"rules": {"Y1_t3_new_increase": {"enabled": False}}})
    assert apply_queries([this], [last], off).queries == 0
    relaxed = settings_from_data({"queries_as_warnings": True})
    tally = apply_queries([this], [last], relaxed)
    assert tally.queries == 0 and not has_open_queries(this.findings)
    assert [f.rule for f in this.findings if f.severity == "warning" and f.code == "implausible-change"] == [
        "Y1_t3_new_increase"
    ]
    this2 = _report("district-natural-resources-2024")
    assert apply_queries([this2], [last], as_warnings=True).queries == 0


def test_last_year_is_found_by_unit_and_year_and_must_be_unambiguous():
    this = _report("street-documents-2024")
    last = _report("street-documents-2023")
    other_unit = _report("city-government-2023")
    assert previous_documents([this], [other_unit, last]) == [last.document]
    changed = _report("street-documents-2023")
    changed.document.values["t3.r_new.c_natural"] += 1
    assert previous_documents([this], [last, changed]) == [None]
    assert previous_documents([this], [last, _report("street-documents-2023")]) == [last.document]


def test_the_api_offers_the_query_step(tmp_path):
    from ogi_xlsx import api

    settings = tmp_path / "s.json"
    settings.write_text('{"rules": {"Y1_t3_new_increase": {"factor": 10}}}', encoding="utf-8")
    this, last = _report("district-natural-resources-2024"), _report("district-natural-resources-2023")
    tally = api.apply_queries([this], [last], api.load_settings(settings))
    assert tally.queries == 0 and this.valid  # 148 is not more than 10 × 31
    assert api.apply_queries([this], [last]).queries == 1 and api.has_open_queries(this.findings) and not this.valid


def test_a_summarys_queries_are_warnings_one_level_up():
    """A summary has no 情况说明 of its own: its figures' queries do not hold it back."""
    this, last = _report("district-natural-resources-2024"), _report("district-natural-resources-2023")
    this.kind = "summary"
    assert apply_queries([this], [last]).queries == 0 and this.valid
    assert [f.severity for f in this.findings if f.rule == "Y1_t3_new_increase"] == ["warning"]
