"""``ogi-xlsx --help`` stays light: no heavy library is imported to print the help."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = {"openpyxl", "xlsxwriter", "jsonschema", "rich", "defusedxml", "docx", "lxml"}
# the readers of published reports (issue 15): imported only when such a report is read
HEAVY |= {"pdfplumber", "pdfminer", "pypdfium2", "charset_normalizer"}
# the collection portal's web stack: imported only by `serve` (and the portal's tests)
WEB = {"starlette", "jinja2", "uvicorn", "multipart", "python_multipart", "anyio", "httpx"}

PROBE = """
import json, sys
from ogi_xlsx.cli.main import app
args = sys.argv[1:]
try:
    app(args, standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(json.loads(sys.stdin.read())))))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["validate", "--help"],
        ["merge", "--help"],
        ["template", "--help"],
        ["publish", "--help"],
        ["import", "--help"],
        ["serve", "--help"],
        ["portal", "--help"],
        ["portal", "create", "--help"],
    ],
)
def test_help_imports_no_heavy_module(args):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps(sorted(HEAVY | WEB)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert "ogi-xlsx" in proc.stdout or "Usage" in proc.stdout
    assert json.loads(lines[-1]) == []


def test_importing_the_query_modules_is_light():
    """Plausibility, settings, explanations and the 情况说明 sheet import their heavy helpers
    (jsonschema, tomllib, openpyxl) only inside the functions that need them."""
    modules = "checks.plausibility, checks.settings, checks.explanations, pipeline.queries, reading.explanation_sheet"
    imports = "".join(f"import ogi_xlsx.{m}\n" for m in modules.split(", "))
    code = f"import sys\n{imports}print(sorted({{m.split('.')[0] for m in sys.modules}}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = set(json.loads(proc.stdout.replace("'", '"')))
    assert not loaded & (HEAVY | {"tomllib"})


def test_importing_the_cli_and_cache_is_light():
    code = (
        "import sys, ogi_xlsx.cli.main, ogi_xlsx.pipeline.cache, ogi_xlsx.importer; "
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = set(json.loads(proc.stdout.replace("'", '"')))
    assert not loaded & (HEAVY | WEB)


WARM_PROBE = """
import json, sys
from ogi_xlsx.cli.main import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
loaded = {m.split('.')[0] for m in sys.modules} | {m for m in sys.modules if m.startswith('ogi_xlsx')}
print(json.dumps(sorted(loaded)))
"""


@pytest.mark.slow
def test_revalidating_from_a_warm_cache_reads_no_workbook(tmp_path):
    """Served from the cache, ``validate`` imports neither the reader nor jsonschema, rich or a process pool."""
    from ogi_xlsx.model.spec import load_format
    from ogi_xlsx.writing.template import write_workbook

    spec = load_format("2021")
    returns = tmp_path / "returns"  # the cache folder beside it, not inside (its files would be listed as skipped)
    returns.mkdir()
    for index in range(3):
        values = dict.fromkeys(spec.input_ids, index)
        write_workbook(
            returns / f"r{index}.xlsx",
            spec,
            year=2024,
            unit_code=f"U{index}",
            unit_name=f"单位{index}",
            values=values,
            kind="return",
        )
    env = {**__import__("os").environ, "OGI_XLSX_CACHE_DIR": str(tmp_path / "cache")}
    args = ["validate", str(returns), "--jobs", "2"]
    runs = [
        subprocess.run([sys.executable, "-c", WARM_PROBE, *args], capture_output=True, text=True, timeout=120, env=env)
        for _ in range(2)
    ]
    cold, warm = (set(json.loads(r.stdout.strip().splitlines()[-1])) for r in runs)
    assert "ogi_xlsx.reading.xlsx" in cold and "jsonschema" in cold  # the first run really read and checked the files
    assert not warm & (HEAVY | {"ogi_xlsx.reading.xlsx", "ogi_xlsx.reading.extract", "multiprocessing"}), warm & HEAVY
    # same report both times (the reports are plain text: stdout is a pipe here)
    assert runs[0].stdout.splitlines()[:-1] == runs[1].stdout.splitlines()[:-1]
    assert "共 3 份" in runs[1].stdout


def test_importing_the_pipeline_and_its_checks_is_light():
    """The redesigned core (issue 12): options, report, one-file check, batch, cache, the document checks
    and the style table import no heavy library until a file is read or written."""
    modules = (
        "api, pipeline.options, pipeline.report, pipeline.check, pipeline.batch, pipeline.cache, "
        "checks.document, checks.schema, model.cellref, writing.styles"
    )
    imports = "".join(f"import ogi_xlsx.{m}\n" for m in modules.split(", "))
    code = f"import sys\n{imports}print(sorted({{m.split('.')[0] for m in sys.modules}}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = set(json.loads(proc.stdout.replace("'", '"')))
    assert not loaded & (HEAVY | WEB)
