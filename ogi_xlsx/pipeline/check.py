"""Check one file: a spreadsheet return or a .json return document, read and checked into a
:class:`~ogi_xlsx.pipeline.report.FileReport`. :func:`check_file` never raises for bad input: an
unreadable file becomes a file-level finding."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ogi_xlsx.model.findings import Finding, finding, sort_findings
from ogi_xlsx.model.layout import Moves
from ogi_xlsx.model.limits import Limits
from ogi_xlsx.pipeline.files import file_finding, stat_file, suffix_finding, summary_sheets
from ogi_xlsx.pipeline.options import DEFAULT_OPTIONS, CheckOptions
from ogi_xlsx.pipeline.report import RESULT_SHEET, FileReport, fill_report

# Codes about one cell that the document checks repeat when normalisation already reported the cell.
_REPEATED = frozenset({"value-blank", "value-blank-strict", "schema"})


def _finish(
    report: FileReport,
    doc_findings: list[Finding],
    pre: list[Finding],
    skip_cells: set[str],
) -> None:
    kept = [
        f for f in doc_findings if not (f.code in _REPEATED and len(f.cell_ids) == 1 and f.cell_ids[0] in skip_cells)
    ]
    report.findings = sort_findings(pre + kept)


def check_document_json(
    path: Path,
    data: bytes,
    report: FileReport,
    options: CheckOptions = DEFAULT_OPTIONS,
    name: str | None = None,
) -> FileReport:
    """A ``*.json`` return document: schema first, then the document checks (``name``: the file's
    name in messages, default the path's own)."""
    from ogi_xlsx.checks.document import validate_return
    from ogi_xlsx.checks.rules import with_totals
    from ogi_xlsx.checks.schema import validate_document_json
    from ogi_xlsx.model.document import describe_json_error, document_from_json, loads

    try:
        parsed = loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: [[[[…]]]] nested too deep
        report.findings = [
            finding("file-unreadable", "json", {"name": name or path.name, "reason": describe_json_error(exc)})
        ]
        return report
    schema_findings = validate_document_json(parsed)
    if schema_findings:
        report.findings = sort_findings(schema_findings)
        if isinstance(parsed, dict):
            report.format = str(parsed.get("format")) if parsed.get("format") else None
            report.year = parsed.get("year") if isinstance(parsed.get("year"), int) else None
        return report
    doc = document_from_json(parsed)
    # ``merge --json`` writes the summary with its units and consolidation status.
    report.kind = "summary" if isinstance(parsed, dict) and "consolidation" in parsed else "return"
    findings = validate_return(
        doc, expected_year=options.expected_year, roster=options.roster_mapping, strict_blanks=options.strict_blanks
    )
    spec = doc.spec
    doc.values = with_totals(spec, {k: doc.values.get(k) for k in spec.input_ids})
    fill_report(report, doc)
    report.findings = sort_findings(findings)
    return report


def check_workbook(
    raw: Any,
    report: FileReport,
    options: CheckOptions = DEFAULT_OPTIONS,
) -> FileReport:
    """Validate an already-read :class:`~ogi_xlsx.reading.xlsx.RawWorkbook` into ``report``."""
    from ogi_xlsx.checks.document import check_document
    from ogi_xlsx.checks.rules import TypedTotals, with_totals
    from ogi_xlsx.model.document import ReturnDocument
    from ogi_xlsx.reading.extract import extract

    ex = extract(raw)
    report.by_labels = ex.by_labels
    if ex.identity is not None:
        report.kind = ex.identity.kind or None
    # The 审核结果 sheet of an annotated copy (validate --annotate) is ours: a corrected copy
    # mailed back is an ordinary return.
    ex.findings = [f for f in ex.findings if not (f.code == "sheet-extra" and f.sheet == RESULT_SHEET)]
    if ex.spec is None:
        report.findings = sort_findings(ex.findings)
        return report
    spec = ex.spec
    version = ex.identity.format_version if ex.identity is not None else spec.version
    values = with_totals(spec, ex.inputs)
    moves = Moves(ex.moved, ex.sheet_names)  # every address printed where the cell is in this file
    # One document: the recomputed totals in ``values``, the workbook's own where they differ beside them.
    doc = ReturnDocument(
        format=spec.id,
        format_version=version if version in (spec.version, *spec.retired_versions) else spec.version,
        year=ex.year or 0,
        unit_code=ex.unit_code,
        unit_name=ex.unit_name,
        values=values,
        cover=ex.cover,
        explanations=ex.explanations,
        reported_totals={
            cid: ex.reported.get(cid) for cid in spec.computed_ids if ex.reported.get(cid) != values.get(cid)
        },
    )
    doc_findings = check_document(
        doc,
        expected_year=options.expected_year,
        roster=options.roster_mapping,
        strict_blanks=options.strict_blanks,
        from_workbook=True,
        moves=moves,
        summary=report.kind == "summary",  # a summary is no unit of the roster: said so, as information
        typed=TypedTotals(ex.typed_totals, ex.following_totals, values) if ex.typed_totals else None,
    )
    if ex.year is None:
        # already reported as an empty cover field
        doc_findings = [f for f in doc_findings if f.args.get("path") != ["year"] and f.code != "format-year-mismatch"]
    fill_report(report, doc)
    if ex.identity is not None:
        report.format_version = ex.identity.format_version
    _finish(report, doc_findings, ex.findings, ex.reported_cells)
    return report


def check_file(path: Path, options: CheckOptions = DEFAULT_OPTIONS, *, name: str | None = None) -> FileReport:
    """Check one returned file (.xlsx or a .json return document, a published report, a member
    ``a.zip!m.xlsx`` of an attachment); never raises for bad input.

    ``name``: the file's name as the user knows it, used in messages instead of the path's own
    (the portal checks an upload stored under a server-made name: a user's file name never
    becomes a path, but the messages still speak of the file the clerk sent).
    """
    path = Path(path)
    shown = name or path.name
    limits = options.limits or Limits()
    from ogi_xlsx.pipeline.inbox import split_member

    member = split_member(path)
    if member is not None:
        return _check_member(path, *member, options, limits)
    ok, report = stat_file(path, limits, shown)
    if not ok:
        return report
    try:
        from ogi_xlsx.importer import REPORT_SUFFIXES  # published reports (issue 15): read by the importer

        if path.suffix.lower() in REPORT_SUFFIXES:
            from ogi_xlsx.importer.checks import check_report

            return check_report(
                path,
                report,
                expected_year=options.expected_year,
                roster=options.roster_mapping,
                strict_blanks=options.strict_blanks,
                limits=limits,
                name=shown,
            )
        if path.suffix.lower() == ".json":
            if report.size > limits.max_file_bytes:
                report.findings = [finding("file-too-large", "json", {"name": shown, "size": report.size})]
                return report
            return check_document_json(path, path.read_bytes(), report, options, shown)
        from ogi_xlsx.reading.xlsx import XlsxError, read_xlsx

        try:
            raw = read_xlsx(path, limits, skip_sheets=summary_sheets)
        except XlsxError as exc:
            suffix = suffix_finding(path, shown)
            if suffix is not None and exc.code in ("file-not-xlsx", "file-corrupt", "file-unreadable"):
                report.findings = [suffix]
            else:
                report.findings = [file_finding(exc.code, exc.message)]
            return report
        return check_workbook(raw, report, options)
    except Exception as exc:  # a bug must not stop the batch: report it on the file
        report.findings = [finding("file-unreadable", "bug", {"name": shown, "error": f"{type(exc).__name__}: {exc}"})]
        report.document = None
        return report


def _check_member(
    path: Path,
    archive: Path,
    member: str,
    options: CheckOptions,
    limits: Limits,
) -> FileReport:
    """A return inside a .zip attachment (``a.zip!m.xlsx``), read from memory, never extracted."""
    from ogi_xlsx.pipeline.inbox import ArchiveError, read_member

    try:
        data, mtime = read_member(archive, member, limits)
    except ArchiveError as error:
        report = FileReport(path=path, sha256="", size=0, mtime=0.0)
        report.findings = [finding("file-unreadable", "member", {"member": member, "reason": error})]
        return report
    report = FileReport(path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data), mtime=mtime)
    try:
        if member.lower().endswith(".json"):
            return check_document_json(path, data, report, options)
        from ogi_xlsx.reading.xlsx import XlsxError, read_xlsx

        try:
            raw = read_xlsx(data, limits, skip_sheets=summary_sheets)
        except XlsxError as exc:
            suffix = suffix_finding(Path(member))
            if suffix is not None and exc.code in ("file-not-xlsx", "file-corrupt", "file-unreadable"):
                report.findings = [suffix]
            else:
                report.findings = [file_finding(exc.code, exc.message)]
            return report
        return check_workbook(raw, report, options)
    except Exception as exc:  # a bug must not stop the batch: report it on the file
        report.findings = [
            finding("file-unreadable", "member-bug", {"name": path.name, "error": f"{type(exc).__name__}: {exc}"})
        ]
        report.document = None
        return report
