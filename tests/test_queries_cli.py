"""Queries end to end on the command line: a cross-year mismatch unexplained (待补正) → explained
well in the 情况说明 sheet (passes, the explanation in the summary) → explained with boilerplate
(still 待补正, with guidance); the annotated copy's pre-filled 情况说明 through LibreOffice; the
settings file; export/fill keeping explanations."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ogi_xlsx.explanation_sheet import EXPLANATION_SHEET, HEADER_ROW

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOOD_X1 = "上年报表误把 2 件已于 12 月 30 日答复的申请计入了结转，本年按实际结转 1 件填报"


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ogi_xlsx", *args], capture_output=True, text=True, timeout=180, cwd=cwd
    )


def _two_years(tmp_path: Path, explanations: list[dict] | None = None) -> tuple[Path, Path]:
    """2024/haibin.xlsx (with ``explanations`` in its 情况说明) and 2023/haibin.xlsx, where last year
    carried 2 more applications into 2024 than 2024 says it received: X1 on 自然人 and 总计."""
    doc = json.loads((EXAMPLES / "haibin-2024.json").read_text(encoding="utf-8"))
    last = copy.deepcopy(doc)
    last["year"] = 2023
    for key, value in doc["values"].items():
        if key.startswith("t3.r_carry."):
            last["values"][key.replace("t3.r_carry.", "t3.r_carry_next.")] = value
    last["values"]["t3.r_carry_next.c_natural"] += 2
    last["values"]["t3.r_carry_next.c_total"] += 2
    last["values"]["t3.r_new.c_natural"] += 2
    last["values"]["t3.r_new.c_total"] += 2
    last["values"]["t2.r_normdocs.c_valid"] = 2  # 2 + 1 issued = 3 in force now: X2 holds
    this = copy.deepcopy(doc)
    if explanations:
        this["explanations"] = explanations
    folders = []
    for year, data in (("2024", this), ("2023", last)):
        folder = tmp_path / year
        folder.mkdir(exist_ok=True)
        source = tmp_path / f"{year}.json"
        source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        target = folder / "haibin.xlsx"
        target.unlink(missing_ok=True)
        filled = _run("fill", str(source), "-o", str(target))
        assert filled.returncode == 0, filled.stderr
        folders.append(folder)
    return folders[0], folders[1]


def _validate(this: Path, last: Path, *extra: str) -> tuple[int, dict]:
    run = _run("validate", str(this), "--previous", str(last), "--json", "--no-cache", *extra)
    return run.returncode, json.loads(run.stdout)["files"][0]


def _merge(tmp_path: Path, this: Path, last: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    out, js = tmp_path / "汇总表.xlsx", tmp_path / "汇总表.json"
    run = _run(
        *("merge", str(this), "--previous", str(last), "-o", str(out), "--json", str(js), "--force", "--no-cache"),
        *("--unit-name", "某区", "--unit-code", "D1", *extra),
    )
    return run, json.loads(js.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_a_cross_year_query_unexplained_then_explained_then_boilerplate(tmp_path):
    import openpyxl

    from ogi_xlsx.summary import STATUS_SHEET

    # 1. unexplained: 待补正 (exit 1), not summed
    this, last = _two_years(tmp_path)
    code, report = _validate(this, last)
    assert code == 1 and report["valid"] is False
    queries = [f for f in report["findings"] if f["severity"] == "query"]
    assert {(f["rule"], f["cell"]) for f in queries} == {("X1_t3_carry", "D7"), ("X1_t3_carry", "J7")}
    run, summary = _merge(tmp_path, this, last)
    assert run.returncode == 1 and "有未说明的核实项（待补正）" in run.stdout
    assert summary["units"][0]["status"] == "invalid"

    # 2. explained well in the 情况说明 sheet (the rule only: both columns): passes, summed, listed
    this, last = _two_years(tmp_path, [{"rule": "X1", "cell": "", "text": GOOD_X1}])
    code, report = _validate(this, last)
    assert code == 0 and report["valid"] is True
    assert {f["explanation"] for f in report["findings"] if f["severity"] == "query"} == {GOOD_X1}
    assert report["explanations"] == [{"rule": "X1", "cell": "", "text": GOOD_X1}]
    run, summary = _merge(tmp_path, this, last)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "核实项 2 个，已说明 2 个。" in run.stdout
    (unit,) = summary["units"]
    assert unit["status"] == "merged"
    assert [(e["rule"], e["cell"], e["explanation"]) for e in unit["explanations"]] == [
        ("X1_t3_carry", "D7", GOOD_X1),
        ("X1_t3_carry", "J7", GOOD_X1),
    ]
    rows = list(openpyxl.load_workbook(tmp_path / "汇总表.xlsx")[STATUS_SHEET].iter_rows(values_only=True))
    listed = [r for r in rows if r[3] == "X1_t3_carry"]
    assert [r[4] for r in listed] == ["表三 D7", "表三 J7"] and all(GOOD_X1 in r[5] for r in listed)
    assert listed[0][1:3] == ("LC002", "鲤城区人民政府海滨街道办事处")

    # 3. boilerplate: still 待补正, with the guidance
    this, last = _two_years(tmp_path, [{"rule": "X1", "cell": "表三 D7", "text": "经核实，数据无误。"}])
    code, report = _validate(this, last)
    assert code == 1 and report["valid"] is False
    (refused,) = [f for f in report["findings"] if f["code"] == "explanation-rejected"]
    assert "只说核实过、数据无误，没有说明原因" in refused["message"] and "例如：" in refused["message"]
    text = _run("validate", str(this), "--previous", str(last), "--no-cache")
    assert "需核实" in text.stdout and "1 条说明未被接受" in text.stderr


@pytest.mark.slow
def test_queries_as_warnings_and_the_settings_file(tmp_path):
    this, last = _two_years(tmp_path)
    code, report = _validate(this, last, "--queries-as-warnings")
    assert code == 0 and {f["severity"] for f in report["findings"] if f["rule"] == "X1_t3_carry"} == {"warning"}
    settings = tmp_path / "设置.toml"
    settings.write_text("queries_as_warnings = true\n", encoding="utf-8")
    assert _validate(this, last, "--settings", str(settings))[0] == 0
    settings.write_text("[rules.X1_t3_carry]\nenabled = false\n", encoding="utf-8")
    code, report = _validate(this, last, "--settings", str(settings))
    assert code == 0 and not [f for f in report["findings"] if f["rule"] == "X1_t3_carry"]
    # a threshold: a 街道 with more than 5 new applications is asked about (haibin has 6)
    settings.write_text("[rules.P1_t3_applications_max]\nmax = 5\n", encoding="utf-8")
    run = _run("validate", str(this), "--json", "--no-cache", "--settings", str(settings))
    assert run.returncode == 1
    assert [f["rule"] for f in json.loads(run.stdout)["files"][0]["findings"] if f["severity"] == "query"] == [
        "P1_t3_applications_max"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[rules.P1_t3_applications_max\nmax = 5\n", "TOML 格式错误"),
        ("[rules.P9_nothing]\nmax = 5\n", "没有这条规则"),
        ("[rules.P1_t3_applications_max]\nmax = -1\n", "阈值不能为负数"),
    ],
)
def test_a_bad_settings_file_is_a_usage_error(tmp_path, text, expected):
    settings = tmp_path / "设置.toml"
    settings.write_text(text, encoding="utf-8")
    for command in (
        ("validate", str(EXAMPLES / "haibin-2024.json"), "--settings", str(settings)),
        ("merge", str(EXAMPLES / "haibin-2024.json"), "-o", str(tmp_path / "s.xlsx"), "--settings", str(settings)),
    ):
        run = _run(*command)
        assert run.returncode == 2, run.stderr
        assert expected in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "s.xlsx").exists()


def test_a_missing_settings_file_is_a_usage_error(tmp_path):
    run = _run("validate", str(EXAMPLES / "haibin-2024.json"), "--settings", str(tmp_path / "无.toml"))
    assert run.returncode == 2 and "无法读取" in run.stderr


@pytest.mark.slow
def test_fill_and_export_keep_the_explanations(tmp_path):
    doc = json.loads((EXAMPLES / "haibin-2024.json").read_text(encoding="utf-8"))
    doc["explanations"] = [{"rule": "Y1", "cell": "表三 J6", "text": "本年因征收项目集中申请较多，共 27 件"}]
    source = tmp_path / "in.json"
    source.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert _run("fill", str(source), "-o", str(tmp_path / "r.xlsx")).returncode == 0
    exported = _run("export", str(tmp_path / "r.xlsx"))
    # the explanation answers no query of this return: exported all the same, told as a note
    assert json.loads(exported.stdout)["explanations"] == doc["explanations"]
    report = json.loads(_run("validate", str(tmp_path / "r.xlsx"), "--json", "--no-cache").stdout)["files"][0]
    assert [f["code"] for f in report["findings"] if f["severity"] == "info"] == ["explanation-unmatched"]
    assert report["valid"] is True


@pytest.mark.slow
@pytest.mark.libreoffice
def test_the_annotated_copy_prefills_the_sheet_and_survives_libreoffice(tmp_path, libreoffice):
    """validate --annotate → the copy lists the open queries in 情况说明 → the clerk writes the reason
    (here with openpyxl) and saves in LibreOffice → the copy passes and the merge carries the reason."""
    import openpyxl

    this, last = _two_years(tmp_path)
    annotated = tmp_path / "annotated"
    run = _run("validate", str(this), "--previous", str(last), "--annotate", str(annotated), "--no-cache")
    assert run.returncode == 1
    (copy_path,) = annotated.glob("*.xlsx")
    wb = openpyxl.load_workbook(copy_path)
    ws = wb[EXPLANATION_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=HEADER_ROW + 2, max_row=HEADER_ROW + 3)]
    assert [(r[1], r[2]) for r in rows] == [("X1_t3_carry", "表三 D7"), ("X1_t3_carry", "表三 J7")]
    assert all("结转下年度继续办理" in r[3] and r[4] is None for r in rows)
    for r in (HEADER_ROW + 2, HEADER_ROW + 3):
        ws.cell(row=r, column=5, value=GOOD_X1)
    answered = tmp_path / "answered" / "haibin_审核结果.xlsx"
    answered.parent.mkdir()
    wb.save(answered)
    (saved,) = libreoffice.roundtrip([answered], tmp_path / "lo")
    back = tmp_path / "back"
    back.mkdir()
    saved.rename(back / "haibin.xlsx")
    code, report = _validate(back, last)
    assert code == 0, report["findings"]
    assert [e["cell"] for e in report["explanations"]] == ["表三 D7", "表三 J7"]
    run, summary = _merge(tmp_path, back, last)
    assert run.returncode == 0 and len(summary["units"][0]["explanations"]) == 2


@pytest.mark.slow
def test_explanations_survive_the_result_cache(tmp_path, monkeypatch):
    """A second run reads the return from the cache: its explanations still settle the queries."""
    monkeypatch.setenv("OGI_XLSX_CACHE_DIR", str(tmp_path / "cache"))
    this, last = _two_years(tmp_path, [{"rule": "X1", "cell": "", "text": GOOD_X1}])
    runs = [_run("validate", str(this), "--previous", str(last), "--json") for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0]
    assert any((tmp_path / "cache").rglob("*.json"))  # the second run was served from the cache
    first, second = (json.loads(r.stdout)["files"][0] for r in runs)
    assert first["explanations"] == second["explanations"] == [{"rule": "X1", "cell": "", "text": GOOD_X1}]


def test_formats_lists_the_plausibility_rules():
    text = _run("formats")
    assert text.returncode == 0 and "P1_t3_applications_max  申请件数远超常见范围  [max=10000]" in text.stdout
    assert "S5_t2_rules_issuer  填报了规章件数（默认关闭）" in text.stdout
    data = json.loads(_run("formats", "--json").stdout)
    rules = {r["id"]: r for r in data[-1]["plausibility_rules"]}
    assert rules["Y4_t2_fee_increase"]["thresholds"] == {"factor": "100", "min": "1", "min_previous": "0.0001"}
    assert rules["Y4_t2_fee_increase"]["year_on_year"] is True and rules["Y4_t2_fee_increase"]["rationale"]


@pytest.mark.slow
def test_explanations_go_one_level_up(tmp_path):
    """District summary (workbook and JSON) carries its units' accepted explanations in its own
    情况说明; the city's merge of district summaries lists them under the district."""
    import openpyxl

    from ogi_xlsx.summary import STATUS_SHEET

    this, last = _two_years(tmp_path, [{"rule": "X1", "cell": "", "text": GOOD_X1}])
    run, district = _merge(tmp_path, this, last)
    assert run.returncode == 0
    carried = [("X1_t3_carry", "鲤城区人民政府海滨街道办事处（LC002） 表三 D7", GOOD_X1)]
    carried.append(("X1_t3_carry", "鲤城区人民政府海滨街道办事处（LC002） 表三 J7", GOOD_X1))
    assert [(e["rule"], e["cell"], e["text"]) for e in district["explanations"]] == carried
    wb = openpyxl.load_workbook(tmp_path / "汇总表.xlsx")
    assert wb[EXPLANATION_SHEET]["A1"].value == "情况说明（下级单位对审核“核实”项的说明）"

    up = tmp_path / "city"
    up.mkdir()
    (tmp_path / "汇总表.xlsx").rename(up / "某区汇总表.xlsx")
    out, js = tmp_path / "市汇总表.xlsx", tmp_path / "市汇总表.json"
    city = _run("merge", str(up), "-o", str(out), "--json", str(js), "--unit-name", "某市", "--unit-code", "C1")
    assert city.returncode == 0, city.stdout + city.stderr
    (unit,) = json.loads(js.read_text(encoding="utf-8"))["units"]
    assert unit["code"] == "D1" and [e["cell"] for e in unit["explanations"]] == [c[1] for c in carried]
    rows = list(openpyxl.load_workbook(out)[STATUS_SHEET].iter_rows(values_only=True))
    listed = [r for r in rows if r[3] == "X1_t3_carry"]
    assert [(r[1], r[4]) for r in listed] == [("D1", carried[0][1]), ("D1", carried[1][1])]
    city_doc = json.loads(js.read_text(encoding="utf-8"))
    assert city_doc["explanations"][0]["cell"] == f"某区（D1） / {carried[0][1]}"
