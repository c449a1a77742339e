"""From what was read in a report's tables to a return document of one format: the format chosen
(year first, the tables' labels as the hint), the other format's cells mapped or listed, values
converted by cell type, and the import's findings (rows not found, numbers not placed …)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from ogi_xlsx.model.findings import Finding, finding, format_number, piece

if TYPE_CHECKING:
    from ogi_xlsx.importer import ImportResult
    from ogi_xlsx.importer.reader import Reading, Unplaced
    from ogi_xlsx.model.spec import FormatSpec

TABLE_NAMES = {"t2": "表二", "t3": "表三", "t4": "表四"}
_LIST = 8  # items named in one finding before "等 N 项"


def name_list(items: Sequence[str]) -> str:
    """Items joined with 、, the first few only ("… 等 N 项")."""
    shown = "、".join(items[:_LIST])
    return shown + (f" 等 {len(items)} 项" if len(items) > _LIST else "")


def _format_votes(reading: Reading) -> dict[str, list[str]]:
    """Which format each table's labels speak for: {"2019": [reasons], "2021": [reasons]}."""
    votes: dict[str, list[str]] = {"2019": [], "2021": []}
    cols = {cid.split(".")[2] for cid in reading.cells if cid.startswith("t2.")}
    rows = {row.split(".")[1] for row in reading.rows}
    if cols & {"c_issued", "c_repealed", "c_valid", "c_fee_amount"}:
        votes["2021"].append("表二（本年制发件数/本年收费金额）")
    if (
        cols & {"c_new_made", "c_new_public", "c_public_total", "c_prev_items", "c_proc_count"}
        or "r_procurement" in rows
    ):
        votes["2019"].append("表二（本年新制作数量/政府集中采购）")
    if rows & {"r_other_nocorrect", "r_other_nofee", "r_other_other"}:
        votes["2021"].append("表三（（六）分三项）")
    if "r_other" in rows:
        votes["2019"].append("表三（（六）其他处理为一行）")
    return votes


def choose_format(
    reading: Reading, format_id: str | None, year: int | None
) -> tuple[FormatSpec | None, str, list[Finding]]:
    """(format, how it was chosen, findings): ``--format``, else the report year's format (a label
    of the other format is a mixture, said), else the tables' labels, else 2021."""
    from ogi_xlsx.model.spec import UnknownFormatError, format_for_year, load_format

    votes = _format_votes(reading)
    findings: list[Finding] = []
    if format_id:
        try:
            return load_format(format_id), piece("how-option"), findings
        except UnknownFormatError:
            return None, "", [finding("format-unknown", "import", {"format": format_id})]
    labelled = None
    if votes["2021"] and not votes["2019"]:
        labelled = "2021"
    elif votes["2019"] and not votes["2021"]:
        labelled = "2019"
    if year is not None:
        try:
            spec = format_for_year(year)
        except UnknownFormatError:
            spec = load_format("2021")
        how = piece("how-year", year=year)
        if labelled and labelled != str(spec.year_format):
            params = {
                "year": year,
                "notice": spec.notice,
                "reasons": "、".join(votes[labelled]),
                "labelled": labelled,
                "format": spec.year_format,
            }
            findings.append(finding("import-format-mixed", "year", params))
        return spec, how, findings
    spec = load_format(labelled or "2021")
    how = piece("how-labels", reasons="、".join(votes[labelled])) if labelled else piece("how-default")
    findings.append(finding("import-format", "", {"how": how, "format": spec.year_format, "notice": spec.notice}))
    return spec, how, findings


# long: maps every printed row and column to cells in one pass with the table's running context; split it when the
#   importer next changes
def printed_values(
    spec: FormatSpec, reading: Reading, result: ImportResult, findings: list[Finding]
) -> dict[str, int | Decimal | None]:
    """The printed cells in ``spec``'s ids (other-format cells mapped or reported), converted by type."""
    from ogi_xlsx.importer.values import Token, convert_amount
    from ogi_xlsx.model.layout import workbook_layout
    from ogi_xlsx.model.spec import load_format

    values: dict[str, int | Decimal | None] = dict.fromkeys(spec.cell_ids)
    tokens: dict[str, Token] = {}
    dropped: list[str] = []
    other_single = [cid for cid in reading.cells if cid.startswith("t3.r_other.")]
    for cid, token in reading.cells.items():
        target = cid
        if cid not in spec.cells:
            row = cid.split(".")[1]
            if row == "r_other" and "t3.r_other_other.c_total" in spec.cells:
                target = cid.replace("t3.r_other.", "t3.r_other_other.")
            elif row in ("r_other_nocorrect", "r_other_nofee", "r_other_other") and "t3.r_other.c_total" in spec.cells:
                target = "t3.r_other." + cid.split(".")[2]
                prior = tokens.get(target)
                if prior is not None and prior.kind == "number" and token.kind == "number":
                    # the three 2021 sub-items printed, the 2019 format has their sum
                    token = Token("number", f"{prior.raw}+{token.raw}", prior.value + token.value, where=token.where)
                elif prior is not None and prior.kind == "number":
                    token = prior
            else:
                dropped.append(cid)
                continue
        tokens[target] = token
    if other_single and "t3.r_other_other.c_total" in spec.cells:
        findings.append(
            finding(
                "import-format-mixed",
                "other-single",
                severity="info",
                # the 1、2 rows the report does not have
                cell_ids=tuple(
                    c.replace("t3.r_other.", f"t3.r_other_{sub}.")
                    for c in other_single
                    for sub in ("nocorrect", "nofee")
                ),
            )
        )
    elif "t3.r_other.c_total" in spec.cells and any(c.startswith("t3.r_other_") for c in reading.cells):
        findings.append(
            finding(
                "import-format-mixed",
                "other-split",
                severity="info",
            )
        )
    if dropped:
        labels = []
        other = load_format("2019" if spec.year_format == 2021 else "2021")
        for cid in dropped:
            cell = other.cells.get(cid)
            labels.append(f"{TABLE_NAMES[cid[:2]]}“{cell.label}”" if cell else cid)
        findings.append(
            finding(
                "import-format-mixed",
                "dropped",
                {"count": len(dropped), "labels": name_list(labels), "format": spec.year_format, "notice": spec.notice},
                args={"cells": dropped},
            )
        )
    converted: list[str] = []
    unreadable: list[Finding] = []
    layout = workbook_layout(spec)
    for cid, token in tokens.items():
        cell = spec.cells[cid]
        sheet, address = layout.locate(cid)
        where = piece("import-where", table=TABLE_NAMES[cid[:2]], address=address, label=cell.label)
        if token.kind == "blank":
            continue
        if token.kind == "na":
            result.not_applicable[cid] = token.raw.strip()
            continue
        if token.kind == "bad":
            unreadable.append(
                finding(
                    "import-value-unreadable",
                    "",
                    {"where": where, "raw": token.raw.strip()[:40], "place": token.where},
                    sheet=sheet,
                    cell=address,
                    cell_ids=(cid,),
                )
            )
            continue
        value = token.value
        assert value is not None
        if cell.type == "amount":
            money = token.unit if token.unit in ("元", "万元") else None
            unit_from = money or reading.header_units.get(cid) or cell.unit
            amount = convert_amount(value, unit_from, cell.unit)
            if unit_from != cell.unit or token.unit:
                shown = f"{format_number(amount)} {cell.unit or ''}".rstrip()
                converted.append(piece("import-converted", where=where, raw=token.raw.strip(), value=shown))
            values[cid] = amount
            continue
        if isinstance(value, Decimal):
            unreadable.append(
                finding(
                    "import-value-unreadable",
                    "not-integer",
                    {"where": where, "raw": token.raw.strip(), "place": token.where},
                    sheet=sheet,
                    cell=address,
                    cell_ids=(cid,),
                )
            )
            continue
        if token.signed or token.unit:
            converted.append(piece("import-converted", where=where, raw=token.raw.strip(), value=value))
        values[cid] = value
    if converted:
        findings.append(
            finding("import-value-converted", "", {"items": name_list(converted)}, args={"items": converted})
        )
    findings.extend(unreadable)
    result.cells_read = sum(1 for v in values.values() if v is not None)
    return values


def reading_findings(spec: FormatSpec, reading: Reading, result: ImportResult, findings: list[Finding]) -> None:
    """Rows not found, numbers not placed, unknown rows, approximate labels; and the statistics."""
    from ogi_xlsx.model.spec import all_formats

    rows_by_table: dict[str, list[tuple[str, str]]] = {}
    for cell in spec.cells.values():
        key = f"{cell.table}.{cell.row}"
        if key not in [k for k, _ in rows_by_table.setdefault(cell.table, [])]:
            rows_by_table[cell.table].append((key, cell.row_label))
    found_rows = set(reading.rows)
    if "t3.r_other" in found_rows:
        found_rows.add("t3.r_other_other")
    if found_rows & {"t3.r_other_nocorrect", "t3.r_other_nofee", "t3.r_other_other"}:
        found_rows.add("t3.r_other")
    unplaced_labels = {u.label for u in reading.unplaced}
    for table, rows in rows_by_table.items():
        if table not in reading.tables:
            continue
        missing = [(key, label) for key, label in rows if key not in found_rows]
        if table == "t3" and "t3.r_other" in reading.rows:
            missing = [(k, lb) for k, lb in missing if k not in ("t3.r_other_nocorrect", "t3.r_other_nofee")]
        if not missing:
            continue
        result.rows_missing += [f"{TABLE_NAMES[table]}“{label}”" for _, label in missing]
        cells = tuple(c.id for c in spec.cells.values() if f"{c.table}.{c.row}" in {k for k, _ in missing})
        note = piece("import-unplaced-note") if unplaced_labels and table in {u.table for u in reading.unplaced} else ""
        params = {
            "table": TABLE_NAMES[table],
            "count": len(missing),
            "labels": name_list([lb for _, lb in missing]),
            "note": note,
        }
        findings.append(
            finding(
                "import-row-missing",
                "",
                params,
                cell_ids=cells,
            )
        )
    for table in ("t2", "t3", "t4"):
        if table not in reading.tables:
            cells = tuple(c.id for c in spec.cells.values() if c.table == table)
            if cells:
                result.rows_missing.append(f"{TABLE_NAMES[table]}（整张表）")
                findings.append(
                    finding(
                        "import-row-missing",
                        "table",
                        {"title": spec.table(table).title},
                        cell_ids=cells,
                    )
                )
    for u in reading.unplaced:
        findings.append(_unplaced_finding(u))
    for label, match, where in reading.approximate:
        findings.append(
            finding("import-label-approximate", "", {"label": label[:40], "place": where, "official": match.official})
        )
    for row_id, where, extra in reading.same_values:
        findings.append(
            finding(
                "import-value-converted",
                "same-values",
                {"table": TABLE_NAMES[row_id[:2]], "place": where, "extra": extra},
            )
        )
    row_labels = {f"{c.table}.{c.row}": c.row_label for s in all_formats() for c in s.cells.values()}
    for row_id, where in reading.duplicates:
        findings.append(
            finding(
                "import-row-duplicate",
                "",
                {"table": TABLE_NAMES[row_id[:2]], "label": row_labels.get(row_id, row_id), "place": where},
            )
        )


def _unplaced_finding(u: Unplaced) -> Finding:
    printed = [p.strip() or piece("empty") for p in u.printed]
    shown = "、".join(printed[:16]) + ("…" if len(printed) > 16 else "")
    params = {
        "table": TABLE_NAMES.get(u.table, u.table),
        "label": u.label[:40] or piece("no-row-label"),
        "place": u.where,
        "printed": shown,
    }
    if u.reason == "unknown-row":
        return finding("import-row-unknown", "", params)
    why = {"no-columns": "why-no-columns", "more": "why-more"}.get(u.reason, "why-fewer")
    return finding("import-row-unplaced", "", {**params, "why": piece(why)})


def cell_place(spec: FormatSpec, cell_id: str) -> str:
    """Where a cell is in the official tables, as the template places it: ``表三 D12``."""
    from ogi_xlsx.model.layout import workbook_layout

    _, address = workbook_layout(spec).locate(cell_id)
    return f"{TABLE_NAMES[cell_id[:2]]} {address}"
