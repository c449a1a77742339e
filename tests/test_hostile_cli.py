"""Issue 6 end to end through the commands: hostile, broken and odd inputs never crash a batch.

Every command runs in a subprocess (``python -m ogi_xlsx``) so that exit codes and tracebacks are
the real ones. Files are built at run time (tests/hostile.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import unescape

import hostile as H
import pytest
from typer.testing import CliRunner

from ogi_xlsx.cli import app

# Hostile inputs and fuzzing take seconds each: not part of the quick loop.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m ogi_xlsx ARGS``; never a traceback, exit code 0/1/2."""
    proc = subprocess.run(
        [sys.executable, "-m", "ogi_xlsx", *[os.fsdecode(a) if isinstance(a, Path) else a for a in args]],
        capture_output=True,
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err[-3000:]
    assert proc.returncode in (0, 1, 2), err[-3000:]
    return proc


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime (ns) of every file under ``folder``."""
    out = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            p = Path(root) / name
            out[os.fsdecode(p)] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def summary_values(data: dict) -> dict:
    """The summed values of ``merge --json`` (the document at the top, or under "summary")."""
    return data["values"] if "values" in data else data["summary"]["values"]


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """A folder of unusable files, two good returns and readable-but-odd returns."""
    folder = tmp_path_factory.mktemp("batch")
    H.build_file_cases(folder)
    H.write_return(folder / "good-a.xlsx", H.example_doc("U01", "甲街道"))
    H.write_return(folder / "good-b.xlsx", H.example_doc("U02", "乙街道"))
    H.set_cells(folder / "odd-values.xlsx", {"t3.r_new.c_natural": "#REF!", "t3.r_new.c_commercial": True})
    return folder


# --------------------------------------------------------------------------- every file gets a finding


def test_validate_a_hostile_batch(batch, tmp_path):
    before = snapshot(batch)
    unusable = {p.name for p in H.build_file_cases(tmp_path / "names").values()}
    proc = run("validate", batch, "--json", "--annotate-all", "--annotate", tmp_path / "copies")
    assert proc.returncode == 1
    data = json.loads(proc.stdout.decode("utf-8"))
    by_name = {Path(f["path"]).name: f for f in data["files"]}
    assert set(by_name) == {Path(p).name for p in before}  # every file once, the batch went on
    for name in unusable:
        entry = by_name[name]
        assert not entry["valid"]
        assert [f["code"][:5] for f in entry["findings"]] == ["file-"], entry
        assert chinese(entry["findings"][0]["message"])
    assert by_name["good-a.xlsx"]["valid"] and by_name["good-b.xlsx"]["valid"]
    odd = {(f["code"], f["cell"]) for f in by_name["odd-values.xlsx"]["findings"]}
    assert {c for c, _ in odd} >= {"value-error", "value-bool"}
    # annotated copies only for the readable ones, inputs untouched
    copies = sorted(p.name for p in (tmp_path / "copies").iterdir())
    assert copies == ["good-a_审核结果.xlsx", "good-b_审核结果.xlsx", "odd-values_审核结果.xlsx"]
    assert snapshot(batch) == before


def test_merge_a_hostile_batch(batch, tmp_path):
    before = snapshot(batch)
    out, js = tmp_path / "summary.xlsx", tmp_path / "summary.json"
    proc = run("merge", batch, "-o", out, "--json", js, "--unit-name", "区", "--unit-code", "D1")
    assert proc.returncode == 1  # written, but incomplete: unusable files are listed
    data = json.loads(js.read_text("utf-8"))
    status = {u["code"]: u["status"] for u in data["units"]}
    assert status["U01"] == status["U02"] == "merged"
    t = "t3.r_new.c_natural"
    assert summary_values(data)[t] == 2 * H.example_doc().values[t]
    listed = json.dumps(data, ensure_ascii=False)
    for name in ("zip-bomb.xlsx", "empty.xlsx", "encrypted.xlsx", "laughs-workbook.xlsx"):
        assert name in listed
    assert snapshot(batch) == before


# --------------------------------------------------------------------------- messages and names


def test_terminal_table_shows_whole_messages(batch):
    """Chinese messages have no spaces: the table must fold them, never crop them with …."""
    files = [batch / n for n in ("encrypted.xlsx", "zip-bomb.xlsx", "empty.xlsx")]
    data = json.loads(run("validate", *files, "--json").stdout.decode("utf-8"))
    text = run("validate", *files, env={"COLUMNS": "80"}).stdout.decode("utf-8")
    flat = re.sub(r"[\s│┃|]", "", text)
    for entry in data["files"]:
        for f in entry["findings"]:
            assert re.sub(r"\s", "", f["message"]) in flat


def test_odd_file_names(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in H.odd_names():
        (folder / name).write_bytes(H.valid_bytes())
    (folder / ("长" * 82 + ".xlsx")).write_bytes(H.valid_bytes())  # the copy's name would be 266 bytes
    gbk = H.non_utf8_name(folder)
    count = len(H.odd_names()) + 2
    before = snapshot(folder)
    proc = run("validate", folder, "--json", "--annotate-all", "--annotate", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    data = json.loads(proc.stdout.decode("utf-8"))  # valid UTF-8 whatever the names
    assert data["summary"] == {"files": count, "valid": count, "invalid": 0}
    copies = list((tmp_path / "out").iterdir())
    assert len(copies) == count
    assert all(len(os.fsencode(p.name)) <= 255 for p in copies)
    # the summary lists every file, whatever its name (the workbook and the JSON are UTF-8)
    js = tmp_path / "s.json"
    assert run("merge", folder, "-o", tmp_path / "s.xlsx", "--json", js).returncode in (0, 1)
    assert len(json.loads(js.read_text("utf-8"))["units"][0]["files"]) == count
    assert run("validate", tmp_path / "s.xlsx").returncode == 0
    # terminal output with a strict UTF-8 stdout: no UnicodeEncodeError
    assert run("validate", gbk, env={"PYTHONIOENCODING": "utf-8"}).returncode == 0
    # a leading dash is an option unless after "--"
    assert run("validate", "-x.xlsx", cwd=folder).returncode == 2
    assert run("validate", "--", "-x.xlsx", cwd=folder).returncode == 0
    assert run("export", "--", "-x.xlsx", cwd=folder).returncode == 0
    assert snapshot(folder) == before


def test_dates_booleans_formulas_and_errors_in_input_cells(tmp_path):
    import datetime as dt

    from ogi_xlsx.layout import workbook_layout

    values = {
        "t3.r_new.c_natural": dt.datetime(2024, 1, 5),
        "t3.r_new.c_commercial": True,
        "t3.r_new.c_research": H.Formula("=1+2"),
        "t3.r_new.c_social": "#DIV/0!",
    }
    path = H.set_cells(tmp_path / "values.xlsx", values)
    proc = run("validate", path, "--json")
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)["files"][0]["findings"]
    layout = workbook_layout(H.example_doc().spec)
    got = {(f["code"], f["cell"]) for f in findings}
    for cid, code in zip(values, ("value-date", "value-bool", "value-formula", "value-error"), strict=True):
        assert (code, layout.locate(cid)[1]) in got, (code, got)


def test_very_long_strings(tmp_path):
    path = H.set_cells(
        tmp_path / "long.xlsx",
        {
            "t3.r_new.c_natural": "长" * 40_000,
            H.cover_address("unit_name"): "名" * 40_000,
            H.label_address(): "标" * 40_000,
        },
    )
    proc = run("validate", path, "--json", "--annotate-all", "--annotate", tmp_path / "out")
    assert proc.returncode == 1
    codes = {f["code"] for f in json.loads(proc.stdout)["files"][0]["findings"]}
    assert {"value-not-number", "label-changed"} <= codes
    assert len(list((tmp_path / "out").iterdir())) == 1


# --------------------------------------------------------------------------- formula injection


def _texts(data: bytes) -> str:
    """All cell and shared-string text of an xlsx, unescaped."""
    out = []
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/") and name.endswith(".xml"):
                out += re.findall(r"<t(?:\s[^>]*)?>(.*?)</t>", zf.read(name).decode("utf-8"), re.S)
    return "\n".join(unescape(t, {"&quot;": '"', "&apos;": "'"}) for t in out)


def assert_text_not_formula(path: Path, texts=H.INJECTIONS) -> None:
    data = path.read_bytes()
    formulas = [unescape(f, {"&quot;": '"', "&apos;": "'"}) for f in H.formulas_in(data)]
    for text in texts:
        assert not any(text in f or text.lstrip("=+-@") == f for f in formulas), (path.name, text)


def test_formula_injection_is_written_as_text_everywhere(tmp_path):
    names = {f"U{i}": text for i, text in enumerate(H.INJECTIONS, start=1)}
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "单位代码,单位名称\n" + "".join(f'{c},"{n.replace(chr(34), chr(34) * 2)}"\n' for c, n in names.items()), "utf-8"
    )
    # templates from the roster
    assert run("template", "--roster", roster, "-o", tmp_path / "templates", "--year", "2024").returncode == 0
    templates = sorted((tmp_path / "templates").iterdir())
    assert len(templates) == len(names)
    for t in templates:
        assert_text_not_formula(t)
    assert all(n in "".join(_texts(t.read_bytes()) for t in templates) for n in names.values())
    # fill from JSON documents whose unit names are the injections
    returns = tmp_path / "returns"
    returns.mkdir()
    for code, name in names.items():
        doc = H.example_doc(code, name)
        src = tmp_path / f"{code}.json"
        src.write_text(doc.dumps(), "utf-8")
        assert run("fill", src, "-o", returns / f"{code}.xlsx").returncode == 0
        assert_text_not_formula(returns / f"{code}.xlsx")
        assert name in _texts((returns / f"{code}.xlsx").read_bytes())
    # a unit name typed as text on the cover of a return, and a wrong-unit finding quoting it
    (tmp_path / "typed").mkdir()
    typed = H.set_cells(tmp_path / "typed" / "typed.xlsx", {H.cover_address("unit_name"): H.INJECTIONS[0]})
    proc = run(
        "validate", returns, typed, "--roster", roster, "--annotate-all", "--annotate", tmp_path / "copies", "--json"
    )
    assert proc.returncode == 1
    copies = sorted((tmp_path / "copies").iterdir())
    assert len(copies) == len(names) + 1
    for c in copies:
        assert_text_not_formula(c)
    assert H.INJECTIONS[0] in _texts((tmp_path / "copies" / "typed_审核结果.xlsx").read_bytes())
    # the summary: 报送情况, 明细, 来源文件, 关键指标 and the JSON
    out, js = tmp_path / "summary.xlsx", tmp_path / "summary.json"
    proc = run("merge", returns, "--roster", roster, "-o", out, "--json", js, "--unit-name", H.INJECTIONS[1])
    assert proc.returncode == 0, proc.stderr.decode()
    assert_text_not_formula(out)
    shown = _texts(out.read_bytes())
    assert all(n in shown for n in names.values())
    units = {u["code"]: u["name"] for u in json.loads(js.read_text("utf-8"))["units"]}
    assert units == names


# --------------------------------------------------------------------------- output paths


def test_path_traversal_in_roster_names_stays_in_the_output_folder(tmp_path):
    roster = tmp_path / "roster.csv"
    rows = [(f"C{i}", name) for i, name in enumerate(H.TRAVERSAL_NAMES)]
    rows += [("../up", "甲"), ("a/b", "乙"), ("con", "丙"), ("..\\x", "丁"), ("nul", "戊")]
    roster.write_text("单位代码,单位名称\n" + "".join(f"{c},{n}\n" for c, n in rows), "utf-8")
    out = tmp_path / "deep" / "out"
    out.parent.mkdir()
    assert run("template", "--roster", roster, "-o", out, "--year", "2024").returncode == 0
    everything = [Path(r) / f for r, _d, fs in os.walk(tmp_path) for f in fs]
    outside = [p for p in everything if p.parent != out and p != roster]
    assert outside == []
    made = sorted(out.iterdir())
    assert len(made) == len(rows)
    for p in made:
        stem = p.stem.split(".")[0].upper()
        assert stem not in ("CON", "NUL", "AUX") and ".." not in p.name and ":" not in p.name


def test_the_same_file_twice(tmp_path):
    good = H.write_return(tmp_path / "a.xlsx", H.example_doc("U01", "甲街道"))
    copy = tmp_path / "sub" / "a-copy.xlsx"
    copy.parent.mkdir()
    copy.write_bytes(good.read_bytes())
    once = json.loads(run("validate", good, f"{tmp_path}/./a.xlsx", tmp_path, "--json").stdout)
    assert once["summary"]["files"] == 2  # a.xlsx once (three spellings), the copy once
    js = tmp_path / "s.json"
    proc = run("merge", good, good, copy, "-o", tmp_path / "s.xlsx", "--json", js)
    assert proc.returncode in (0, 1)
    data = json.loads(js.read_text("utf-8"))
    t = "t3.r_new.c_natural"
    assert summary_values(data)[t] == H.example_doc().values[t]  # counted once


def test_an_output_never_overwrites_an_input(tmp_path):
    good = H.write_return(tmp_path / "a.xlsx", H.example_doc("U01", "甲街道"))
    src = tmp_path / "a.json"
    src.write_text(H.example_doc("U01", "甲街道").dumps(), "utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称\nU01,甲街道\n", "utf-8")
    before = snapshot(tmp_path)
    for args in (
        ("merge", good, "-o", good),
        ("merge", good, "-o", good, "--force"),
        ("merge", good, src, "-o", tmp_path / "s.xlsx", "--json", src, "--force"),
        ("merge", good, "--roster", roster, "-o", roster, "--force"),
        ("merge", good, "--roster", roster, "-o", tmp_path / "s.xlsx", "--json", roster, "--force"),
        ("merge", good, "-o", tmp_path / "s.xlsx", "--json", tmp_path / "s.xlsx"),
        ("fill", src, "-o", src),
        ("fill", src, "-o", src, "--force"),
        ("export", good, "-o", good, "--force"),
        ("export", good, "-o", src),
    ):
        proc = run(*args)
        assert proc.returncode == 2, (args, proc.stderr.decode())
        assert chinese(proc.stderr.decode("utf-8"))
        assert snapshot(tmp_path) == before, args
    # annotated copies into the input folder, where a copy's name is itself an input
    clash = tmp_path / "a_审核结果.xlsx"
    clash.write_bytes(good.read_bytes())
    before = snapshot(tmp_path)
    proc = run("validate", good, clash, "--annotate-all", "--annotate", tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(after) == len(before) + 2
    # a roster named like the copy of a return
    (tmp_path / "b").mkdir()
    other = H.write_return(tmp_path / "b" / "r.xlsx", H.example_doc("U01", "甲街道"))
    named_xlsx = tmp_path / "b" / "r_审核结果.xlsx"
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["单位代码", "单位名称"])
    wb.active.append(["U01", "甲街道"])
    wb.save(named_xlsx)
    before = snapshot(tmp_path / "b")
    proc = run("validate", other, "--roster", named_xlsx, "--annotate-all", "--annotate", tmp_path / "b")
    assert proc.returncode == 0, proc.stderr.decode()
    after = snapshot(tmp_path / "b")
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(after) == len(before) + 1


# --------------------------------------------------------------------------- limits


def test_limits_are_configurable(tmp_path):
    good = H.write_return(tmp_path / "a.xlsx")
    small = run("validate", good, "--json", "--limits", "max_file_mb=0.001")
    assert small.returncode == 1
    assert json.loads(small.stdout)["files"][0]["findings"][0]["code"] == "file-too-large"
    env = run("validate", good, "--json", env={"OGI_XLSX_LIMITS": "max_cells=10"})
    assert json.loads(env.stdout)["files"][0]["findings"][0]["code"] == "file-too-large"
    # the option wins over the environment
    assert (
        run("validate", good, "--limits", "max_cells=1000000", env={"OGI_XLSX_LIMITS": "max_cells=10"}).returncode == 0
    )
    merged = run("merge", good, "-o", tmp_path / "s.xlsx", "--limits", "max_file_mb=0.001", "--year", "2024")
    assert merged.returncode == 1
    for bad in ("nonsense=1", "max_cells=-1", "max_cells=x"):
        proc = run("validate", good, "--limits", bad)
        assert proc.returncode == 2 and "错误" in proc.stderr.decode()


# --------------------------------------------------------------------------- atomic outputs


def _invoke(*args):
    return runner.invoke(app, [os.fsdecode(a) if isinstance(a, Path) else a for a in args])


@pytest.mark.parametrize("command", ["fill", "export", "merge", "merge-json", "annotate", "template", "roster"])
def test_an_interrupted_write_leaves_nothing(tmp_path, command, monkeypatch):
    (tmp_path / "in").mkdir()
    good = H.write_return(tmp_path / "in" / "a.xlsx")
    src = tmp_path / "in" / "a.json"
    src.write_text(H.example_doc().dumps(), "utf-8")
    roster = tmp_path / "in" / "roster.csv"
    roster.write_text("单位代码,单位名称\nU1,甲\nU2,乙\n", "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(tmp_path / "in")
    real_replace = os.replace
    calls = []

    def boom(a, b):
        calls.append(b)
        if command == "merge-json" and not str(b).endswith(".json"):
            return real_replace(a, b)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    args = {
        "fill": ("fill", src, "-o", out / "r.xlsx"),
        "export": ("export", good, "-o", out / "r.json"),
        "merge": ("merge", good, "-o", out / "s.xlsx"),
        "merge-json": ("merge", good, "-o", out / "s.xlsx", "--json", out / "s.json"),
        "annotate": ("validate", good, "--annotate-all", "--annotate", out),
        "template": ("template", "-o", out / "t.xlsx", "--year", "2024"),
        "roster": ("template", "--roster", roster, "-o", out, "--year", "2024"),
    }[command]
    result = _invoke(*args)
    assert calls, "the output was not written through os.replace"
    assert result.exit_code != 0
    left = sorted(p.name for p in out.iterdir())
    if command == "merge-json":
        assert left == ["s.xlsx"]  # the workbook made it; the JSON left no temporary file
    else:
        assert left == [], left
    assert snapshot(tmp_path / "in") == before


# --------------------------------------------------------------------------- time and memory per file

_PROBE = """
import json, resource, sys, time
from pathlib import Path
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
from ogi_xlsx.validate import check_file
report = check_file(Path(sys.argv[1]))
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "rss_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
    "codes": [f.code for f in report.findings],
}))
"""


@pytest.mark.parametrize(
    "name",
    [
        "zip-bomb.xlsx",
        "million-rows.xlsx",
        "huge-sst.xlsx",
        "laughs-sharedStrings.xlsx",
        "truncated.xlsx",
        "long.xlsx",
        "many-cells.xlsx",
        "huge-merge.xlsx",
    ],
)
def test_each_worst_case_within_10_s_and_500_mb(batch, tmp_path, name):
    path = batch / name
    if name == "long.xlsx":
        path = H.set_cells(
            tmp_path / name, {"t3.r_new.c_natural": "长" * 40_000, H.cover_address("unit_name"): "名" * 40_000}
        )
    elif name == "many-cells.xlsx":
        path = H.many_cells(tmp_path / name)
    elif name == "huge-merge.xlsx":
        path = H.huge_range(tmp_path / name)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, os.fsdecode(path)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["seconds"] < 10, out
    assert out["rss_mb"] < 500, out
    if name not in ("many-cells.xlsx", "huge-merge.xlsx"):  # those two are valid returns with extra content
        assert out["codes"], out


def test_very_long_unit_names_in_a_roster_and_returns(tmp_path):
    name = "名" * 40_000
    roster = tmp_path / "roster.csv"
    roster.write_text(f"单位代码,单位名称\nU1,{name}\nU2,乙\n", "utf-8")
    proc = run("template", "--roster", roster, "-o", tmp_path / "t", "--year", "2024")
    assert proc.returncode == 0, proc.stderr.decode()
    made = sorted((tmp_path / "t").iterdir())
    assert len(made) == 2 and all(len(os.fsencode(p.name)) <= 255 for p in made)
    src = tmp_path / "u1.json"
    src.write_text(H.example_doc("U1", name).dumps(), "utf-8")
    assert run("fill", src, "-o", tmp_path / "u1.xlsx").returncode == 0
    proc = run("validate", tmp_path / "u1.xlsx", "--roster", roster, "--json")
    assert proc.returncode in (0, 1)
    for f in json.loads(proc.stdout)["files"][0]["findings"]:
        assert len(f["message"]) < 2000, (f["code"], len(f["message"]))  # a long name is quoted shortened
    js = tmp_path / "s.json"
    assert (
        run("merge", tmp_path / "u1.xlsx", "--roster", roster, "-o", tmp_path / "s.xlsx", "--json", js).returncode == 1
    )
    assert {u["code"]: u["status"] for u in json.loads(js.read_text("utf-8"))["units"]}["U1"] == "merged"


@pytest.mark.parametrize(
    "case", ["zip-bomb.xlsx", "laughs-sharedStrings.xlsx", "million-rows.xlsx", "empty.xlsx", "huge-field.csv"]
)
def test_a_hostile_roster_is_a_usage_error(batch, tmp_path, case):
    import time

    roster = tmp_path / f"roster-{case}"
    if case == "huge-field.csv":
        roster.write_text("单位代码,单位名称\nU1," + "x" * 200_000 + "\n", "utf-8")
    else:
        roster.write_bytes((batch / case).read_bytes())
    good = H.write_return(tmp_path / "a.xlsx")
    for args in (
        ("template", "--roster", roster, "-o", tmp_path / "t", "--year", "2024"),
        ("validate", good, "--roster", roster),
        ("merge", good, "--roster", roster, "-o", tmp_path / "s.xlsx"),
    ):
        start = time.perf_counter()
        proc = run(*args)
        assert time.perf_counter() - start < 15, args
        assert proc.returncode == 2, args
        assert "报送名单" in proc.stderr.decode("utf-8")
    assert not (tmp_path / "s.xlsx").exists() and not (tmp_path / "t").exists()


def test_hostile_json_documents(tmp_path):
    good = H.example_doc().dumps()
    cases = {
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "bigint.json": good.replace('"t3.r_new.c_natural": 5', '"t3.r_new.c_natural": ' + "9" * 5000),
        "nan.json": good.replace('"t3.r_new.c_natural": 5', '"t3.r_new.c_natural": NaN'),
        "money.json": good.replace('"0.452"', '"1e99999"'),
        "empty.json": "",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, "utf-8")
    (tmp_path / "gbk.json").write_bytes(good.encode("gbk"))
    (tmp_path / "binary.json").write_bytes(b"\x00\xff" * 100)
    assert '"t3.r_new.c_natural": 5' in good
    files = sorted(tmp_path.glob("*.json"))
    proc = run("validate", *files, "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["summary"] == {"files": len(files), "valid": 0, "invalid": len(files)}
    assert all(f["findings"] and chinese(f["findings"][0]["message"]) for f in data["files"])
    for path in files:
        proc = run("fill", path, "-o", tmp_path / f"{path.stem}.xlsx")
        assert proc.returncode in (1, 2) and chinese(proc.stderr.decode("utf-8"))
        assert not (tmp_path / f"{path.stem}.xlsx").exists()


def test_huge_merged_or_hyperlinked_ranges_do_not_hang_annotate(tmp_path):
    import time

    folder = tmp_path / "in"
    folder.mkdir()
    H.huge_range(folder / "merge.xlsx", "merge")
    H.huge_range(folder / "link.xlsx", "hyperlink")
    H.many_cells(folder / "cells.xlsx")  # 190,000 cells: openpyxl would need > 10 s for the copy
    H.many_merges(folder / "merges.xlsx")  # 100,000 small merges: 12 s in openpyxl
    H.many_conditional_formats(folder / "formats.xlsx")  # 7 MB of worksheet XML
    H.write_return(folder / "good.xlsx")
    start = time.perf_counter()
    proc = run("validate", folder, "--annotate-all", "--annotate", tmp_path / "out", "--json")
    assert time.perf_counter() - start < 30
    assert proc.returncode == 1  # five copies could not be written
    err = proc.stderr.decode("utf-8")
    assert err.count("无法生成标注副本") == 5, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good_审核结果.xlsx"]


@pytest.mark.parametrize("interrupt", [RuntimeError("disk gone"), KeyboardInterrupt()])
@pytest.mark.parametrize("command", ["fill", "merge", "annotate"])
def test_a_writer_failing_mid_write_leaves_nothing(tmp_path, monkeypatch, command, interrupt):
    """The workbook writer dies after writing part of the file: no output, no temporary file."""
    import ogi_xlsx.template as template

    (tmp_path / "in").mkdir()
    good = H.write_return(tmp_path / "in" / "a.xlsx")
    src = tmp_path / "in" / "a.json"
    src.write_text(H.example_doc().dumps(), "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(tmp_path / "in")

    def half_then_die(target, *args, **kwargs):
        Path(target).write_bytes(b"PK\x03\x04 half a workbook")
        raise interrupt

    monkeypatch.setattr(template, "_write", half_then_die)
    if command == "annotate":
        import openpyxl.workbook.workbook as wbmod

        def save_half(self, filename):
            Path(filename).write_bytes(b"PK\x03\x04 half a workbook")
            raise interrupt

        monkeypatch.setattr(wbmod.Workbook, "save", save_half)
    args = {
        "fill": ("fill", src, "-o", out / "r.xlsx"),
        "merge": ("merge", good, "-o", out / "s.xlsx", "--json", out / "s.json"),
        "annotate": ("validate", good, "--annotate-all", "--annotate", out),
    }[command]
    result = _invoke(*args)
    assert result.exit_code != 0
    assert sorted(p.name for p in out.iterdir()) == []
    assert snapshot(tmp_path / "in") == before


def test_a_fifo_named_xlsx_does_not_block_the_batch(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe.xlsx")  # open() on it would wait for a writer forever
    H.write_return(folder / "good.xlsx")
    proc = run("validate", folder, "--json")
    assert proc.returncode == 1
    entries = {Path(f["path"]).name: f for f in json.loads(proc.stdout)["files"]}
    assert entries["good.xlsx"]["valid"]
    assert entries["pipe.xlsx"]["findings"][0]["code"] == "file-unreadable"
    assert run("merge", folder, "-o", tmp_path / "s.xlsx").returncode == 1


def test_template_never_overwrites_its_roster(tmp_path):
    from openpyxl import Workbook

    from ogi_xlsx.roster import safe_filename

    roster = tmp_path / safe_filename("U1", "甲")
    wb = Workbook()
    wb.active.append(["单位代码", "单位名称"])
    wb.active.append(["U1", "甲"])
    wb.save(roster)
    before = snapshot(tmp_path)
    proc = run("template", "--roster", roster, "-o", tmp_path, "--year", "2024", "--force")
    assert proc.returncode == 2 and "名单" in proc.stderr.decode("utf-8")
    assert snapshot(tmp_path) == before


def test_unwritable_output_paths_are_usage_errors(tmp_path):
    good = H.write_return(tmp_path / "a.xlsx")
    src = tmp_path / "a.json"
    src.write_text(H.example_doc().dumps(), "utf-8")
    long = "长" * 100  # 300 bytes: over the file-name limit
    before = snapshot(tmp_path)
    for args in (
        ("fill", src, "-o", tmp_path / "a.json" / "x.xlsx"),
        ("fill", src, "-o", tmp_path / f"{long}.xlsx"),
        ("export", good, "-o", tmp_path / "a.xlsx" / "x.json"),
        ("merge", good, "-o", tmp_path / f"{long}.xlsx"),
        ("validate", good, "--annotate-all", "--annotate", tmp_path / "a.xlsx" / "x"),
        ("template", "-o", tmp_path / "a.xlsx" / "t.xlsx"),
        ("template", "-o", tmp_path / f"{long}.xlsx"),
    ):
        proc = run(*args)
        assert proc.returncode == 2, args
        assert chinese(proc.stderr.decode("utf-8")), args
        assert snapshot(tmp_path) == before, args  # nothing written, no temporary file left


def test_a_huge_file_is_refused_before_it_is_read_or_hashed(tmp_path, monkeypatch):
    """A sparse 30 GB file: refused from its size alone, within the per-file time budget."""
    import hashlib
    import time

    from ogi_xlsx.validate import check_file

    huge = tmp_path / "huge.xlsx"
    with open(huge, "wb") as fh:
        fh.truncate(30 * 1024**3)
    calls = []
    real = hashlib.sha256
    monkeypatch.setattr(hashlib, "sha256", lambda *a: calls.append(a) or real(*a))
    start = time.monotonic()
    report = check_file(huge)
    assert time.monotonic() - start < 1
    assert [f.code for f in report.findings] == ["file-too-large"]
    assert "30720.0 MB" in report.findings[0].message and "--limits" in report.findings[0].message
    assert calls == []
