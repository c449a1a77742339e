"""The validation result cache: cold == warm, corruption, changed files, options, --no-cache, concurrency, order."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ogi_xlsx.cli.main import app
from ogi_xlsx.model.document import document_from_json, loads
from ogi_xlsx.model.limits import Limits
from ogi_xlsx.pipeline import batch
from ogi_xlsx.pipeline import cache as cache_mod
from ogi_xlsx.pipeline.batch import check_paths
from ogi_xlsx.pipeline.options import CheckOptions
from ogi_xlsx.pipeline.report import CachedFileReport
from ogi_xlsx.writing.template import write_workbook

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _write(path: Path, example: str, change: dict | None = None) -> None:
    doc = document_from_json(loads((EXAMPLES / example).read_text(encoding="utf-8")))
    values = {k: doc.values.get(k) for k in doc.spec.input_ids}
    values.update(change or {})
    write_workbook(
        path,
        doc.spec,
        year=doc.year,
        unit_code=doc.unit_code,
        unit_name=doc.unit_name,
        cover=dict(doc.cover),
        values=values,
        kind="return",
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A valid return with money, one with rule errors, one 2019-format return and a file that is not a workbook."""
    root = tmp_path_factory.mktemp("returns")
    _write(root / "haibin.xlsx", "haibin-2024.json", {"t2.r_fees.c_fee_amount": Decimal("12.3450")})
    _write(root / "kaiyuan.xlsx", "kaiyuan-2024-with-errors.json")
    _write(root / "linjiang.xlsx", "seed-linjiang-2020.json")
    (root / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    return root


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    target = tmp_path / "cache"
    monkeypatch.setenv("OGI_XLSX_CACHE_DIR", str(target))
    return target


def exact(report) -> tuple:
    """Everything in a report, with value types (Decimal vs int, 12.3450 vs 12.345) and finding args."""
    doc = report.document
    values = None if doc is None else [(k, type(v).__name__, str(v)) for k, v in doc.values.items()]
    return (
        str(report.path),
        report.sha256,
        report.size,
        report.format,
        report.format_version,
        report.year,
        report.unit_code,
        report.unit_name,
        report.by_labels,
        None if doc is None else (doc.format, doc.year, doc.unit_code, doc.unit_name, doc.format_version, doc.cover),
        values,
        [(f.code, f.message, f.severity, f.sheet, f.cell, f.cell_ids, f.rule, repr(f.args)) for f in report.findings],
    )


def entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.rglob("*.json"))


def test_warm_results_equal_cold_and_do_not_read_the_files(folder, cache_dir, monkeypatch):
    cold = check_paths([folder], cache=True, jobs=1)
    assert any(r.findings for r in cold) and any(r.valid for r in cold)
    money = next(r for r in cold if r.path.name == "haibin.xlsx").document.values["t2.r_fees.c_fee_amount"]
    assert isinstance(money, Decimal) and money == Decimal("12.345")
    # the unreadable file is cached too (its finding depends on the bytes only)
    assert len(entries(cache_dir)) == 4

    def no_reading(*args, **kwargs):
        raise AssertionError("a cached file was validated again")

    monkeypatch.setattr(batch, "check_file", no_reading)
    warm = check_paths([folder], cache=True, jobs=1)
    assert [exact(r) for r in warm] == [exact(r) for r in cold]
    assert warm == cold


def test_uncached_results_are_the_same(folder, cache_dir):
    plain = check_paths([folder], jobs=1)
    assert not cache_dir.exists()  # the Python API does not cache unless asked
    check_paths([folder], cache=True, jobs=1)
    warm = check_paths([folder], cache=True, jobs=1)
    assert [exact(r) for r in warm] == [exact(r) for r in plain]


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
        lambda p: p.write_bytes(b"\x00\xff garbage"),
        lambda p: p.write_text("{}", encoding="utf-8"),
        lambda p: p.write_text(json.dumps({"key": "someone else", "report": {}}), encoding="utf-8"),
        lambda p: p.write_text(
            json.dumps({"key": p.stem, "report": {"format": 1}}), encoding="utf-8"
        ),  # right key, wrong shape
    ],
)
def test_broken_entries_are_ignored_and_rewritten(folder, cache_dir, damage):
    cold = check_paths([folder], cache=True, jobs=1)
    for entry in entries(cache_dir):
        damage(entry)
    again = check_paths([folder], cache=True, jobs=1)
    assert [exact(r) for r in again] == [exact(r) for r in cold]
    for entry in entries(cache_dir):  # rewritten whole
        assert json.loads(entry.read_text(encoding="utf-8"))["key"] == entry.stem


def test_a_changed_file_is_read_again(folder, cache_dir, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(folder, work)
    first = {r.path.name: r for r in check_paths([work], cache=True, jobs=1)}
    assert first["haibin.xlsx"].valid
    _write(work / "haibin.xlsx", "haibin-2024.json", {"t3.r_new.c_natural": 999_999})
    second = {r.path.name: r for r in check_paths([work], cache=True, jobs=1)}
    assert second["haibin.xlsx"].sha256 != first["haibin.xlsx"].sha256
    assert second["haibin.xlsx"].document.values["t3.r_new.c_natural"] == 999_999
    assert not second["haibin.xlsx"].valid  # the balance rule now fails
    assert exact(second["kaiyuan.xlsx"]) == exact(first["kaiyuan.xlsx"])


def test_a_copy_under_another_name_has_its_own_messages(folder, cache_dir, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    # an old .xls file: the message names the file
    shutil.copy(folder / "broken.xlsx", work / "甲.xls")
    shutil.copy(folder / "broken.xlsx", work / "乙.xls")
    cold = check_paths([work], cache=True, jobs=1)
    warm = check_paths([work], cache=True, jobs=1)
    for reports in (cold, warm):
        assert [r.findings[0].code for r in reports] == ["file-xls", "file-xls"]
        assert all(r.path.name in r.findings[0].message for r in reports)


@pytest.mark.parametrize(
    "options",
    [
        {"expected_year": 2023},
        {"roster": {"LC002": "鲤城区人民政府海滨街道办事处"}},
        {"strict_blanks": True},
        {"limits": Limits(max_cells=10)},
    ],
)
def test_options_that_change_results_change_the_key(folder, cache_dir, options):
    check_paths([folder], cache=True, jobs=1)
    expected = check_paths([folder], CheckOptions.make(**options), jobs=1)
    cached = check_paths([folder], CheckOptions.make(**options), cache=True, jobs=1)
    assert [exact(r) for r in cached] == [exact(r) for r in expected]
    assert len(entries(cache_dir)) == 8  # a second set of entries


def test_code_fingerprint_and_salt():
    base = CheckOptions()
    assert cache_mod.options_salt(base) == cache_mod.options_salt(CheckOptions(limits=Limits()))
    assert cache_mod.options_salt(base) != cache_mod.options_salt(CheckOptions.make(roster={}))
    # the options are the key: equal options (a roster given in any order) give the same salt
    a = CheckOptions.make(roster={"B": "乙", "A": "甲"})
    assert cache_mod.options_salt(a) == cache_mod.options_salt(CheckOptions.make(roster={"A": "甲", "B": "乙"}))
    assert cache_mod.code_fingerprint().startswith(__import__("ogi_xlsx").__version__ + "-")


def test_cache_location(monkeypatch, tmp_path):
    monkeypatch.setenv("OGI_XLSX_CACHE_DIR", str(tmp_path / "explicit"))
    assert cache_mod.default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("OGI_XLSX_CACHE_DIR")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert cache_mod.default_cache_dir() == tmp_path / "xdg" / "ogi-xlsx"
        monkeypatch.delenv("XDG_CACHE_HOME")
        assert cache_mod.default_cache_dir() == Path.home() / ".cache" / "ogi-xlsx"


def test_unwritable_cache_only_loses_the_speed_up(folder, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("OGI_XLSX_CACHE_DIR", str(blocker / "cache"))
    assert [exact(r) for r in check_paths([folder], cache=True, jobs=1)] == [
        exact(r) for r in check_paths([folder], jobs=1)
    ]


def test_cli_no_cache(folder, cache_dir):
    runner = CliRunner()
    result = runner.invoke(app, ["validate", str(folder), "--json", "--no-cache"])
    assert result.exit_code == 1, result.output
    assert not cache_dir.exists()
    cold = runner.invoke(app, ["validate", str(folder), "--json"])
    assert len(entries(cache_dir)) == 4
    warm = runner.invoke(app, ["validate", str(folder), "--json"])
    assert warm.stdout == cold.stdout == result.stdout
    out = folder.parent / "summary.xlsx"
    merged = runner.invoke(app, ["merge", str(folder), "--year", "2024", "-o", str(out), "--force", "--no-cache"])
    assert merged.exit_code in (0, 1), merged.output
    assert out.is_file()


CONCURRENT = """
import sys
from ogi_xlsx.pipeline.batch import check_paths
for _ in range(int(sys.argv[2])):
    reports = check_paths([sys.argv[1]], cache=True, jobs=1)
print(len(reports))
"""


@pytest.mark.slow
def test_concurrent_runs_share_the_cache(folder, cache_dir, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for i in range(6):
        for src in folder.glob("*.xlsx"):
            shutil.copy(src, work / f"{i}-{src.name}")
    env = {**os.environ, "OGI_XLSX_CACHE_DIR": str(cache_dir)}
    procs = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT, str(work), "3"], env=env, stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0 and out.strip() == b"24"
    assert not [p for p in cache_dir.rglob("*") if p.is_file() and p.suffix != ".json"]  # no temp files left
    expected = check_paths([work], jobs=1)
    assert [exact(r) for r in check_paths([work], cache=True, jobs=1)] == [exact(r) for r in expected]


@pytest.mark.slow
def test_pool_results_in_stable_order(folder, cache_dir, tmp_path):
    work = tmp_path / "many"
    (work / "b").mkdir(parents=True)
    (work / "a").mkdir()
    for i in range(5):
        for src in folder.glob("*.xlsx"):
            shutil.copy(src, work / ("a" if i % 2 else "b") / f"{9 - i}-{src.name}")
    serial = check_paths([work], jobs=1)
    assert len(serial) == 20 >= batch.PARALLEL_THRESHOLD
    assert [r.path for r in serial] == sorted((r.path for r in serial), key=str)
    pooled = check_paths([work], jobs=2)
    assert [exact(r) for r in pooled] == [exact(r) for r in serial]
    # half of them cached, half read by the pool: still in order
    for path in list((work / "a").glob("*.xlsx")):
        check_paths([path], cache=True, jobs=1)
    mixed = check_paths([work], jobs=2, cache=True)
    assert [exact(r) for r in mixed] == [exact(r) for r in serial]


def test_every_report_field_is_cached(folder, cache_dir):
    """A field added to FileReport must be added to the cache entry too (or this list)."""
    from dataclasses import fields

    from ogi_xlsx.pipeline.cache import report_to_json

    from_the_file = {"path", "sha256", "size", "mtime"}
    report = check_paths([folder / "haibin.xlsx"], jobs=1)[0]
    assert {f.name for f in fields(report)} - from_the_file == set(report_to_json(report))


@pytest.mark.skipif(sys.platform != "linux", reason="file names as raw bytes")
def test_a_name_that_is_not_utf8(folder, cache_dir, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    name = os.fsdecode(b"\xb9\xab.xls")  # GBK bytes, not UTF-8: a lone surrogate in Python
    shutil.copy(folder / "broken.xlsx", work / name)
    cold = check_paths([work], cache=True, jobs=1)
    warm = check_paths([work], cache=True, jobs=1)
    assert [exact(r) for r in warm] == [exact(r) for r in cold]
    assert cold[0].findings[0].code == "file-xls"


def test_a_damaged_body_with_valid_json_is_refused(folder, cache_dir):
    """The findings and document are decoded later, so their text is checked against its sha256 on load."""
    cold = check_paths([folder], cache=True, jobs=1)
    for entry in entries(cache_dir):
        data = json.loads(entry.read_text(encoding="utf-8"))
        data["body"] = data["body"].replace("0", "1", 1)  # still valid JSON, different content
        entry.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    again = check_paths([folder], cache=True, jobs=1)
    assert [exact(r) for r in again] == [exact(r) for r in cold]


def test_printing_a_warm_report_decodes_nothing_and_prints_the_same(folder, cache_dir, monkeypatch):
    import io

    from ogi_xlsx.cli.render import cached_text, render_plain

    monkeypatch.delenv("COLUMNS", raising=False)
    # the front end gives the cache the lines it prints (the cache stores them, it does not render)
    cold = check_paths([folder], cache=True, jobs=1, cache_text=cached_text)
    warm = check_paths([folder], cache=True, jobs=1, cache_text=cached_text)
    out_cold, out_warm = io.StringIO(), io.StringIO()
    render_plain(cold, out_cold)
    render_plain(warm, out_warm)
    assert out_warm.getvalue() == out_cold.getvalue()
    assert all(isinstance(r, CachedFileReport) and not r.decoded for r in warm)  # nothing decoded
    assert [r.valid for r in warm] == [r.valid for r in cold]
    assert [r.counts() for r in warm] == [r.counts() for r in cold]
    # another width: the stored lines do not fit, the findings are decoded and folded again
    narrow_cold, narrow_warm = io.StringIO(), io.StringIO()
    render_plain(cold, narrow_cold, width=64)
    render_plain(warm, narrow_warm, width=64)
    assert narrow_warm.getvalue() == narrow_cold.getvalue() != out_cold.getvalue()
    # first use of either lazy field decodes both, exactly as they were
    assert [exact(r) for r in warm] == [exact(r) for r in cold]


def test_a_lazy_field_set_before_use_is_kept(folder, cache_dir):
    check_paths([folder], cache=True, jobs=1)
    report = next(r for r in check_paths([folder], cache=True, jobs=1) if r.document is not None and r.findings)
    warm = check_paths([report.path], cache=True, jobs=1)[0]
    warm.findings = []
    assert warm.document is not None and warm.findings == [] and warm.valid
