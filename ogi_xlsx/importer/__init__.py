"""Reading published annual reports (PDF, Word, HTML, plain text) into return documents (issue 15).

Entry point: :func:`import_report` -> :class:`ImportResult` (never raises for bad input). Its
document holds the values as printed (totals included, blanks kept blank) so that validation
judges the report as published; its findings say how sure the import is: cells read and
missing, rows not found, where each table was found, and where the text contradicts a table.

Heavy libraries (lxml, python-docx, pdfplumber, charset-normalizer) are imported by the readers
only when a file of that kind is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ogi_xlsx.importer.assemble import (
    TABLE_NAMES,
    cell_place,
    choose_format,
    name_list,
    printed_values,
    reading_findings,
)
from ogi_xlsx.model.findings import Finding, finding, piece, sort_findings
from ogi_xlsx.model.limits import Limits

if TYPE_CHECKING:
    from ogi_xlsx.importer.grid import Source
    from ogi_xlsx.model.document import ReturnDocument

__all__ = [
    "REPORT_SUFFIXES",
    "ImportResult",
    "check_report",
    "collect_report_paths",
    "document_findings",
    "import_report",
    "match_name",
    "match_previous_by_name",
]

# Published-report files read by `import` and by validate; .doc/.wps get a "另存为 .docx" finding.
REPORT_SUFFIXES = frozenset({".pdf", ".docx", ".html", ".htm", ".txt", ".doc", ".wps"})

_TITLE = re.compile(
    r"^(?:关于)?(?P<unit>[^\d，。：:]{2,60}?)\s*(?P<year>(?:19|20)\d{2})\s*年度?\s*(?:的)?\s*政府信息公开(?:工作)?\s*年度?\s*报告"
)
_TITLE_YEAR_FIRST = re.compile(
    r"^(?P<year>(?:19|20)\d{2})\s*年度?\s*(?P<unit>[^\d，。：:]{2,60}?)\s*政府信息公开(?:工作)?\s*年度?\s*报告"
)
_PERIOD = re.compile(r"统计(?:时限|期限|时间)[^\d]{0,6}(?P<year>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")


@dataclass
class ImportResult:
    """One report read: the document (values as printed), the import's findings and statistics."""

    path: Path
    document: ReturnDocument | None = None
    findings: list[Finding] = field(default_factory=list)
    kind: str | None = None  # pdf / docx / html / text
    cells_total: int = 0
    cells_read: int = 0  # cells with a number
    cells_blank: int = 0
    cells_not_applicable: int = 0  # "/", "—", "无"
    cells_missing: int = 0  # rows not found, or numbers that could not be placed
    rows_missing: list[str] = field(default_factory=list)
    tables: dict[str, str] = field(default_factory=dict)  # 表二 -> where it was found
    format_source: str = ""  # how the format was chosen
    not_applicable: dict[str, str] = field(default_factory=dict)  # cell id -> printed mark
    text_lines: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``import --json``)."""
        return {
            "path": str(self.path),
            "kind": self.kind,
            "format_source": self.format_source,
            "tables": self.tables,
            "cells": {
                "total": self.cells_total,
                "read": self.cells_read,
                "blank": self.cells_blank,
                "not_applicable": self.cells_not_applicable,
                "missing": self.cells_missing,
            },
            "rows_missing": self.rows_missing,
            "document": self.document.to_json() if self.document is not None else None,
            "findings": [f.to_dict() for f in self.findings],
        }


def _refuse(result: ImportResult, code: str, variant: str, **params: object) -> ImportResult:
    result.findings = [finding(code, variant, params)]
    return result


def _read_source(path: Path, data: bytes, limits: Limits, result: ImportResult, name: str) -> Source | None:
    """The report's items, or None with a finding in ``result``."""
    from ogi_xlsx.importer.sniff import declared_encoding, decode, sniff

    suffix = path.suffix.lower()
    kind = sniff(data[:4096], suffix)
    if suffix in (".doc", ".wps") or kind == "ole":
        what = piece("old-wps" if suffix == ".wps" else "old-doc")
        _refuse(result, "report-unsupported", "old-word", name=name, what=what)
        return None
    if not data.strip():
        _refuse(result, "file-empty", "report", name=name)
        return None
    if kind == "pdf":
        from ogi_xlsx.importer.pdf_source import PdfError, read_pdf

        result.kind = "pdf"
        try:
            return read_pdf(path)
        except PdfError as exc:
            _refuse(result, exc.code, "source", name=name, reason=exc.message)
            return None
    if kind == "zip":
        from ogi_xlsx.importer.docx_source import DocxError, read_docx

        result.kind = "docx"
        try:
            return read_docx(path, data, limits)
        except DocxError as exc:
            _refuse(result, exc.code, "source", name=name, reason=exc.message)
            return None
    if kind == "unknown":
        _refuse(result, "report-unsupported", "unknown", name=name)
        return None
    if kind == "html":
        from ogi_xlsx.importer.html_source import read_html

        result.kind = "html"
        lowered = data.lower()
        if lowered.count(b"<td") + lowered.count(b"<th") > limits.max_cells:
            # counted before parsing: a page of a million cells would take the memory budget to build
            _refuse(result, "file-too-large", "report-cells", name=name, cells=limits.max_cells)
            return None
        text, _encoding = decode(data, declared_encoding(data))
        try:
            return read_html(text, limits.max_cells)
        except ValueError:
            _refuse(result, "file-too-large", "report-cells", name=name, cells=limits.max_cells)
            return None
    from ogi_xlsx.importer.text_source import read_text

    result.kind = "text"
    text, _encoding = decode(data)
    return read_text(text)


def _identity(source: Source) -> tuple[str | None, int | None, str]:
    """(unit name, year, where) from the report's title, or the statistics period for the year."""
    from ogi_xlsx.importer.grid import Line
    from ogi_xlsx.importer.labels import TRADITIONAL_TO_SIMPLIFIED

    lines = [item for item in source.items if isinstance(item, Line)]
    for line in lines[:60]:
        text = re.sub(r"\s+", " ", line.text.strip())[:200].translate(
            TRADITIONAL_TO_SIMPLIFIED
        )  # a mirror copy in traditional
        m = _TITLE.search(text) or _TITLE_YEAR_FIRST.search(text)
        if m:
            unit = re.sub(r"\s+", "", m.group("unit")).strip("《》“”\"' ")
            return unit or None, int(m.group("year")), line.where
    for line in lines[:200]:
        m = _PERIOD.search(re.sub(r"\s+", " ", line.text[:500]).translate(TRADITIONAL_TO_SIMPLIFIED))
        if m:
            return None, int(m.group("year")), line.where
    return None, None, ""


def import_report(
    path: str | Path,
    *,
    format_id: str | None = None,
    year: int | None = None,
    unit_name: str | None = None,
    unit_code: str | None = None,
    limits: Limits | None = None,
    name: str | None = None,
) -> ImportResult:
    """Read one published report into a return document; never raises for bad input.

    ``name``: the file's name as the user knows it, in messages (default: the path's own name).
    """
    path = Path(path)
    name = name or path.name
    result = ImportResult(path=path)
    try:
        return _import(path, result, format_id, year, unit_name, unit_code, limits or Limits(), name)
    except MemoryError:
        return _refuse(result, "file-too-large", "report-memory", name=name)
    except Exception as exc:  # a bug must not stop the batch: report it on the file
        return _refuse(
            result, "file-unreadable", "report-bug", name=name, error=f"{type(exc).__name__}: {str(exc)[:200]}"
        )


# long: the importer's sequence (sniff, read by kind, place, assemble, check) with one budget and one findings list;
#   each step is its own module
def _import(
    path: Path,
    result: ImportResult,
    format_id: str | None,
    year: int | None,
    unit_name: str | None,
    unit_code: str | None,
    limits: Limits,
    name: str,
) -> ImportResult:
    from ogi_xlsx.checks.rules import with_totals
    from ogi_xlsx.importer.narrative import check_narrative
    from ogi_xlsx.importer.reader import read_tables
    from ogi_xlsx.model.document import ReturnDocument

    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            mb, limit = size / 1048576, limits.max_file_bytes / 1048576
            return _refuse(result, "file-too-large", "report-size", name=name, mb=mb, limit=limit)
        data = path.read_bytes()
    except OSError as exc:
        return _refuse(result, "file-unreadable", "report-os", name=name, reason=exc.strerror or exc)
    source = _read_source(path, data, limits, result, name)
    if source is None:
        return result
    if source.kind == "pdf" and source.chars == 0:
        return _refuse(result, "report-no-text", "", name=name, pages=source.pages)
    reading = read_tables(source)
    result.tables = {TABLE_NAMES[t]: w for t, w in reading.tables.items()}
    cut = []
    if source.pages_read is not None:
        cut.append(finding("report-truncated", "", {"name": name, "pages": source.pages, "read": source.pages_read}))
    if not reading.cells:
        if cut:
            result.findings = cut
            return result
        hint = piece("report-images") if source.images else ""
        return _refuse(result, "report-no-tables", "", name=name, hint=hint)
    findings: list[Finding] = list(cut)
    title_unit, title_year, title_where = _identity(source)
    unit_name = unit_name or title_unit
    year = year or title_year
    spec, how, format_findings = choose_format(reading, format_id, year)
    findings += format_findings
    if spec is None:
        result.findings = findings
        return result
    result.format_source = how
    if not unit_name:
        findings.append(finding("import-identity", "unit"))
    if year is None:
        findings.append(finding("import-identity", "year", severity="error"))
    values = printed_values(spec, reading, result, findings)
    reading_findings(spec, reading, result, findings)
    result.cells_total = len(spec.cell_ids)
    missing_rows = set()
    for f in findings:
        if f.code == "import-row-missing":
            missing_rows.update(f.cell_ids)
    result.cells_missing = len(missing_rows)
    result.cells_blank = sum(
        1
        for cid, token in reading.cells.items()
        if token.kind == "blank" and (cid in spec.cells or cid.startswith("t3.r_other"))
    )
    result.cells_not_applicable = len(result.not_applicable)
    blank_ids = [cid for cid, t in reading.cells.items() if t.kind == "blank" and cid in spec.cells]
    if blank_ids or result.not_applicable:
        parts = []
        if blank_ids:
            places = name_list([cell_place(spec, c) for c in blank_ids])
            parts.append(piece("blank-cells", count=len(blank_ids), places=places))
        if result.not_applicable:
            marks = "、".join(sorted({f"“{m}”" for m in result.not_applicable.values()}))
            places = name_list([cell_place(spec, c) for c in result.not_applicable])
            parts.append(piece("marked-cells", count=len(result.not_applicable), marks=marks, places=places))
        findings.append(
            finding(
                "import-blank",
                "",
                {"parts": "，".join(parts)},
                cell_ids=tuple(blank_ids) + tuple(result.not_applicable),
            )
        )
    # Text versus table: printed totals, or the sum of the printed items where a total is blank.
    computed = with_totals(spec, {k: values.get(k) for k in spec.input_ids})
    compare = {cid: (values[cid] if values[cid] is not None else computed.get(cid)) for cid in spec.cell_ids}
    labels = {cid: spec.cells[cid].row_label for cid in spec.cell_ids}
    findings += check_narrative(reading.text, compare, labels)
    where = "；".join(piece("table-seen-at", name=name, place=w) for name, w in result.tables.items())
    findings.insert(
        0,
        finding(
            "import-summary",
            "",
            {
                "kind": _kind_name(result.kind),
                "tables": where or piece("no-tables-found"),
                "total": result.cells_total,
                "read": result.cells_read,
                "blank": len(blank_ids),
                "marks": result.cells_not_applicable,
                "missing": result.cells_missing,
                "how": how,
                "unit": unit_name or piece("unknown"),
                "unit_source": piece("title-source", place=title_where)
                if title_unit and unit_name == title_unit
                else "",
                "year": year or piece("unknown"),
            },
            args={
                "cells_total": result.cells_total,
                "cells_read": result.cells_read,
                "cells_blank": len(blank_ids),
                "cells_not_applicable": result.cells_not_applicable,
                "cells_missing": result.cells_missing,
                "tables": result.tables,
            },
        ),
    )
    result.findings = sort_findings(findings)
    if year is not None:
        result.document = ReturnDocument(
            format=spec.id,
            year=year,
            unit_code=unit_code or "",
            unit_name=unit_name or "",
            values=values,
            cover={},
            format_version=spec.version,
        )
    return result


def _kind_name(kind: str | None) -> str:
    return piece(f"kind-{kind}" if kind in ("pdf", "docx", "html", "text") else "kind-file")
