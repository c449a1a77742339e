"""Issue 15: published annual reports (text, HTML, .docx) read into return documents.

Reports are built at test time from known values (tests/published.py), so every assertion
compares what was read with what was printed. PDF and hostile inputs: test_import_pdf.py,
test_import_hostile.py.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import published as P
import pytest
from typer.testing import CliRunner

from ogi_xlsx.cli.main import app
from ogi_xlsx.importer import REPORT_SUFFIXES, import_report
from ogi_xlsx.importer.checks import match_name
from ogi_xlsx.importer.labels import norm, vocabularies
from ogi_xlsx.importer.values import convert_amount, parse_token
from ogi_xlsx.pipeline.check import check_file

SEED = Path("/work/shared/reference/seed-report-2020.txt")
SEED_COPY = Path(__file__).resolve().parents[1] / "fixtures" / "published" / "seed-report-2020.txt"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def codes(findings) -> set[str]:
    return {f.code for f in findings}


def write_html(path: Path, parts, *, charset: str | None = "utf-8", encoding: str = "utf-8") -> Path:
    path.write_bytes(P.to_html(parts, charset=charset).encode(encoding))
    return path


# --------------------------------------------------------------------------- the seed text


def test_the_seed_text_copy_is_read_by_label():
    result = import_report(SEED_COPY)
    doc = result.document
    assert doc is not None
    assert (doc.format, doc.year, doc.unit_name) == ("ogi-2019", 2020, "鲤城区人民政府临江街道办事处")
    v = doc.values
    # the numbers printed in the seed's table 二 (tab-separated, 元 inside the cell)
    assert [v["t2.r_license.c_prev_items"], v["t2.r_license.c_delta"], v["t2.r_license.c_decisions"]] == [1, 1, 87]
    assert [v[f"t2.r_other_services.{c}"] for c in ("c_prev_items", "c_delta", "c_decisions")] == [57, 95, 3600]
    assert v["t2.r_procurement.c_proc_count"] == 15
    assert v["t2.r_procurement.c_proc_amount"] == Decimal(1827190)
    # table 三 is all 0 (rows split over two lines: "4. 保护第三方合" + "法权益" included)
    assert all(v[c] == 0 for c in doc.spec.cell_ids if c.startswith(("t3.", "t4.")))
    assert result.cells_missing == 0 and result.rows_missing == []
    assert set(result.tables) == {"表二", "表三", "表四"}
    assert all("行" in where for where in result.tables.values())
    # table 四 prints 16 zeros under 15 headers: placed only because all are equal, and said so
    assert any(f.code == "import-value-converted" and "都相同" in f.message for f in result.findings)


def test_the_fixture_is_the_reference_seed():
    if SEED.exists():
        assert SEED_COPY.read_bytes() == SEED.read_bytes()


def test_validate_reads_a_published_report_given_directly():
    report = check_file(SEED_COPY)
    assert report.valid, [f.message for f in report.findings if f.severity == "error"]
    assert report.document is not None and report.year == 2020
    assert "import-summary" in codes(report.findings)


# --------------------------------------------------------------------------- HTML


@pytest.mark.parametrize(
    ("charset", "encoding"), [("utf-8", "utf-8"), ("gbk", "gbk"), (None, "gb18030"), ("gb2312", "gb18030")]
)
def test_html_with_merged_headers_in_any_encoding(tmp_path, charset, encoding):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 3)
    parts = P.report_parts(spec, 2023, "泉州市鲤城区海滨街道办事处", values)
    result = import_report(write_html(tmp_path / "r.html", parts, charset=charset, encoding=encoding))
    assert result.document is not None, [f.message for f in result.findings]
    assert result.document.values == values
    assert result.document.unit_name == "泉州市鲤城区海滨街道办事处"
    assert result.cells_read == len(spec.cell_ids) and result.cells_missing == 0


def test_html_table_four_one_row_per_group(tmp_path):
    spec = P.spec_of(2022)
    values = P.sample_values(spec, 5)
    parts = P.report_parts(spec, 2022, "某某局", values, t4_single_row=False)
    doc = import_report(write_html(tmp_path / "r.htm", parts)).document
    assert doc is not None
    assert {k: v for k, v in doc.values.items() if k.startswith("t4")} == {
        k: v for k, v in values.items() if k.startswith("t4")
    }


def test_2019_report_in_html(tmp_path):
    spec = P.spec_of(2020)
    values = P.sample_values(spec, 7)
    parts = P.report_parts(spec, 2020, "某某街道办事处", values)
    result = import_report(write_html(tmp_path / "r.html", parts))
    assert result.document.format == "ogi-2019"
    assert result.document.values == values


# --------------------------------------------------------------------------- .docx


@pytest.mark.slow
def test_hand_made_docx_with_merged_cells(tmp_path):
    spec = P.spec_of(2024)
    values = P.sample_values(spec, 11)
    parts = P.report_parts(spec, 2024, "泉州市鲤城区海滨街道办事处", values)
    path = P.to_docx(parts, tmp_path / "r.docx")
    result = import_report(path)
    assert result.kind == "docx"
    assert result.document.values == values
    assert set(result.tables) == {"表二", "表三", "表四"}
    report = check_file(path)  # a report whose sums are right passes validation
    assert report.valid, [f.message for f in report.findings if f.severity == "error"]


@pytest.mark.slow
def test_2019_other_row_inside_a_2021_report(tmp_path):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 4)
    parts = P.report_parts(spec, 2023, "洪泽区某局", values, other_2019=True)
    result = import_report(P.to_docx(parts, tmp_path / "r.docx"))
    doc = result.document
    assert doc.format == "ogi-2021"
    mixed = [f for f in result.findings if f.code == "import-format-mixed"]
    assert mixed and mixed[0].severity == "info" and "（六）" in mixed[0].message
    for col in ("c_natural", "c_total"):
        assert doc.values[f"t3.r_other_other.{col}"] == values[f"t3.r_other_other.{col}"]
        assert doc.values[f"t3.r_other_nocorrect.{col}"] is None
    assert "t3.r_other_nocorrect" not in " ".join(result.rows_missing)


def test_2019_table_two_inside_a_2021_year_report(tmp_path):
    spec19 = P.spec_of(2020)
    values = P.sample_values(spec19, 2)
    parts = P.report_parts(spec19, 2021, "略阳县某局", values)
    result = import_report(write_html(tmp_path / "r.html", parts))
    doc = result.document
    assert doc.format == "ogi-2021" and doc.year == 2021
    assert any(f.code == "import-format-mixed" and f.severity == "warning" for f in result.findings)
    # the cells both formats have are read (处理决定数量, all of 三 except （六）, 四) ...
    assert doc.values["t2.r_license.c_decisions"] == values["t2.r_license.c_decisions"]
    assert doc.values["t3.r_new.c_natural"] == values["t3.r_new.c_natural"]
    assert doc.values["t3.r_other_other.c_total"] == values["t3.r_other.c_total"]
    # ... and 2021 cells with no 2019 counterpart stay blank instead of taking 2019 numbers
    assert doc.values["t2.r_rules.c_issued"] is None and doc.values["t2.r_fees.c_fee_amount"] is None


# --------------------------------------------------------------------------- values


def test_blank_slash_dash_and_zero_are_kept_apart(tmp_path):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 3)
    printed = {
        "t3.r_new.c_research": "",
        "t3.r_new.c_social": "/",
        "t3.r_new.c_legal": "—",
        "t3.r_new.c_other": "0",
        "t2.r_rules.c_issued": "\u3000",
    }
    parts = P.report_parts(spec, 2023, "某局", values, printed=printed)
    path = write_html(tmp_path / "r.html", parts)
    result = import_report(path)
    v = result.document.values
    assert v["t3.r_new.c_research"] is None and v["t3.r_new.c_social"] is None and v["t3.r_new.c_legal"] is None
    assert v["t3.r_new.c_other"] == 0 and v["t2.r_rules.c_issued"] is None
    assert result.not_applicable == {"t3.r_new.c_social": "/", "t3.r_new.c_legal": "—"}
    blank = next(f for f in result.findings if f.code == "import-blank")
    assert "空白不等于 0" in blank.message and set(blank.cell_ids) >= {"t3.r_new.c_research", "t3.r_new.c_social"}
    report = check_file(path)
    by_cell = {f.cell_ids[0]: f.code for f in report.findings if len(f.cell_ids) == 1}
    assert by_cell["t3.r_new.c_research"] == "value-blank"
    assert by_cell["t3.r_new.c_social"] == "value-not-applicable"


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("+19", "number", 19),
        ("减4", "number", -4),
        ("-417", "number", -417),
        ("1,234", "number", 1234),
        ("２５", "number", 25),
        ("251000元", "number", 251000),
        ("9.63211", "number", Decimal("9.63211")),
        ("43.788万元", "number", Decimal("43.788")),
        (" \u3000", "blank", None),
        ("/", "na", None),
        ("—", "na", None),
        ("无", "na", None),
        ("约10", "bad", None),
    ],
)
def test_value_tokens(text, kind, value):
    token = parse_token(text)
    assert token.kind == kind and token.value == value


def test_money_units_convert_exactly():
    assert convert_amount(251000, "元", "万元") == Decimal("25.1")
    assert convert_amount(Decimal("477.35"), "万元", "元") == Decimal(4773500)
    assert convert_amount(Decimal("9.63211"), "万元", "万元") == Decimal("9.63211")


def test_signed_changes_and_amount_units_in_cells_and_headers(tmp_path):
    spec = P.spec_of(2020)
    values = P.sample_values(spec, 9)
    printed = {
        "t2.r_license.c_delta": "+19",
        "t2.r_penalty.c_delta": "减4",
        "t2.r_procurement.c_proc_amount": "477.35",
        "t2.r_license.c_decisions": "1,087",
    }
    parts = P.report_parts(
        spec, 2020, "越秀区北京街道", values, printed=printed, headers={"c_proc_amount": "采购总金额(万元)"}
    )
    result = import_report(write_html(tmp_path / "r.html", parts))
    v = result.document.values
    assert (v["t2.r_license.c_delta"], v["t2.r_penalty.c_delta"], v["t2.r_license.c_decisions"]) == (19, -4, 1087)
    assert v["t2.r_procurement.c_proc_amount"] == Decimal(4773500)  # 万元 in the header, 元 in the format
    converted = next(f for f in result.findings if f.code == "import-value-converted")
    assert "477.35" in converted.message and "减4" in converted.message


def test_fee_in_yuan_inside_a_wan_yuan_cell(tmp_path):
    spec = P.spec_of(2022)
    values = P.sample_values(spec, 9)
    parts = P.report_parts(spec, 2022, "某局", values, printed={"t2.r_fees.c_fee_amount": "251000元"})
    doc = import_report(write_html(tmp_path / "r.html", parts)).document
    assert doc.values["t2.r_fees.c_fee_amount"] == Decimal("25.1")


def test_a_count_with_a_decimal_or_text_is_not_guessed(tmp_path):
    spec = P.spec_of(2022)
    values = P.sample_values(spec, 9)
    printed = {"t3.r_open.c_natural": "约10", "t3.r_open.c_research": "2.5"}
    parts = P.report_parts(spec, 2022, "某局", values, printed=printed)
    result = import_report(write_html(tmp_path / "r.html", parts))
    bad = [f for f in result.findings if f.code == "import-value-unreadable"]
    assert {f.cell_ids[0] for f in bad} == {"t3.r_open.c_natural", "t3.r_open.c_research"}
    assert all(f.severity == "error" for f in bad)
    assert result.document.values["t3.r_open.c_natural"] is None


# --------------------------------------------------------------------------- totals as printed, sums


def test_a_wrong_printed_total_is_the_reports_error(tmp_path):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 3)
    wrong = values["t3.r_new.c_total"] + 2
    parts = P.report_parts(spec, 2023, "某局", values, printed={"t3.r_new.c_total": str(wrong)})
    path = write_html(tmp_path / "r.html", parts)
    assert import_report(path).document.values["t3.r_new.c_total"] == wrong  # imported as printed
    report = check_file(path)
    assert not report.valid
    sums = [f for f in report.findings if f.code == "sum-mismatch" and "t3.r_new.c_total" in f.cell_ids]
    assert sums and all(f.rule for f in sums)
    assert any(str(wrong) in f.message for f in sums)


def test_a_blank_printed_total_stays_blank(tmp_path):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 3)
    parts = P.report_parts(spec, 2023, "某局", values, printed={"t3.r_open.c_total": ""})
    path = write_html(tmp_path / "r.html", parts)
    result = import_report(path)
    assert result.document.values["t3.r_open.c_total"] is None
    assert "t3.r_open.c_total" in next(f for f in result.findings if f.code == "import-blank").cell_ids
    assert "sum-blank" in codes(check_file(path).findings)


# --------------------------------------------------------------------------- text versus table


def test_text_that_contradicts_its_table(tmp_path):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 3)
    received = values["t3.r_new.c_total"]
    claimed = received + 2
    overview = (
        f"全年共收到政府信息公开申请 {claimed} 件，上年结转 {values['t3.r_carry.c_total']} 件。"
        f"被申请行政复议 {values['t4.r_review.c_total']} 件。"
    )
    parts = P.report_parts(spec, 2023, "某局", values, overview=overview)
    result = import_report(write_html(tmp_path / "r.html", parts))
    mismatches = [f for f in result.findings if f.code == "narrative-mismatch"]
    assert len(mismatches) == 1  # 上年结转 and 行政复议 agree with the tables
    message = mismatches[0].message
    assert f"收到申请 {claimed} 件" in message and f"为 {received} 件" in message and "本年新收" in message
    assert mismatches[0].severity == "warning" and mismatches[0].cell_ids == ("t3.r_new.c_total",)


def test_text_that_agrees_gives_no_warning(tmp_path):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 3)
    overview = f"共收到政府信息公开申请 {values['t3.r_new.c_total']} 件，予以公开 {values['t3.r_open.c_total']} 件。"
    parts = P.report_parts(spec, 2023, "某局", values, overview=overview)
    assert "narrative-mismatch" not in codes(import_report(write_html(tmp_path / "r.html", parts)).findings)


# --------------------------------------------------------------------------- rows and labels


def test_numbers_whose_positions_were_lost_are_not_shifted(tmp_path):
    text = SEED_COPY.read_text(encoding="utf-8").replace("(一) 予以公开\t0\t0\t0\t0\t0\t0\t0", "(一) 予以公开\t3\t1\t4")
    path = tmp_path / "collapsed.txt"
    path.write_text(text, encoding="utf-8")
    result = import_report(path)
    unplaced = [f for f in result.findings if f.code == "import-row-unplaced"]
    assert len(unplaced) == 1 and "予以公开" in unplaced[0].message and "3、1、4" in unplaced[0].message
    assert all(result.document.values[f"t3.r_open.{c}"] is None for c in ("c_natural", "c_commercial", "c_total"))
    assert "表三“（一）予以公开”" in result.rows_missing


@pytest.mark.parametrize(
    ("table", "printed", "expected"),
    [
        ("t3", "（三） 不予公开", None),  # a group label: no row of its own
        ("t3", "1、 属于国家秘密", "t3.r_deny_secret"),
        ("t3", "(二) 部分公开(区分处理的, 只计这一情况, 不计其他情形)", "t3.r_partial"),
        ("t3", "2.其他法律行政止公开", "t3.r_deny_law"),
        ("t3", "5.属于三类内容事务信息", "t3.r_deny_internal"),
        ("t3", "二、上年结转政府信息公开数量", "t3.r_carry"),
        ("t3", "3、其他", "t3.r_other_other"),
        ("t3", "（六）其他处理", "t3.r_other"),
        ("t3", "2.申请人逾期未按收费通知要求缴纳费用，行政机关不再处理其政府信息公开申请", "t3.r_other_nofee"),
        ("t2", "规章(设区的市、自治州人民政府应提供相关数据)", "t2.r_rules"),
        ("t2", "其他主动公开文件", None),
    ],
)
def test_row_label_variants(table, printed, expected):
    from ogi_xlsx.importer.labels import GROUP_LABELS

    match = None if norm(printed) in GROUP_LABELS else vocabularies()[0][table].match(printed)
    assert (match.id if match else None) == expected


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("现行有效件", "t2.c_valid"),
        ("本年(2023)制发件数", "t2.c_issued"),
        ("现行有效件数 (历史累计)", "t2.c_valid"),
        ("本年增/", "t2.c_delta"),
        ("采购项目数", "t2.c_proc_count"),
        ("本年新", None),  # ambiguous: 本年新制作数量 or 本年新公开数量
        ("本年处理绝对数量", "t2.c_decisions"),
    ],
)
def test_column_label_variants(printed, expected):
    match = vocabularies()[1]["t2"].match(printed)
    assert (match.id if match else None) == expected


def test_variant_labels_in_a_report(tmp_path):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 6)
    parts = P.report_parts(
        spec,
        2023,
        "某局",
        values,
        row_labels={"r_deny_law": "2. 其他法律行政止公开", "r_open": "(一) 予以公开"},
        headers={"c_valid": "现行有效件", "c_issued": "本年（2023）制发件数"},
    )
    result = import_report(write_html(tmp_path / "r.html", parts))
    assert result.document.values == values
    assert any(f.code == "import-label-approximate" and "其他法律行政止公开" in f.message for f in result.findings)


# --------------------------------------------------------------------------- identity and refusals


def test_unit_and_year_from_the_title_or_given(tmp_path):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 6)
    parts = P.report_parts(spec, 2023, "", values, title="2023年度某某镇人民政府政府信息公开工作年度报告")
    path = write_html(tmp_path / "r.html", parts)
    doc = import_report(path).document
    assert (doc.unit_name, doc.year) == ("某某镇人民政府", 2023)
    given = import_report(path, unit_name="甲镇", unit_code="U9", year=2023).document
    assert (given.unit_name, given.unit_code) == ("甲镇", "U9")


def test_no_year_anywhere_is_an_error_not_a_guess(tmp_path):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 6)
    parts = [
        p
        for p in P.report_parts(spec, 2023, "", values, title="年度报告")
        if not (isinstance(p, str) and "统计期限" in p)
    ]
    result = import_report(write_html(tmp_path / "r.html", parts))
    assert result.document is None
    assert any(f.code == "import-identity" and f.severity == "error" and "--year" in f.message for f in result.findings)
    assert import_report(tmp_path / "r.html", year=2023).document.values == values


@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_doc_and_wps_are_refused_with_what_to_do(tmp_path, suffix):
    path = tmp_path / f"报告{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    result = import_report(path)
    assert result.document is None and [f.code for f in result.findings] == ["report-unsupported"]
    assert "另存为 .docx" in result.findings[0].message
    report = check_file(path)
    assert not report.valid and "另存为 .docx" in report.findings[0].message


def test_a_page_without_the_tables(tmp_path):
    path = tmp_path / "r.html"
    path.write_text("<html><body><p>某某街道2023年政府信息公开工作年度报告</p><img src='t.png'></body></html>")
    result = import_report(path)
    assert [f.code for f in result.findings] == ["report-no-tables"]
    assert "带文字的 PDF" in result.findings[0].message and "图片" in result.findings[0].message


def test_report_suffixes():
    assert {".pdf", ".docx", ".html", ".htm", ".txt", ".doc", ".wps"} == REPORT_SUFFIXES


def test_unit_names_match_by_suffix_only_when_unique():
    roster = {"U1": "临江街道办事处", "U2": "海滨街道办事处", "U3": "鲤城区人民政府"}
    assert match_name("鲤城区人民政府临江街道办事处", roster) == "U1"
    assert match_name("海滨街道办事处", roster) == "U2"
    assert match_name("办事处", roster) is None
    assert match_name("金龙街道办事处", roster) is None
    assert match_name("鲤城区人民政府临江街道办事处", {"A": "临江街道", "B": "海滨街道"}) == "A"
    assert match_name("临江街道办事处", {"A": "鲤城区临江街道", "B": "丰泽区临江街道"}) is None


# --------------------------------------------------------------------------- the command


def test_import_command_writes_the_export_json(tmp_path):
    out = tmp_path / "seed.json"
    result = invoke("import", SEED_COPY, "-o", out, "--unit-code", "350502001")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["unit"] == {"code": "350502001", "name": "鲤城区人民政府临江街道办事处"}
    assert data["values"]["t2.r_other_services.c_decisions"] == 3600
    assert "从文本读取" in result.output  # the import's findings (stderr is mixed into output here)
    # the written document is a valid return: validate reads it back the same
    report = check_file(out)
    assert report.valid and report.document.values["t2.r_procurement.c_proc_amount"] == Decimal(1827190)
    again = invoke("import", SEED_COPY, "-o", out)
    assert again.exit_code == 2 and "--force" in again.output


def test_import_command_folder_output_json_and_exit_codes(tmp_path):
    bad = tmp_path / "old.doc"
    bad.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    outdir = tmp_path / "out"
    result = invoke("import", SEED_COPY, bad, "-d", outdir, "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert [Path(item["path"]).name for item in payload] == [SEED_COPY.name, "old.doc"]
    assert payload[0]["valid"] and payload[0]["cells"]["missing"] == 0 and payload[0]["tables"]["表三"]
    assert not payload[1]["valid"] and payload[1]["document"] is None
    assert (outdir / "seed-report-2020.json").exists() and not (outdir / "old.json").exists()
    assert invoke("import", SEED_COPY, bad).exit_code == 2  # several reports need -d
    assert invoke("import", tmp_path / "missing.pdf").exit_code == 2
    assert invoke("import", SEED_COPY, "--format", "2018").exit_code == 2


# --------------------------------------------------------------------------- cross-year with published reports


def _this_year(tmp_path: Path, carry: dict[str, int], *, code="350502001", name="临江街道办事处") -> Path:
    from ogi_xlsx.model.document import ReturnDocument

    spec = P.spec_of(2021)
    values = P.sample_values(spec, 1)
    for col, value in carry.items():
        values[f"t3.r_carry.{col}"] = value
    from ogi_xlsx.checks.rules import with_totals

    values = with_totals(spec, {k: values[k] for k in spec.input_ids})
    doc = ReturnDocument(
        spec.id,
        2021,
        code,
        name,
        values,
        cover={"preparer": "张三", "phone": "1", "reviewer": "李四", "date": "2022-01-10"},
    )
    path = tmp_path / "this" / "r.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(doc.dumps(), encoding="utf-8")
    return path


def _last_year_folder(tmp_path: Path) -> tuple[Path, dict]:
    spec = P.spec_of(2020)
    values = P.sample_values(spec, 8)
    folder = tmp_path / "published-2020"
    folder.mkdir()
    parts = P.report_parts(spec, 2020, "鲤城区人民政府临江街道办事处", values)
    write_html(folder / "临江.html", parts)
    return folder, values


def test_validate_previous_reads_a_folder_of_published_reports(tmp_path):
    folder, last = _last_year_folder(tmp_path)
    carry = {
        c: last[f"t3.r_carry_next.{c}"]
        for c in ("c_natural", "c_commercial", "c_research", "c_social", "c_legal", "c_other")
    }
    good = _this_year(tmp_path, carry)
    result = invoke("validate", good, "--previous", folder, "--json")
    findings = json.loads(result.stdout)["files"][0]["findings"]
    named = [f for f in findings if f["code"] == "cross-year-by-name"]
    assert named and "临江.html" in named[0]["message"] and "临江街道办事处" in named[0]["message"]
    assert not [f for f in findings if f["code"] in ("cross-year-mismatch", "cross-year-missing")]

    carry["c_natural"] += 1
    bad = _this_year(tmp_path, carry)
    result = invoke("validate", bad, "--previous", folder, "--json")
    findings = json.loads(result.stdout)["files"][0]["findings"]
    mismatch = [f for f in findings if f["code"] == "cross-year-mismatch"]
    assert mismatch and any("t3.r_carry.c_natural" in f["cell_ids"] for f in mismatch)


def test_merge_previous_reads_published_reports(tmp_path):
    folder, last = _last_year_folder(tmp_path)
    carry = {
        c: last[f"t3.r_carry_next.{c}"]
        for c in ("c_natural", "c_commercial", "c_research", "c_social", "c_legal", "c_other")
    }
    same = invoke(
        "merge", _this_year(tmp_path, carry), "--previous", folder, "-o", tmp_path / "a.xlsx", "--year", "2021"
    )
    assert "不衔接" not in same.output
    carry["c_natural"] += 1
    off = invoke(
        "merge", _this_year(tmp_path, carry), "--previous", folder, "-o", tmp_path / "b.xlsx", "--year", "2021"
    )
    assert "跨年度核对：1 份报表与上年度报表不衔接" in off.output


def test_a_table_split_in_two_with_its_header_repeated(tmp_path):
    spec = P.spec_of(2023)
    values = P.sample_values(spec, 12)
    parts = P.report_parts(spec, 2023, "某局", values)
    at = next(i for i, p in enumerate(parts) if isinstance(p, list) and "勾稽关系" in p[0][0][0])
    table = parts[at]
    head, first, rest = table[:3], table[3:12], table[12:]
    # cut after nine data rows (inside the merged （三）不予公开 group), a page number between, header repeated
    parts[at : at + 1] = [head + first, "-3-", head + rest]
    result = import_report(write_html(tmp_path / "r.html", parts))
    t3 = {k: v for k, v in result.document.values.items() if k.startswith("t3")}
    assert t3 == {k: v for k, v in values.items() if k.startswith("t3")}
    assert not [f for f in result.findings if f.code in ("import-row-duplicate", "import-row-unknown")]


def test_published_reports_with_a_roster_get_their_codes_by_name(tmp_path):
    spec = P.spec_of(2023)
    for i, name in enumerate(["临江街道办事处", "海滨街道办事处"]):
        parts = P.report_parts(spec, 2023, "鲤城区人民政府" + name, P.sample_values(spec, i))
        write_html(tmp_path / f"{i}.html", parts)
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称\nU1,临江街道\nU2,海滨街道\n", encoding="utf-8")
    result = invoke("validate", tmp_path / "0.html", tmp_path / "1.html", "--roster", roster, "--json")
    files = json.loads(result.stdout)["files"]
    assert [f["unit"]["code"] for f in files] == ["U1", "U2"]
    assert result.exit_code == 0, [x["message"] for f in files for x in f["findings"] if x["severity"] == "error"]
    assert "unit-mismatch" not in {x["code"] for f in files for x in f["findings"]}
    shown = [x["message"] for x in files[0]["findings"] if x["code"] == "cross-year-by-name"]
    assert shown and "临江街道" in shown[0] and "U1" in shown[0]


def test_2021_tables_inside_a_2020_report(tmp_path):
    spec21 = P.spec_of(2023)
    values = P.sample_values(spec21, 14)
    parts = P.report_parts(spec21, 2020, "某某局", values)
    result = import_report(write_html(tmp_path / "r.html", parts))
    doc = result.document
    assert doc.format == "ogi-2019" and doc.year == 2020
    subs = ("nocorrect", "nofee", "other")
    for col in ("c_natural", "c_total"):
        assert doc.values[f"t3.r_other.{col}"] == sum(values[f"t3.r_other_{s}.{col}"] for s in subs)
    assert doc.values["t2.r_license.c_decisions"] == values["t2.r_license.c_decisions"]
    assert doc.values["t2.r_procurement.c_proc_count"] is None
    dropped = [f for f in result.findings if f.code == "import-format-mixed" and "另一种格式" in f.message]
    assert dropped and "本年制发件数" in dropped[0].message


def _reshaped_seed(shape: str) -> str:
    """The seed's tab-separated tables as another text shape of the same HTML table."""
    out = []
    for line in SEED_COPY.read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            out.append(line)
            continue
        cells = line.split("\t")
        while cells and not cells[-1].strip():
            cells.pop()
        if shape == "cell-per-line":
            out += [f"{cell} |" for cell in cells]
        else:  # pipe rows
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


@pytest.mark.parametrize("shape", ["cell-per-line", "pipes"])
def test_other_text_shapes_of_the_same_tables(tmp_path, shape):
    path = tmp_path / f"{shape}.txt"
    path.write_text(_reshaped_seed(shape), encoding="utf-8")
    result = import_report(path)
    assert result.document.values == import_report(SEED_COPY).document.values
    assert result.cells_missing == 0


def test_a_vanished_blank_cell_in_a_cell_per_line_copy(tmp_path):
    text = _reshaped_seed("cell-per-line").replace("(一) 予以公开 |\n0 |\n", "(一) 予以公开 |\n", 1)
    path = tmp_path / "lost.txt"
    path.write_text(text, encoding="utf-8")
    result = import_report(path)
    assert [f for f in result.findings if f.code == "import-row-unplaced" and "予以公开" in f.message]
    assert result.document.values["t3.r_open.c_natural"] is None


def test_units_typed_after_counts_are_said_and_page_numbers_are_not_rows(tmp_path):
    text = SEED_COPY.read_text(encoding="utf-8")
    text = text.replace("行政许可\t1\t1\t87", "行政许可\t1\t1\t87件")
    text = text.replace("\t\t5. 属于三类内部事务信息", "— 3 —\n\t\t5. 属于三类内部事务信息")
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    result = import_report(path)
    assert result.document.values["t2.r_license.c_decisions"] == 87
    converted = next(f for f in result.findings if f.code == "import-value-converted" and "87件" in f.message)
    assert "→ 87" in converted.message
    assert not [f for f in result.findings if f.code in ("import-row-unknown", "import-row-unplaced")]


def test_a_row_printed_twice_with_other_numbers(tmp_path):
    text = SEED_COPY.read_text(encoding="utf-8").replace("行政处罚\t0\t1\t0", "行政处罚\t0\t1\t0\n行政处罚\t5\t1\t0")
    path = tmp_path / "twice.txt"
    path.write_text(text, encoding="utf-8")
    result = import_report(path)
    assert result.document.values["t2.r_penalty.c_prev_items"] == 0  # the first, and said so
    twice = [f for f in result.findings if f.code == "import-row-duplicate"]
    assert len(twice) == 1 and "行政处罚" in twice[0].message and twice[0].severity == "warning"


def test_a_mirror_copy_in_traditional_characters(tmp_path):
    from ogi_xlsx.importer.labels import _SIMPLIFIED, _TRADITIONAL

    to_traditional = str.maketrans(_SIMPLIFIED, _TRADITIONAL)
    spec = P.spec_of(2020)
    values = P.sample_values(spec, 17)
    page = P.to_html(P.report_parts(spec, 2020, "某某街道办事处", values)).translate(to_traditional)
    assert "結轉下年度繼續辦理" in page and "主動公開政府信息情況" in page  # really traditional
    path = tmp_path / "mirror.html"
    path.write_text(page, encoding="utf-8")
    result = import_report(path)
    assert result.document.values == values
    assert (result.document.year, result.document.unit_name) == (2020, "某某街道办事处")


# --------------------------------------------------------------------------- the portal's previous-year upload


def test_the_portal_reads_last_years_published_report(tmp_path):
    """A published report among the portal's 上年度 files: read (stored without its name), matched
    to the unit by name (shown to the unit), and the cross-year checks run."""
    import portal_kit as K
    from starlette.testclient import TestClient

    from ogi_xlsx.checks.rules import with_totals
    from ogi_xlsx.portal.app import create_app

    this_year = K.example_values("U01")
    spec = P.spec_of(2023)
    last = P.sample_values(spec, 30)
    for col in ("c_natural", "c_commercial", "c_research", "c_social", "c_legal", "c_other"):
        last[f"t3.r_carry_next.{col}"] = this_year[f"t3.r_carry.{col}"] or 0
    last["t3.r_carry_next.c_natural"] += 5  # last year carried 5 more over than U01 took over
    last = with_totals(spec, {k: last[k] for k in spec.input_ids})
    previous = tmp_path / "上年"
    previous.mkdir()
    write_html(previous / "甲街道2023年报.html", P.report_parts(spec, 2023, "鲤城区人民政府甲街道办事处", last))
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称\nU01,甲街道办事处\nU02,乙街道办事处\n", encoding="utf-8")
    data = tmp_path / "d"
    created = invoke(
        "portal", "create", "--data", data, "--year", "2024", "--roster", roster, "--previous", previous, "--json"
    )
    assert created.exit_code == 0, created.output
    links = {u["code"]: u["link"] for u in json.loads(created.stdout)["units"]}
    with TestClient(create_app(data)) as client:
        page = client.post(
            links["U01"] + "/upload",
            data={"csrf": K.csrf_of(client.get(links["U01"]).text)},
            files={"file": ("a.xlsx", K.return_bytes("U01"))},
        )
    assert "与上年度报表不衔接" in page.text
    assert "按单位名称" in page.text and "甲街道办事处" in page.text


@pytest.mark.slow
def test_published_report_suffix_from_the_content(tmp_path):
    from ogi_xlsx.api import published_report_suffix

    spec = P.spec_of(2023)
    parts = P.report_parts(spec, 2023, "某局", P.sample_values(spec, 1))
    blobs = {
        "a": (P.to_html(parts).encode("utf-8"), ".html"),
        "b": (P.to_docx(parts, tmp_path / "x.docx").read_bytes(), ".docx"),
        "c": (P.scanned_pdf(), ".pdf"),
        "d": (SEED_COPY.read_bytes(), ".txt"),
        "e": (import_report(SEED_COPY).document.dumps().encode("utf-8"), None),  # a JSON return
        "f": ((Path(__file__).resolve().parents[1] / "golden" / "haibin-2024-return.xlsx").read_bytes(), None),
    }
    for name, (data, expected) in blobs.items():
        (tmp_path / name).write_bytes(data)
        assert published_report_suffix(tmp_path / name) == expected, name
