"""Cross-year matching: each return against the same unit's return of the year before."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ogi_xlsx.model.document import ReturnDocument
from ogi_xlsx.model.findings import Finding, finding
from ogi_xlsx.pipeline.report import FileReport


def cross_year_findings(reports: Sequence[FileReport], previous: Sequence[FileReport]) -> list[list[Finding]]:
    """For each report, the findings of checking it against the same unit's return of the year
    before, found among ``previous`` by unit code and report year (rules X1 … of the format).

    Pure: nothing is read or changed. A report without a document, unit code or year gets none;
    one without a previous return, or with several that differ, gets an info finding.
    """
    from ogi_xlsx.checks.rules import check_cross_year

    by_unit: dict[tuple[str, int], list[FileReport]] = {}
    for item in previous:
        doc = item.document
        if doc is not None and doc.unit_code and doc.year:
            by_unit.setdefault((doc.unit_code, doc.year), []).append(item)
    out: list[list[Finding]] = []
    for report in reports:
        doc = report.document
        if doc is None or not doc.unit_code or not doc.year:
            out.append([])
            continue
        year = doc.year - 1
        distinct: list[FileReport] = []
        for item in by_unit.get((doc.unit_code, year), []):
            if not any(document_values_equal(item.document, kept.document) for kept in distinct):  # type: ignore[arg-type]
                distinct.append(item)
        if not distinct:
            params = {"code": doc.unit_code, "year": year}
            out.append([finding("cross-year-missing", "", params, args={"previous_year": year})])
        elif len(distinct) > 1:
            names = "、".join(item.path.name for item in distinct)
            params = {"code": doc.unit_code, "year": year, "count": len(distinct), "names": names}
            out.append([finding("cross-year-ambiguous", "", params, args={"previous_year": year})])
        else:
            last = distinct[0].document
            assert last is not None
            out.append(check_cross_year(doc.spec, doc.values, last.values, previous_year=year))
    return out


def document_values_equal(a: ReturnDocument, b: ReturnDocument) -> bool:
    """Two documents hold the same numbers (Decimal compared by value)."""

    def norm(v: Any) -> Any:
        return Decimal(v) if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else v

    return {k: norm(v) for k, v in a.values.items()} == {k: norm(v) for k, v in b.values.items()}
