"""From a :class:`~ogi_xlsx.reading.xlsx.RawWorkbook` to a return: identity, values, structural findings.

Pure (no I/O). Everything is derived from the format spec and its layout: the identity the
writers store, the labels at their places, the defined names of the cells, the formulas
of the totals. Totals are never taken from the file as data: the returned ``reported``
values carry, for the sum-rule check, a total's recomputed value when its formula is
intact, the constant when the formula was overwritten, or the typed number in a workbook
typed by hand (no identity, no formulas).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ogi_xlsx.checks.rules import Number, compute_totals
from ogi_xlsx.model.cellref import a1, parse_ref
from ogi_xlsx.model.document import Explanation
from ogi_xlsx.model.findings import Finding, finding, piece
from ogi_xlsx.model.identity import IDENTITY_KEYS, Identity, defined_name, property_name
from ogi_xlsx.model.layout import COVER_SHEET, IDENTITY_SHEET, SheetLayout, Text, layout_hash, workbook_layout
from ogi_xlsx.model.spec import FormatSpec, UnknownFormatError, all_formats, load_format
from ogi_xlsx.reading.explanation_sheet import EXPLANATION_SHEET, read_explanation_grid
from ogi_xlsx.reading.normalize import (
    Where,
    cached_number,
    cell_text,
    excel_sum_view,
    normalize_input,
    normalize_text,
)
from ogi_xlsx.reading.xlsx import RawCell, RawSheet, RawWorkbook

MAX_SHIFT = 15
MATCH_THRESHOLD = 0.5


@dataclass
class Extraction:
    """What was read from one workbook."""

    spec: FormatSpec | None
    identity: Identity | None = None
    by_labels: bool = False
    year: int | None = None
    unit_code: str = ""
    unit_name: str = ""
    cover: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, Number | None] = field(default_factory=dict)
    reported: dict[str, Number | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # cells with a normalisation error or on a missing sheet: blank/schema findings are not repeated
    reported_cells: set[str] = field(default_factory=set)
    # (expected sheet, expected address) -> (sheet, address) in this file, when they differ
    moved: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)  # expected sheet -> actual sheet
    # the unit's answers to queries, from the 情况说明 sheet (ogi_xlsx.reading.explanation_sheet)
    explanations: list[Explanation] = field(default_factory=list)
    # totals whose formula was replaced by a typed number (cell id -> the number): the one fact
    # the rules' findings about these cells repeat (issue 11)
    typed_totals: dict[str, Number] = field(default_factory=dict)
    # totals that, summing a typed-over total, show another number than their inputs give
    following_totals: dict[str, Number] = field(default_factory=dict)


# --------------------------------------------------------------------------- identity


def _unquote_constant(text: str) -> str | None:
    text = text.strip().lstrip("=")
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return None


def identity_sources(wb: RawWorkbook) -> list[tuple[str, dict[str, str]]]:
    """The identity copies found in the workbook: properties, defined names, the ``_ogi`` sheet."""
    sources = []
    props = {
        k: wb.custom_properties[property_name(k)] for k in IDENTITY_KEYS if property_name(k) in wb.custom_properties
    }
    if props:
        sources.append((piece("identity-properties"), {k: str(v) for k, v in props.items()}))
    names: dict[str, str] = {}
    lowered = {k.lower(): v for k, v in wb.defined_names.items()}
    for key in IDENTITY_KEYS:
        value = lowered.get(defined_name(key).lower())
        if value is not None:
            constant = _unquote_constant(value)
            if constant is not None:
                names[key] = constant
    if names:
        sources.append((piece("identity-names"), names))
    sheet = wb.sheet(IDENTITY_SHEET)
    if sheet is not None:
        rows: dict[str, str] = {}
        for (row, col), raw in sheet.cells.items():
            if col == 0 and raw.value is not None:
                key = cell_text(raw).strip()
                if key in IDENTITY_KEYS:
                    rows[key] = cell_text(sheet.cells.get((row, 1))).strip()
        if rows:
            sources.append((piece("identity-sheet"), rows))
    return sources


def read_identity(wb: RawWorkbook) -> tuple[Identity | None, list[Finding]]:
    """The first intact identity copy; a finding when intact copies disagree."""
    found = [(where, Identity.from_dict(data)) for where, data in identity_sources(wb)]
    intact = [(where, ident) for where, ident in found if ident is not None]
    if not intact:
        return None, []
    first_where, first = intact[0]
    findings = []
    for where, other in intact[1:]:
        diff = [
            k
            for k in ("format", "format_version", "layout_hash", "year", "unit_code")
            if getattr(other, k) != getattr(first, k)
        ]
        if diff:
            findings.append(
                finding(
                    "fingerprint-mismatch",
                    "copies",
                    {"first": first_where, "other": where, "keys": "、".join(diff)},
                    args={"keys": diff},
                )
            )
            break
    return first, findings


# --------------------------------------------------------------------------- labels


def _sheet_texts(sheet: RawSheet) -> dict[str, list[tuple[int, int]]]:
    index: dict[str, list[tuple[int, int]]] = {}
    for pos, raw in sheet.cells.items():
        if isinstance(raw.value, str) and raw.value.strip():
            index.setdefault(normalize_text(raw.value), []).append(pos)
    return index


def _layout_label_texts(spec: FormatSpec) -> list[str]:
    layout = workbook_layout(spec)
    texts = [normalize_text(t.text) for s in layout.sheets for t in s.labels]
    texts += [normalize_text(f.label) for f in spec.cover]
    return texts


def recognise_by_labels(wb: RawWorkbook) -> tuple[FormatSpec | None, float]:
    """The format whose labels the workbook carries best (score = share of labels found)."""
    present: set[str] = set()
    for sheet in wb.sheets:
        present.update(_sheet_texts(sheet))
    best: tuple[FormatSpec | None, float] = (None, 0.0)
    for spec in all_formats():
        texts = _layout_label_texts(spec)
        score = sum(1 for t in texts if t in present) / len(texts)
        if score > best[1]:
            best = (spec, score)
    return best


def _sheet_score(sheet: RawSheet, layout: SheetLayout) -> float:
    present = set(_sheet_texts(sheet))
    texts = [normalize_text(t.text) for t in layout.labels]
    return sum(1 for t in texts if t in present) / len(texts)


def _find(index: dict[str, list[tuple[int, int]]], text: Text) -> tuple[int, int] | None:
    """Displacement (dr, dc) of a label: the nearest place holding its text."""
    candidates = index.get(normalize_text(text.text), [])
    best = None
    for row, col in candidates:
        dr, dc = row - text.row, col - text.col
        if abs(dr) > MAX_SHIFT or abs(dc) > MAX_SHIFT:
            continue
        if best is None or abs(dr) + abs(dc) < abs(best[0]) + abs(best[1]):
            best = (dr, dc)
    return best


@dataclass
class SheetMap:
    """Where one table's labels and cells are in the returned sheet."""

    layout: SheetLayout
    sheet: RawSheet
    shifts: dict[Text, tuple[int, int] | None]
    findings: list[Finding]
    deleted: set[Text] = field(default_factory=set)

    def cell_shift(self, row: int, col: int) -> tuple[int, int] | None:
        """Row shift from the row's label, column shift from the column's header; None when deleted."""
        dr = dc = None
        leaf = self._leaf(row)
        if leaf is not None:
            if leaf in self.deleted:
                return None
            dr = self._inherit(leaf, axis=0)
        header = next((t for t in self._headers(col) if t.last_row < row), None)
        if header is not None:
            if header in self.deleted:
                return None
            dc = self._inherit(header, axis=1)
            if dr is None:
                dr = self._inherit(header, axis=0)
        return (dr or 0, dc or 0)

    def _leaf(self, row: int) -> Text | None:
        """The innermost row label of a row (cached: called for every cell)."""
        cache = self.__dict__.setdefault("_leaf_cache", {})
        if row not in cache:
            leaf = None
            for text in self.shifts:
                if text.role == "label" and text.row <= row <= text.last_row and (leaf is None or text.col > leaf.col):
                    leaf = text
            cache[row] = leaf
        return cache[row]

    def _headers(self, col: int) -> list[Text]:
        """Column headers over a column, lowest first (cached)."""
        cache = self.__dict__.setdefault("_header_cache", {})
        if col not in cache:
            cache[col] = sorted(
                (t for t in self.shifts if t.role == "header" and t.col <= col <= t.last_col),
                key=lambda t: -t.row,
            )
        return cache[col]

    def _inherit(self, text: Text, axis: int) -> int:
        """A label's shift; a label not found takes the shift of the nearest found one before it."""
        shift = self.shifts.get(text)
        if shift is not None:
            return shift[axis]
        previous = 0
        for other, other_shift in self.shifts.items():
            if other is text:
                break
            if other_shift is not None and other.role == text.role:
                previous = other_shift[axis]
        return previous


def _shift_words(dr: int, dc: int) -> str:
    parts = []
    if dr:
        parts.append(piece("shift-down" if dr > 0 else "shift-up", n=abs(dr)))
    if dc:
        parts.append(piece("shift-right" if dc > 0 else "shift-left", n=abs(dc)))
    return "、".join(parts)


def map_sheet(spec: FormatSpec, layout: SheetLayout, sheet: RawSheet) -> SheetMap:
    """Find every label of the table: shifted (layout-shifted) or changed (label-changed)."""
    index = _sheet_texts(sheet)
    short = layout.table.short
    shifts: dict[Text, tuple[int, int] | None] = {}
    findings: list[Finding] = []
    for text in layout.labels:
        shifts[text] = _find(index, text)
    smap = SheetMap(layout, sheet, shifts, findings)
    others = {normalize_text(t.text) for t in layout.labels}
    last_shift = (0, 0)
    for text in sorted(layout.labels, key=lambda t: (t.row, t.col)):
        shift = shifts[text]
        where = a1(text.row, text.col)
        if shift is None:
            dr, dc = smap._inherit(text, 0), smap._inherit(text, 1)
            actual_raw = sheet.cells.get((text.row + dr, text.col + dc))
            actual = cell_text(actual_raw).strip()
            address = a1(text.row + dr, text.col + dc)
            nactual, nexpected = normalize_text(actual), normalize_text(text.text)
            if text.role in ("label", "header") and nactual in others and nactual != nexpected:
                # another label of the table sits here: this row or column was deleted
                smap.deleted.add(text)
                line = piece("deleted-row" if text.role == "label" else "deleted-column")
                findings.append(
                    finding(
                        "layout-shifted",
                        "deleted",
                        {"table": short, "address": address, "text": text.text, "line": line},
                        sheet=sheet.name,
                        cell=address,
                        args={"deleted": text.text, "expected": where},
                    )
                )
                continue
            noted = bool(nactual) and (nactual.startswith(nexpected) or nexpected in nactual)
            params = {
                "table": short,
                "address": address,
                "expected": text.text,
                "actual": actual or piece("empty"),
                "noted": piece("label-noted") if noted else "",
            }
            findings.append(
                finding(
                    "label-changed",
                    "",
                    params,
                    severity="warning" if noted else None,
                    sheet=sheet.name,
                    cell=address,
                    args={"expected": text.text, "actual": actual},
                )
            )
            continue
        if shift != last_shift and shift != (0, 0):
            findings.append(
                finding(
                    "layout-shifted",
                    "",
                    {
                        "table": short,
                        "text": text.text,
                        "expected": where,
                        "actual": a1(text.row + shift[0], text.col + shift[1]),
                        "shift": _shift_words(*shift),
                    },
                    sheet=sheet.name,
                    cell=a1(text.row + shift[0], text.col + shift[1]),
                    args={"rows": shift[0], "cols": shift[1], "expected": where},
                )
            )
        last_shift = shift
    return smap


# --------------------------------------------------------------------------- cells and formulas


def _split_top(text: str, separators: str) -> list[str]:
    parts, depth, quoted, current = [], 0, False, []
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if not quoted and depth == 0 and ch in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


_FORMULA_CACHE: dict[tuple[str, str], Counter[tuple[int, int]] | None] = {}
_FORMULA_CACHE_MAX = 4096  # entries; only short formulas over few cells are kept (hostile input stays uncached)


def formula_cells(formula: str, sheet_name: str) -> Counter[tuple[int, int]] | None:
    """The cells a sum formula adds up (``SUM(D6:I6)``, ``SUM(D6,E6)``, ``D6+E6``), or None.

    Equivalent forms written by different programs give the same multiset of cells.
    Every return has the same ~30 total formulas, so the parsed forms are remembered.
    """
    key = (formula, sheet_name)
    if key in _FORMULA_CACHE:
        hit = _FORMULA_CACHE[key]
        return None if hit is None else Counter(hit)
    cells = _formula_cells(formula, sheet_name)
    if len(formula) <= 256 and (cells is None or len(cells) <= 256) and len(_FORMULA_CACHE) < _FORMULA_CACHE_MAX:
        _FORMULA_CACHE[key] = None if cells is None else Counter(cells)
    return cells


def _formula_cells(formula: str, sheet_name: str) -> Counter[tuple[int, int]] | None:
    text = formula.strip().lstrip("=").replace(" ", "").upper() if "'" not in formula else formula.strip().lstrip("=")
    cells: Counter[tuple[int, int]] = Counter()
    for term in _split_top(text, "+"):
        if not term:
            return None
        upper = term.upper()
        args = _split_top(term[4:-1], ",;") if upper.startswith("SUM(") and upper.endswith(")") else [term]
        for arg in args:
            if not arg:
                continue
            parsed = parse_ref(arg if "'" in arg else arg.upper())
            if parsed is None:
                return None
            ref_sheet, refs = parsed
            if ref_sheet is not None and ref_sheet != sheet_name:
                return None
            cells.update(refs)
    return cells


def _ranges(cells: list[tuple[int, int]]) -> str:
    """``[(5,3),(5,4),(5,5),(9,3)]`` -> ``D6:F6,D10``: runs of neighbouring cells as ranges."""
    parts: list[str] = []
    run: list[tuple[int, int]] = []
    for cell in cells:
        if run and (
            (cell[0] == run[-1][0] and cell[1] == run[-1][1] + 1 and run[0][0] == run[-1][0])
            or (cell[1] == run[-1][1] and cell[0] == run[-1][0] + 1 and run[0][1] == run[-1][1])
        ):
            run.append(cell)
            continue
        if run:
            parts.append(a1(*run[0]) + (f":{a1(*run[-1])}" if len(run) > 1 else ""))
        run = [cell]
    if run:
        parts.append(a1(*run[0]) + (f":{a1(*run[-1])}" if len(run) > 1 else ""))
    return ",".join(parts)


def _name_target(wb: RawWorkbook, name: str) -> tuple[str, tuple[int, int]] | None:
    value = wb.defined_names.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in wb.defined_names.items() if k.lower() == lowered), None)
    if value is None:
        return None
    parsed = parse_ref(value.lstrip("="))
    if parsed is None or parsed[0] is None or len(parsed[1]) != 1:
        return None
    return parsed[0], parsed[1][0]


# --------------------------------------------------------------------------- the whole workbook


MAX_OUTSIDE = 10


def _outside(sl: SheetLayout, smap: SheetMap) -> list[Finding]:
    """Values typed to the right of the table (they are not read): information only."""
    found = [v for v in smap.shifts.values() if v is not None]
    right_edge = sl.width + max((dc for _, dc in found), default=0)
    bottom = sl.data_rows[1] + max((dr for dr, _ in found), default=0)
    cells = sorted(
        (pos, raw)
        for pos, raw in smap.sheet.cells.items()
        if pos[1] >= right_edge and pos[0] <= bottom and cell_text(raw).strip()
    )
    return [
        finding(
            "unexpected-value",
            "",
            {"table": sl.table.short, "address": a1(*pos), "text": cell_text(raw).strip()[:30]},
            severity="info",
            sheet=smap.sheet.name,
            cell=a1(*pos),
        )
        for pos, raw in cells[:MAX_OUTSIDE]
    ]


def _parse_year(text: str) -> int | None:
    match = re.search(r"(\d{4})", normalize_text(text))
    return int(match.group(1)) if match else None


def _serial_date(raw: RawCell | None) -> str | None:
    if raw is None or not raw.is_date or not isinstance(raw.value, (int, Decimal)):
        return None
    import datetime

    day = datetime.date(1899, 12, 30) + datetime.timedelta(days=int(raw.value))
    return day.isoformat()


def _choose_cover(
    spec: FormatSpec, wb: RawWorkbook, chosen: dict[str, RawSheet], used: set[str], findings: list[Finding]
) -> None:
    """The cover under another name: the sheet holding most of its labels (or a sheet-missing finding)."""
    labels = {normalize_text(f.label) for f in spec.cover}
    for sheet in wb.sheets:
        if sheet.name in used:
            continue
        texts = set(_sheet_texts(sheet))
        if len(labels & texts) >= len(labels) / 2:
            chosen[COVER_SHEET] = sheet
            used.add(sheet.name)
            findings.append(
                finding(
                    "sheet-renamed",
                    "cover",
                    {"expected": COVER_SHEET, "actual": sheet.name},
                    sheet=sheet.name,
                    args={"expected": COVER_SHEET, "actual": sheet.name},
                )
            )
            break
    else:
        findings.append(
            finding(
                "sheet-missing",
                "cover",
                {"expected": COVER_SHEET},
                sheet=COVER_SHEET,
                args={"expected": COVER_SHEET},
            )
        )


def _choose_sheets(spec: FormatSpec, wb: RawWorkbook, findings: list[Finding]) -> dict[str, RawSheet]:
    """Expected sheet name -> the workbook's sheet (renamed, missing and extra sheets reported)."""
    layout = workbook_layout(spec)
    chosen: dict[str, RawSheet] = {}
    used: set[str] = {IDENTITY_SHEET, EXPLANATION_SHEET}  # 情况说明 is read by extract()
    for sl in layout.sheets:
        sheet = wb.sheet(sl.sheet)
        if sheet is not None:
            chosen[sl.sheet] = sheet
            used.add(sheet.name)
    cover = wb.sheet(COVER_SHEET)
    if cover is not None:
        chosen[COVER_SHEET] = cover
        used.add(COVER_SHEET)
    for sl in layout.sheets:
        if sl.sheet in chosen:
            continue
        scored = [(_sheet_score(s, sl), s) for s in wb.sheets if s.name not in used]
        scored = [item for item in scored if item[0] >= MATCH_THRESHOLD]
        if scored:
            _, sheet = max(scored, key=lambda item: item[0])
            chosen[sl.sheet] = sheet
            used.add(sheet.name)
            findings.append(
                finding(
                    "sheet-renamed",
                    "",
                    {"expected": sl.sheet, "actual": sheet.name},
                    sheet=sheet.name,
                    args={"expected": sl.sheet, "actual": sheet.name},
                )
            )
        else:
            findings.append(
                finding(
                    "sheet-missing",
                    "",
                    {"expected": sl.sheet, "title": sl.table.title},
                    sheet=sl.sheet,
                    args={"expected": sl.sheet},
                )
            )
    if COVER_SHEET not in chosen:
        _choose_cover(spec, wb, chosen, used, findings)
    for sheet in wb.sheets:
        if sheet.name not in used and not sheet.skipped:  # skipped: a sheet the reader was told to expect
            findings.append(
                finding(
                    "sheet-extra",
                    "",
                    {"sheet": sheet.name},
                    sheet=sheet.name,
                    args={"sheet": sheet.name},
                )
            )
    return chosen


# A return answers a handful of queries; a sheet with thousands of rows is a mistake (or hostile)
# and would make matching them to the queries slow.
MAX_EXPLANATIONS = 500
MAX_REFERENCE_CHARS = 200  # 规则 and 单元格 name a rule or a cell: longer text is cut for matching


def _read_explanations(wb: RawWorkbook) -> list[Explanation]:
    """The 情况说明 sheet's rows (none when the sheet is absent); an over-long text is cut to
    what the return document holds rather than refusing the return for it."""
    from ogi_xlsx.model.document import EXPLANATION_MAX_CHARS

    sheet = wb.sheet(EXPLANATION_SHEET)
    if sheet is None or sheet.skipped:
        return []
    read = read_explanation_grid({key: cell.value for key, cell in sheet.cells.items()})
    cut = EXPLANATION_MAX_CHARS - 1
    out = []
    for e in read:
        if len(e.text) > EXPLANATION_MAX_CHARS:
            e = replace(e, text=e.text[:cut] + "…")
        if len(e.rule) > MAX_REFERENCE_CHARS or len(e.cell) > MAX_REFERENCE_CHARS:
            e = replace(e, rule=e.rule[:MAX_REFERENCE_CHARS], cell=e.cell[:MAX_REFERENCE_CHARS])
        out.append(e)
    return out


def _read_cover(
    spec: FormatSpec, sheet: RawSheet | None, moved: dict[tuple[str, str], tuple[str, str]]
) -> dict[str, tuple[str, str]]:
    """Cover field id -> (text, address); labels are looked up in column A, values to their right."""
    layout = workbook_layout(spec)
    fields: dict[str, tuple[str, str]] = {}
    if sheet is None:
        return fields
    index = _sheet_texts(sheet)
    for fld in spec.cover:
        row, col = layout.cover.fields[fld.id]
        lrow, lcol = layout.cover.labels[fld.id]
        places = index.get(normalize_text(fld.label), [])
        if places and (lrow, lcol) not in places:
            prow, pcol = min(places, key=lambda p: abs(p[0] - lrow) + abs(p[1] - lcol))
            row, col = prow + (row - lrow), pcol + (col - lcol)
        raw = sheet.cells.get((row, col))
        text = _serial_date(raw) or cell_text(raw).strip()
        if fld.type == "date":
            from ogi_xlsx.model.document import parse_cover_date

            # 2026年1月8日 and 2026/1/8 are how people write dates: kept as 2026-01-08
            text = parse_cover_date(text) or text
        address = a1(row, col)
        expected_address = a1(*layout.cover.fields[fld.id])
        if (sheet.name, address) != (COVER_SHEET, expected_address):
            moved[(COVER_SHEET, expected_address)] = (sheet.name, address)
        fields[fld.id] = (text, address)
    return fields


def _hidden_inputs(spec: FormatSpec, places: dict[str, tuple[RawSheet, tuple[int, int]]]) -> list[Finding]:
    """A hidden official sheet, or hidden rows holding filled inputs: read, but nobody sees them
    when checking or printing the return (issue 11)."""
    findings: list[Finding] = []
    hidden_sheets: dict[str, list[str]] = {}
    hidden_rows: dict[tuple[str, int], list[str]] = {}
    tables: dict[str, str] = {}
    for cell_id in spec.input_ids:
        if cell_id not in places:
            continue
        sheet, pos = places[cell_id]
        raw = sheet.cells.get(pos)
        if raw is None or raw.value in (None, ""):
            continue
        tables[sheet.name] = spec.table(spec.cells[cell_id].table).short
        if sheet.state != "visible":
            hidden_sheets.setdefault(sheet.name, []).append(a1(*pos))
        elif pos[0] in sheet.hidden_rows:
            hidden_rows.setdefault((sheet.name, pos[0]), []).append(a1(*pos))
    for name, cells in hidden_sheets.items():
        findings.append(
            finding(
                "sheet-hidden",
                "",
                {"sheet": name, "count": len(cells)},
                sheet=name,
                args={"cells": len(cells)},
            )
        )
    by_sheet: dict[str, list[tuple[int, list[str]]]] = {}
    for (name, row), cells in sorted(hidden_rows.items()):
        by_sheet.setdefault(name, []).append((row, cells))
    for name, rows in by_sheet.items():
        numbers = "、".join(str(row + 1) for row, _ in rows)
        cells = [c for _, cs in rows for c in cs]
        shown = "、".join(cells[:6]) + ("……" if len(cells) > 6 else "")
        findings.append(
            finding(
                "rows-hidden",
                "",
                {"table": tables[name], "rows": numbers, "cells": shown},
                sheet=name,
                cell=cells[0],
                args={"rows": [row + 1 for row, _ in rows]},
            )
        )
    return findings


# --------------------------------------------------------------------------- the stages of extract()


@dataclass(frozen=True)
class FormatMatch:
    """Stage 1's result: the format (None when unknown), the template's identity, and whether the
    format was told from the table labels (no identity)."""

    spec: FormatSpec | None
    identity: Identity | None = None
    by_labels: bool = False


def _version_findings(identity: Identity, spec: FormatSpec) -> list[Finding]:
    """The template's format version and layout fingerprint against this program's format."""
    findings = []
    if identity.format_version in spec.retired_versions:
        findings.append(
            finding(
                "format-retired",
                "",
                {"version": identity.format_version, "current": spec.version},
                args={"version": identity.format_version, "current": spec.version},
            )
        )
    elif identity.format_version != spec.version:
        findings.append(
            finding(
                "fingerprint-mismatch",
                "version",
                {"version": identity.format_version, "current": spec.version},
                args={"version": identity.format_version, "current": spec.version},
            )
        )
    if identity.layout_hash != layout_hash(spec):
        findings.append(
            finding(
                "fingerprint-mismatch",
                "layout",
                args={"layout_hash": identity.layout_hash, "expected": layout_hash(spec)},
            )
        )
    return findings


def identify(wb: RawWorkbook, spec_hint: FormatSpec | None = None) -> tuple[FormatMatch, list[Finding]]:
    """Stage 1: the format, from the template's identity copies or, failing them, the table labels."""
    identity, findings = read_identity(wb)
    findings = list(findings)
    spec = spec_hint
    if identity is not None and spec is None:
        try:
            spec = load_format(identity.format)
        except UnknownFormatError:
            findings.append(
                finding(
                    "format-unknown",
                    "identity",
                    {"format": identity.format, "version": identity.format_version},
                    args={"format": identity.format, "version": identity.format_version},
                )
            )
            return FormatMatch(None, identity), findings
        findings += _version_findings(identity, spec)
    if spec is not None:
        return FormatMatch(spec, identity), findings
    spec, score = recognise_by_labels(wb)
    if spec is None or score < MATCH_THRESHOLD:
        findings.append(
            finding(
                "format-unknown",
                "labels",
                args={"score": round(score, 2)},
            )
        )
        return FormatMatch(None), findings
    findings.append(
        finding(
            "format-by-labels",
            "",
            {"notice": spec.notice, "years": spec.years_label},
            args={"format": spec.id, "score": round(score, 2)},
        )
    )
    return FormatMatch(spec, identity, by_labels=True), findings


def choose_sheets(spec: FormatSpec, wb: RawWorkbook) -> tuple[dict[str, RawSheet], list[Finding]]:
    """Stage 2: expected sheet name -> the workbook's sheet (renamed, missing and extra sheets reported)."""
    findings: list[Finding] = []
    return _choose_sheets(spec, wb, findings), findings


def read_explanations(wb: RawWorkbook) -> tuple[list[Explanation], list[Finding]]:
    """Stage 3: the unit's answers to queries, from the 情况说明 sheet (at most ``MAX_EXPLANATIONS``)."""
    explanations = _read_explanations(wb)
    if len(explanations) <= MAX_EXPLANATIONS:
        return explanations, []
    too_many = finding(
        "explanation-too-many",
        "",
        {"sheet": EXPLANATION_SHEET, "rows": len(explanations), "read": MAX_EXPLANATIONS},
        sheet=EXPLANATION_SHEET,
        args={"rows": len(explanations), "read": MAX_EXPLANATIONS},
    )
    return explanations[:MAX_EXPLANATIONS], [too_many]


@dataclass
class CoverReading:
    """Stage 4's result: report year and unit reconciled with the template's identity, the other
    cover fields, and cover cells found away from their places (expected -> actual)."""

    year: int | None = None
    unit_code: str = ""
    unit_name: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    moved: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


def _cover_year(
    text: str, address: str, label: str, id_year: int | None, sheet: str
) -> tuple[int | None, list[Finding]]:
    """The report year from the cover, or the template's when the cover has none."""
    findings = []
    cover_year = _parse_year(text) if text else None
    params = {"address": address, "label": label, "value": text, "year": cover_year, "template": id_year}
    if text and cover_year is None:
        findings.append(finding("cover-invalid", "year", params, sheet=sheet, cell=address))
    if cover_year is None and id_year is not None:
        if not text:
            findings.append(
                finding("cover-missing", "template-year", {**params, "year": id_year}, sheet=sheet, cell=address)
            )
        return id_year, findings
    if cover_year is not None:
        if id_year is not None and cover_year != id_year:
            findings.append(
                finding(
                    "year-mismatch",
                    "cover",
                    params,
                    sheet=sheet,
                    cell=address,
                    args={"year": cover_year, "template": id_year},
                )
            )
        return cover_year, findings
    findings.append(finding("cover-missing", "no-year", params, severity="error", sheet=sheet, cell=address))
    return None, findings


def _cover_unit(text: str, address: str, label: str, key: str, from_id: str, sheet: str) -> tuple[str, list[Finding]]:
    """The unit code or name from the cover, or the template's when the cover has none."""
    if key == "unit_code" and from_id and text.isdigit() and from_id.isdigit() and int(text) == int(from_id):
        text = from_id  # retyped as a number, the code lost its leading zeros ("001" -> 1)
    if text:
        if from_id and normalize_text(from_id) != normalize_text(text):
            mismatch = finding(
                "unit-mismatch",
                "cover",
                {"address": address, "label": label, "value": text, "template": from_id},
                sheet=sheet,
                cell=address,
                args={"cover": text, "template": from_id},
            )
            return text, [mismatch]
        return text, []
    if from_id:
        params = {"address": address, "label": label, "value": from_id}
        return from_id, [finding("cover-missing", "template-unit", params, sheet=sheet, cell=address)]
    return "", []  # an empty code or name with no template value is reported by the schema check


def read_cover(
    spec: FormatSpec, identity: Identity | None, sheets: dict[str, RawSheet]
) -> tuple[CoverReading, list[Finding]]:
    """Stage 4: the cover (封面), its year and unit reconciled with the template's identity."""
    layout = workbook_layout(spec)
    result = CoverReading()
    cover = _read_cover(spec, sheets.get(COVER_SHEET), result.moved)
    sheet = sheets[COVER_SHEET].name if COVER_SHEET in sheets else COVER_SHEET
    labels = {f.id: f.label for f in spec.cover}
    year_text, year_addr = cover.get("year", ("", a1(*layout.cover.fields["year"])))
    id_year = _parse_year(identity.year) if identity else None
    result.year, findings = _cover_year(year_text, year_addr, labels["year"], id_year, sheet)
    for key in ("unit_code", "unit_name"):
        text, address = cover.get(key, ("", a1(*layout.cover.fields[key])))
        from_id = getattr(identity, key, "") if identity else ""
        value, unit_findings = _cover_unit(text, address, labels[key], key, from_id, sheet)
        setattr(result, key, value)
        findings += unit_findings
    result.fields = {k: v[0] for k, v in cover.items() if k not in ("year", "unit_code", "unit_name")}
    return result, findings


@dataclass
class CellPlaces:
    """Stage 5's result: where each cell of the layout is in this workbook.

    ``places``: cell id -> (sheet, 0-based position); ``moved``: (expected sheet, expected address)
    -> (sheet, address) where they differ; ``missing``: cells on a missing sheet or in a deleted
    row or column (reported once, by the sheet or shift finding).
    """

    places: dict[str, tuple[RawSheet, tuple[int, int]]] = field(default_factory=dict)
    moved: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)


def _place_sheet(spec: FormatSpec, wb: RawWorkbook, sl: SheetLayout, sheet: RawSheet, out: CellPlaces) -> list[Finding]:
    """The cells of one table's sheet located through its labels (shifts, deleted rows)."""
    smap = map_sheet(spec, sl, sheet)
    labels_gone = sum(1 for v in smap.shifts.values() if v is not None) < MATCH_THRESHOLD * len(smap.shifts)
    findings = smap.findings + _outside(sl, smap)
    # the usual case: every label found where the template put it, nothing deleted
    unmoved = not smap.deleted and all(v == (0, 0) for v in smap.shifts.values())
    for cell_id, (row, col) in sl.cells.items():
        # Labels first (they are what a person sees); the defined names only when the labels are
        # mostly gone. Excel moves names with inserted rows, but other tools do not.
        target = _name_target(wb, spec.cells[cell_id].defined_name) if labels_gone else None
        if target is not None and target[0] == sheet.name:
            pos = target[1]
        else:
            shift = (0, 0) if unmoved else smap.cell_shift(row, col)
            if shift is None:
                out.missing.add(cell_id)  # its row or column was deleted (reported once)
                continue
            pos = (row + shift[0], col + shift[1])
        out.places[cell_id] = (sheet, pos)
        if (sheet.name, pos) != (sl.sheet, (row, col)):
            out.moved[(sl.sheet, a1(row, col))] = (sheet.name, a1(*pos))
    return findings


def locate(
    spec: FormatSpec, wb: RawWorkbook, sheets: dict[str, RawSheet], from_template: bool
) -> tuple[CellPlaces, list[Finding]]:
    """Stage 5: every cell of the tables located in the workbook; removed protection reported."""
    out = CellPlaces()
    findings: list[Finding] = []
    for sl in workbook_layout(spec).sheets:
        sheet = sheets.get(sl.sheet)
        if sheet is None:
            out.missing.update(sl.cells)
            continue
        findings += _place_sheet(spec, wb, sl, sheet, out)
        if from_template and not sheet.protected:
            findings.append(finding("protection-removed", "", {"table": sl.table.short}, sheet=sheet.name))
    cover_raw = sheets.get(COVER_SHEET)
    if from_template and cover_raw is not None and not cover_raw.protected:
        findings.append(finding("protection-removed", "cover", sheet=cover_raw.name))
    if from_template and not wb.structure_locked:
        findings.append(finding("structure-unlocked"))
    return out, findings


def _where(spec: FormatSpec, places: CellPlaces, cell_id: str) -> Where:
    sheet, pos = places.places[cell_id]
    cell = spec.cells[cell_id]
    return Where(sheet.name, a1(*pos), spec.table(cell.table).short, cell)


@dataclass
class InputReading:
    """Stage 6's result: the input cells' values, what Excel's SUM would see in them, and the cells
    whose value was refused (an error already reported: not reported again as blank)."""

    values: dict[str, Number | None] = field(default_factory=dict)
    excel_view: dict[str, Number] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)


def read_inputs(spec: FormatSpec, places: CellPlaces) -> tuple[InputReading, list[Finding]]:
    """Stage 6: the input cells normalised (typed numbers, text numbers, dates, errors …)."""
    out = InputReading()
    findings = _hidden_inputs(spec, places.places)
    for cell_id in spec.input_ids:
        if cell_id not in places.places:
            out.values[cell_id] = None
            continue
        sheet, pos = places.places[cell_id]
        raw = sheet.cells.get(pos)
        if raw is None:
            out.values[cell_id], out.excel_view[cell_id] = None, 0
            continue
        number = raw.value
        if (
            type(number) is int
            and raw.formula is None
            and raw.kind == "n"
            and not raw.is_date
            and (number >= 0 or spec.cells[cell_id].type == "signed_count")
            and spec.cells[cell_id].type != "amount"
        ):
            # The common case, a typed whole count: what normalize_input would return, without
            # building its message context (a third of the time spent on a return's inputs).
            out.values[cell_id] = out.excel_view[cell_id] = number
            continue
        value, cell_findings = normalize_input(raw, _where(spec, places, cell_id))
        out.values[cell_id] = value
        out.excel_view[cell_id] = excel_sum_view(raw)
        findings += cell_findings
        if any(f.severity == "error" for f in cell_findings):
            out.refused.add(cell_id)
    return out, findings


@dataclass
class TotalsReading:
    """Stage 7's result: each total as the workbook reports it (for the sum rules) beside the
    recomputed ones, the totals typed over their formula, and the totals that follow them."""

    reported: dict[str, Number | None] = field(default_factory=dict)
    typed_totals: dict[str, Number] = field(default_factory=dict)
    following_totals: dict[str, Number] = field(default_factory=dict)


def _formula_totals(spec: FormatSpec, places: CellPlaces, from_template: bool) -> bool:
    """Totals are formulas in a template (even when a program dropped its identity); in a copy
    typed by hand they are numbers the unit reports, checked by the sum rules."""
    with_formulas = sum(
        1
        for cid in spec.computed_ids
        if cid in places.places
        and (raw := places.places[cid][0].cells.get(places.places[cid][1])) is not None
        and raw.formula
    )
    return from_template or with_formulas * 2 >= len(spec.computed_ids)


def _sum_formula(spec: FormatSpec, places: CellPlaces, cell_id: str) -> str:
    return "SUM(" + _ranges([places.places[ref][1] for ref in spec.formulas[cell_id].rhs if ref in places.places]) + ")"


def _typed_total(
    spec: FormatSpec, places: CellPlaces, cell_id: str, raw: RawCell | None, expected: Number, formula_totals: bool
) -> tuple[Number | None, Number | None, list[Finding]]:
    """A total cell without a formula: (the number it reports, the number typed over a formula or
    None, findings)."""
    w = _where(spec, places, cell_id)
    constant, cell_findings = normalize_input(raw, w)
    if cell_findings and any(f.severity == "error" for f in cell_findings):
        return (None if not formula_totals else expected), None, cell_findings
    if not formula_totals:
        # typed by hand: the typed total is what the unit reports; the sum rules check it
        return constant, None, cell_findings
    if constant is None:
        deleted = finding(
            "formula-overwritten",
            "deleted",
            {"where": w.prefix, "expected": expected},
            sheet=w.sheet,
            cell=w.address,
            cell_ids=(cell_id,),
        )
        return expected, None, [deleted]
    formula = _sum_formula(spec, places, cell_id)
    typed = finding(
        "formula-overwritten",
        "",
        {"where": w.prefix, "reported": constant, "expected": expected, "address": w.address, "formula": formula},
        sheet=w.sheet,
        cell=w.address,
        cell_ids=(cell_id,),
        args={"reported": constant, "expected": expected, "formula": formula},
    )
    return constant, constant, [typed]  # the sums that include it follow this number


def _formula_total(
    spec: FormatSpec, places: CellPlaces, cell_id: str, raw: RawCell, refused: set[str]
) -> tuple[bool, Number | None, list[Finding]]:
    """A total cell with a formula: (its formula is intact and evaluated, the cached number when the
    formula was changed, findings)."""
    sheet, _ = places.places[cell_id]
    w = _where(spec, places, cell_id)
    rule = spec.formulas[cell_id]
    expected = Counter(
        places.places[ref][1] for ref in rule.rhs if ref in places.places and places.places[ref][0] is sheet
    )
    got = formula_cells(raw.formula or "", sheet.name)
    if got is None or got != expected:
        expected_text = _sum_formula(spec, places, cell_id)
        changed = finding(
            "formula-changed",
            "",
            {"where": w.prefix, "formula": f"={raw.formula}", "expected": f"={expected_text}"},
            sheet=w.sheet,
            cell=w.address,
            cell_ids=(cell_id,),
            args={"formula": raw.formula, "expected": expected_text},
        )
        return False, cached_number(raw), [changed]
    if raw.kind == "e":
        if any(ref in refused for ref in rule.rhs):
            return False, None, []  # the error comes from an input already reported
        params = {"where": w.prefix, "value": raw.value}
        return (
            False,
            None,
            [finding("value-error", "total", params, sheet=w.sheet, cell=w.address, cell_ids=(cell_id,))],
        )
    return True, None, []


def check_totals(
    spec: FormatSpec, places: CellPlaces, inputs: InputReading, from_template: bool, refused: set[str]
) -> tuple[TotalsReading, list[Finding]]:
    """Stage 7: the totals recomputed from the inputs and checked against the workbook's
    (formulas deleted, typed over or changed, error values, cached values that are stale)."""
    totals = compute_totals(spec, inputs.values)
    out = TotalsReading(reported=dict(inputs.values))
    formula_totals = _formula_totals(spec, places, from_template)
    findings: list[Finding] = []
    stale: list[tuple[str, RawCell]] = []
    for cell_id in spec.computed_ids:
        out.reported[cell_id] = totals[cell_id]
        if cell_id not in places.places:
            continue
        sheet, pos = places.places[cell_id]
        raw = sheet.cells.get(pos)
        if raw is not None and raw.formula is None and raw.formula_shared:
            continue  # a shared-formula child: its text lives in the master cell
        if raw is None or raw.formula is None:
            value, typed, cell_findings = _typed_total(spec, places, cell_id, raw, totals[cell_id], formula_totals)
            out.reported[cell_id] = value
            if typed is not None:
                out.typed_totals[cell_id] = typed
            findings += cell_findings
            continue
        intact, cached, cell_findings = _formula_total(spec, places, cell_id, raw, refused)
        findings += cell_findings
        if intact:
            stale.append((cell_id, raw))
        elif cached is not None:
            out.reported[cell_id] = cached
    findings += _follow_typed_totals(spec, places, inputs, totals, stale, out, formula_totals)
    return out, findings


def _follow_typed_totals(
    spec: FormatSpec,
    places: CellPlaces,
    inputs: InputReading,
    totals: dict[str, Number],
    intact: list[tuple[str, RawCell]],
    out: TotalsReading,
    formula_totals: bool,
) -> list[Finding]:
    """Intact formulas: what the file shows (a total summing a typed-over total follows the typed
    number, as Excel recalculates it, which is then neither stale nor a second error), and cached
    values that match no way of computing them."""
    shown = compute_totals(spec, inputs.values, out.typed_totals) if out.typed_totals else totals
    excel_totals = compute_totals(spec, inputs.excel_view)
    findings = []
    for cell_id, raw in intact:
        if cell_id not in out.typed_totals and formula_totals:
            out.reported[cell_id] = shown[cell_id]
            if shown[cell_id] != totals[cell_id]:
                out.following_totals[cell_id] = shown[cell_id]
        cached = cached_number(raw)
        if cached is not None and cached not in (totals[cell_id], excel_totals[cell_id], shown[cell_id]):
            w = _where(spec, places, cell_id)
            findings.append(
                finding(
                    "cached-stale",
                    "",
                    {"where": w.prefix, "cached": cached, "expected": totals[cell_id]},
                    sheet=w.sheet,
                    cell=w.address,
                    cell_ids=(cell_id,),
                    args={"cached": cached, "expected": totals[cell_id]},
                )
            )
    return findings


def extract(wb: RawWorkbook, spec_hint: FormatSpec | None = None) -> Extraction:
    """Read one workbook as its stages: identify the format, choose the sheets, read the
    explanations and the cover, locate the cells, read the inputs, check the totals."""
    match, findings = identify(wb, spec_hint)
    if match.spec is None:
        return Extraction(spec=None, identity=match.identity, findings=findings)
    spec, from_template = match.spec, match.identity is not None
    ex = Extraction(spec=spec, identity=match.identity, by_labels=match.by_labels, findings=findings)
    sheets, found = choose_sheets(spec, wb)
    findings += found
    ex.sheet_names = {name: sheet.name for name, sheet in sheets.items()}
    ex.explanations, found = read_explanations(wb)
    findings += found
    cover, found = read_cover(spec, match.identity, sheets)
    findings += found
    ex.year, ex.unit_code, ex.unit_name, ex.cover = cover.year, cover.unit_code, cover.unit_name, cover.fields
    places, found = locate(spec, wb, sheets, from_template)
    findings += found
    ex.moved = {**cover.moved, **places.moved}
    inputs, found = read_inputs(spec, places)
    findings += found
    ex.reported_cells = places.missing | inputs.refused
    totals, found = check_totals(spec, places, inputs, from_template, ex.reported_cells)
    findings += found
    ex.inputs, ex.reported = inputs.values, totals.reported
    ex.typed_totals, ex.following_totals = totals.typed_totals, totals.following_totals
    return ex
