"""Publishing: the official tables (and the report draft) as Word and HTML, from checked data.

``tables`` is the one model of the printed tables (from the spec and the layout), ``draft``
the report's blocks and data sentences, ``docx`` and ``html`` the two writers. This module
ties them together for :func:`ogi_xlsx.api.publish`. python-docx and lxml are imported only
when a .docx is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from ogi_xlsx.publish.draft import COUNTED_STATUSES, Coverage, Report, draft_report, tables_report

if TYPE_CHECKING:
    from ogi_xlsx.model.document import ReturnDocument

Kind = Literal["docx", "html"]
SUFFIXES: dict[str, Kind] = {".docx": "docx", ".html": "html", ".htm": "html"}

# Short status words for the draft's "not included" list (the summary's labels carry "（未汇总）").
EXCLUDED_LABELS = {
    "missing": "未报送",
    "invalid": "报表待补正",
    "conflict": "提交了多个不同文件",
    "unexpected": "不在报送名单中",
}


class PublishError(Exception):
    """The output cannot be written as asked (a Chinese message for the user)."""


class PublishRefused(PublishError):
    """The source did not pass the check (or could not be read); ``findings`` says why."""

    def __init__(self, message: str, findings: list) -> None:
        super().__init__(message)
        self.findings = findings


def output_kind(target: str | Path) -> Kind:
    """``docx`` or ``html`` from the target's suffix; :class:`PublishError` otherwise."""
    suffix = Path(target).suffix.lower()
    if suffix not in SUFFIXES:
        raise PublishError(f"输出文件“{Path(target).name}”应以 .docx 或 .html 结尾（扩展名决定输出格式）。")
    return SUFFIXES[suffix]


def build_report(
    doc: ReturnDocument, *, draft: bool = False, failed: bool = False, coverage: Coverage | None = None
) -> Report:
    """The tables-only output, or the whole draft report."""
    if draft:
        return draft_report(doc, failed=failed, coverage=coverage)
    return tables_report(doc, failed=failed)


def render(report: Report, kind: Kind) -> bytes:
    """The report's bytes in the chosen format."""
    if kind == "docx":
        from ogi_xlsx.publish.docx import render_docx

        return render_docx(report)
    from ogi_xlsx.publish.html import render_html

    return render_html(report).encode("utf-8")


def write(data: bytes, target: str | Path | BinaryIO) -> None:
    """Write atomically to a path, or into an open binary stream."""
    if isinstance(target, (str, Path)):
        from ogi_xlsx.util.atomic import atomic_write_bytes

        atomic_write_bytes(target, data)
    else:
        target.write(data)


def coverage_from_json(data: dict) -> Coverage | None:
    """A summary .json's own status data (``units`` and ``consolidation``); None for a plain return."""
    units = data.get("units")
    if not isinstance(units, list):
        return None
    counted = tuple((u.get("code", ""), u.get("name", "")) for u in units if u.get("status") in COUNTED_STATUSES)
    excluded = tuple(
        (u.get("code", ""), u.get("name", ""), EXCLUDED_LABELS.get(u.get("status", ""), "未汇总"))
        for u in units
        if u.get("status") not in COUNTED_STATUSES
    )
    counts = (data.get("consolidation") or {}).get("counts") or {}
    return Coverage(counted=counted, excluded=excluded, unidentified=int(counts.get("unidentified") or 0))


def coverage_from_xlsx(path: Path) -> Coverage | None:
    """A summary workbook's 报送情况 sheet (the checker does not parse it); None when absent."""
    from openpyxl import load_workbook

    from ogi_xlsx.model.layout import SUMMARY_SHEETS
    from ogi_xlsx.pipeline.merge import STATUS_LABELS

    by_label = {label: status for status, label in STATUS_LABELS.items()}
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        if SUMMARY_SHEETS[0] not in workbook.sheetnames:
            return None
        rows = workbook[SUMMARY_SHEETS[0]].iter_rows(values_only=True)
        header = None
        counted, excluded, unidentified = [], [], 0
        for row in rows:
            cells = ["" if v is None else str(v).strip() for v in row]
            if header is None:
                if cells and cells[0] == "序号":
                    header = {name: i for i, name in enumerate(cells)}
                continue
            code = cells[header["单位代码"]] if "单位代码" in header else ""
            name = cells[header["单位名称"]] if "单位名称" in header else ""
            status = by_label.get(cells[header["状态"]] if "状态" in header else "", "")
            if not (code or name or status):
                continue
            if status in COUNTED_STATUSES:
                counted.append((code, name))
            elif status == "unidentified":
                unidentified += 1
            else:
                excluded.append((code, name, EXCLUDED_LABELS.get(status, "未汇总")))
        if header is None:
            return None
        return Coverage(counted=tuple(counted), excluded=tuple(excluded), unidentified=unidentified)
    finally:
        workbook.close()


def coverage_of(path: Path) -> Coverage | None:
    """The coverage of a summary file (.json or .xlsx); None for a unit's own return."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        from ogi_xlsx.model.document import loads

        try:
            data = loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        return coverage_from_json(data) if isinstance(data, dict) else None
    if suffix in (".xlsx", ".xlsm"):
        try:
            return coverage_from_xlsx(path)
        except Exception:  # a workbook the checker accepted but without a readable status sheet
            return None
    return None


__all__ = [
    "Coverage",
    "PublishError",
    "PublishRefused",
    "Report",
    "build_report",
    "coverage_of",
    "output_kind",
    "render",
    "write",
]
