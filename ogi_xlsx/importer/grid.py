"""The common form every reader produces: the report as lines of text and rows of table cells.

A table row keeps, for each grid column, the cell's text and the id of the printed cell it comes
from: a cell merged over several columns or rows (colspan/rowspan, gridSpan/vMerge) appears in
each grid position it covers with the same origin, so that "the cells after the label" can be
counted as printed cells, not grid columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    """A paragraph or line of text outside the tables."""

    text: str
    where: str


@dataclass
class Row:
    """One table row: (text, origin) per grid column; ``loose`` when split on spaces (positions unsure)."""

    cells: list[tuple[str, int]]
    where: str
    table: int = 0  # the n-th table of the source (0 for rows of a text copy)
    loose: bool = False

    def printed(self) -> list[str]:
        """The texts of the distinct printed cells, in order (merged cells once)."""
        out: list[str] = []
        last: int | None = None
        for text, origin in self.cells:
            if origin != last:
                out.append(text)
            last = origin
        return out


@dataclass
class Source:
    """A report as read: its items in reading order, the reader's own findings, and facts."""

    kind: str  # "text", "html", "docx", "pdf"
    items: list[Line | Row] = field(default_factory=list)
    pages: int = 0
    chars: int = 0
    images: int = 0
    pages_read: int | None = None  # fewer than ``pages`` when a PDF was cut at the page budget


class Origins:
    """Fresh origin ids."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> int:
        self.n += 1
        return self.n


def expand(rows: list[list[tuple[str, int, int]]], new_id: Origins, max_cells: int) -> list[list[tuple[str, int]]]:
    """Rows of (text, colspan, rowspan) cells -> a full grid with spans expanded (capped)."""
    grid: list[list[tuple[str, int] | None]] = []
    size = 0  # grid positions allocated so far (spans can multiply a few cells into millions)
    for r, cells in enumerate(rows):
        while len(grid) <= r:
            grid.append([])
        c = 0
        for text, colspan, rowspan in cells:
            while c < len(grid[r]) and grid[r][c] is not None:
                c += 1
            origin = new_id()
            colspan = max(1, min(colspan, 64))
            rowspan = max(1, min(rowspan, 200, len(rows) - r))
            for dr in range(rowspan):
                while len(grid) <= r + dr:
                    grid.append([])
                line = grid[r + dr]
                if len(line) < c + colspan:
                    size += c + colspan - len(line)
                    if size > max_cells:
                        raise ValueError("too many cells")
                    line.extend([None] * (c + colspan - len(line)))
                for dc in range(colspan):
                    line[c + dc] = (text, origin)
            c += colspan
    out = []
    for line in grid:
        out.append([cell if cell is not None else ("", new_id()) for cell in line])
    return out
