"""The README's "Python API" example runs as written (in a scratch folder, with the bundled examples)."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent


def _api_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the Python API section has one python example"
    return blocks[0]


def test_the_python_api_example_runs(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OGI_XLSX_CACHE_DIR", str(tmp_path / "cache"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_api_example(), "README.md#python-api", "exec"), {"__name__": "readme"})
    printed = out.getvalue().splitlines()
    assert printed[0].startswith("haibin.xlsx True {'error': 0"), printed
    wb = openpyxl.load_workbook(tmp_path / "汇总表.xlsx", read_only=True)
    assert {"三、依申请公开", "报送情况"} <= set(wb.sheetnames)
    wb.close()
    # the summary is itself a valid return holding the one unit's figures
    from ogi_xlsx import api

    summary = api.check_file(tmp_path / "汇总表.xlsx")
    doc = api.read_return_json(tmp_path / "examples" / "haibin-2024.json")
    assert summary.valid and summary.document is not None
    assert {k: summary.document.values[k] for k in doc.spec.input_ids} == {k: doc.values[k] for k in doc.spec.input_ids}
