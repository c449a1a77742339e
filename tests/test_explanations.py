"""Explanations of queries (情况说明): in the return document, matched to queries, judged."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ogi_xlsx.document import Explanation, document_from_json, loads, validate_document_json, validate_return
from ogi_xlsx.explanations import judge, judge_text, matches
from ogi_xlsx.findings import Finding, has_open_queries, open_queries
from ogi_xlsx.plausibility import check_plausibility, check_values
from ogi_xlsx.rules import check_cross_year, with_totals
from ogi_xlsx.spec import load_format

ROOT = Path(__file__).resolve().parent.parent
SPEC = load_format("2021")
GOOD = "本年因老旧小区改造征收项目，有 42 名居民集中申请公开补偿方案"


def _haibin():
    return document_from_json(loads((ROOT / "examples" / "haibin-2024.json").read_text(encoding="utf-8")))


def _query(**inputs) -> list[Finding]:
    values = {cid: (Decimal(0) if SPEC.cells[cid].type == "amount" else 0) for cid in SPEC.input_ids}
    values.update(inputs)
    return check_values(SPEC, with_totals(SPEC, values))


# ---------------------------------------------------------------------- the document


def test_explanations_are_part_of_the_return_json_and_its_schema():
    doc = _haibin()
    assert "explanations" not in doc.to_json()  # returns without any stay byte-identical
    doc.explanations = [Explanation(rule="P1", cell="表三 J6", text=GOOD)]
    data = json.loads(doc.dumps())
    assert data["explanations"] == [{"rule": "P1", "cell": "表三 J6", "text": GOOD}]
    assert validate_document_json(data) == []
    again = document_from_json(loads(doc.dumps()))
    assert again.explanations == doc.explanations and again.dumps() == doc.dumps()
    schema = json.loads((ROOT / "schemas" / "ogi-2021.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["explanations"]["items"]["required"] == ["text"]


@pytest.mark.parametrize(
    ("explanations", "expected"),
    [
        ([{"rule": "P1"}], "情况说明第 1 条：应为一条包含说明（text）的记录"),
        ([{"text": ""}], "情况说明第 1 条的说明：不能为空"),
        ([{"text": "x" * 2001}], "情况说明第 1 条的说明：过长（不超过 2000 字）"),
        ([{"text": GOOD, "why": "?"}], "情况说明第 1 条：应为一条包含说明（text）的记录"),
        ("核实无误", "情况说明：应为由多条说明组成的列表"),
        ([{"text": GOOD}, {"text": 5}], "情况说明第 2 条的说明：类型不正确"),
    ],
)
def test_malformed_explanations_are_told_in_chinese(explanations, expected):
    data = json.loads(_haibin().dumps())
    data["explanations"] = explanations
    messages = [f.message for f in validate_document_json(data)]
    assert any(expected in m for m in messages), messages


# ---------------------------------------------------------------------- judging the text


@pytest.mark.parametrize(
    "text",
    [
        "核实无误",
        "数据无误",
        "情况属实",
        "已核实",
        "无",
        "正常",
        "确认无误",
        "经核实，数据无误。",
        "经 核 实 ， 数 据 无 误 ！",
        "经我单位认真核实，该数据真实准确，无需修改。",
        "经核实，数据无误，为 12000 件。",
        "已核实，以上数据真实、准确、完整。",
        "核实无误核实无误核实无误",
        "ＯＫ",
        "   ",
    ],
)
def test_boilerplate_and_short_texts_are_refused(text):
    assert judge_text(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        "本年有 3 件规范性文件因有效期届满自然失效，未经废止程序",
        "经核实，本年有 1 名申请人就同一事项重复申请 30 件",
        "上年结转的 2 件申请因书面征求第三方意见，期限中止",
        "采购金额按万元填写有误，已改为元",
    ],
)
def test_a_reason_is_accepted(text):
    assert judge_text(text) is None


def test_the_length_limit_counts_letters_not_punctuation():
    assert judge_text("征收集中申请。") is not None  # 6 characters of words
    assert judge_text("征收项目集中申请") is None  # 8


# ---------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("rule", "cell", "hit"),
    [
        ("P1_t3_applications_max", "", True),
        ("P1", "", True),
        ("p1", "", True),
        ("申请件数远超常见范围", "", True),
        ("", "表三 J6", True),
        ("", "表三J6", True),
        ("", "J6", True),
        ("", "ｊ６", True),
        ("", "t3.r_new.c_total", True),
        ("", "一、本年新收政府信息公开申请数量", True),
        ("", "本年新收申请总计", True),
        ("P1", "J6", True),
        ("", "表二 J6", False),
        ("", "J7", False),
        ("P2", "", False),
        ("P1", "J7", False),
        ("P2", "J6", False),
        ("", "", False),
        ("", "结转下年度", False),
    ],
)
def test_an_explanation_names_its_query_in_the_clerks_words(rule, cell, hit):
    (query,) = _query(**{"t3.r_new.c_natural": 20000})
    assert (query.sheet, query.cell) == ("三、依申请公开", "J6")
    assert matches(SPEC, query, Explanation(rule=rule, cell=cell, text=GOOD)) is hit


def test_a_good_explanation_settles_its_query():
    findings = _query(**{"t3.r_new.c_natural": 20000})
    judged = judge(SPEC, findings, [Explanation(rule="", cell="表三 J6", text=GOOD)])
    assert len(judged) == 1 and judged[0].explanation == GOOD and not has_open_queries(judged)


def test_boilerplate_leaves_the_query_open_and_says_what_a_good_one_contains():
    findings = _query(**{"t3.r_new.c_natural": 20000})
    judged = judge(SPEC, findings, [Explanation(rule="P1", cell="J6", text="经核实，数据无误。")])
    assert has_open_queries(judged)
    (rejected,) = [f for f in judged if f.code == "explanation-rejected"]
    assert rejected.severity == "warning" and rejected.cell == "J6" and rejected.rule == "P1_t3_applications_max"
    assert "“经核实，数据无误。”只说核实过、数据无误，没有说明原因" in rejected.message
    assert "请改正数据，或说明原因，例如：本单位为市自然资源和规划局" in rejected.message


def test_a_later_good_explanation_wins_over_an_earlier_refused_one():
    findings = _query(**{"t3.r_new.c_natural": 20000})
    judged = judge(SPEC, findings, [Explanation("P1", "", "核实无误"), Explanation("P1", "", GOOD)])
    assert [f.code for f in judged] == ["implausible-value"] and judged[0].explanation == GOOD


def test_one_explanation_of_a_rule_covers_each_of_its_cells():
    last = with_totals(SPEC, {"t3.r_carry_next.c_natural": 3, "t3.r_carry_next.c_legal": 1})
    this = with_totals(SPEC, {"t3.r_carry.c_natural": 1})
    from dataclasses import replace

    findings = [replace(f, severity="query") for f in check_cross_year(SPEC, this, last, previous_year=2023)]
    assert len(findings) == 3  # 自然人, 法律服务机构, 总计
    text = "上年结转的 2 件申请已于上年 12 月底办结，上年报表未及时更新"
    judged = judge(SPEC, findings, [Explanation("X1", "", text)])
    assert open_queries(judged) == [] and {f.explanation for f in judged} == {text}
    # naming one cell settles only that one
    judged = judge(SPEC, findings, [Explanation("X1", "表三 D7", text)])
    assert [f.cell for f in open_queries(judged)] == ["H7", "J7"]
    # the cross-year rule's own example is the guidance
    refused = judge(SPEC, findings, [Explanation("X1", "", "无")])
    assert any(f.code == "explanation-rejected" and "例如" in f.message for f in refused)


def test_an_explanation_without_rule_or_cell_answers_the_only_query():
    findings = _query(**{"t3.r_new.c_natural": 20000})
    assert not has_open_queries(judge(SPEC, findings, [Explanation("", "", GOOD)]))
    two = _query(**{"t3.r_new.c_natural": 20000, "t2.r_fees.c_fee_amount": Decimal(200000)})
    judged = judge(SPEC, two, [Explanation("", "", GOOD)])
    assert len(open_queries(judged)) == 2 and judged[-1].code == "explanation-unmatched"


def test_an_explanation_matching_no_query_is_info():
    judged = judge(SPEC, [], [Explanation("P1", "J6", GOOD)])
    (info,) = judged
    assert info.code == "explanation-unmatched" and info.severity == "info"
    assert "没有对应任何需要核实的项目" in info.message and "（P1 J6）" in info.message


def test_an_error_cannot_be_explained_away():
    doc = document_from_json(loads((ROOT / "examples" / "kaiyuan-2024-with-errors.json").read_text(encoding="utf-8")))
    findings = validate_return(doc)
    error = next(f for f in findings if f.severity == "error" and f.cell)
    judged = judge(SPEC, findings, [Explanation("", f"{error.sheet} {error.cell}", GOOD)])
    (info,) = [f for f in judged if f.code == "explanation-unmatched"]
    assert "错误必须改正后重新报送，不能用情况说明代替" in info.message


def test_empty_rows_of_the_sheet_are_ignored():
    findings = _query(**{"t3.r_new.c_natural": 20000})
    assert judge(SPEC, findings, [Explanation("", "", "  ")]) == findings


def test_the_realistic_queries_are_settled_by_their_rules_examples():
    """Each rule's own example explanation passes the judge (the guidance is one we would accept)."""
    for spec in (load_format("2019"), SPEC):
        for rule_id, example in spec.explanation_examples.items():
            assert judge_text(example) is None, rule_id


def test_a_document_carries_its_explanations_to_the_judge():
    doc = document_from_json(
        loads((ROOT / "tests" / "fixtures" / "realistic" / "street-documents-2024.json").read_text(encoding="utf-8"))
    )
    last = document_from_json(
        loads((ROOT / "tests" / "fixtures" / "realistic" / "street-documents-2023.json").read_text(encoding="utf-8"))
    )
    findings = check_plausibility(doc, last)
    assert has_open_queries(findings)
    doc.explanations = [Explanation("Y3", "表二 D6", "本单位上年的 4 件行政规范性文件均于本年 6 月有效期届满自然失效")]
    assert not has_open_queries(judge(doc.spec, findings, doc.explanations))
