"""Display width of text on a terminal or in a fixed-width column (CJK characters take two cells)."""

from __future__ import annotations

from functools import lru_cache
from unicodedata import combining, east_asian_width


def char_cells(char: str) -> int:
    """Terminal cells of one character: 0 combining, 2 wide (CJK), else 1."""
    if combining(char):
        return 0
    return 2 if east_asian_width(char) in "WF" else 1


@lru_cache(maxsize=4096)  # sheet names, cell addresses and labels repeat in every file
def display_width(text: str) -> int:
    """Terminal cells of ``text`` (rich.cells would cost an import)."""
    return sum(char_cells(char) for char in text)
