"""Sum rules over return values: examples and properties."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import consistent_values

from ogi_xlsx.checks.document import validate_return
from ogi_xlsx.checks.rules import check_rules, compute_totals, with_totals
from ogi_xlsx.model.document import document_from_json, loads
from ogi_xlsx.model.spec import load_format

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SPECS = [load_format("2019"), load_format("2021")]


def example(name: str):
    return document_from_json(loads((EXAMPLES / name).read_text(encoding="utf-8")))


def test_seed_report_has_exactly_the_published_numbers_and_no_findings():
    doc = example("seed-linjiang-2020.json")
    assert (doc.format, doc.year) == ("ogi-2019", 2020)
    v = doc.values
    published = {
        "t2.r_license.c_prev_items": 1,
        "t2.r_license.c_delta": 1,
        "t2.r_license.c_decisions": 87,
        "t2.r_other_services.c_prev_items": 57,
        "t2.r_other_services.c_delta": 95,
        "t2.r_other_services.c_decisions": 3600,
        "t2.r_penalty.c_delta": 1,
        "t2.r_procurement.c_proc_count": 15,
    }
    for cell_id, value in published.items():
        assert v[cell_id] == value
    assert str(v["t2.r_procurement.c_proc_amount"]) == "1827190"  # “1827190 元”
    others = set(doc.spec.cell_ids) - set(published) - {"t2.r_procurement.c_proc_amount"}
    assert all(v[c] == 0 for c in others)  # every other cell of the report is 0
    assert validate_return(doc) == []


def test_realistic_2021_example_is_clean():
    assert validate_return(example("haibin-2024.json")) == []


def test_violation_example_yields_exactly_the_expected_findings():
    findings = validate_return(example("kaiyuan-2024-with-errors.json"))
    got = sorted(
        (f.code, f.severity, f.rule, f.args.get("rule_key"), f.cell_ids[:1], f.sheet, f.cell) for f in findings
    )
    expected = sorted(
        [
            ("schema", "error", None, None, ("t2.r_license.c_decisions",), "二、主动公开", "B9"),
            ("cover-missing", "warning", None, None, (), "封面", "B7"),
            ("value-blank", "warning", None, None, ("t3.r_new.c_research",), "三、依申请公开", "F6"),
            (
                "sum-mismatch",
                "error",
                "R1_t3_balance",
                "R1_t3_balance[c_natural]",
                ("t3.r_new.c_natural",),
                "三、依申请公开",
                "D30",
            ),
            (
                "sum-mismatch",
                "error",
                "R1_t3_balance",
                "R1_t3_balance[c_total]",
                ("t3.r_new.c_total",),
                "三、依申请公开",
                "J30",
            ),
            (
                "sum-mismatch",
                "error",
                "R4_t4_group_total",
                "R4_t4_group_total[r_review]",
                ("t4.r_review.c_total",),
                "四、复议诉讼",
                "E6",
            ),
        ]
    )
    assert got == expected


def test_messages_name_table_cell_labels_values_difference_and_contributors():
    findings = validate_return(example("kaiyuan-2024-with-errors.json"))
    r1 = next(f for f in findings if f.args.get("rule_key") == "R1_t3_balance[c_natural]")
    assert r1.message.startswith("表三 D30（四、结转下年度继续办理 / 自然人）")
    # an instruction: both sides, the gap, the cells to look at (the checked one first)
    assert "一+二 = 6，三+四 = 7，相差 1：请核对 D30（四、结转下年度继续办理）" in r1.message
    assert r1.args["difference"] == -1
    assert "D6=5" in r1.message and "D30=2" in r1.message
    r4 = next(f for f in findings if f.rule == "R4_t4_group_total")
    assert "填报 2，应为 1，相差 1" in r4.message
    assert all(f.message for f in findings)


def test_blank_total_is_reported_apart_from_a_wrong_total():
    spec = load_format("2021")
    inputs = {cid: int(cid.startswith("t4.")) for cid in spec.input_ids}
    values = with_totals(spec, inputs)
    values["t4.r_review.c_total"] = None  # left blank, as in many published reports
    (finding,) = check_rules(spec, values)
    assert (finding.code, finding.severity) == ("sum-blank", "warning")
    assert "应为 4" in finding.message


def test_money_totals_stay_decimal():
    spec = load_format("2021")
    totals = compute_totals(spec, dict.fromkeys(spec.input_ids, 0))
    assert all(isinstance(v, int) for v in totals.values())


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_consistent_random_inputs_never_fire_a_rule(spec, data):
    values = data.draw(consistent_values(spec))
    assert check_rules(spec, values) == []


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_changing_one_cell_fires_exactly_the_rules_involving_it(spec, data):
    values = data.draw(consistent_values(spec))
    involved_cells = sorted({ref for rule in spec.rules for ref in rule.cells})
    cell_id = data.draw(st.sampled_from(involved_cells))
    delta = data.draw(st.integers(1, 50) | st.integers(-50, -1))
    values[cell_id] = values[cell_id] + delta
    fired = {f.args["rule_key"] for f in check_rules(spec, values)}
    assert fired == {rule.key for rule in spec.rules_involving(cell_id)}


def test_an_unfilled_return_is_one_error_not_a_warning_per_cell():
    spec = load_format("2021")
    doc = example("haibin-2024.json")
    doc.values = with_totals(spec, dict.fromkeys(spec.input_ids))
    findings = validate_return(doc)
    assert [(f.code, f.severity) for f in findings] == [("return-empty", "error")]
    # One filled cell is enough for per-cell blank warnings instead.
    doc.values = with_totals(
        spec, {**dict.fromkeys(spec.input_ids), "t3.r_new.c_natural": 0, "t3.r_done_total.c_natural": 0}
    )
    codes = {f.code for f in validate_return(doc)}
    assert "return-empty" not in codes and "value-blank" in codes
