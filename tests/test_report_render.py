"""Human output of ``validate``: aligned columns, folded (never cropped) messages, no control characters."""

from __future__ import annotations

import io
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console

from ogi_xlsx.findings import Finding
from ogi_xlsx.report import render
from ogi_xlsx.validate import FileReport


def test_plain_render_folds_and_cleans():
    long = "表三 D12（（三）不予公开 3.危及“三安全一稳定” / 自然人）：未填写，已按 0 计算；没有发生请填 0。" * 2
    report = FileReport(path=Path("evil\x1b[31m.xlsx"), sha256="", size=0, mtime=0.0, unit_name="某\x9b街道")
    report.findings = [
        Finding("value-blank", long, sheet="三、依申请公开", cell="D12"),
        Finding("sum-mismatch", "短消息", sheet="表\x07四", cell="B6"),
    ]
    buffer = io.StringIO()
    render([report], Console(file=buffer, width=80))
    out = buffer.getvalue()
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    lines = out.splitlines()
    assert all(cell_len(line) <= 80 for line in lines)
    # the long message comes back whole when its continuation lines are joined
    start = next(i for i, line in enumerate(lines) if "D12" in line)
    column = lines[start].index("表三 D12")
    text = lines[start][column:]
    for line in lines[start + 1 :]:
        if line[:column].strip():
            break
        text += line.lstrip(" ")
    assert text.replace(" ", "") == long.replace(" ", "")  # nothing cropped (fold points may fall on a space)
    assert "短消息" in out and "共 1 份" in out
