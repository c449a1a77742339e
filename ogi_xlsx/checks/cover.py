"""The cover and the identity of a return: cover fields, report year and format, unit against the
roster, and blank input cells."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ogi_xlsx.model.document import COVER_EXTRA, ReturnDocument, parse_cover_date
from ogi_xlsx.model.findings import Finding
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
        if not value:
            findings.append(
                Finding("cover-missing", f"封面 {address}：“{fld.label}”未填写，请补充。", sheet=sheet, cell=address)
            )
        elif fld.type == "date" and parse_cover_date(value) is None:
            example = f"{doc.year + 1}-01-10" if doc.year else "2025-01-10"
            findings.append(
                Finding(
                    "cover-invalid",
                    f"封面 {address}：“{fld.label}”应为日期（如 {example}），实际为“{value}”。",
                    sheet=sheet,
                    cell=address,
                )
            )
    return findings


def check_identity(
    doc: ReturnDocument,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    moves: Moves = NO_MOVES,
) -> list[Finding]:
    """Report year and unit against what the district expects."""
    cover = moves.sheet(COVER_SHEET)
    spec = doc.spec
    findings = []
    if not spec.applies_to(doc.year):
        right = "2021 年及以后" if doc.year >= 2021 else "2019—2020 年"
        findings.append(
            Finding(
                "format-year-mismatch",
                f"报告年度 {doc.year} 不应使用{spec.notice}格式（该格式适用于{spec.years_label}），"
                f"请使用{right}对应的模板重新填报。",
                sheet=cover,
            )
        )
    if expected_year is not None and doc.year != expected_year:
        findings.append(
            Finding(
                "year-mismatch",
                f"报告年度为 {doc.year}，本次应报送 {expected_year} 年度报表。",
                sheet=cover,
                args={"year": doc.year, "expected": expected_year},
            )
        )
    if roster is not None:
        code = doc.unit_code.strip()
        if code not in roster:
            findings.append(
                Finding(
                    "unit-not-on-roster",
                    f"单位“{doc.unit_name}”（代码 {code or '空'}）不在报送名单中，请核对单位代码。",
                    sheet=cover,
                    args={"code": code},
                )
            )
        elif roster[code].strip() and roster[code].strip() != doc.unit_name.strip():
            findings.append(
                Finding(
                    "unit-mismatch",
                    f"单位代码 {code} 在名单中为“{roster[code]}”，报表中为“{doc.unit_name}”，请核对。",
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
        return [
            Finding(
                "return-empty",
                f"报表的 {len(spec.input_ids)} 个填报格全部为空，像是把空白模板直接交回了。"
                "请填写各表数据（没有发生的填 0）后重新报送。",
            )
        ]
    layout = workbook_layout(spec)
    findings = []
    for cell_id in spec.input_ids:
        if values.get(cell_id) is None:
            cell = spec.cells[cell_id]
            sheet, address = moves.place(*layout.locate(cell_id))
            table = spec.table(cell.table).short
            if strict:
                message = f"{table} {address}（{cell.label}）：未填写，请填写数字（没有发生请填 0）。"
            else:
                message = f"{table} {address}（{cell.label}）：未填写，已按 0 计算；没有发生请填 0。"
            findings.append(
                Finding(
                    "value-blank-strict" if strict else "value-blank",
                    message,
                    sheet=sheet,
                    cell=address,
                    cell_ids=(cell_id,),
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
    message = f"封面 {address}：“{label}”未填写，请填写" + (
        "区信息公开办分配的单位代码。" if key == "unit_code" else "单位全称。"
    )
    code = "unit-code-missing" if key == "unit_code" else "cover-missing"
    return Finding(code, message, severity="error", sheet=sheet, cell=address, args={"path": path})
