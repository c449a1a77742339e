"""Files to check: discovery (folders, .zip attachments), stat and sha256, file-level findings."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from stat import S_ISREG
from typing import Any

from ogi_xlsx.model.findings import Finding, finding
from ogi_xlsx.model.limits import Limits
from ogi_xlsx.pipeline.report import FileReport

# Spreadsheet-like files picked up from folders; .xls/.et get a "save as .xlsx" finding.
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xls", ".et", ".ett", ".xlt", ".ods", ".wps"})


def file_finding(code: str, message: str) -> Finding:
    """A finding about the file as a whole whose message is already made (an ``XlsxError``'s, made by
    the reader from the catalogue)."""
    return Finding(code, message)


def suffix_finding(path: Path, name: str | None = None) -> Finding | None:
    """The "save it as .xlsx" finding for an .xls, .et or .ods file; None for other suffixes.

    ``name``: the file's name as the user knows it (default: the path's own name).
    """
    suffix = path.suffix.lower()
    name = name or path.name
    if suffix in (".xls", ".xlt"):
        return finding("file-xls", "suffix", {"name": name})
    if suffix in (".et", ".ett", ".wps"):
        return finding("file-et", "suffix", {"name": name})
    if suffix == ".ods":
        return finding("file-not-xlsx", "ods", {"name": name})
    return None


def stat_file(path: Path, limits: Limits, name: str | None = None) -> tuple[bool, FileReport]:
    """Size, modification time and sha256 (streamed); False when the file cannot be read.

    ``name``: the file's name in messages (default: the path's own name).
    """
    name = name or path.name
    try:
        stat = path.stat()
        if not S_ISREG(stat.st_mode):  # a FIFO or device named *.xlsx would block open() forever
            report = FileReport(path=path, sha256="", size=0, mtime=0.0)
            report.findings.append(finding("file-unreadable", "not-regular", {"name": name}))
            return False, report
        if stat.st_size > limits.max_file_bytes:
            # Not even hashed: a multi-gigabyte file would take longer than a file's time budget.
            report = FileReport(path=path, sha256="", size=stat.st_size, mtime=stat.st_mtime)
            params = {"name": name, "mb": stat.st_size / 1048576, "limit": limits.max_file_bytes / 1048576}
            report.findings.append(finding("file-too-large", "size", params))
            return False, report
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        report = FileReport(path=path, sha256="", size=0, mtime=0.0)
        report.findings.append(finding("file-unreadable", "os", {"name": name, "reason": exc.strerror or exc}))
        return False, report
    return True, FileReport(path=path, sha256=digest.hexdigest(), size=stat.st_size, mtime=stat.st_mtime)


def summary_sheets(properties: dict[str, str]) -> tuple[str, ...]:
    """A summary's own sheets (status, per-unit breakdown, sources, chart) are not read: only its
    official tables are the return one level up, and the breakdown grows with the units summed."""
    from ogi_xlsx.model.identity import property_name
    from ogi_xlsx.model.layout import SUMMARY_SHEETS

    return SUMMARY_SHEETS if properties.get(property_name("kind")) == "summary" else ()


def collect_paths(paths: Sequence[Path]) -> list[Path]:
    """Files to check: given files as they are, folders searched recursively; sorted, no duplicates.

    In folders only the files :func:`ogi_xlsx.pipeline.inbox.classify` reads are taken (spreadsheets,
    including annotated copies ``…_审核结果.xlsx`` mailed back corrected), and the workbooks
    inside .zip attachments (``a.zip!m.xlsx``). :func:`discover_paths` also says which files
    were skipped and why. Raises FileNotFoundError for a path that does not exist.
    """
    return discover_paths(paths).files


def discover_paths(paths: Sequence[Path], limits: Limits | None = None) -> Any:
    """:class:`ogi_xlsx.pipeline.inbox.Discovery` of ``paths``: the files to read and the files skipped (with reasons)."""
    from ogi_xlsx.pipeline.inbox import discover

    return discover([Path(p) for p in paths], limits)


def is_member(path: Path) -> bool:
    """``a.zip!m.xlsx``: a workbook inside a .zip attachment."""
    from ogi_xlsx.pipeline.inbox import split_member

    return "!" in str(path) and split_member(path) is not None
