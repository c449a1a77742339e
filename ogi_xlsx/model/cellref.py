"""A1 cell references, written once: 0-based (row, col) <-> ``A1``, ``$A$1``, column letters,
``'sheet'!D6:I6`` references and the grouping of addresses into rectangles."""

from __future__ import annotations

import re
from collections.abc import Sequence

_REF = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([^'!]+))!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_A1 = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


def col_letter(col: int) -> str:
    """0-based column -> ``A``, ``B``, … ``AA``."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """0-based (row, col) -> ``A1`` notation."""
    return f"{col_letter(col)}{row + 1}"


def a1_abs(row: int, col: int) -> str:
    """0-based (row, col) -> ``$A$1`` (an absolute reference, as defined names use)."""
    return f"${col_letter(col)}${row + 1}"


def column_index(letters: str | bytes) -> int:
    """Column letters (``A``, ``AA``; str or ASCII bytes, any case) -> 0-based column."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch if isinstance(ch, int) else ord(ch)) - 64
    return n - 1


def parse_ref(text: str) -> tuple[str | None, list[tuple[int, int]]] | None:
    """``'表三'!$D$6`` / ``D6:I6`` -> (sheet or None, 0-based cells); None when not a plain reference."""
    match = _REF.match(text.strip())
    if match is None:
        return None
    quoted, bare, c1, r1, c2, r2 = match.groups()
    sheet = quoted.replace("''", "'") if quoted is not None else bare
    top, left = int(r1) - 1, column_index(c1)
    bottom, right = (int(r2) - 1, column_index(c2)) if c2 else (top, left)
    top, bottom = min(top, bottom), max(top, bottom)
    left, right = min(left, right), max(left, right)
    return sheet, [(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)]


def cell_ranges(addresses: Sequence[str]) -> list[str]:
    """A1 addresses as few rectangles as a greedy scan finds (``D10:I12``, ``F6``), in reading order."""
    cells: set[tuple[int, int]] = set()
    for address in addresses:
        match = _A1.match(address)
        if match:
            cells.add((int(match[2]), column_index(match[1]) + 1))
    out = []
    done: set[tuple[int, int]] = set()
    for row, col in sorted(cells):
        if (row, col) in done:
            continue
        right = col
        while (row, right + 1) in cells and (row, right + 1) not in done:
            right += 1
        bottom = row
        while all((bottom + 1, c) in cells and (bottom + 1, c) not in done for c in range(col, right + 1)):
            bottom += 1
        done |= {(r, c) for r in range(row, bottom + 1) for c in range(col, right + 1)}
        first, last = f"{col_letter(col - 1)}{row}", f"{col_letter(right - 1)}{bottom}"
        out.append(first if first == last else f"{first}:{last}")
    return out
