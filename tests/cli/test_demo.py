"""``ogi-xlsx demo`` from a clean clone, its outputs, and its summary in LibreOffice."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from ogi_xlsx.model.layout import workbook_layout
from ogi_xlsx.model.spec import load_format
from ogi_xlsx.writing.summary import BREAKDOWN_SHEET

ROOT = Path(__file__).resolve().parents[2]


def _clean_clone(target: Path) -> Path:
    """The committed tree only (what CI checks out); a plain copy when this is not a git checkout."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    else:  # pragma: no cover - source tarball
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns("out", ".*", "__pycache__"))
    return target


def _run_demo(cwd: Path, outdir: str, *extra: str) -> subprocess.CompletedProcess:
    """``ogi-xlsx demo`` run in the clone with the package installed elsewhere (as ``pip install .`` does)."""
    site = cwd.parent / "site-packages"
    if not (site / "ogi_xlsx").is_dir():
        # A real, non-editable install of the clone (what `pip install .` puts in site-packages).
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(site),
                str(cwd),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    # -P: do not put the working folder on sys.path, so the copy in site-packages is imported.
    # -S: no .pth files, so the developer's editable install cannot quietly supply a module the
    # real install lacks (a package missing from pyproject once passed this test that way); the
    # dependencies come from the same site-packages folders, listed explicitly.
    deps = [p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *deps]), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-S", "-P", "-c", "from ogi_xlsx.cli.main import main; main()", "demo", outdir, *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    clone = _clean_clone(tmp_path_factory.mktemp("clone") / "ogi-xlsx")
    proc = _run_demo(clone, "out")
    return clone, clone / "out", proc


@pytest.mark.slow
def test_demo_runs_from_a_clean_clone(demo_run):
    _clone, out, proc = demo_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "读取报送名单" in proc.stdout and "_examples/demo/roster.csv" in proc.stdout  # the installed copy
    for step in ("第 1 步", "第 2 步", "第 3 步", "第 4 步", "第 5 步", "演示完成"):
        assert step in proc.stdout
    assert len(list((out / "templates").glob("*.xlsx"))) == 8
    assert len(list((out / "returns").glob("*.xlsx"))) == 8  # 7 units, one of them twice
    assert (out / "汇总表.xlsx").is_file()
    data = json.loads((out / "汇总表.json").read_text(encoding="utf-8"))
    status = {u["code"]: u["status"] for u in data["units"]}
    assert status["LC003"] == "invalid" and status["LC007"] == "missing" and status["LC004"] == "duplicate"
    assert sum(1 for s in status.values() if s == "merged") == 5
    assert data["consolidation"]["complete"] is False


@pytest.mark.slow
def test_demo_rerun_and_refusal(demo_run, tmp_path):
    clone, out, _ = demo_run
    before = (out / "汇总表.xlsx").read_bytes()
    again = _run_demo(clone, "out")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (out / "汇总表.xlsx").read_bytes() == before  # the demo is deterministic
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("不是演示输出", encoding="utf-8")
    refused = _run_demo(clone, str(busy))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert (busy / "mine.txt").read_text(encoding="utf-8") == "不是演示输出"


@pytest.mark.slow
def test_demo_summary_validates(demo_run):
    from ogi_xlsx.pipeline.check import check_file

    _, out, _ = demo_run
    report = check_file(out / "汇总表.xlsx")
    assert report.valid, [f.message for f in report.findings if f.severity == "error"]
    assert not [f for f in report.findings if f.severity == "warning"]  # the demo district fills its cover
    data = json.loads((out / "汇总表.json").read_text(encoding="utf-8"))
    assert report.document.to_json()["values"] == data["values"]


@pytest.mark.slow
@pytest.mark.libreoffice
def test_demo_summary_opens_in_libreoffice(demo_run, libreoffice, tmp_path):
    _, out, _ = demo_run
    data = json.loads((out / "汇总表.json").read_text(encoding="utf-8"))
    spec = load_format(data["format"])
    layout = workbook_layout(spec)
    # lo.roundtrip quotes the filter name, which this soffice rejects (nothing saved): convert directly.
    (saved,) = libreoffice.convert([out / "汇总表.xlsx"], tmp_path, "xlsx:Calc MS Excel 2007 XML")
    wb = openpyxl.load_workbook(saved, data_only=True)
    # LibreOffice recalculated every total: they equal ours
    for cid in spec.computed_ids:
        sheet, address = layout.locate(cid)
        assert Decimal(str(wb[sheet][address].value)) == Decimal(str(data["values"][cid])), cid
    # and its own reconciliation row says Σ equals the summary everywhere
    ws = wb[BREAKDOWN_SHEET]
    check_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "核对")
    marks = {ws.cell(check_row, c).value for c in range(3, 3 + len(spec.cell_ids))}
    assert marks == {"✓"}
    # saved by a real client, the summary is still a valid return for the next level up
    from ogi_xlsx.pipeline.check import check_file

    report = check_file(saved)
    assert report.valid, [f.message for f in report.findings if f.severity == "error"]
    assert report.document.to_json()["values"] == data["values"]


def test_demo_data_is_found_in_an_installed_package(tmp_path, monkeypatch):
    """After a non-editable ``pip install .``, examples/ is shipped as ``ogi_xlsx/_examples``."""
    import shutil

    import ogi_xlsx.demo as demo

    package = tmp_path / "site-packages" / "ogi_xlsx"
    monkeypatch.setattr(demo, "__file__", str(package / "demo.py"))
    with pytest.raises(demo.DemoError, match="examples/demo"):
        demo.demo_data_dir()
    shutil.copytree(ROOT / "examples", package / "_examples")
    assert demo.demo_data_dir() == package / "_examples" / "demo"


def test_every_example_file_is_shipped_with_the_package():
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["package-dir"]["ogi_xlsx._examples"] == "examples"
    patterns = config["package-data"]["ogi_xlsx._examples"]
    files = [p.relative_to(ROOT / "examples").as_posix() for p in (ROOT / "examples").rglob("*") if p.is_file()]
    assert files
    unshipped = [
        f for f in files if not any(fnmatch.fnmatch(f, pat) and f.count("/") == pat.count("/") for pat in patterns)
    ]
    assert unshipped == []


def test_demo_data_is_one_year_and_marked_invented():
    from ogi_xlsx.checks.document import validate_return
    from ogi_xlsx.model.document import document_from_json, loads

    data = ROOT / "examples" / "demo"
    docs = [document_from_json(loads(p.read_text(encoding="utf-8"))) for p in sorted(data.glob("returns/*.json"))]
    assert {d.year for d in docs} == {2024} and {d.format for d in docs} == {"ogi-2021"}
    roster = [line.split(",")[0] for line in (data / "roster.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert {d.unit_code for d in docs} < set(roster)  # at least one unit never reports
    invalid = [d.unit_code for d in docs if any(f.severity == "error" for f in validate_return(d))]
    assert invalid == ["LC003"]
    assert "虚构" in (data / "README.md").read_text(encoding="utf-8")
