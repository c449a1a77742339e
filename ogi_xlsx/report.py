"""Validation reports for people (a Chinese table per file) and machines (JSON)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from unicodedata import combining, east_asian_width

from ogi_xlsx.findings import SEVERITY_LABELS
from ogi_xlsx.validate import FileReport

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def summary(reports: Sequence[FileReport]) -> dict[str, int]:
    valid = sum(1 for r in reports if r.valid)
    return {"files": len(reports), "valid": valid, "invalid": len(reports) - valid}


def to_json(reports: Sequence[FileReport], skipped: Sequence[Any] = ()) -> dict[str, Any]:
    """The ``validate --json`` document (``skipped``: files found but not read, with the reason)."""
    return {
        "files": [r.to_dict() for r in reports],
        "skipped": [s.to_dict() for s in skipped],
        "summary": summary(reports),
    }


def dumps(reports: Sequence[FileReport], skipped: Sequence[Any] = ()) -> str:
    """``validate --json`` text; always valid UTF-8 (a file name that is not shows U+FFFD)."""
    text = json.dumps(to_json(reports, skipped), ensure_ascii=False, indent=2) + "\n"
    # names not in UTF-8 arrive as lone surrogates (os.fsdecode): never write them as raw bytes
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def summary_line(reports: Sequence[FileReport], skipped: int = 0) -> str:
    s = summary(reports)
    tail = f"；另跳过 {skipped} 个文件（见上）" if skipped else ""
    return f"共 {s['files']} 份，通过 {s['valid']} 份，需修改 {s['invalid']} 份{tail}"


def _skipped_text(skipped: Sequence[Any]) -> str:
    from ogi_xlsx.inbox import skipped_lines

    lines = skipped_lines(skipped)
    return _clean("\n".join(lines)).replace("\t", " ") + "\n\n" if lines else ""


def file_title(report: FileReport) -> str:
    who = " ".join(part for part in (report.unit_name, f"（{report.unit_code}）" if report.unit_code else "") if part)
    what = f"{report.year} 年度" if report.year else ""
    status = "通过" if report.valid else "需修改"
    counts = report.counts()
    tally = f"错误 {counts['error']}，警告 {counts['warning']}，提示 {counts['info']}"
    return f"{report.path}  {who} {what}  【{status}】 {tally}".replace("  ", " ").strip()


def _cells(char: str) -> int:
    if combining(char):
        return 0
    return 2 if east_asian_width(char) in "WF" else 1


# Chinese line breaking (禁则): closing punctuation never starts a line, opening never ends one.
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…·%％,.;:!?)]}")
_NO_LINE_END = frozenset("（《「『【〔〈“‘([{")


@lru_cache(maxsize=8192)  # the same cells give the same messages in many returns
def _fold(text: str, width: int) -> tuple[str, ...]:
    """Split ``text`` into pieces of at most ``width`` terminal cells (CJK has no spaces to break at)."""
    if len(text) * 2 <= width:
        return (text,)
    lines, start, used = [], 0, 0
    for index, char in enumerate(text):
        size = _cells(char)
        if used + size > width and index > start:
            cut = index
            while cut > start + 1 and (text[cut] in _NO_LINE_START or text[cut - 1] in _NO_LINE_END):
                cut -= 1
            lines.append(text[start:cut])
            start, used = cut, sum(_cells(c) for c in text[cut:index])
        used += size
    lines.append(text[start:])
    return tuple(lines)


@lru_cache(maxsize=4096)  # sheet names, cell addresses and labels repeat in every file
def _width(text: str) -> int:
    """Terminal cells of ``text``: the measure ``_fold`` uses (rich.cells would cost an import)."""
    return sum(_cells(char) for char in text)


@lru_cache(maxsize=4096)
def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# Control characters from file or sheet names never reach the terminal (a file could carry ESC sequences).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    return _CONTROL.sub("\ufffd", text)


def plain_width() -> int:
    """Line width when the output is not a terminal: ``$COLUMNS``, else 80 (what rich does)."""
    import os

    try:
        return max(int(os.environ.get("COLUMNS", "")), 1)
    except ValueError:
        return 80


def _file_lines(report: FileReport, width: int, show_info: bool) -> list[tuple[str, str | None]]:
    """One file's finding lines as (text, style of the severity column), messages folded to ``width``."""
    findings = [f for f in report.findings if show_info or f.severity != "info"]
    if not findings:
        return [("  未发现问题。", None)]
    header = ("级别", "工作表", "单元格")
    rows = [(f.severity or "error", f.sheet or "—", f.cell or "—", f.message) for f in findings]
    widths = [
        max(_width(header[0]), *(_width(SEVERITY_LABELS[r[0]]) for r in rows)),
        max(_width(header[1]), *(_width(r[1]) for r in rows)),
        max(_width(header[2]), *(_width(r[2]) for r in rows)),
    ]
    indent = 2 + sum(widths) + 2 * len(widths)
    room = max(width - indent - 1, 20)
    continuation = "\n" + " " * indent
    lines: list[tuple[str, str | None]] = [
        ("  " + "  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)) + "  问题", "bold")
    ]
    for severity, sheet, cell, message in rows:
        text = (
            f"  {_pad(SEVERITY_LABELS[severity], widths[0])}  {_pad(sheet, widths[1])}  {_pad(cell, widths[2])}  "
            + continuation.join(_fold(message, room))
        )
        lines.append((text, severity))
    return lines


def plain_lines(report: FileReport, width: int, show_info: bool = True) -> str:
    """The finding lines of one file as printed by :func:`render_plain` (kept in the result cache)."""
    return _clean("\n".join(line for line, _ in _file_lines(report, width, show_info))).replace("\t", " ")


def render_plain(
    reports: Sequence[FileReport],
    out: Any,
    *,
    width: int | None = None,
    show_info: bool = True,
    skipped: Sequence[Any] = (),
) -> None:
    """The report as plain text on a file (output that is not a terminal): no rich, no styles."""
    width = max(width or plain_width(), 60)
    for report in reports:
        lines = report.stored_text(width) if show_info else None
        if lines is None:
            lines = plain_lines(report, width, show_info)
        out.write(_clean(file_title(report)).replace("\t", " ") + "\n" + lines + "\n\n")
    out.write(_skipped_text(skipped))
    out.write(summary_line(reports, len(skipped)) + "\n")


def render(reports: Sequence[FileReport], console: Any, *, show_info: bool = True, skipped: Sequence[Any] = ()) -> None:
    """Print the findings of each file as aligned columns, then the summary line, on a rich console.

    The same lines as :func:`render_plain` (written as they are when the console is not a
    terminal); on a terminal one styled ``Text`` per file, its styles given as spans: a rich
    ``Table`` per file cost more than validating the file (~8 ms a file with a dozen findings),
    and ``Text.append`` per line cleaned every piece again.
    """
    if not console.is_terminal:
        render_plain(reports, console.file, width=console.width, show_info=show_info, skipped=skipped)
        return
    from rich.text import Span, Text

    width = max(console.width, 60)
    label_styles = {"  " + SEVERITY_LABELS[k]: v for k, v in SEVERITY_STYLES.items()}
    header = "  " + "级别"
    for report in reports:
        lines = report.stored_text(width) if show_info else None
        if lines is None:
            lines = plain_lines(report, width, show_info)
        title = _clean(file_title(report))
        spans = [Span(0, len(title), "bold " + ("green" if report.valid else "red"))]
        offset = len(title) + 1
        for line in lines.split("\n"):
            prefix = line[:4]
            if prefix in label_styles:
                spans.append(Span(offset, offset + 4, label_styles[prefix]))
            elif line.startswith(header):
                spans.append(Span(offset, offset + len(line), "bold"))
            offset += len(line) + 1
        console.print(Text(f"{title}\n{lines}\n", spans=spans), soft_wrap=True)
    if skipped:
        console.print(Text(_skipped_text(skipped).rstrip("\n"), style="yellow"))
    console.print(Text(summary_line(reports, len(skipped)), style="bold"))
