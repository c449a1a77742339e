"""A lean, safe reader for returned .xlsx files: what the validator needs, nothing more.

Interface (stable; the validator, merge and tests code against it):

- :func:`read_xlsx` reads a path or bytes into a :class:`RawWorkbook` and raises
  :class:`XlsxError` (with a finding code and a Chinese message) for files that cannot be
  used at all: empty, not a zip, legacy .xls, WPS .et, encrypted, truncated, zip bombs,
  unsafe XML, over the size limits.
- Only the standard library's zipfile and defusedxml are used: no formula evaluation,
  no styles beyond what decides "is this number a date" and "is this cell locked".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

CellKind = Literal["n", "s", "str", "inlineStr", "b", "e", "d", "blank"]


@dataclass(frozen=True)
class Limits:
    """Resource limits for one file (configurable; documented in the README)."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_part_bytes: int = 100 * 1024 * 1024
    max_ratio: int = 200
    max_cells: int = 200_000
    max_string_chars: int = 32_767


class XlsxError(Exception):
    """A file that cannot be read as a workbook; ``code`` is a finding code (``file-*``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class RawCell:
    """One cell as stored in the file.

    ``value``: ``str`` for text (shared, inline or formula-string results), ``int`` or
    ``Decimal`` for numbers (never float), ``bool`` for booleans, ``str`` like ``#REF!``
    for errors (``kind == "e"``), ``None`` when the cell has no value. ``formula`` is the
    formula text without the leading ``=`` (shared formulas expanded to their master's
    text is not attempted: ``formula_shared`` is then True). ``is_date``: the number has a
    date/time number format. ``locked``: False only when the cell's style unlocks it.
    """

    value: str | int | Decimal | bool | None
    kind: CellKind
    formula: str | None = None
    formula_shared: bool = False
    is_date: bool = False
    locked: bool = True


@dataclass
class RawSheet:
    """One worksheet: cells by 0-based (row, col), merges in A1 ranges, protection."""

    name: str
    state: Literal["visible", "hidden", "veryHidden"] = "visible"
    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)
    protected: bool = False


@dataclass
class RawWorkbook:
    """What a returned workbook holds that ogi-xlsx cares about."""

    sheets: list[RawSheet]
    defined_names: dict[str, str] = field(default_factory=dict)
    custom_properties: dict[str, str] = field(default_factory=dict)
    structure_locked: bool = False
    application: str | None = None

    def sheet(self, name: str) -> RawSheet | None:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        return None
