"""Plain-text copies of reports: tab- or pipe-separated table rows, everything else is text."""

from __future__ import annotations

import re

from ogi_xlsx.importer.grid import Line, Origins, Row, Source

_PIPE_SPACER = re.compile(r"^[|\s]*$")


def read_text(text: str) -> Source:
    """A text copy (like ``seed-report-2020.txt``) as lines and table rows.

    A line with a tab is a row of a tab-separated grid (an empty cell stays a position); a line
    with two or more "|" is a pipe row. Other lines are text.
    """
    source = Source("text")
    new_id = Origins()
    for number, raw in enumerate(text.splitlines(), 1):
        where = f"第 {number} 行"
        line = raw.rstrip("\r\n")
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
        source.chars += len(line)
    return source
