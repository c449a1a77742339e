"""The return document, its generated JSON Schema and the committed copies."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from ogi_xlsx.checks.rules import with_totals
from ogi_xlsx.checks.schema import return_schema, schema_text, validate_document_json
from ogi_xlsx.cli.main import app
from ogi_xlsx.model.document import ReturnDocument, document_from_json, loads
from ogi_xlsx.model.spec import all_formats, load_format

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.mark.parametrize("year", ["2019", "2021"])
def test_schema_is_valid_draft_2020_12(year):
    jsonschema.Draft202012Validator.check_schema(return_schema(load_format(year)))


@pytest.mark.parametrize("year", ["2019", "2021"])
def test_committed_schema_matches_the_generated_one(year):
    """Fails when schemas/ drifts from the format data; regenerate with tools/regenerate.py."""
    committed = (ROOT / "schemas" / f"ogi-{year}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(load_format(year))


@pytest.mark.parametrize("year", ["2019", "2021"])
def test_cli_prints_the_committed_schema(year):
    result = runner.invoke(app, ["schema", "--format", year])
    assert result.exit_code == 0
    assert result.stdout == (ROOT / "schemas" / f"ogi-{year}.schema.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["seed-linjiang-2020.json", "haibin-2024.json"])
def test_examples_validate_against_their_schema(name):
    data = loads((ROOT / "examples" / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(return_schema(load_format(data["format"]))).validate(data)
    assert validate_document_json(data) == []


def test_schema_errors_are_mapped_to_cells_with_chinese_messages():
    data = loads((ROOT / "examples" / "haibin-2024.json").read_text(encoding="utf-8"))
    data["values"]["t3.r_open.c_natural"] = "三"
    data["values"]["t2.r_fees.c_fee_amount"] = "-1"
    data["year"] = 2019
    data["values"]["t9.bogus"] = 1
    findings = validate_document_json(data)
    by_cell = {f.cell_ids[0]: f for f in findings if f.cell_ids}
    assert by_cell["t3.r_open.c_natural"].cell == "D8"
    assert by_cell["t3.r_open.c_natural"].sheet == "三、依申请公开"
    assert "表三 D8（（一）予以公开 / 自然人）" in by_cell["t3.r_open.c_natural"].message
    assert "万元" in by_cell["t2.r_fees.c_fee_amount"].message
    assert any("报告年度" in f.message and "2021" in f.message for f in findings)
    assert any("t9.bogus" in f.message for f in findings)
    assert all(f.code == "schema" and f.message for f in findings)


def test_unknown_format_is_a_finding_not_an_exception():
    (finding,) = validate_document_json({"format": "ogi-1999", "values": {}})
    assert finding.code == "format-unknown"
    assert validate_document_json([1, 2])[0].code == "schema"


def test_money_round_trips_as_exact_decimal_text():
    spec = load_format("2021")
    values = with_totals(spec, dict.fromkeys(spec.input_ids, 0))
    values["t2.r_fees.c_fee_amount"] = Decimal("59237.2449")
    doc = ReturnDocument("ogi-2021", 2024, "X1", "某街道", values)
    data = json.loads(doc.dumps())
    assert data["values"]["t2.r_fees.c_fee_amount"] == "59237.2449"
    back = document_from_json(loads(doc.dumps()))
    assert back.values == doc.values
    # A JSON number is accepted too and becomes an exact Decimal, never a float.
    data["values"]["t2.r_fees.c_fee_amount"] = 0.1
    text = json.dumps(data)
    assert document_from_json(loads(text)).values["t2.r_fees.c_fee_amount"] == Decimal("0.1")


def test_formats_command_lists_both_formats():
    result = runner.invoke(app, ["formats"])
    assert result.exit_code == 0
    assert "国办公开办函〔2019〕60号" in result.stdout and "国办公开办函〔2021〕30号" in result.stdout
    listed = json.loads(runner.invoke(app, ["formats", "--json"]).stdout)
    assert [(f["id"], f["report_years"]) for f in listed] == [
        ("ogi-2019", {"first": 2019, "last": 2020}),
        ("ogi-2021", {"first": 2021, "last": None}),
    ]
    assert [f["id"] for f in listed] == [s.id for s in all_formats()]
    assert [f["cross_year_rules"] for f in listed] == [
        ["X1_t3_carry", "X3_t2_prev_items"],
        ["X1_t3_carry", "X2_t2_in_force"],
    ]
    assert "跨年度核对 2 条" in result.stdout


def test_unknown_format_option_is_a_usage_error():
    result = runner.invoke(app, ["schema", "--format", "1999"])
    assert result.exit_code == 2
    assert "未知的报表格式" in result.stderr


def test_a_malformed_cover_date_is_one_warning_on_its_cell():
    from ogi_xlsx.checks.document import validate_return

    data = loads((ROOT / "examples" / "haibin-2024.json").read_text(encoding="utf-8"))
    data["cover"]["date"] = "2025年1月"
    findings = validate_return(document_from_json(data))
    assert [(f.code, f.severity, f.sheet, f.cell) for f in findings] == [("cover-invalid", "warning", "封面", "B9")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"year": 2024,}', "第 1 行第 15 列：“}”前多了一个逗号"),
        ('{"values": [1, 2,]}', "“]”前多了一个逗号"),
        ("{“format”: 1}", "名称应放在英文双引号"),
        ('{"a": 1 "b": 2}', "缺少英文逗号"),
        ('{"a" 1}', "缺少英文冒号"),
        ('{"a": }', "缺少值"),
        ('{"a": "x', "引号没有闭合"),
        ('{"a": 1}\n{"b": 2}', "第 2 行第 1 列：数据结束后还有多余的内容"),
    ],
)
def test_json_errors_are_explained_in_chinese(text, expected):
    from ogi_xlsx.model.document import describe_json_error, loads

    with pytest.raises(ValueError) as caught:
        loads(text)
    described = describe_json_error(caught.value)
    assert expected in described
    assert not any(word in described for word in ("Expecting", "delimiter", "line", "column"))


def test_undecodable_and_too_deep_json_are_explained():
    from ogi_xlsx.model.document import describe_json_error

    with pytest.raises(UnicodeDecodeError) as bad_bytes:
        b"\xff\xfe{}".decode("utf-8")
    assert "UTF-8" in describe_json_error(bad_bytes.value)
    assert describe_json_error(RecursionError()) == "嵌套层数过多"
