"""Validation reports for people (a Chinese table per file) and machines (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ogi_xlsx.findings import SEVERITY_LABELS
from ogi_xlsx.validate import FileReport

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def summary(reports: Sequence[FileReport]) -> dict[str, int]:
    valid = sum(1 for r in reports if r.valid)
    return {"files": len(reports), "valid": valid, "invalid": len(reports) - valid}


def to_json(reports: Sequence[FileReport]) -> dict[str, Any]:
    """The ``validate --json`` document."""
    return {"files": [r.to_dict() for r in reports], "summary": summary(reports)}


def dumps(reports: Sequence[FileReport]) -> str:
    return json.dumps(to_json(reports), ensure_ascii=False, indent=2) + "\n"


def summary_line(reports: Sequence[FileReport]) -> str:
    s = summary(reports)
    return f"共 {s['files']} 份，通过 {s['valid']} 份，需修改 {s['invalid']} 份"


def file_title(report: FileReport) -> str:
    who = " ".join(part for part in (report.unit_name, f"（{report.unit_code}）" if report.unit_code else "") if part)
    what = f"{report.year} 年度" if report.year else ""
    status = "通过" if report.valid else "需修改"
    counts = report.counts()
    tally = f"错误 {counts['error']}，警告 {counts['warning']}，提示 {counts['info']}"
    return f"{report.path}  {who} {what}  【{status}】 {tally}".replace("  ", " ").strip()


def render(reports: Sequence[FileReport], console: Any, *, show_info: bool = True) -> None:
    """Print one table per file and the summary line on a rich console."""
    from rich.table import Table
    from rich.text import Text

    for report in reports:
        style = "green" if report.valid else "red"
        console.print(Text(file_title(report), style=f"bold {style}"))
        findings = [f for f in report.findings if show_info or f.severity != "info"]
        if not findings:
            console.print("  未发现问题。")
            console.print()
            continue
        table = Table(show_header=True, header_style="bold", expand=False, show_lines=False)
        table.add_column("级别", no_wrap=True)
        table.add_column("工作表", no_wrap=True)
        table.add_column("单元格", no_wrap=True)
        table.add_column("问题")
        for f in findings:
            sev = f.severity or "error"
            table.add_row(
                Text(SEVERITY_LABELS[sev], style=SEVERITY_STYLES[sev]),
                Text(f.sheet or "—"),
                Text(f.cell or "—"),
                Text(f.message),
            )
        console.print(table)
        console.print()
    console.print(Text(summary_line(reports), style="bold"))
