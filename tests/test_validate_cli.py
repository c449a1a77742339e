"""``ogi-xlsx validate / export / fill``: exit codes, JSON output, folders, batches, annotated copies."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ogi_xlsx.cli import app
from ogi_xlsx.document import document_from_json, loads, validate_document_json
from ogi_xlsx.layout import workbook_layout
from ogi_xlsx.validate import check_file, check_paths, collect_paths

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> dict[str, Path]:
    """A valid return (filled from an example) and a tampered copy with errors."""
    from openpyxl import load_workbook

    folder = tmp_path_factory.mktemp("returns")
    good = folder / "haibin.xlsx"
    bad = folder / "kaiyuan.xlsx"
    assert invoke("fill", EXAMPLES / "haibin-2024.json", "-o", good).exit_code == 0
    assert invoke("fill", EXAMPLES / "haibin-2024.json", "-o", bad).exit_code == 0
    # make one cell of the bad return a number stored as text, and overwrite a total
    spec = document_from_json(loads((EXAMPLES / "haibin-2024.json").read_text("utf-8"))).spec
    layout = workbook_layout(spec)
    wb = load_workbook(bad)
    sheet, address = layout.locate("t3.r_new.c_natural")
    wb[sheet][address].value = "12"
    sheet, address = layout.locate("t3.r_new.c_total")
    wb[sheet][address].value = 999
    wb.save(bad)
    return {"good": good, "bad": bad}


def test_validate_exit_codes_and_json(returns, tmp_path):
    ok = invoke("validate", returns["good"], "--json")
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["summary"] == {"files": 1, "valid": 1, "invalid": 0}
    entry = data["files"][0]
    assert entry["valid"] and entry["format"] == "ogi-2021" and entry["year"] == 2024
    assert entry["unit"]["code"] and entry["sha256"] == sha(returns["good"])
    bad = invoke("validate", returns["good"], returns["bad"], "--json")
    assert bad.exit_code == 1
    data = json.loads(bad.stdout)
    assert data["summary"] == {"files": 2, "valid": 1, "invalid": 1}
    findings = next(f for f in data["files"] if not f["valid"])["findings"]
    assert {"formula-overwritten", "value-text-number", "sum-mismatch"} <= {f["code"] for f in findings}
    for f in findings:
        assert f["message"] and set(f) >= {"code", "severity", "sheet", "cell", "rule", "message"}


def test_validate_terminal_output(returns):
    result = invoke("validate", returns["good"], returns["bad"])
    assert result.exit_code == 1
    assert "共 2 份，通过 1 份，需修改 1 份" in result.stdout
    assert "合计公式被改成了数值" in result.stdout


def test_usage_errors(returns, tmp_path):
    assert invoke("validate", tmp_path / "nope.xlsx").exit_code == 2
    roster = tmp_path / "roster.csv"
    roster.write_text("foo,bar\n1,2\n", encoding="utf-8")
    result = invoke("validate", returns["good"], "--roster", roster)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "错误" in result.output


def test_roster_and_year(returns, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称\nX1,别的单位\n", encoding="utf-8")
    result = invoke("validate", returns["good"], "--roster", roster, "--year", "2023", "--json")
    assert result.exit_code == 1
    codes = {f["code"] for f in json.loads(result.stdout)["files"][0]["findings"]}
    assert {"unit-not-on-roster", "year-mismatch"} <= codes


def test_unreadable_file_does_not_stop_the_batch(returns, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "broken.xlsx").write_bytes(b"garbage")
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000)
    (folder / "~$lock.xlsx").write_bytes(b"lock")
    (folder / ".hidden.xlsx").write_bytes(b"x")
    (folder / "notes.txt").write_text("x")
    (folder / "sub").mkdir()
    (folder / "sub" / "good.xlsx").write_bytes(returns["good"].read_bytes())
    result = invoke("validate", folder, "--json")
    assert result.exit_code == 1
    files = json.loads(result.stdout)["files"]
    assert [Path(f["path"]).name for f in files] == ["broken.xlsx", "old.xls", "good.xlsx"]
    assert files[0]["findings"][0]["code"].startswith("file-")
    assert files[1]["findings"][0]["code"] == "file-xls" and "xlsx" in files[1]["findings"][0]["message"]
    assert files[2]["valid"]


def test_collect_paths_deduplicates_and_sorts(returns):
    paths = collect_paths([returns["good"], returns["good"].parent, returns["good"]])
    assert paths == sorted(paths, key=str) and len(paths) == len({p.resolve() for p in paths}) == 2


def test_process_pool_gives_the_same_reports_in_order(returns, tmp_path):
    for i in range(10):
        source = returns["bad"] if i % 3 == 0 else returns["good"]
        (tmp_path / f"r{i:02d}.xlsx").write_bytes(source.read_bytes())
    serial = check_paths([tmp_path], jobs=1)
    parallel = check_paths([tmp_path], jobs=2)
    assert [r.path for r in serial] == [r.path for r in parallel] == sorted(tmp_path.glob("r*.xlsx"))
    assert [r.to_dict() for r in serial] == [r.to_dict() for r in parallel]


def test_export_gives_a_schema_valid_document(returns, tmp_path):
    result = invoke("export", returns["good"])
    assert result.exit_code == 0
    data = loads(result.stdout)
    assert validate_document_json(data) == []
    original = loads((EXAMPLES / "haibin-2024.json").read_text("utf-8"))
    assert document_from_json(data).values == document_from_json(original).values
    out = tmp_path / "out.json"
    assert invoke("export", returns["bad"], "-o", out).exit_code == 1
    assert validate_document_json(loads(out.read_text("utf-8"))) == []
    assert invoke("export", returns["bad"], "-o", out).exit_code == 2  # exists: needs --force
    assert invoke("export", returns["bad"], "-o", out, "--force").exit_code == 1


def test_fill_refuses_bad_input(tmp_path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json", encoding="utf-8")
    assert invoke("fill", bad_json, "-o", tmp_path / "x.xlsx").exit_code == 2
    wrong = loads((EXAMPLES / "haibin-2024.json").read_text("utf-8"))
    wrong["values"]["t3.r_new.c_natural"] = -1
    wrong_path = tmp_path / "wrong.json"
    wrong_path.write_text(json.dumps(wrong, default=str, ensure_ascii=False), encoding="utf-8")
    result = invoke("fill", wrong_path, "-o", tmp_path / "y.xlsx")
    assert result.exit_code == 1 and not (tmp_path / "y.xlsx").exists()
    assert "表三" in result.output
    target = tmp_path / "z.xlsx"
    target.write_bytes(b"keep")
    assert invoke("fill", EXAMPLES / "haibin-2024.json", "-o", target).exit_code == 2
    assert target.read_bytes() == b"keep"


def test_json_return_document_is_validated(tmp_path):
    report = check_file(EXAMPLES / "kaiyuan-2024-with-errors.json")
    assert not report.valid and report.format == "ogi-2021"
    assert check_file(EXAMPLES / "haibin-2024.json").valid


def test_annotate_writes_copies_and_leaves_inputs_alone(returns, tmp_path):
    from openpyxl import load_workbook

    before = {p: sha(p) for p in returns.values()}
    outdir = tmp_path / "annotated"
    result = invoke("validate", returns["good"], returns["bad"], "--json", "--annotate-all", "--annotate", outdir)
    assert result.exit_code == 1
    assert {p: sha(p) for p in returns.values()} == before
    copy = outdir / "kaiyuan_审核结果.xlsx"
    assert copy.exists() and (outdir / "haibin_审核结果.xlsx").exists()
    report = next(f for f in json.loads(result.stdout)["files"] if not f["valid"])
    wb = load_workbook(copy)
    rows = list(wb["审核结果"].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[3], r[6], r[5]) for r in rows] == [
        (f["sheet"], f["cell"], f["code"], f["message"]) for f in report["findings"]
    ]
    first = next(f for f in report["findings"] if f["code"] == "formula-overwritten")
    target = wb[first["sheet"]][first["cell"]]
    assert target.comment is not None and "合计公式" in target.comment.text
    assert target.fill.fgColor.rgb.endswith("FFC7CE")
    link = next(c for c in wb["审核结果"]["D"] if c.value == first["cell"]).hyperlink
    assert link.location == f"'{first['sheet']}'!{first['cell']}"


def test_strict_blanks_and_jobs(tmp_path):
    doc = loads((EXAMPLES / "haibin-2024.json").read_text("utf-8"))
    doc["values"]["t3.r_new.c_natural"] = None
    doc["values"]["t3.r_new.c_total"] = None
    path = tmp_path / "blank.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    workbook = tmp_path / "blank.xlsx"
    assert invoke("fill", path, "-o", workbook).exit_code in (0, 1)
    relaxed = invoke("validate", workbook, "--json", "--jobs", "2")
    codes = {f["code"] for f in json.loads(relaxed.stdout)["files"][0]["findings"]}
    assert "value-blank" in codes and "value-blank-strict" not in codes
    strict = invoke("validate", workbook, "--json", "--strict-blanks")
    assert strict.exit_code == 1
    codes = {f["code"] for f in json.loads(strict.stdout)["files"][0]["findings"]}
    assert "value-blank-strict" in codes


def test_export_of_an_unreadable_file(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    result = invoke("export", path)
    assert result.exit_code == 1 and result.stdout == ""
    assert "Traceback" not in result.output
