"""Validation reports for people (a Chinese table per file) and machines (JSON)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from unicodedata import combining, east_asian_width

from ogi_xlsx.findings import SEVERITY_LABELS, Finding
from ogi_xlsx.validate import FileReport

SEVERITY_STYLES = {"error": "bold red", "query": "bold magenta", "warning": "yellow", "info": "cyan"}


def summary(reports: Sequence[FileReport]) -> dict[str, int]:
    valid = sum(1 for r in reports if r.valid)
    return {"files": len(reports), "valid": valid, "invalid": len(reports) - valid}


def to_json(
    reports: Sequence[FileReport], skipped: Sequence[Any] = (), batch: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``validate --json`` document (``skipped``: files found but not read, with the reason;
    ``batch``: the batch notes of :func:`batch_notes`)."""
    out = {
        "files": [r.to_dict() for r in reports],
        "skipped": [s.to_dict() for s in skipped],
        "summary": summary(reports),
    }
    if batch:
        out["batch"] = batch
    return out


def dumps(reports: Sequence[FileReport], skipped: Sequence[Any] = (), batch: dict[str, Any] | None = None) -> str:
    """``validate --json`` text; always valid UTF-8 (a file name that is not shows U+FFFD)."""
    text = json.dumps(to_json(reports, skipped, batch), ensure_ascii=False, indent=2) + "\n"
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
    counts = report.counts()
    # 需核实: no error, but a query (核实) is neither corrected nor explained acceptably
    status = "通过" if report.valid else ("需修改" if counts["error"] else "需核实")
    queries = ""
    if counts["query"]:
        explained = sum(1 for f in report.findings if f.severity == "query" and f.explanation)
        queries = f"核实 {counts['query']}" + (f"（已说明 {explained}）" if explained else "") + "，"
    tally = f"错误 {counts['error']}，{queries}警告 {counts['warning']}，提示 {counts['info']}"
    return f"{report.path}  {who} {what}  【{status}】 {tally}".replace("  ", " ").strip()


def _cells(char: str) -> int:
    if combining(char):
        return 0
    return 2 if east_asian_width(char) in "WF" else 1


# Chinese line breaking (禁则): closing punctuation never starts a line, opening never ends one.
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…·%％,.;:!?)]}")
_NO_LINE_END = frozenset("（《「『【〔〈“‘([{=")
_UNBROKEN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,:=+-$!%")


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
            while cut > start + 1 and (
                text[cut] in _NO_LINE_START
                or text[cut - 1] in _NO_LINE_END
                # never inside a number or a cell reference ("D30=2", "1,234.5", "-1")
                or (text[cut] in _UNBROKEN and text[cut - 1] in _UNBROKEN)
            ):
                cut -= 1
            if cut <= start + 1:  # one unbreakable run wider than the line (a path, a hash): cut it
                cut = index
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


_BLANK_CODES = ("value-blank", "value-blank-strict")
_A1 = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def cell_ranges(addresses: Sequence[str]) -> list[str]:
    """A1 addresses as few rectangles as a greedy scan finds (``D10:I12``, ``F6``), in reading order."""
    from ogi_xlsx.layout import a1

    cells: set[tuple[int, int]] = set()
    for address in addresses:
        match = _A1.match(address)
        if match:
            cells.add((int(match[2]), _column_number(match[1])))
    out = []
    done: set[tuple[int, int]] = set()
    for row, col in sorted(cells):
        if (row, col) in done:
            continue
        right = col
        while (row, right + 1) in cells and (row, right + 1) not in done:
            right += 1
        bottom = row
        while all((bottom + 1, c) in cells and (bottom + 1, c) not in done for c in range(col, right + 1)):
            bottom += 1
        done |= {(r, c) for r in range(row, bottom + 1) for c in range(col, right + 1)}
        first, last = a1(row, col), a1(bottom, right)
        out.append(first if first == last else f"{first}:{last}")
    return out


def group_blanks(findings: Sequence[Finding]) -> list[Finding]:
    """Blank-cell findings of one sheet as one line ("表三 D10:I12、F6 共 19 格未填写，已按 0 计算"),
    where the first of them was; other findings unchanged. For people only: JSON keeps one per cell."""
    by_sheet: dict[tuple[str, str | None, str], list[Finding]] = {}
    for f in findings:
        if f.code in _BLANK_CODES and f.cell:
            by_sheet.setdefault((f.code, f.severity, f.sheet or ""), []).append(f)
    out: list[Finding] = []
    emitted: set[tuple[str, str | None, str]] = set()
    for f in findings:
        key = (f.code, f.severity, f.sheet or "")
        group = by_sheet.get(key) if f.code in _BLANK_CODES and f.cell else None
        if group is None or len(group) < 2:
            out.append(f)
            continue
        if key in emitted:
            continue
        emitted.add(key)
        ranges = cell_ranges([g.cell or "" for g in group])
        table = group[0].message.split(" ", 1)[0] if group[0].message.startswith("表") else (f.sheet or "")
        tail = "已按 0 计算；没有发生请填 0" if f.code == "value-blank" else "请填写数字（没有发生请填 0）"
        message = f"{table} {'、'.join(ranges)} 共 {len(group)} 格未填写，{tail}。"
        cell = ranges[0] + ("…" if len(ranges) > 1 else "")
        cell_ids = tuple(cid for g in group for cid in g.cell_ids)
        out.append(Finding(f.code, message, severity=f.severity, sheet=f.sheet, cell=cell, cell_ids=cell_ids))
    return out


def _file_lines(
    report: FileReport, width: int, show_info: bool, errors_only: bool = False
) -> list[tuple[str, str | None]]:
    """One file's finding lines as (text, style of the severity column), messages folded to ``width``."""
    findings = [
        f
        for f in group_blanks(report.findings)
        if (show_info or f.severity != "info") and (not errors_only or f.severity == "error")
    ]
    if not findings:
        return [("  未发现错误。" if errors_only else "  未发现问题。", None)]
    header = ("级别", "工作表", "单元格")
    rows = [
        (
            f.severity or "error",
            f.sheet or "—",
            f.cell or "—",
            f.message + (f"（已说明：{f.explanation}）" if f.explanation else ""),
        )
        for f in findings
    ]
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


def plain_lines(report: FileReport, width: int, show_info: bool = True, errors_only: bool = False) -> str:
    """The finding lines of one file as printed by :func:`render_plain` (kept in the result cache)."""
    lines = _file_lines(report, width, show_info, errors_only)
    return _clean("\n".join(line for line, _ in lines)).replace("\t", " ")


def _shown(reports: Sequence[FileReport], errors_only: bool) -> Sequence[FileReport]:
    """The files printed in detail: with ``errors_only`` (--quiet) only those with errors."""
    return [r for r in reports if not r.valid] if errors_only else reports


def unit_table(reports: Sequence[FileReport]) -> list[str]:
    """One line per file: unit code, unit name, year, result, errors, warnings, file (the batch at a glance)."""
    if len(reports) < 2:
        return []
    header = ("单位代码", "单位名称", "年度", "结果", "错误", "警告", "文件")
    rows = []
    for r in sorted(reports, key=lambda r: (r.unit_code or "~", str(r.path))):
        counts = r.counts()
        rows.append(
            (
                _clean(r.unit_code or "—"),
                _clean((r.unit_name or "—")[:20]),
                str(r.year or "—"),
                "通过" if r.valid else "需修改",
                str(counts["error"]),
                str(counts["warning"]),
                _clean(Path(r.path).name),
            )
        )
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        return "  " + "  ".join(_pad(v, w) for v, w in zip(row, widths, strict=False)) + "  " + row[-1]

    return ["各单位审核结果：", line(header), *(line(row) for row in rows)]


def _tail(reports: Sequence[FileReport], skipped: Sequence[Any], notes: Sequence[str]) -> str:
    """What follows the files: the per-unit table, batch notes, skipped files."""
    table = unit_table(reports)
    text = "\n".join(table) + "\n\n" if table else ""
    if notes:
        text += _clean("\n".join(notes)) + "\n\n"
    return text + _skipped_text(skipped)


def render_plain(
    reports: Sequence[FileReport],
    out: Any,
    *,
    width: int | None = None,
    show_info: bool = True,
    skipped: Sequence[Any] = (),
    errors_only: bool = False,
    notes: Sequence[str] = (),
) -> None:
    """The report as plain text on a file (output that is not a terminal): no rich, no styles.

    ``errors_only`` (--quiet): only files with errors, only their errors. ``notes``: lines about
    the batch (units that sent nothing, mixed years, several files of one unit).
    """
    width = max(width or plain_width(), 60)
    for report in _shown(reports, errors_only):
        lines = report.stored_text(width) if show_info and not errors_only else None
        if lines is None:
            lines = plain_lines(report, width, show_info, errors_only)
        out.write(_clean(file_title(report)).replace("\t", " ") + "\n" + lines + "\n\n")
    out.write(_tail(reports, skipped, notes))
    out.write(summary_line(reports, len(skipped)) + "\n")


def render(
    reports: Sequence[FileReport],
    console: Any,
    *,
    show_info: bool = True,
    skipped: Sequence[Any] = (),
    errors_only: bool = False,
    notes: Sequence[str] = (),
) -> None:
    """Print the findings of each file as aligned columns, then the summary line, on a rich console.

    The same lines as :func:`render_plain` (written as they are when the console is not a
    terminal); on a terminal one styled ``Text`` per file, its styles given as spans: a rich
    ``Table`` per file cost more than validating the file (~8 ms a file with a dozen findings),
    and ``Text.append`` per line cleaned every piece again.
    """
    if not console.is_terminal:
        render_plain(
            reports,
            console.file,
            width=console.width,
            show_info=show_info,
            skipped=skipped,
            errors_only=errors_only,
            notes=notes,
        )
        return
    from rich.text import Span, Text

    width = max(console.width, 60)
    label_styles = {"  " + SEVERITY_LABELS[k]: v for k, v in SEVERITY_STYLES.items()}
    header = "  " + "级别"
    for report in _shown(reports, errors_only):
        lines = report.stored_text(width) if show_info and not errors_only else None
        if lines is None:
            lines = plain_lines(report, width, show_info, errors_only)
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
    tail = _tail(reports, skipped, notes).rstrip("\n")
    if tail:
        console.print(Text(tail), soft_wrap=True)
    console.print(Text(summary_line(reports, len(skipped)), style="bold"))


def batch_notes(
    reports: Sequence[FileReport],
    roster: dict[str, str] | None = None,
    expected_year: int | None = None,
    skipped: Sequence[Any] = (),
) -> tuple[list[str], dict[str, Any]]:
    """What is wrong with the batch rather than one file (issue 11): roster units that sent nothing,
    a batch mixing report years or formats, units that sent several files. (lines, JSON)."""
    from ogi_xlsx.merge import MergeInput, content_key

    lines: list[str] = []
    data: dict[str, Any] = {}
    summaries = [r for r in reports if r.kind == "summary"]
    if summaries and len(summaries) < len(reports):
        data["summaries"] = [str(r.path) for r in summaries]
        names = "、".join(Path(r.path).name for r in summaries)
        lines.append(f"{names} 是汇总表，不是单位报表：merge 时不与单位报表一起计入（除非加 --include-summaries）。")
    codes = {r.unit_code for r in reports if r.unit_code and r.kind != "summary"}
    if roster is not None:
        from ogi_xlsx.roster import leading_zero_message, lost_leading_zeros

        found = {r.unit_code: r.unit_name or "" for r in reports if r.unit_code}
        zeros = lost_leading_zeros(roster, found)
        if zeros:
            data["roster_leading_zeros"] = [{"roster": k, "returns": v} for k, v in zeros.items()]
            lines += [leading_zero_message(k, v) for k, v in zeros.items()]
        missing = [(code, name) for code, name in roster.items() if code not in codes]
        data["missing_units"] = [{"code": c, "name": n} for c, n in missing]
        if missing:
            from ogi_xlsx.inbox import skipped_for_unit

            lines.append(f"报送名单中有 {len(missing)} 个单位没有收到报表：")
            for code, name in missing:
                unreadable = "、".join(x.short for x in skipped_for_unit(skipped, code, name))
                lines.append(f"  {code} {name}" + (f"（收到了无法读取的文件 {unreadable}）" if unreadable else ""))
    if expected_year is None:
        kinds: dict[tuple[int, str], list[FileReport]] = {}
        for r in reports:
            if r.year and r.format:
                kinds.setdefault((r.year, r.format), []).append(r)
        if len(kinds) > 1:
            data["years"] = [
                {"year": y, "format": f, "files": [str(r.path) for r in rs]} for (y, f), rs in sorted(kinds.items())
            ]
            lines.append("这批报表的报告年度或格式不一致（汇总时不能放在一起）；请用 --year 指定应报年度：")
            for (year, fmt), rs in sorted(kinds.items()):
                names = "、".join(Path(r.path).name for r in rs[:5]) + ("……" if len(rs) > 5 else "")
                lines.append(f"  {year} 年度（{fmt}）{len(rs)} 份：{names}")
    from ogi_xlsx.inbox import name_mismatches

    known = {**{r.unit_code: r.unit_name or "" for r in reports if r.unit_code}, **(roster or {})}
    mismatched = name_mismatches([(str(r.path), r.unit_code or "", r.unit_name or "") for r in reports], known)
    if mismatched:
        data["file_name_mismatches"] = mismatched
        lines += mismatched
    by_unit: dict[str, list[FileReport]] = {}
    for r in reports:
        if r.unit_code:
            by_unit.setdefault(r.unit_code, []).append(r)
    several = []
    for code, rs in sorted(by_unit.items()):
        if len(rs) < 2:
            continue
        distinct = len({content_key(MergeInput.from_report(r)) for r in rs})
        names = "、".join(Path(r.path).name for r in rs)
        several.append({"code": code, "files": [str(r.path) for r in rs], "same_data": distinct == 1})
        if distinct == 1:
            how = "数据相同，汇总时只计一次"
        else:
            differ = "数据不同" if distinct == len(rs) else f"其中 {distinct} 份数据不同"
            how = f"{differ}，汇总时需确认以哪份为准（如以改正后的为准：merge --prefer newest-valid）"
        lines.append(f"单位 {code} 提交了 {len(rs)} 个文件（{names}）：{how}。")
    if several:
        data["units_with_several_files"] = several
    return lines, data
