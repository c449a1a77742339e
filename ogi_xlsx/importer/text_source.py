"""Plain-text copies of reports: tab- or pipe-separated table rows, everything else is text.

The same HTML table arrives in text copies in several shapes (see shared/reference/
published-reports.md): a tab-separated grid (the seed), pipe rows ``label | v | v |``, and one
cell per line ending in ``|``. The last is put back into rows: a row starts at the label after
a row's values, or at a label that names a row of the tables.
"""

from __future__ import annotations

import re

from ogi_xlsx.importer.grid import Line, Origins, Row, Source

_PIPE_SPACER = re.compile(r"^[|\s]*$")
_CELL_LINE = re.compile(r"^([^|]*?)\s*\|\s*$")


def _names_a_row(text: str) -> bool:
    from ogi_xlsx.importer.labels import vocabularies

    rows = vocabularies()[0]
    return any(
        (m := vocab.match(text, fuzzy=False)) is not None and m.how in ("exact", "prefix") for vocab in rows.values()
    )


def _is_header_word(text: str) -> bool:
    from ogi_xlsx.importer.labels import norm, numbering, vocabularies

    if numbering(text):  # "（七）总计" is a row, "总计" a column heading
        return False
    key = norm(text)
    if key in ("行政诉讼", "法人或其他组织", "申请人情况", "信息内容") or "勾稽关系" in key:
        return True
    return any((m := v.match(text, fuzzy=False)) is not None and m.how == "exact" for v in vocabularies()[1].values())


def _rows_from_cells(cells: list[tuple[str, str]], new_id: Origins) -> list[Row]:
    """One-cell-per-line runs back into rows (blank cells kept where the copy kept them).

    A label starts a new row after a number, or when it names a row; a column heading stays in
    the header row it belongs to (blank cells of merged headers do not end that row).
    """
    from ogi_xlsx.importer.values import clean, parse_token

    rows: list[Row] = []
    current: list[tuple[str, int]] = []
    numbers = blanks = False
    last_label = ""
    where = ""
    for text, at in cells:
        label = parse_token(text).kind == "bad"
        if not label and clean(text) and current and not numbers and _is_header_word(last_label):
            # the numbers of a row without a label (table 四's one row) after its header
            rows.append(Row(current, where))
            current, numbers, blanks = [], False, False
        if label:
            last_label = text
        if label and current:
            if numbers:
                new = True
            elif _is_header_word(text):
                new = False
            else:
                new = _names_a_row(text) or blanks
            if new:
                # Blank cells after a row's numbers may be its blank values or the next row's empty
                # label columns: a copy with one cell per line cannot tell, so they are not values.
                carried: list[tuple[str, int]] = []
                while numbers and current and not clean(current[-1][0]):
                    carried.insert(0, current.pop())
                rows.append(Row(current, where))
                current, numbers, blanks = carried, False, bool(carried)
                where = at
        if not current:
            where = at
        current.append((text, new_id()))
        if not label:
            numbers = numbers or bool(clean(text))
            blanks = blanks or not clean(text)
    if current:
        rows.append(Row(current, where))
    return rows


def read_text(text: str) -> Source:
    """A text copy (like ``seed-report-2020.txt``) as lines and table rows.

    A line with a tab is a row of a tab-separated grid (an empty cell stays a position); a line
    with two or more "|" is a pipe row; lines that each end in one "|" are one cell each.
    Other lines are text.
    """
    source = Source("text")
    new_id = Origins()
    run: list[tuple[str, str]] = []

    def end_run() -> None:
        if run:
            source.items.extend(_rows_from_cells(run, new_id))
            run.clear()

    for number, raw in enumerate(text.splitlines(), 1):
        where = f"第 {number} 行"
        line = raw.rstrip("\r\n")
        source.chars += len(line)
        if line.count("|") == 1 and (m := _CELL_LINE.match(line)) is not None:
            run.append((m.group(1).strip(), where))
            continue
        if line.strip() == "" and run:
            continue  # a blank line inside a run of cells
        end_run()
        if "\t" in line:
            cells = [(cell, new_id()) for cell in line.split("\t")]
            source.items.append(Row(cells, where))
        elif line.count("|") >= 2:
            if _PIPE_SPACER.match(line):
                continue
            parts = line.strip().split("|")
            if parts and not parts[0].strip():
                parts = parts[1:]
            if parts and not parts[-1].strip():
                parts = parts[:-1]
            source.items.append(Row([(cell, new_id()) for cell in parts], where))
        elif line.strip():
            source.items.append(Line(line.strip(), where))
    end_run()
    return source
