"""Queries (核实) for checked returns: plausibility, cross-year switches, explanations, policy.

After the returns are read (:func:`ogi_xlsx.pipeline.validate.check_paths`) and, with ``--previous``,
checked against last year (cross-year findings, X1 …), :func:`apply_queries` adds to each
report the plausibility queries (with last year's return for the year-on-year rules), drops
the findings of rules the office switched off, judges the unit's explanations (情况说明) and,
when the office does not chase queries, shows them as warnings. A report with an open query
is then not valid (待补正), like one with an error.

Pure over the reports it is given: nothing is read or written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ogi_xlsx.model.findings import Finding, finding, open_queries, queries_as_warnings, sort_findings

if TYPE_CHECKING:
    from ogi_xlsx.checks.settings import Settings
    from ogi_xlsx.model.document import ReturnDocument
    from ogi_xlsx.pipeline.report import FileReport


@dataclass(frozen=True)
class QueryTally:
    """What :func:`apply_queries` did, for the terminal summary line."""

    queries: int = 0  # queries raised (plausibility and cross-year), after the settings
    explained: int = 0  # of which explained acceptably
    rejected: int = 0  # explanations refused (boilerplate, too short)
    returns_with_open_queries: int = 0

    @property
    def open(self) -> int:
        return self.queries - self.explained


_OWN_CODES = frozenset(
    {
        "implausible-value",
        "implausible-change",
        "implausible-shape",
        "explanation-rejected",
        "explanation-unmatched",
        "explanation-carried",
    }
)


def previous_documents(reports: Sequence[FileReport], previous: Sequence[FileReport]) -> list[ReturnDocument | None]:
    """For each report, the same unit's return of the year before among ``previous`` (by unit
    code and report year); None when there is none or several that differ."""
    from ogi_xlsx.pipeline.cross_year import document_values_equal

    by_unit: dict[tuple[str, int], list[ReturnDocument]] = {}
    for item in previous:
        doc = item.document
        if doc is not None and doc.unit_code and doc.year:
            by_unit.setdefault((doc.unit_code.strip(), doc.year), []).append(doc)
    out: list[ReturnDocument | None] = []
    for report in reports:
        doc = report.document
        if doc is None or not doc.unit_code or not doc.year:
            out.append(None)
            continue
        distinct: list[ReturnDocument] = []
        for candidate in by_unit.get((doc.unit_code.strip(), doc.year - 1), []):
            if not any(document_values_equal(candidate, kept) for kept in distinct):
                distinct.append(candidate)
        out.append(distinct[0] if len(distinct) == 1 else None)
    return out


def queries_for(
    doc: ReturnDocument,
    findings: Sequence[Finding],
    previous: ReturnDocument | None = None,
    settings: Settings | None = None,
    *,
    as_warnings: bool = False,
    summary: bool = False,
) -> list[Finding]:
    """One return's findings with its queries: plausibility added, switched-off rules dropped,
    explanations judged, and the office's policy applied (``as_warnings`` or the setting).

    A ``summary`` (a lower level's merged return) has no 情况说明 of its own: its queries are
    warnings, and the explanations it carries (its units', accepted one level down) are passed
    on as ``explanation-carried`` notes rather than judged.
    """
    from ogi_xlsx.checks.explanations import judge
    from ogi_xlsx.checks.plausibility import check_plausibility

    # Applying twice gives the same result: this module's own findings are made afresh.
    kept = [
        replace(f, explanation=None) if f.explanation else f
        for f in findings
        if f.code not in _OWN_CODES
        and not (f.code == "cross-year-mismatch" and settings is not None and not settings.rule_enabled(f.rule or ""))
    ]
    kept += check_plausibility(doc, previous, settings)
    if summary:
        judged = kept + [
            finding(
                "explanation-carried",
                "",
                {"where": " ".join(p for p in (e.cell, e.rule) if p), "text": e.text},
                rule=e.rule or None,
                explanation=e.text,
                args={"cell": e.cell},
            )
            for e in doc.explanations
            if e.text.strip()
        ]
    else:
        judged = judge(doc.spec, kept, doc.explanations)
    if summary or as_warnings or (settings is not None and settings.queries_as_warnings):
        judged = queries_as_warnings(judged)
    return sort_findings(judged)


def apply_queries(
    reports: Sequence[FileReport],
    previous: Sequence[FileReport] = (),
    settings: Settings | None = None,
    *,
    as_warnings: bool = False,
) -> QueryTally:
    """Add the queries to every report that has a document (see the module docstring)."""
    last_years = previous_documents(reports, previous) if previous else [None] * len(reports)
    queries = explained = rejected = open_returns = 0
    for report, last in zip(reports, last_years, strict=True):
        doc = report.document
        if doc is None:
            continue
        # A summary has no 情况说明 of its own (its units explained their figures one level
        # down): its queries are shown as warnings and do not hold it back.
        summary = getattr(report, "kind", None) == "summary"
        findings = queries_for(doc, report.findings, last, settings, as_warnings=as_warnings, summary=summary)
        report.findings = findings
        asked = [f for f in findings if f.severity == "query"]
        queries += len(asked)
        explained += sum(1 for f in asked if f.explanation)
        rejected += sum(1 for f in findings if f.code == "explanation-rejected")
        open_returns += bool(open_queries(findings))
    return QueryTally(queries, explained, rejected, open_returns)


def explained_queries(findings: Sequence[Finding]) -> list[dict[str, str]]:
    """The explained queries of a return as ``{rule, cell, sheet, title, explanation}``, for the
    summary's 报送情况 and its JSON; for a summary, the explanations it carries from its units
    (``cell`` then names the unit and its cell, ``sheet`` is empty)."""
    out = []
    for f in findings:
        if f.code == "explanation-carried":
            out.append(
                {
                    "rule": f.rule or "",
                    "sheet": "",
                    "cell": str(f.args.get("cell", "")),
                    "title": "下级单位的说明",
                    "explanation": f.explanation or "",
                }
            )
        elif f.severity == "query" and f.explanation:
            out.append(
                {
                    "rule": f.rule or "",
                    "sheet": f.sheet or "",
                    "cell": f.cell or "",
                    "title": f.message.split("：", 1)[-1].split("。", 1)[0],
                    "explanation": f.explanation or "",
                }
            )
    return out
