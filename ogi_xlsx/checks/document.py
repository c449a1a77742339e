"""Every check that can be made on a return document alone: schema, identity, cover, blanks, sum rules."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ogi_xlsx.checks.cover import blank_findings, check_cover, check_identity
from ogi_xlsx.checks.rules import check_rules
from ogi_xlsx.checks.schema import validate_document_json
from ogi_xlsx.model.document import ReturnDocument
from ogi_xlsx.model.findings import Finding


def validate_return(
    doc: ReturnDocument,
    *,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    strict_blanks: bool = False,
) -> list[Finding]:
    """Everything that can be checked on a document: schema, cover, identity, blanks, sum rules."""
    findings = validate_document_json(doc.to_json())
    if any(f.code in ("schema", "format-unknown") and f.cell is None for f in findings):
        return findings
    spec = doc.spec
    findings += check_identity(doc, expected_year, roster)
    findings += check_cover(doc)
    findings += blank_findings(spec, doc.values, strict=strict_blanks)
    # Values the schema rejected (text, booleans) were reported above; sum the rest.
    numbers = {
        k: v if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else None for k, v in doc.values.items()
    }
    findings += check_rules(spec, numbers)
    return findings
