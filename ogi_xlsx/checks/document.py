"""The one document pipeline: every check that can be made on a return document alone (schema,
identity, cover, blanks, sum rules), for every route (.xlsx, .json, published reports)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ogi_xlsx.checks.cover import blank_findings, check_cover, check_identity, unit_missing
from ogi_xlsx.checks.rules import TypedTotals, check_rules
from ogi_xlsx.checks.schema import schema_findings
from ogi_xlsx.model.document import ReturnDocument
from ogi_xlsx.model.findings import Finding
from ogi_xlsx.model.layout import NO_MOVES, Moves


def check_document(
    doc: ReturnDocument,
    *,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    strict_blanks: bool = False,
    from_workbook: bool = False,
    moves: Moves = NO_MOVES,
    summary: bool = False,
    typed: TypedTotals | None = None,
) -> list[Finding]:
    """Schema, identity, cover, blanks and sum rules of ``doc``.

    ``from_workbook``: the document was read from a workbook, whose cover already reported a
    missing year; a report year outside the format's years is then reported once, as
    format-year-mismatch (not also as a schema error), and does not stop the other checks. A JSON
    document whose structure is wrong gets its schema findings only. ``moves``: where the workbook
    has the layout's cells (every address in a message is the one the clerk sees).
    """
    findings = schema_findings(doc, moves)
    if from_workbook:
        # the year: see above; the 情况说明 rows were read and cut to size by the reader
        findings = [f for f in findings if f.args.get("path") != ["year"] and _path_head(f) != "explanations"]
        # the unit code and name are cover cells: said as the cover's, where to fill them
        findings = [unit_missing(doc.spec, f.args["path"], moves) if _unit_path(f) else f for f in findings]
    elif any(f.code in ("schema", "format-unknown") and f.cell is None for f in findings):
        return findings
    findings += check_identity(doc, expected_year, roster, moves, summary=summary)
    findings += check_cover(doc, moves)
    values = doc.reported_values()
    findings += blank_findings(doc.spec, values, strict=strict_blanks, moves=moves)
    # Values the schema rejected (text, booleans) were reported above; sum the rest.
    numbers = {k: v if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else None for k, v in values.items()}
    return findings + check_rules(doc.spec, numbers, moves, typed)


def _unit_path(finding: Finding) -> bool:
    return finding.code == "schema" and finding.args.get("path") in (["unit", "code"], ["unit", "name"])


def _path_head(finding: Finding) -> str | None:
    path = finding.args.get("path")
    return str(path[0]) if isinstance(path, list) and path else None


def validate_return(
    doc: ReturnDocument,
    *,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    strict_blanks: bool = False,
) -> list[Finding]:
    """Everything that can be checked on a return document (a .json return): :func:`check_document`."""
    return check_document(doc, expected_year=expected_year, roster=roster, strict_blanks=strict_blanks)
