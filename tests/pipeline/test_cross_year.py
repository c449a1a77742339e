"""Cross-year checks (X1 …): this year's return against the same unit's return of the year before."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ogi_xlsx.checks.rules import check_cross_year, with_totals
from ogi_xlsx.model.document import document_from_json, loads
from ogi_xlsx.model.spec import FormatError, build_spec, load_format
from ogi_xlsx.pipeline.cross_year import cross_year_findings
from ogi_xlsx.pipeline.report import FileReport

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SPEC = load_format("2021")
COLS = ("c_natural", "c_commercial", "c_research", "c_social", "c_legal", "c_other")


def _values(spec, **inputs) -> dict:
    values = {cid: (Decimal(0) if spec.cells[cid].type == "amount" else 0) for cid in spec.input_ids}
    values.update(inputs)
    return with_totals(spec, values)


def test_carried_over_applications_must_meet_last_years():
    last = _values(SPEC, **{"t3.r_carry_next.c_natural": 3, "t3.r_carry_next.c_legal": 1})
    this = _values(SPEC, **{"t3.r_carry.c_natural": 3, "t3.r_carry.c_legal": 1})
    assert check_cross_year(SPEC, this, last, previous_year=2023) == []
    this["t3.r_carry.c_natural"] = 1
    this = with_totals(SPEC, this)
    findings = check_cross_year(SPEC, this, last, previous_year=2023)
    assert [(f.code, f.rule, f.cell, f.severity) for f in findings] == [
        ("cross-year-mismatch", "X1_t3_carry", "D7", "query"),  # 自然人
        ("cross-year-mismatch", "X1_t3_carry", "J7", "query"),  # 总计
    ]
    first = findings[0]
    assert "本年“二、上年结转”为 1" in first.message and "2023 年度报表“四、结转下年度继续办理”为 3" in first.message
    assert "相差 -2" in first.message and first.args["previous_cells"] == {"t3.r_carry_next.c_natural": 3}


def test_documents_in_force_follow_from_last_year():
    last = _values(SPEC, **{"t2.r_rules.c_valid": 10})
    this = _values(SPEC, **{"t2.r_rules.c_issued": 3, "t2.r_rules.c_repealed": 1, "t2.r_rules.c_valid": 12})
    assert check_cross_year(SPEC, this, last, previous_year=2023) == []
    this["t2.r_rules.c_valid"] = 11
    (finding,) = check_cross_year(SPEC, this, last, previous_year=2023)
    assert finding.rule == "X2_t2_in_force" and finding.cell_ids == (
        "t2.r_rules.c_valid",
        "t2.r_rules.c_repealed",
        "t2.r_rules.c_issued",
    )


def test_last_year_in_the_old_format_checks_what_both_formats_have():
    """2020 (2019 format) -> 2021: 上年结转 is compared; 现行有效件数 has no 2019 counterpart and is skipped."""
    old = load_format("2019")
    last = _values(old, **{"t3.r_carry_next.c_other": 2})
    this = _values(SPEC, **{"t2.r_rules.c_valid": 99})
    findings = check_cross_year(SPEC, this, last, previous_year=2020)
    assert {f.rule for f in findings} == {"X1_t3_carry"} and {f.cell for f in findings} == {"I7", "J7"}


def test_2019_items_of_last_year_plus_change():
    old = load_format("2019")
    last = _values(old, **{"t2.r_license.c_prev_items": 10, "t2.r_license.c_delta": -3})
    this = _values(old, **{"t2.r_license.c_prev_items": 7})
    assert check_cross_year(old, this, last, previous_year=2019) == []
    this["t2.r_license.c_prev_items"] = 10
    (finding,) = check_cross_year(old, this, last, previous_year=2019)
    assert finding.rule == "X3_t2_prev_items" and "相差 3" in finding.message


def test_a_cross_year_rule_naming_an_unknown_cell_is_refused():
    raw = copy.deepcopy(SPEC.definition)
    raw["cross_year_rules"][0]["rhs"] = ["previous:t3.r_nonexistent.{c}"]
    with pytest.raises(FormatError, match="cross-year rule X1_t3_carry"):
        build_spec(raw)


def _report(name: str, code: str, year: int, **inputs) -> FileReport:
    report = FileReport(path=Path(name), sha256="", size=0, mtime=0.0)
    doc = document_from_json(loads((EXAMPLES / "haibin-2024.json").read_text(encoding="utf-8")))
    doc.unit_code, doc.year = code, year
    doc.values = _values(SPEC, **inputs)
    report.document = doc
    return report


def test_matching_by_unit_and_year():
    this = [
        _report("a.xlsx", "A", 2024, **{"t3.r_carry.c_natural": 2}),
        _report("b.xlsx", "B", 2024),
        _report("c.xlsx", "C", 2024),
        FileReport(path=Path("broken.xlsx"), sha256="", size=0, mtime=0.0),
    ]
    last = [
        _report("a-2023.xlsx", "A", 2023, **{"t3.r_carry_next.c_natural": 5}),
        _report("a-2023-copy.xlsx", "A", 2023, **{"t3.r_carry_next.c_natural": 5}),  # same numbers: one return
        _report("a-2022.xlsx", "A", 2022),  # not last year
        _report("c-1.xlsx", "C", 2023),
        _report("c-2.xlsx", "C", 2023, **{"t3.r_carry_next.c_other": 1}),  # differs from c-1
    ]
    a, b, c, broken = cross_year_findings(this, last)
    assert {f.code for f in a} == {"cross-year-mismatch"} and all(f.args["previous_year"] == 2023 for f in a)
    assert [f.code for f in b] == ["cross-year-missing"] and "（B）2023 年度" in b[0].message
    assert [f.code for f in c] == ["cross-year-ambiguous"] and "c-1.xlsx、c-2.xlsx" in c[0].message
    assert broken == []


def _two_years(tmp_path: Path) -> None:
    """tmp/2024/haibin.xlsx and tmp/2023/haibin.xlsx, where last year carried 2 more applications over."""
    doc = json.loads((EXAMPLES / "haibin-2024.json").read_text(encoding="utf-8"))
    last = copy.deepcopy(doc)
    last["year"] = 2023
    for key, value in doc["values"].items():
        if key.startswith("t3.r_carry."):
            last["values"][key.replace("t3.r_carry.", "t3.r_carry_next.")] = value
            if key.endswith(".c_natural"):  # last year carried 2 more over (kept in balance by 2 more new ones)
                last["values"]["t3.r_carry_next.c_natural"] = (value or 0) + 2
                last["values"]["t3.r_new.c_natural"] = (last["values"]["t3.r_new.c_natural"] or 0) + 2
    (tmp_path / "last.json").write_text(json.dumps(last, ensure_ascii=False), encoding="utf-8")
    for folder, source in (("2024", EXAMPLES / "haibin-2024.json"), ("2023", tmp_path / "last.json")):
        (tmp_path / folder).mkdir()
        subprocess.run(
            [sys.executable, "-m", "ogi_xlsx", "fill", str(source), "-o", str(tmp_path / folder / "haibin.xlsx")],
            check=False,
            capture_output=True,
        )


@pytest.mark.slow
def test_validate_previous_on_the_command_line(tmp_path):
    _two_years(tmp_path)

    def validate(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "ogi_xlsx", "validate", str(tmp_path / "2024"), "--no-cache", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    plain = validate("--json")
    assert plain.returncode == 0
    assert not [f for f in json.loads(plain.stdout)["files"][0]["findings"] if f["code"].startswith("cross-year")]
    checked = validate("--json", "--previous", str(tmp_path / "2023"))
    assert checked.returncode == 1  # a query (核实) nobody explained: 待补正
    findings = json.loads(checked.stdout)["files"][0]["findings"]
    crossed = [f for f in findings if f["code"] == "cross-year-mismatch"]
    assert {f["cell"] for f in crossed if f["rule"] == "X1_t3_carry"} == {"D7", "J7"}
    assert {f["severity"] for f in crossed} == {"query"}
    relaxed = validate("--json", "--previous", str(tmp_path / "2023"), "--queries-as-warnings")
    assert relaxed.returncode == 0  # the old behaviour: warnings only, the return passes
    assert {
        f["severity"] for f in json.loads(relaxed.stdout)["files"][0]["findings"] if f["rule"] == "X1_t3_carry"
    } == {"warning"}
    text = validate("--previous", str(tmp_path / "2023"))
    assert "2023年度报表“四、结转下年度继续办理”" in text.stdout.replace("\n", "").replace(" ", "")
    missing = validate("--previous", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "--previous" in missing.stderr


@pytest.mark.slow
def test_merge_previous_lists_the_mismatches_in_the_status_sheet(tmp_path):
    import openpyxl

    from ogi_xlsx.writing.summary import STATUS_SHEET

    _two_years(tmp_path)
    out = tmp_path / "summary.xlsx"
    run = subprocess.run(
        [
            *(sys.executable, "-m", "ogi_xlsx", "merge", str(tmp_path / "2024"), "-o", str(out), "--no-cache"),
            *("--previous", str(tmp_path / "2023"), "--unit-name", "某区", "--unit-code", "D1"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr  # an unexplained query: 待补正, the summary is incomplete
    assert "跨年度核对：1 份报表与上年度报表不衔接" in run.stdout and "待补正" in run.stdout
    sheet = openpyxl.load_workbook(out)[STATUS_SHEET]
    notes = [row[7] for row in sheet.iter_rows(values_only=True) if row[1] == "LC002"]
    assert len(notes) == 1 and "核实（未说明）：" in notes[0]
    assert "2023 年度报表“四、结转下年度继续办理”为 3" in notes[0]
    # --queries-as-warnings: the old behaviour, listed as warnings that do not hold the unit back
    run = subprocess.run(
        [
            *(sys.executable, "-m", "ogi_xlsx", "merge", str(tmp_path / "2024"), "-o", str(out), "--no-cache"),
            *("--previous", str(tmp_path / "2023"), "--unit-name", "某区", "--unit-code", "D1"),
            *("--queries-as-warnings", "--force"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    sheet = openpyxl.load_workbook(out)[STATUS_SHEET]
    notes = [row[7] for row in sheet.iter_rows(values_only=True) if row[1] == "LC002"]
    assert len(notes) == 1 and "警告：" in notes[0] and "为 3" in notes[0]
