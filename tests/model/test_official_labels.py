"""Every row and column label of both formats against the official wording.

The lists below are an independent transcription of the official tables (国办公开办函〔2019〕60号
and 〔2021〕30号 templates, as printed in published reports), kept apart from the format
data on purpose: a typo in ``ogi_xlsx/formats/*.json`` makes this test fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ogi_xlsx.model.layout import workbook_layout
from ogi_xlsx.model.spec import load_format

T3_COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
T3_COLUMN_GROUPS = {"申请人情况", "法人或其他组织"}
T3_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_ROWS_COMMON_HEAD = [
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
]
T3_ROWS = {
    "2019": [*T3_ROWS_COMMON_HEAD, "（六）其他处理", "（七）总计", "四、结转下年度继续办理"],
    "2021": [
        *T3_ROWS_COMMON_HEAD,
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "3.其他",
        "（七）总计",
        "四、结转下年度继续办理",
    ],
}
T3_ROW_GROUPS = {
    "2019": {"三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理"},
    "2021": {"三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"},
}
T4_HEADERS = {
    "行政复议",
    "行政诉讼",
    "未经复议直接起诉",
    "复议后起诉",
    "结果维持",
    "结果纠正",
    "其他结果",
    "尚未审结",
    "总计",
}
T2_BLOCKS = {
    "2019": [
        (
            "第二十条第（一）项",
            "信息内容",
            ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
            ["规章", "规范性文件"],
        ),
        (
            "第二十条第（五）项",
            "信息内容",
            ["上一年项目数量", "本年增/减", "处理决定数量"],
            ["行政许可", "其他对外管理服务事项"],
        ),
        ("第二十条第（六）项", "信息内容", ["上一年项目数量", "本年增/减", "处理决定数量"], ["行政处罚", "行政强制"]),
        ("第二十条第（八）项", "信息内容", ["上一年项目数量", "本年增/减"], ["行政事业性收费"]),
        ("第二十条第（九）项", "信息内容", ["采购项目数量", "采购总金额"], ["政府集中采购"]),
    ],
    "2021": [
        (
            "第二十条第（一）项",
            "信息内容",
            ["本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "行政规范性文件"],
        ),
        ("第二十条第（五）项", "信息内容", ["本年处理决定数量"], ["行政许可"]),
        ("第二十条第（六）项", "信息内容", ["本年处理决定数量"], ["行政处罚", "行政强制"]),
        ("第二十条第（八）项", "信息内容", ["本年收费金额（单位：万元）"], ["行政事业性收费"]),
    ],
}
TITLES = ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"]


@pytest.mark.parametrize("year", ["2019", "2021"])
def test_table_titles(year):
    assert [t.title for t in load_format(year).tables] == TITLES


@pytest.mark.parametrize("year", ["2019", "2021"])
def test_table_two_blocks(year):
    t2 = load_format(year).table("t2").definition
    actual = [
        (b["label"], b["header"], [c["label"] for c in b["columns"]], [r["label"] for r in b["rows"]])
        for b in t2["blocks"]
    ]
    assert actual == T2_BLOCKS[year]


@pytest.mark.parametrize("year", ["2019", "2021"])
def test_table_three_rows_and_columns(year):
    t3 = load_format(year).table("t3").definition
    assert [r["label"] for r in t3["rows"]] == T3_ROWS[year]
    assert [c["label"] for c in t3["columns"]] == T3_COLUMNS
    assert {g for c in t3["columns"] for g in c.get("groups", ())} == T3_COLUMN_GROUPS
    assert {g for r in t3["rows"] for g in r.get("groups", ())} == T3_ROW_GROUPS[year]
    assert t3["corner"] == T3_CORNER


@pytest.mark.parametrize("year", ["2019", "2021"])
def test_table_four_headers(year):
    sheet = workbook_layout(load_format(year)).sheet_for("t4")
    headers = [t.text for t in sheet.texts if t.role == "header"]
    assert set(headers) == T4_HEADERS
    # One printed data row of 15 cells: 复议 (5) | 诉讼: 未经复议直接起诉 (5) | 复议后起诉 (5)
    assert len({pos for pos in sheet.cells.values()}) == 15
    assert len({row for row, _ in sheet.cells.values()}) == 1


def test_money_units():
    fee = load_format("2021").cells["t2.r_fees.c_fee_amount"]
    assert (fee.type, fee.unit) == ("amount", "万元")
    proc = load_format("2019").cells["t2.r_procurement.c_proc_amount"]
    assert proc.type == "amount" and proc.unit == "元"  # our decision: the official label states none
    assert load_format("2019").cells["t2.r_license.c_delta"].type == "signed_count"


REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "formats"


@pytest.mark.parametrize("year", ["2019", "2021"])
def test_labels_match_research_reference(year):
    """Cross-check with the research transcription in ../shared (present beside every clone)."""
    yaml = pytest.importorskip("yaml")
    path = REFERENCE / f"ogi-{year}.yaml"
    if not path.exists():
        pytest.skip("../shared/reference is not beside this checkout")
    ref = yaml.safe_load(path.read_text(encoding="utf-8"))
    ref_tables = {t["id"]: t for t in ref["tables"]}
    spec = load_format(year)
    ref_t3_rows = [r["label"] for r in ref_tables["t3"]["rows"] if not r["id"].startswith("h_")]
    assert [r["label"] for r in spec.table("t3").definition["rows"]] == ref_t3_rows
    ref_cells = set(ref_tables["t2"]["cells"]) | set(ref_tables["t3"]["cells"]["input"])
    ref_cells |= set(ref_tables["t3"]["cells"]["computed"]) | set(ref_tables["t4"]["cells"]["input"])
    ref_cells |= set(ref_tables["t4"]["cells"]["computed"])
    assert set(spec.cell_ids) == ref_cells
    assert set(spec.computed_ids) == set(ref_tables["t3"]["cells"]["computed"]) | set(
        ref_tables["t4"]["cells"]["computed"]
    )
