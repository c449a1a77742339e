"""Plausibility (合理性) rules: each fires just past its threshold and not at it; the settings file
switches rules and changes thresholds; the realistic returns raise only the queries a person would ask."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from ogi_xlsx.document import document_from_json, loads, validate_return
from ogi_xlsx.findings import CODES, SEVERITY_ORDER, Finding, has_open_queries, open_queries, queries_as_warnings
from ogi_xlsx.plausibility import check_plausibility, check_values, describe_rules
from ogi_xlsx.rules import with_totals
from ogi_xlsx.settings import Settings, settings_from_data
from ogi_xlsx.spec import PLAUSIBILITY_KINDS, FormatError, build_spec, load_format, meta_schema

ROOT = Path(__file__).resolve().parent.parent
REALISTIC = ROOT / "tests" / "fixtures" / "realistic"
F2021 = load_format("2021")
F2019 = load_format("2019")
DENY = ("secret", "law", "safety", "third", "internal", "process", "enforce", "query")
T4_ROWS = ("review", "lit_direct", "lit_after")


def _values(spec, **inputs) -> dict:
    """A consistent return: every input 0 except ``inputs`` (``t3_r_new_c_natural`` style keys
    accepted for readability), carried-over applications balanced, totals recomputed."""
    values = {cid: (Decimal(0) if spec.cells[cid].type == "amount" else 0) for cid in spec.input_ids}
    for key, value in inputs.items():
        cid = key if "." in key else key.replace("__", ".")
        assert cid in values, cid
        values[cid] = Decimal(value) if isinstance(value, str) else value
    return with_totals(spec, values)


def _rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def _check(spec, values, previous=None, settings=None) -> list[str]:
    return _rules(check_values(spec, values, previous, previous_year=2023 if previous else None, settings=settings))


# (rule, format, inputs at the threshold: no query, inputs one step past it: a query)
THRESHOLD_CASES = [
    ("P1_t3_applications_max", F2021, {"t3.r_new.c_natural": 10000}, {"t3.r_new.c_natural": 10001}),
    # the total counts: 9,000 natural persons + 1,001 companies is past the bound
    (
        "P1_t3_applications_max",
        F2019,
        {"t3.r_carry.c_legal": 10000},
        {"t3.r_carry.c_legal": 9000, "t3.r_carry.c_commercial": 1001},
    ),
    (
        "P2_t4_cases_max",
        F2021,
        {"t4.r_review.c_upheld": 600, "t4.r_lit_after.c_pending": 400},
        {"t4.r_review.c_upheld": 600, "t4.r_lit_after.c_pending": 401},
    ),
    ("P3_t2_decisions_max", F2021, {"t2.r_penalty.c_decisions": 10_000_000}, {"t2.r_penalty.c_decisions": 10_000_001}),
    (
        "P3_t2_decisions_max",
        F2019,
        {"t2.r_other_services.c_decisions": 10_000_000},
        {"t2.r_other_services.c_decisions": 10**12},
    ),
    ("P4_t2_documents_max", F2021, {"t2.r_normdocs.c_valid": 100000}, {"t2.r_normdocs.c_valid": 100001}),
    ("P4_t2_documents_max", F2019, {"t2.r_normdocs.c_public_total": 100000}, {"t2.r_normdocs.c_public_total": 100001}),
    ("P5_t2_fee_yuan", F2021, {"t2.r_fees.c_fee_amount": "100000"}, {"t2.r_fees.c_fee_amount": "100000.0001"}),
    (
        "P6_t2_procurement_per_item",
        F2019,
        {"t2.r_procurement.c_proc_count": 13, "t2.r_procurement.c_proc_amount": "13000"},
        {"t2.r_procurement.c_proc_count": 13, "t2.r_procurement.c_proc_amount": "12999.99"},
    ),
    (
        "S1_t3_all_denied",
        F2021,
        # four refusals: below the minimum of five
        {f"t3.r_deny_{d}.c_natural": 1 for d in DENY[:4]} | {"t3.r_new.c_natural": 4},
        {f"t3.r_deny_{d}.c_natural": 1 for d in DENY[:5]} | {"t3.r_new.c_natural": 5},
    ),
    (
        "S2_t3_carry_exceeds_new",
        F2021,
        {"t3.r_new.c_natural": 2, "t3.r_carry.c_natural": 1, "t3.r_open.c_natural": 1, "t3.r_carry_next.c_natural": 2},
        {"t3.r_new.c_natural": 1, "t3.r_carry.c_natural": 2, "t3.r_open.c_natural": 1, "t3.r_carry_next.c_natural": 2},
    ),
    (
        "S3_t4_cases_exceed_applications",
        F2021,
        # 3 cases about 3 applications (not more than the applications), then 3 cases about 2
        {
            "t3.r_new.c_natural": 2,
            "t3.r_carry.c_natural": 1,
            "t3.r_open.c_natural": 3,
            "t4.r_review.c_upheld": 2,
            "t4.r_lit_after.c_pending": 1,
        },
        {"t3.r_new.c_natural": 2, "t3.r_open.c_natural": 2, "t4.r_review.c_upheld": 2, "t4.r_lit_after.c_pending": 1},
    ),
    (
        "S3_t4_cases_exceed_applications",
        F2019,
        # 2 cases and no application: below the minimum of three
        {"t4.r_review.c_upheld": 1, "t4.r_lit_direct.c_other": 1},
        {"t4.r_review.c_upheld": 1, "t4.r_lit_direct.c_other": 1, "t4.r_lit_after.c_corrected": 1},
    ),
    (
        "S4_t2_decisions_are_items",
        F2019,
        # 3+1=4 is below the minimum of five (too likely by chance); 21+19=40 is the published case
        {"t2.r_license.c_prev_items": 3, "t2.r_license.c_delta": 1, "t2.r_license.c_decisions": 4},
        {"t2.r_license.c_prev_items": 21, "t2.r_license.c_delta": 19, "t2.r_license.c_decisions": 40},
    ),
    (
        "S4_t2_decisions_are_items",
        F2019,
        {"t2.r_penalty.c_prev_items": 10, "t2.r_penalty.c_delta": -4, "t2.r_penalty.c_decisions": 7},
        {"t2.r_penalty.c_prev_items": 10, "t2.r_penalty.c_delta": -4, "t2.r_penalty.c_decisions": 6},
    ),
]


@pytest.mark.parametrize(("rule", "spec", "quiet", "loud"), THRESHOLD_CASES, ids=lambda v: getattr(v, "id", None))
def test_each_rule_fires_past_its_threshold_and_not_at_it(rule, spec, quiet, loud):
    assert rule not in _check(spec, _values(spec, **quiet))
    assert rule in _check(spec, _values(spec, **loud))


# year on year: (rule, format, last year, this year at the threshold, this year past it)
YOY_CASES = [
    ("Y1_t3_new_increase", {"t3.r_new.c_natural": 7}, {"t3.r_new.c_natural": 21}, {"t3.r_new.c_natural": 22}),
    # from nothing: more than 20 is asked about, 20 is not
    ("Y1_t3_new_increase", {}, {"t3.r_new.c_natural": 20}, {"t3.r_new.c_natural": 21}),
    ("Y2_t3_new_decrease", {"t3.r_new.c_natural": 30}, {"t3.r_new.c_natural": 10}, {"t3.r_new.c_natural": 9}),
    # last year 20 (not more than 20): even a drop to 0 is not asked about
    ("Y2_t3_new_decrease", {"t3.r_new.c_natural": 21}, {"t3.r_new.c_natural": 7}, {"t3.r_new.c_natural": 6}),
    (
        "Y3_t2_valid_to_zero",
        {"t2.r_normdocs.c_valid": 4},
        {"t2.r_normdocs.c_repealed": 4, "t2.r_normdocs.c_valid": 0},  # all four repealed: explained by the table
        {"t2.r_normdocs.c_repealed": 3, "t2.r_normdocs.c_valid": 0},
    ),
    (
        "Y4_t2_fee_increase",
        {"t2.r_fees.c_fee_amount": "0.452"},
        {"t2.r_fees.c_fee_amount": "45.2"},
        {"t2.r_fees.c_fee_amount": "45.2001"},
    ),
    # 100 times a tiny amount is still below 1 万元: not asked
    (
        "Y4_t2_fee_increase",
        {"t2.r_fees.c_fee_amount": "0.005"},
        {"t2.r_fees.c_fee_amount": "1"},
        {"t2.r_fees.c_fee_amount": "1.0001"},
    ),
]


@pytest.mark.parametrize(("rule", "last", "quiet", "loud"), YOY_CASES)
def test_year_on_year_rules_at_their_thresholds(rule, last, quiet, loud):
    previous = _values(F2021, **last)
    assert rule not in _check(F2021, _values(F2021, **quiet), previous)
    assert rule in _check(F2021, _values(F2021, **loud), previous)
    # without last year's return they say nothing
    assert rule not in _check(F2021, _values(F2021, **loud))


def test_year_on_year_against_last_year_in_the_other_format():
    """2020 (2019 format) -> 2021: 本年新收 exists in both; 现行有效件数 has no 2019 counterpart."""
    last = _values(F2019, **{"t3.r_new.c_natural": 5})
    this = _values(F2021, **{"t3.r_new.c_natural": 30})
    assert _check(F2021, this, last) == ["Y1_t3_new_increase"]


def test_only_last_years_return_is_compared():
    doc = document_from_json(loads((ROOT / "examples" / "haibin-2024.json").read_text(encoding="utf-8")))
    older = copy.deepcopy(doc)
    older.year = 2022
    older.values["t3.r_new.c_natural"] = 100
    assert check_plausibility(doc, older) == []
    older.year = 2023
    assert _rules(check_plausibility(doc, older)) == ["Y2_t3_new_decrease"]


def test_a_query_says_where_what_and_what_to_check():
    values = _values(F2021, **{"t2.r_fees.c_fee_amount": "452000"})
    (finding,) = check_values(F2021, values)
    assert finding.severity == "query" and finding.code == "implausible-value"
    assert (finding.sheet, finding.cell, finding.cell_ids) == ("二、主动公开", "B16", ("t2.r_fees.c_fee_amount",))
    assert finding.message.startswith("表二 B16（行政事业性收费 / 本年收费金额（单位：万元））：收费金额可能按元填写。")
    assert "填报 452000 万元，超过 100000 万元" in finding.message and "是否把元当成了万元" in finding.message
    assert finding.args["rule_key"] == "P5_t2_fee_yuan" and finding.args["thresholds"] == {"max": 100000}


def test_totals_are_recomputed_so_a_wrong_hand_total_invents_no_query():
    values = _values(F2021, **{"t3.r_new.c_natural": 5})
    values["t3.r_new.c_total"] = 50000  # a sum-rule error elsewhere; the applications are 5
    assert check_values(F2021, values) == []


def test_text_in_a_cell_counts_as_blank():
    values = _values(F2021)
    values["t2.r_penalty.c_decisions"] = "10000000000"  # the schema reports it; no crash here
    values["t2.r_license.c_decisions"] = True
    assert check_values(F2021, values) == []


def test_a_query_severity_sits_between_error_and_warning():
    assert SEVERITY_ORDER["error"] < SEVERITY_ORDER["query"] < SEVERITY_ORDER["warning"] < SEVERITY_ORDER["info"]
    assert {CODES[c][0] for c in ("implausible-value", "implausible-change", "implausible-shape")} == {"query"}
    query = check_values(F2021, _values(F2021, **{"t3.r_new.c_natural": 20000}))[0]
    warning = Finding("value-blank", "空")
    assert has_open_queries([warning, query]) and open_queries([warning, query]) == [query]
    from dataclasses import replace

    explained = replace(query, explanation="本年因城中村改造集中收到申请")
    assert not has_open_queries([warning, explained]) and explained.to_dict()["explanation"].startswith("本年")
    relaxed = queries_as_warnings([warning, query])
    assert [f.severity for f in relaxed] == ["warning", "warning"] and not has_open_queries(relaxed)


# ---------------------------------------------------------------------- the rules as data


def test_every_declared_rule_has_a_rationale_an_example_and_a_threshold_case():
    covered = {case[0] for case in THRESHOLD_CASES} | {case[0] for case in YOY_CASES} | {"S5_t2_rules_issuer"}
    for spec in (F2019, F2021):
        for rule in spec.plausibility_rules:
            assert rule.id in covered, rule.id
            assert len(rule.rationale) >= 30 and len(rule.example) >= 20 and rule.severity == "query"
            assert set(rule.thresholds) == set(PLAUSIBILITY_KINDS[rule.kind]["thresholds"])
    described = describe_rules(F2021)
    assert [d["id"] for d in described].count("Y3_t2_valid_to_zero") == 1
    assert next(d for d in described if d["id"] == "S5_t2_rules_issuer")["enabled"] is False


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.update(kind="median"),
        lambda r: r["cells"].update(extra=["t3.r_new.c_total"]),
        lambda r: r.update(thresholds={"max": -1}),
        lambda r: r.update(thresholds={"min": 3}),
        lambda r: r.pop("rationale"),
        lambda r: r.update(id="Q1_bad"),
    ],
)
def test_the_meta_schema_refuses_a_broken_plausibility_rule(mutate):
    raw = copy.deepcopy(F2021.definition)
    mutate(raw["plausibility_rules"][0])
    errors = list(jsonschema.Draft202012Validator(meta_schema()).iter_errors(raw))
    assert errors
    with pytest.raises(FormatError):
        build_spec(raw)


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda r: r["cells"].update(cells=["t3.r_nothing.c_total"]), "names unknown cell t3.r_nothing.c_total"),
        (lambda r: r.update(message="填报 {value} 件，上年 {previous} 件"), "unknown placeholder"),
    ],
)
def test_semantic_checks_refuse_what_the_meta_schema_cannot_see(mutate, problem):
    raw = copy.deepcopy(F2021.definition)
    mutate(raw["plausibility_rules"][0])
    with pytest.raises(FormatError, match=problem):
        build_spec(raw)


def test_a_plausibility_rule_cannot_reuse_a_sum_rule_id():
    raw = copy.deepcopy(F2021.definition)
    raw["rules"][0]["id"] = "P1_t3_applications_max"
    with pytest.raises(FormatError, match="reuses the id"):
        build_spec(raw, check_meta=False)


# ---------------------------------------------------------------------- settings


def test_settings_switch_a_rule_off_and_on():
    values = _values(F2021, **{"t2.r_rules.c_valid": 6, "t3.r_new.c_natural": 20000})
    assert _check(F2021, values) == ["P1_t3_applications_max"]  # S5 is declared but off
    settings = settings_from_data(
        {"rules": {"P1_t3_applications_max": {"enabled": False}, "S5_t2_rules_issuer": {"enabled": True}}}
    )
    assert _check(F2021, values, settings=settings) == ["S5_t2_rules_issuer"]
    assert settings.rule_enabled("P1_t3_applications_max") is False and settings.rule_enabled("X1_t3_carry") is True


def test_settings_change_a_threshold():
    values = _values(F2021, **{"t3.r_new.c_natural": 2001})
    assert _check(F2021, values) == []
    settings = settings_from_data({"rules": {"P1_t3_applications_max": {"max": 2000, "reason": "街道"}}})
    assert _check(F2021, values, settings=settings) == ["P1_t3_applications_max"]
    assert _check(F2021, _values(F2021, **{"t3.r_new.c_natural": 2000}), settings=settings) == []
    # a decimal threshold stays exact
    fee = settings_from_data({"rules": {"P5_t2_fee_yuan": {"max": 0.1}}})
    assert fee.rules["P5_t2_fee_yuan"].thresholds == {"max": Decimal("0.1")}
    assert _check(F2021, _values(F2021, **{"t2.r_fees.c_fee_amount": "0.1001"}), settings=fee) == ["P5_t2_fee_yuan"]
    assert _check(F2021, _values(F2021, **{"t2.r_fees.c_fee_amount": "0.1"}), settings=fee) == []


def test_default_settings_change_nothing():
    values = _values(F2021, **{"t3.r_new.c_natural": 20000})
    assert _check(F2021, values, settings=Settings()) == _check(F2021, values)


# ---------------------------------------------------------------------- real figures

# Which rules fire on which realistic return, and why a person would ask the same.
EXPECTED: dict[str, dict[str, str]] = {
    "street-no-applications-2024": {},
    "city-government-2023": {},
    "city-government-2024": {},  # 3,213 applications for a whole city: normal; +11 % on 2023
    "district-natural-resources-2023": {},
    "district-natural-resources-2024": {
        "Y1_t3_new_increase": "148 applications after 31 last year (4.8×): the unit should say why (征收项目)",
    },
    "district-market-regulation-2024": {},
    "district-public-security-2024": {},  # 48,216 penalties: normal for a 公安分局
    "township-one-refusal-2024": {},  # one application refused: not a pattern (S1 needs five)
    "street-pending-third-party-2024": {
        "S2_t3_carry_exceeds_new": "2 applications carried into next year but only 1 received: pending over a year",
    },
    "street-documents-2023": {},
    "street-documents-2024": {
        "Y3_t2_valid_to_zero": "4 行政规范性文件 in force last year, 0 now, none repealed: 现行有效件数 left out",
    },
    "provincial-department-2024": {},  # makes 规章: S5 is off unless an office switches it on
    "street-2019-format-2020": {},  # 251000 元 for 4 procurement items: written in 元 as asked
    "street-procurement-in-wan-2020": {
        "P6_t2_procurement_per_item": "13 items for 477.35: 36.72 元 an item, the (万元) header of the published copy",
    },
    "street-decisions-are-items-2020": {
        "S4_t2_decisions_are_items": "处理决定数量 40 = 21 + 19: the item count written into the decisions column",
    },
    "county-government-2020": {},
}


def _realistic() -> dict[str, object]:
    return {p.stem: document_from_json(loads(p.read_text(encoding="utf-8"))) for p in sorted(REALISTIC.glob("*.json"))}


def test_the_realistic_returns_raise_only_the_queries_a_person_would_ask():
    docs = _realistic()
    assert len(docs) >= 12 and set(docs) == set(EXPECTED)
    fired: dict[str, set[str]] = {}
    for name, doc in docs.items():
        assert not [f for f in validate_return(doc) if f.severity == "error"], name  # sound returns
        previous = docs.get(name.replace(str(doc.year), str(doc.year - 1)))
        fired[name] = set(_rules(check_plausibility(doc, previous)))
    assert fired == {name: set(rules) for name, rules in EXPECTED.items()}


EXAMPLES = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "examples" / "demo" / "returns").glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_seed_and_the_examples_raise_no_query(path):
    assert check_plausibility(document_from_json(loads(path.read_text(encoding="utf-8")))) == []


def test_last_years_demo_returns_raise_no_year_on_year_query():
    """The demo's 2024 returns against themselves as 2023: same figures, nothing to ask."""
    for path in sorted((ROOT / "examples" / "demo" / "returns").glob("*.json")):
        doc = document_from_json(loads(path.read_text(encoding="utf-8")))
        last = document_from_json(json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal))
        last.year -= 1
        assert check_plausibility(doc, last) == [], path.name


def test_the_readme_lists_every_rule_with_its_default_thresholds():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for spec in (F2019, F2021):
        for rule in describe_rules(spec):
            line = next(line for line in readme.splitlines() if line.startswith(f"| `{rule['id']}` |"))
            for name, value in rule["thresholds"].items():
                assert f"{name}={value}" in line, (rule["id"], name)
