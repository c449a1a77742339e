"""Where everything sits on the sheets: the cell map shared by the writer and the reader.

Pure geometry derived from a :class:`~ogi_xlsx.model.spec.FormatSpec`. Rows and columns are
0-based here (as xlsxwriter counts); :func:`a1` turns them into ``D6`` for people.
The template writer draws exactly these texts and cells; the reader looks for the
same labels at the same places, so the two can never disagree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from ogi_xlsx.model.cellref import a1
from ogi_xlsx.model.spec import FormatSpec, Table

Role = Literal["title", "info", "unit", "corner", "block", "header", "label"]

COVER_SHEET = "封面"
IDENTITY_SHEET = "_ogi"
# The sheets a summary adds after the official tables (written by ogi_xlsx.writing.summary): not part
# of the return, so a reader of a summary need not parse them (the breakdown has a row per unit).
SUMMARY_SHEETS = ("报送情况", "分单位明细", "来源文件", "关键指标")
CHECK_SHEET_TITLE = "勾稽关系自动校验（✓ 表示平衡，✗ 表示不平衡，请核对后再报送）"
TABLE_TOP = 2  # row 0: title, row 1: unit and report year, table from row 2 on


@dataclass(frozen=True)
class Text:
    """A fixed text on a sheet, possibly merged over a range (inclusive)."""

    row: int
    col: int
    last_row: int
    last_col: int
    text: str
    role: Role

    @property
    def merged(self) -> bool:
        return (self.row, self.col) != (self.last_row, self.last_col)


@dataclass(frozen=True)
class SheetLayout:
    """One table's sheet: fixed texts, value-cell positions and the areas around them."""

    table: Table
    texts: tuple[Text, ...]
    cells: dict[str, tuple[int, int]] = field(hash=False, compare=False)
    header_rows: tuple[int, int]
    data_rows: tuple[int, int]
    width: int
    check_row: int

    @property
    def sheet(self) -> str:
        return self.table.sheet

    def address(self, cell_id: str) -> str:
        """``t3.r_new.c_natural`` -> ``D6``."""
        row, col = self.cells[cell_id]
        return a1(row, col)

    @property
    def labels(self) -> tuple[Text, ...]:
        """Texts the reader checks to recognise the table (everything but the info line)."""
        return tuple(t for t in self.texts if t.role not in ("info", "unit"))


@dataclass(frozen=True)
class CoverLayout:
    """The cover sheet: one field per row, label in column A, value in column B."""

    fields: dict[str, tuple[int, int]] = field(hash=False, compare=False)
    labels: dict[str, tuple[int, int]] = field(hash=False, compare=False)
    title_row: int = 0
    instructions_row: int = 0


@dataclass(frozen=True)
class WorkbookLayout:
    """The whole workbook of one format."""

    spec: FormatSpec
    cover: CoverLayout
    sheets: tuple[SheetLayout, ...]

    def sheet_for(self, table_id: str) -> SheetLayout:
        for sheet in self.sheets:
            if sheet.table.id == table_id:
                return sheet
        raise KeyError(table_id)

    def locate(self, cell_id: str) -> tuple[str, str]:
        """(sheet name, A1 address) of a cell id."""
        sheet = self.sheet_for(cell_id.split(".", 1)[0])
        return sheet.sheet, sheet.address(cell_id)

    @property
    def fingerprint(self) -> str:
        """A short hash of everything the reader relies on: sheet names, texts and cell places."""
        return layout_hash(self.spec)


@dataclass(frozen=True)
class Moves:
    """Where the layout's cells are in one workbook when not where the template put them: rows
    inserted above, sheets renamed (``reading.extract`` finds them). The checks print every address
    through :meth:`place`, so a finding names the cell the clerk sees, from the start."""

    cells: Mapping[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (sheet, A1) -> actual
    sheets: Mapping[str, str] = field(default_factory=dict)  # layout sheet name -> actual sheet name

    def place(self, sheet: str, address: str) -> tuple[str, str]:
        """The actual (sheet, address) of the layout's (sheet, address)."""
        return self.cells.get((sheet, address)) or (self.sheets.get(sheet, sheet), address)

    def sheet(self, name: str) -> str:
        """The actual name of the layout's sheet ``name``."""
        return self.sheets.get(name, name)


NO_MOVES = Moves()  # a document read from JSON, or a workbook laid out as the template


def _runs(paths: list[tuple[str, ...]], level: int) -> list[tuple[int, int]]:
    """Consecutive index ranges whose paths share the same prefix up to ``level``."""
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(paths) + 1):
        if (
            i == len(paths)
            or len(paths[i]) <= level
            or len(paths[start]) <= level
            or paths[i][: level + 1] != paths[start][: level + 1]
        ):
            runs.append((start, i - 1))
            start = i
    return runs


def _header_texts(
    paths: list[tuple[str, ...]], top: int, left: int, depth: int, leaf_spans: bool, horizontal: bool
) -> list[Text]:
    """Texts of a header tree. ``paths[i]`` is the label path of line i (column or row).

    ``leaf_spans``: a short path's leaf stretches to the last level (matrix); otherwise
    the leaf sits on the last level and its parent stretches down to meet it (strip).
    """
    texts: list[Text] = []
    for level in range(depth):
        for start, end in _runs(paths, level):
            path = paths[start]
            if level >= len(path):
                continue
            leaf = level == len(path) - 1
            if leaf_spans:
                if len(path) - 1 != level:
                    first, last = level, level
                else:
                    first, last = level, depth - 1
            else:
                if leaf:
                    first, last = depth - 1, depth - 1
                elif level == len(path) - 2:
                    first, last = level, depth - 2
                else:
                    first, last = level, level
            if horizontal:
                texts.append(Text(top + first, left + start, top + last, left + end, path[level], "header"))
            else:
                texts.append(Text(left + start, top + first, left + end, top + last, path[level], "label"))
    return texts


def column_header_text(label: str, unit: str | None) -> str:
    """The printed column header: the official label, plus the unit when the label has none."""
    if unit and "单位" not in label:
        return f"{label}（单位：{unit}）"
    return label


def _blocks_layout(table: Table) -> SheetLayout:
    blocks = table.definition["blocks"]
    width = 1 + max(len(b["columns"]) for b in blocks)
    texts: list[Text] = []
    cells: dict[str, tuple[int, int]] = {}
    row = TABLE_TOP
    first_data = None
    for block in blocks:
        texts.append(Text(row, 0, row, width - 1, block["label"], "block"))
        texts.append(Text(row + 1, 0, row + 1, 0, block["header"], "header"))
        for j, col in enumerate(block["columns"]):
            text = column_header_text(col["label"], col.get("unit"))
            texts.append(Text(row + 1, 1 + j, row + 1, 1 + j, text, "header"))
        row += 2
        first_data = row if first_data is None else first_data
        for r in block["rows"]:
            texts.append(Text(row, 0, row, 0, r["label"], "label"))
            for j, col in enumerate(block["columns"]):
                cells[f"{table.id}.{r['id']}.{col['id']}"] = (row, 1 + j)
            row += 1
    return SheetLayout(
        table=table,
        texts=_common_texts(table, width) + tuple(texts),
        cells=cells,
        header_rows=(TABLE_TOP, TABLE_TOP + 1),
        data_rows=(TABLE_TOP, row - 1),
        width=width,
        check_row=row + 1,
    )


def _matrix_layout(table: Table) -> SheetLayout:
    rows = table.definition["rows"]
    cols = table.definition["columns"]
    label_cols = 1 + max(len(r.get("groups", ())) for r in rows)
    header_depth = 1 + max(len(c.get("groups", ())) for c in cols)
    width = label_cols + len(cols)
    texts: list[Text] = [
        Text(TABLE_TOP, 0, TABLE_TOP + header_depth - 1, label_cols - 1, table.definition["corner"], "corner")
    ]
    col_paths = [(*c.get("groups", ()), c["label"]) for c in cols]
    texts += _header_texts(col_paths, TABLE_TOP, label_cols, header_depth, leaf_spans=True, horizontal=True)
    first_data = TABLE_TOP + header_depth
    row_paths = [(*r.get("groups", ()), r["label"]) for r in rows]
    texts += _header_texts(row_paths, 0, first_data, label_cols, leaf_spans=True, horizontal=False)
    cells = {
        f"{table.id}.{r['id']}.{c['id']}": (first_data + i, label_cols + j)
        for i, r in enumerate(rows)
        for j, c in enumerate(cols)
    }
    last = first_data + len(rows) - 1
    return SheetLayout(
        table=table,
        texts=_common_texts(table, width) + tuple(texts),
        cells=cells,
        header_rows=(TABLE_TOP, first_data - 1),
        data_rows=(first_data, last),
        width=width,
        check_row=last + 2,
    )


def _strip_layout(table: Table) -> SheetLayout:
    rows = table.definition["rows"]
    cols = table.definition["columns"]
    depth = max(len(r.get("groups", ())) for r in rows) + 2
    paths = [(*r.get("groups", ()), r["label"], c["label"]) for r in rows for c in cols]
    texts = _header_texts(paths, TABLE_TOP, 0, depth, leaf_spans=False, horizontal=True)
    data_row = TABLE_TOP + depth
    cells = {
        f"{table.id}.{r['id']}.{c['id']}": (data_row, i * len(cols) + j)
        for i, r in enumerate(rows)
        for j, c in enumerate(cols)
    }
    width = len(paths)
    return SheetLayout(
        table=table,
        texts=_common_texts(table, width) + tuple(texts),
        cells=cells,
        header_rows=(TABLE_TOP, data_row - 1),
        data_rows=(data_row, data_row),
        width=width,
        check_row=data_row + 2,
    )


def _common_texts(table: Table, width: int) -> tuple[Text, ...]:
    if table.layout == "blocks":
        units = sorted({c.unit for c in table.cells if c.unit})
        unit = "单位：件" + (f"；金额单位：{'、'.join(units)}" if units else "")
    else:
        unit = "单位：件"
    return (
        Text(0, 0, 0, width - 1, table.title, "title"),
        Text(1, width - 1, 1, width - 1, unit, "unit"),
    )


_BUILDERS = {"blocks": _blocks_layout, "matrix": _matrix_layout, "strip": _strip_layout}


@cache
def workbook_layout(spec: FormatSpec) -> WorkbookLayout:
    """The layout of every sheet of a format's workbook (cached per format)."""
    cover_fields = {f.id: (2 + i, 1) for i, f in enumerate(spec.cover)}
    cover_labels = {f.id: (2 + i, 0) for i, f in enumerate(spec.cover)}
    cover = CoverLayout(
        fields=cover_fields,
        labels=cover_labels,
        title_row=0,
        instructions_row=3 + len(spec.cover),
    )
    sheets = tuple(_BUILDERS[t.layout](t) for t in spec.tables)
    return WorkbookLayout(spec=spec, cover=cover, sheets=sheets)


@cache
def layout_hash(spec: FormatSpec) -> str:
    """Stable 16-hex-digit hash of the layout; changes whenever a label or a place changes."""
    layout = workbook_layout(spec)
    payload = {
        "format": spec.id,
        "cover": {k: list(v) for k, v in layout.cover.fields.items()},
        "cover_labels": [f.label for f in spec.cover],
        "sheets": [
            {
                "sheet": s.sheet,
                "texts": [[t.row, t.col, t.last_row, t.last_col, t.text] for t in s.labels],
                "cells": {k: list(v) for k, v in s.cells.items()},
                "formulas": {k: list(r.rhs) for k, r in spec.formulas.items() if k.startswith(s.table.id + ".")},
            }
            for s in layout.sheets
        ],
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
