"""Human output of ``validate``: aligned columns, folded (never cropped) messages, no control characters."""

from __future__ import annotations

import io
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console

from ogi_xlsx.cli.render import render
from ogi_xlsx.model.findings import Finding
from ogi_xlsx.pipeline.report import FileReport


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


def _report_with(messages: list[str]) -> FileReport:
    report = FileReport(
        path=Path("r.xlsx"), sha256="", size=0, mtime=0.0, unit_name="某街道", unit_code="U1", year=2024
    )
    report.findings = [
        Finding("value-blank", m, sheet="三、依申请公开", cell=f"D{i + 6}") for i, m in enumerate(messages)
    ]
    return report


def test_folded_lines_follow_chinese_line_breaking_rules():
    """No continuation line starts with closing punctuation (，。；） …) and no line ends with an opening one."""
    from ogi_xlsx.cli.render import _NO_LINE_END, _NO_LINE_START, _fold

    message = "表三 F12（（三）不予公开 3.危及“三安全一稳定” / 法人或其他组织 科研机构）：未填写，已按 0 计算；没有发生请填 0。"
    for width in range(20, 80):
        pieces = _fold(message, width)
        assert "".join(pieces) == message
        assert all(cell_len(p) <= width for p in pieces)
        assert not any(p[0] in _NO_LINE_START for p in pieces[1:]), (width, pieces)
        assert not any(p[-1] in _NO_LINE_END for p in pieces[:-1]), (width, pieces)


def test_plain_output_is_the_rich_output_without_styles():
    """``render_plain`` (stdout redirected: rich is not even imported) prints what a non-terminal rich console prints."""
    from ogi_xlsx.cli.render import render_plain

    report = _report_with(
        ["短消息", "表三 D12（（三）不予公开 3.危及“三安全一稳定” / 自然人）：未填写，已按 0 计算；没有发生请填 0。"]
    )
    via_rich, plain = io.StringIO(), io.StringIO()
    render([report], Console(file=via_rich, width=72))
    render_plain([report], plain, width=72)
    assert plain.getvalue() == via_rich.getvalue()
    assert plain.getvalue().rstrip().endswith("共 1 份，通过 1 份，需修改 0 份")


def test_terminal_output_is_the_plain_output_with_colours():
    """On a terminal the same lines are printed, with the title and each severity label coloured."""
    import re

    from ogi_xlsx.cli.render import render_plain

    report = _report_with(
        ["短消息", "表三 D12（（三）不予公开 3.危及“三安全一稳定” / 自然人）：未填写，已按 0 计算；没有发生请填 0。"]
    )
    report.findings.append(Finding("sum-mismatch", "合计不符", sheet="四、复议诉讼", cell="F6"))
    terminal, plain = io.StringIO(), io.StringIO()
    render([report], Console(file=terminal, width=72, force_terminal=True, color_system="standard"))
    render_plain([report], plain, width=72)
    coloured = terminal.getvalue()
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain.getvalue()
    assert "\x1b[1;31m" in coloured  # the title of a return with an error is bold red
    assert re.search(r"\x1b\[1;31m  错误\x1b\[0m", coloured) and re.search(r"\x1b\[33m  警告\x1b\[0m", coloured)
