"""The cover and the identity of a return: cover fields, report year and format, unit against the
roster, and blank input cells."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ogi_xlsx.model.document import COVER_EXTRA, ReturnDocument, parse_cover_date
from ogi_xlsx.model.findings import Finding, finding, piece
from ogi_xlsx.model.layout import COVER_SHEET, NO_MOVES, Moves, workbook_layout
from ogi_xlsx.model.spec import FormatSpec


def check_cover(doc: ReturnDocument, moves: Moves = NO_MOVES) -> list[Finding]:
    """Empty or malformed cover fields (封面)."""
    spec = doc.spec
    layout = workbook_layout(spec)
    findings = []
    for fld in spec.cover:
        if fld.id not in COVER_EXTRA:
            continue
        value = (doc.cover.get(fld.id) or "").strip()
        row, col = layout.cover.fields[fld.id]
        from ogi_xlsx.model.cellref import a1

        sheet, address = moves.place(COVER_SHEET, a1(row, col))
        params = {"address": address, "label": fld.label, "value": value}
        if not value:
            findings.append(finding("cover-missing", "", params, sheet=sheet, cell=address))
        elif fld.type == "date" and parse_cover_date(value) is None:
            params["example"] = f"{doc.year + 1}-01-10" if doc.year else "2025-01-10"
            findings.append(finding("cover-invalid", "date", params, sheet=sheet, cell=address))
    return findings


def check_identity(
    doc: ReturnDocument,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    moves: Moves = NO_MOVES,
    summary: bool = False,
) -> list[Finding]:
    """Report year and unit against what the district expects (``summary``: the document is a district
    summary, which is no unit of the roster: said so, as information)."""
    cover = moves.sheet(COVER_SHEET)
    spec = doc.spec
    findings = []
    if not spec.applies_to(doc.year):
        right = piece("years-2021" if doc.year >= 2021 else "years-2019")
        params = {"year": doc.year, "notice": spec.notice, "years": spec.years_label, "right": right}
        findings.append(finding("format-year-mismatch", "", params, sheet=cover))
    if expected_year is not None and doc.year != expected_year:
        findings.append(
            finding(
                "year-mismatch",
                "roster",
                {"year": doc.year, "expected": expected_year},
                sheet=cover,
                args={"year": doc.year, "expected": expected_year},
            )
        )
    if roster is not None:
        code = doc.unit_code.strip()
        if code not in roster:
            findings.append(
                finding(
                    "unit-not-on-roster",
                    "summary" if summary else "",
                    {"name": doc.unit_name, "code": code or piece("empty")},
                    severity="info" if summary else None,
                    sheet=cover,
                    args={"code": code},
                )
            )
        elif roster[code].strip() and roster[code].strip() != doc.unit_name.strip():
            findings.append(
                finding(
                    "unit-mismatch",
                    "roster",
                    {"code": code, "listed": roster[code], "name": doc.unit_name},
                    sheet=cover,
                    severity="warning",
                    args={"code": code},
                )
            )
    return findings


def blank_findings(
    spec: FormatSpec, values: Mapping[str, Any], strict: bool = False, moves: Moves = NO_MOVES
) -> list[Finding]:
    """One finding per blank input cell (blank counts as 0 unless ``strict``).

    A return with every input blank is the unfilled template sent back: one error, not
    a warning per cell (a unit with nothing to report types 0s).
    """
    if all(values.get(cell_id) is None for cell_id in spec.input_ids):
        return [finding("return-empty", "", {"count": len(spec.input_ids)})]
    layout = workbook_layout(spec)
    findings = []
    for cell_id in spec.input_ids:
        if values.get(cell_id) is None:
            cell = spec.cells[cell_id]
            sheet, address = moves.place(*layout.locate(cell_id))
            table = spec.table(cell.table).short
            where = piece("where", table=table, address=address, label=cell.label)
            code = "value-blank-strict" if strict else "value-blank"
            findings.append(
                finding(
                    code, "", {"where": where}, sheet=sheet, cell=address, cell_ids=(cell_id,), args={"table": table}
                )
            )
    return findings


def unit_missing(spec: FormatSpec, path: list[str], moves: Moves = NO_MOVES) -> Finding:
    """An empty (or unusable) unit code or name on a workbook's cover, at ``path`` of the document
    (``["unit", "code"]`` or ``["unit", "name"]``): the cover cell to fill, not a schema path."""
    from ogi_xlsx.model.cellref import a1

    key = "unit_code" if path[1] == "code" else "unit_name"
    sheet, address = moves.place(COVER_SHEET, a1(*workbook_layout(spec).cover.fields[key]))
    label = next(fld.label for fld in spec.cover if fld.id == key)
    code, variant = ("unit-code-missing", "") if key == "unit_code" else ("cover-missing", "unit-name")
    params = {"address": address, "label": label}
    return finding(code, variant, params, severity="error", sheet=sheet, cell=address, args={"path": path})
