"""``ogi-xlsx --help`` stays light: no heavy library is imported to print the help."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = {"openpyxl", "xlsxwriter", "jsonschema", "rich", "defusedxml"}

PROBE = """
import json, sys
from ogi_xlsx.cli import app
args = sys.argv[1:]
try:
    app(args, standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(json.loads(sys.stdin.read())))))
"""


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["merge", "--help"], ["template", "--help"]])
def test_help_imports_no_heavy_module(args):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps(sorted(HEAVY)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert "ogi-xlsx" in proc.stdout or "Usage" in proc.stdout
    assert json.loads(lines[-1]) == []


def test_importing_the_cli_and_cache_is_light():
    code = "import sys, ogi_xlsx.cli, ogi_xlsx.cache; print(sorted({m.split('.')[0] for m in sys.modules}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = set(json.loads(proc.stdout.replace("'", '"')))
    assert not loaded & HEAVY
