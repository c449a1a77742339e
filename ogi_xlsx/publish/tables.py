"""One pure model of the official tables 二, 三 and 四 for publishing (Word and HTML).

Everything here comes from the format spec and :mod:`ogi_xlsx.model.layout` (the geometry the
template writer draws): the labels are the spec's, verbatim, and the merged header cells
are the layout's merged ranges. The Word and HTML writers only render this grid, so the
two outputs cannot disagree with each other or with the Excel template.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from ogi_xlsx.model.layout import TABLE_TOP, SheetLayout, workbook_layout

if TYPE_CHECKING:
    from ogi_xlsx.model.document import ReturnDocument
    from ogi_xlsx.model.spec import FormatSpec

Kind = Literal["corner", "block", "header", "label", "value", "empty"]


@dataclass(frozen=True)
class GridCell:
    """One printed cell: its top-left position in the table grid (0-based) and its spans."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    kind: Kind
    cell_id: str | None = None

    @property
    def is_head(self) -> bool:
        """Header-like cells (bold, centred) as opposed to row labels and values."""
        return self.kind in ("corner", "block", "header")


@dataclass(frozen=True)
class PublishedTable:
    """One official table ready to print: title, unit note and the cells row by row."""

    id: str
    number: str
    title: str
    unit_note: str
    width: int
    header_rows: int  # leading rows to repeat on every page (0 for table 二, whose headers are per block)
    rows: tuple[tuple[GridCell, ...], ...]
    label_cols: int  # leading columns holding row labels (for column widths)

    @property
    def cells(self) -> tuple[GridCell, ...]:
        return tuple(c for row in self.rows for c in row)

    def value_cell(self, cell_id: str) -> GridCell:
        for cell in self.cells:
            if cell.cell_id == cell_id:
                return cell
        raise KeyError(cell_id)


# Column widths in cm as printed (Word; HTML uses their proportions): table 二 on a portrait
# page, 三 and 四 on a landscape page (A4 landscape with 2 cm margins leaves 25.7 cm).
T2_WIDTHS = (4.6, 3.6, 3.6, 3.6)
T3_LABEL_WIDTHS = (1.2, 2.0, 6.4)
T3_VALUE_WIDTH = 2.25
T4_VALUE_WIDTH = 1.7


def column_widths(table: PublishedTable) -> list[float]:
    """Printed width (cm) of each grid column of ``table``."""
    if table.id == "t2":
        return [T2_WIDTHS[0], *[T2_WIDTHS[1]] * (table.width - 1)]
    if table.id == "t3":
        labels = list(T3_LABEL_WIDTHS[-table.label_cols :]) if table.label_cols else []
        return [*labels, *[T3_VALUE_WIDTH] * (table.width - table.label_cols)]
    return [T4_VALUE_WIDTH] * table.width


def format_value(value: int | Decimal | None) -> str:
    """A value as printed: integers plainly, money without exponent or trailing zeros, blank as ''."""
    from ogi_xlsx.model.findings import format_number

    if value is None:
        return ""
    return format_number(value)


def _table_from_layout(sheet: SheetLayout, values: dict[str, int | Decimal | None] | None) -> PublishedTable:
    table = sheet.table
    top, last = TABLE_TOP, sheet.data_rows[1]
    width = sheet.width
    height = last - top + 1
    placed: list[GridCell] = []
    title = next(t.text for t in sheet.texts if t.role == "title")
    unit_note = next(t.text for t in sheet.texts if t.role == "unit")
    for text in sheet.texts:
        if text.role in ("title", "info", "unit"):
            continue
        kind: Kind = "header" if text.role == "header" else text.role  # type: ignore[assignment]
        placed.append(
            GridCell(
                text.row - top,
                text.col,
                text.last_row - text.row + 1,
                text.last_col - text.col + 1,
                text.text,
                kind,
            )
        )
    for cell_id, (row, col) in sheet.cells.items():
        value = values.get(cell_id) if values is not None else None
        placed.append(GridCell(row - top, col, 1, 1, format_value(value), "value", cell_id))
    if table.layout == "blocks":
        placed = _stretch_short_blocks(placed, width)
    grid: list[list[GridCell | None]] = [[None] * width for _ in range(height)]
    for cell in placed:
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                if grid[r][c] is not None:  # pragma: no cover - a layout bug, not a data problem
                    raise ValueError(f"{table.short}: overlapping cells at row {r}, column {c}")
                grid[r][c] = cell
    rows: list[tuple[GridCell, ...]] = []
    for r in range(height):
        row: list[GridCell] = []
        for c in range(width):
            cell = grid[r][c]
            if cell is None:  # a position no text covers (none in the official layouts)
                cell = GridCell(r, c, 1, 1, "", "empty")
                grid[r][c] = cell
            if cell.row == r and cell.col == c:
                row.append(cell)
        rows.append(tuple(row))
    header_rows = 0 if table.layout == "blocks" else sheet.header_rows[1] - sheet.header_rows[0] + 1
    label_cols = min(c.col for c in placed if c.kind == "value")
    return PublishedTable(
        id=table.id,
        number=table.number,
        title=title,
        unit_note=unit_note,
        width=width,
        header_rows=header_rows,
        rows=tuple(rows),
        label_cols=label_cols,
    )


def _stretch_short_blocks(cells: list[GridCell], width: int) -> list[GridCell]:
    """In table 二 a block with fewer columns than the widest one: its last column spans the rest.

    The template leaves those positions empty; a printed table (as the official format
    prints it) widens the block's last column instead, the same in its header and data rows.
    """
    by_row: dict[int, list[GridCell]] = {}
    for cell in cells:
        by_row.setdefault(cell.row, []).append(cell)
    out: list[GridCell] = []
    for row_cells in by_row.values():
        right = max(c.col + c.colspan for c in row_cells)
        for cell in row_cells:
            if right < width and cell.col + cell.colspan == right:
                cell = GridCell(cell.row, cell.col, cell.rowspan, width - cell.col, cell.text, cell.kind, cell.cell_id)
            out.append(cell)
    return out


def published_tables(spec: FormatSpec, values: dict[str, int | Decimal | None] | None = None) -> list[PublishedTable]:
    """The three official tables of ``spec`` in order, filled with ``values`` (blank when None)."""
    layout = workbook_layout(spec)
    return [_table_from_layout(sheet, values) for sheet in layout.sheets]


def tables_for(doc: ReturnDocument) -> list[PublishedTable]:
    """The official tables of a return document."""
    return published_tables(doc.spec, doc.values)
