"""Published reports in the checks of returns: ``validate`` (one function returning a FileReport,
like a .json return's), unit names matched to codes, and last year's reports found in folders
for ``--previous``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ogi_xlsx.importer.assemble import TABLE_NAMES
from ogi_xlsx.model.findings import Finding, finding, piece, sort_findings
from ogi_xlsx.model.limits import Limits

if TYPE_CHECKING:
    from ogi_xlsx.importer import ImportResult
    from ogi_xlsx.model.document import ReturnDocument
    from ogi_xlsx.pipeline.report import FileReport


def _norm_name(name: str | None) -> str:
    import unicodedata

    return re.sub(r"[\s\u3000（）()·]", "", unicodedata.normalize("NFKC", name or ""))


def match_name(name: str | None, candidates: Mapping[str, str]) -> str | None:
    """The key of ``candidates`` (code -> unit name) whose name is ``name``: equal after
    normalising, else the only one where one name ends with the other ("鲤城区人民政府临江街道办事处"
    and "临江街道办事处")."""
    key = _norm_name(name)
    if len(key) < 2:
        return None
    equal = [code for code, other in candidates.items() if _norm_name(other) == key]
    if len(equal) == 1:
        return equal[0]
    if equal:
        return None
    names = {code: _norm_name(other) for code, other in candidates.items()}
    short = {code: re.sub("(办事处|人民政府)$", "", other) for code, other in names.items()}
    bare = re.sub("(办事处|人民政府)$", "", key)
    tests = (
        lambda code: len(names[code]) >= 4 and (key.endswith(names[code]) or names[code].endswith(key)),
        # "临江街道" on the roster, "…临江街道办事处" in the title
        lambda code: len(short[code]) >= 4 and (bare.endswith(short[code]) or short[code].endswith(bare)),
        lambda code: len(short[code]) >= 4 and (short[code] in key or bare in names[code]),
    )
    for test in tests:
        found = [code for code in candidates if test(code)]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def check_report(
    path: Path,
    report: FileReport,
    *,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    strict_blanks: bool = False,
    limits: Limits | None = None,
    name: str | None = None,
) -> FileReport:
    """A published report checked like any return: import findings, then the document checks
    (schema, identity, blanks, sum rules on the totals as printed). The report's document gets
    recomputed totals, like a .json return's."""
    from ogi_xlsx.importer import import_report

    result = import_report(path, limits=limits, name=name)
    report.findings, report.document = list(result.findings), None
    doc = result.document
    if doc is None:
        return report
    extra = []
    if not doc.unit_code and roster:
        code = match_name(doc.unit_name, roster)
        if code is not None:
            doc.unit_code = code
            extra.append(
                finding(
                    "cross-year-by-name",
                    "",
                    {"name": doc.unit_name, "listed": roster[code], "code": code},
                    args={"code": code},
                )
            )
    checks = document_findings(doc, result, expected_year, roster, strict_blanks)
    if extra:  # the code was found by the name: the names differ by design, the match is shown
        checks = [f for f in checks if f.code != "unit-mismatch"]
    report.findings = sort_findings(report.findings + extra + checks)
    from dataclasses import replace

    from ogi_xlsx.checks.rules import with_totals

    report.document = replace(
        doc, values=with_totals(doc.spec, {k: doc.values.get(k) for k in doc.spec.input_ids}), cover=dict(doc.cover)
    )
    report.format, report.format_version, report.year = doc.format, doc.format_version, doc.year
    report.kind = "return"  # a unit's own report (never a summary to be kept apart in a merge)
    report.unit_code, report.unit_name = doc.unit_code or None, doc.unit_name
    return report


def document_findings(
    doc: ReturnDocument,
    result: ImportResult,
    expected_year: int | None,
    roster: Mapping[str, str] | None,
    strict_blanks: bool,
) -> list[Finding]:
    """The checks of a .json return, for a published report: schema, identity, blanks, sum rules.

    A published report has no unit code and no cover (填报人, 电话…): neither is an error here.
    Blank cells that printed "/" or "—" say so instead of "未填写".
    """
    from ogi_xlsx.checks.cover import blank_findings, check_identity
    from ogi_xlsx.checks.rules import check_rules
    from ogi_xlsx.checks.schema import validate_document_json
    from ogi_xlsx.model.layout import workbook_layout

    spec = doc.spec
    data = doc.to_json()
    if not data["unit"]["code"]:
        data["unit"]["code"] = "-"  # absent in published reports: reported once below, not as a schema error
    if not data["unit"]["name"]:
        data["unit"]["name"] = "-"
    findings = validate_document_json(data)
    if not doc.unit_code:
        findings.append(finding("import-identity", "no-code", severity="info"))
    if (roster is not None and doc.unit_code) or expected_year is not None:
        findings += check_identity(doc, expected_year, roster if doc.unit_code else None)
    elif not spec.applies_to(doc.year):
        findings += check_identity(doc, None, None)
    if roster is not None and not doc.unit_code:
        findings.append(finding("unit-not-on-roster", "by-name", {"name": doc.unit_name}))
    layout = workbook_layout(spec)
    for f in blank_findings(spec, doc.values, strict=strict_blanks):
        cid = f.cell_ids[0] if f.cell_ids else None
        if cid in result.not_applicable:
            sheet, address = layout.locate(cid)
            mark = result.not_applicable[cid]
            findings.append(
                finding(
                    "value-not-applicable",
                    "report",
                    {
                        "where": piece(
                            "import-where", table=TABLE_NAMES[cid[:2]], address=address, label=spec.cells[cid].label
                        ),
                        "mark": mark,
                    },
                    sheet=sheet,
                    cell=address,
                    cell_ids=(cid,),
                )
            )
        else:
            findings.append(f)
    numbers = {
        k: v if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else None for k, v in doc.values.items()
    }
    # Cells of rows the report does not have (not found, or the other format's rows) are named
    # once by the import's finding, not again one "未填写" per cell.
    absent = {
        cid for f in result.findings if f.code in ("import-row-missing", "import-format-mixed") for cid in f.cell_ids
    }
    findings = [
        f for f in findings if not (f.code in ("value-blank", "value-blank-strict") and set(f.cell_ids) <= absent)
    ]
    return findings + check_rules(spec, numbers)


def collect_report_paths(paths: Sequence[Path]) -> list[Path]:
    """Published reports in ``paths``: given files as they are, folders searched recursively
    (hidden files and Office lock files ``~$…`` left out)."""
    from ogi_xlsx.importer import REPORT_SUFFIXES

    found: dict[str, Path] = {}
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for root, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if name.startswith(("~$", ".")) or Path(name).suffix.lower() not in REPORT_SUFFIXES:
                        continue
                    candidate = Path(root, name)
                    found.setdefault(os.path.realpath(candidate), candidate)
        elif given.is_file() and given.suffix.lower() in REPORT_SUFFIXES:
            found.setdefault(os.path.realpath(given), given)
    return sorted(found.values(), key=str)


def match_previous_by_name(reports: Sequence[FileReport], previous: Sequence[FileReport]) -> list[list[Finding]]:
    """Give last year's published reports (no unit code) the code of this year's return of the same
    unit, matched by unit name; per report, an info finding showing each match made."""
    names = {}
    for report in reports:
        doc = report.document
        if doc is not None and doc.unit_code:
            names.setdefault(doc.unit_code, doc.unit_name)
    notes: dict[str, list[Finding]] = {}
    for item in previous:
        doc = item.document
        if doc is None or doc.unit_code:
            continue
        code = match_name(doc.unit_name, names)
        if code is None:
            continue
        doc.unit_code = code
        notes.setdefault(code, []).append(
            finding(
                "cross-year-by-name",
                "previous",
                {"file": item.path.name, "name": doc.unit_name, "listed": names[code], "code": code},
                args={"path": str(item.path), "code": code},
            )
        )
    return [notes.get(r.document.unit_code, []) if r.document is not None else [] for r in reports]
