"""The only module that touches xlsxwriter's internals, and the versions it was checked against.

xlsxwriter has no public API for two things the writers need:

- workbook (structure) protection, ``<workbookProtection lockStructure="1">``: written by
  hooking ``Workbook._write_workbook_pr`` (private) and calling ``_xml_empty_tag`` (private);
- merged ranges on a ``constant_memory`` (streamed) sheet written out of row order: the
  merge is registered by appending to ``Worksheet.merge`` (internal list), as
  ``Worksheet.merge_range`` does.

Each use is marked ``INTERNAL`` below. :data:`CHECKED_VERSIONS` names the xlsxwriter releases
these hooks were verified on; importing this module with another release fails with a clear
message, and ``tests/writing/test_xlsxwriter_ext.py`` checks the hooks' effect on the XML, so
that an xlsxwriter upgrade is a one-file job (check the hooks, extend the range, regenerate the
golden files).
"""

from __future__ import annotations

from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol

CHECKED_VERSIONS = ("3.3",)  # major.minor prefixes of xlsxwriter.__version__


class UnsupportedXlsxWriter(ImportError):
    """xlsxwriter is a release whose internals this module was not checked against."""


def check_version(version: str | None = None) -> str:
    """``version`` (default: the installed one) when it is a checked release; else :class:`UnsupportedXlsxWriter`."""
    version = version or getattr(xlsxwriter, "__version__", "")
    if not any(version == v or version.startswith(v + ".") for v in CHECKED_VERSIONS):
        raise UnsupportedXlsxWriter(
            f"xlsxwriter {version or '(unknown version)'} is installed, but ogi_xlsx/writing/xlsxwriter_ext.py "
            f"hooks its internals as checked on {', '.join(CHECKED_VERSIONS)}.x only "
            "(Workbook._write_workbook_pr, Workbook._xml_empty_tag, Worksheet.merge). "
            "Install a checked release (pip install 'xlsxwriter>=3.3.1,<3.4'), or check the hooks "
            "against the new release and add it to CHECKED_VERSIONS."
        )
    return version


check_version()


def password_hash(password: str) -> str:
    """The legacy Excel protection hash (ECMA-376 Part 4, §14.7.1), as 4 hex digits."""
    digest = 0
    for char in password[::-1]:
        digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
        digest ^= ord(char)
    digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
    digest ^= len(password)
    digest ^= 0xCE4B
    return f"{digest:X}"


class RowOrderedSheet:
    """A worksheet whose cell writes are kept and replayed in row order when the workbook closes.

    In xlsxwriter's ``constant_memory`` mode each row is written out, and can no longer
    change, as soon as a later row is written. The layout writers write labels, values and
    merged ranges in whatever order reads best, so on a streamed workbook their writes are
    kept here (a few hundred cells a sheet) and replayed sorted by row. A merged range is
    split into its cells and the merge itself is registered directly. As in xlsxwriter's
    constant_memory mode, a row height set on a row without any cell is not written.
    """

    _ROW_WRITES = frozenset({"write", "write_string", "write_number", "write_formula", "write_blank", "set_row"})

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet
        self._writes: list[tuple[int, int, int, str, tuple, dict]] = []  # (row, call, part, method, args, kwargs)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._sheet, name)
        if name not in self._ROW_WRITES:
            return attr

        def keep(row: int | str, *args: Any, **kwargs: Any) -> int:
            # A1 notation ("B3") is accepted like xlsxwriter does; only the sort key needs the row.
            key = xl_cell_to_rowcol(row)[0] if isinstance(row, str) else row
            self._writes.append((key, len(self._writes), 0, name, (row, *args), kwargs))
            return 0

        return keep

    def merge_range(
        self, first_row: int, first_col: int, last_row: int, last_col: int, data: Any, cell_format: Any = None
    ) -> int:
        if not all(isinstance(n, int) for n in (first_row, first_col, last_row, last_col)):
            raise TypeError("merge_range on a streamed sheet takes numeric coordinates")
        call = len(self._writes)
        self._writes.append((first_row, call, 0, "_merge", (first_row, first_col, last_row, last_col), {}))
        self._writes.append((first_row, call, 1, "write", (first_row, first_col, data, cell_format), {}))
        for part, (row, col) in enumerate(
            ((r, c) for r in range(first_row, last_row + 1) for c in range(first_col, last_col + 1)), start=2
        ):
            if (row, col) != (first_row, first_col):
                self._writes.append((row, call, part, "write_blank", (row, col, "", cell_format), {}))
        return 0

    def replay(self) -> None:
        """Apply the kept writes in row order (stable: later writes to a cell still win)."""
        sheet = self._sheet
        for _row, _call, _part, name, args, kwargs in sorted(self._writes, key=lambda w: (w[0], w[1], w[2])):
            if name == "_merge":
                # What Worksheet.merge_range records besides writing the cells (xlsxwriter 3.3).
                sheet.merge.append(list(args))  # INTERNAL: Worksheet.merge
            else:
                getattr(sheet, name)(*args, **kwargs)
        self._writes.clear()


class Workbook(xlsxwriter.Workbook):
    """xlsxwriter's Workbook plus ``<workbookProtection lockStructure="1">``.

    xlsxwriter has no API for workbook (structure) protection, so the element is written
    where the schema wants it: right after ``<workbookPr>``. Hooking the serialiser keeps
    the output deterministic and avoids re-zipping the file afterwards.

    ``streamed``: xlsxwriter's ``constant_memory`` mode, for a summary whose breakdown grows
    with the number of units: memory stays flat. Sheets then come as :class:`RowOrderedSheet`
    unless asked for with :meth:`add_row_ordered_worksheet` (the writer then writes rows in order).
    """

    structure_password: str | None = None

    def __init__(self, target: Any, *, streamed: bool = False) -> None:
        super().__init__(target, {"constant_memory": True} if streamed else {"in_memory": True})
        self.streamed = streamed
        self._kept: list[RowOrderedSheet] = []

    def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Any:
        sheet = super().add_worksheet(name, worksheet_class)
        if not self.streamed:
            return sheet
        kept = RowOrderedSheet(sheet)
        self._kept.append(kept)
        return kept

    def add_row_ordered_worksheet(self, name: str) -> Any:
        """A worksheet written directly: the caller writes its rows top to bottom."""
        return super().add_worksheet(name)

    def close(self) -> None:
        for kept in self._kept:
            kept.replay()
        super().close()

    def _write_workbook_pr(self) -> None:  # INTERNAL: Workbook._write_workbook_pr, _xml_empty_tag
        super()._write_workbook_pr()
        if self.structure_password is not None:
            attributes: list[tuple[str, Any]] = []
            if self.structure_password:
                attributes.append(("workbookPassword", password_hash(self.structure_password)))
            attributes.append(("lockStructure", 1))
            self._xml_empty_tag("workbookProtection", attributes)
