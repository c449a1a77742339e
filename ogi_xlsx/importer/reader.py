"""From a :class:`~ogi_xlsx.importer.grid.Source` to printed cells: tables recognised by their
headings and keywords, rows by their labels, columns by position among the printed cells after
the label (never by counting numbers across the page).

Nothing here knows about the output format yet: cells are named with the ids of both formats
(``t3.r_other.c_total`` is the 2019 single （六） row); ``assemble`` decides what goes where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ogi_xlsx.importer.grid import Line, Row, Source
from ogi_xlsx.importer.labels import GROUP_LABELS, Match, norm, numbering, vocabularies
from ogi_xlsx.importer.values import Token, clean, parse_token

T3_COLUMNS = ("c_natural", "c_commercial", "c_research", "c_social", "c_legal", "c_other", "c_total")
T4_COLUMNS = ("c_upheld", "c_corrected", "c_other", "c_pending", "c_total")
T4_ROWS = ("r_review", "r_lit_direct", "r_lit_after")
TABLE_NAMES = {"t2": "表二", "t3": "表三", "t4": "表四"}

_BLOCK = re.compile(r"第二十条第[(（]?([一二三四五六七八九十]+)[)）]?项")
_NUMBER_AT_END = re.compile(r"(?:^|\s)([+\-]?\d[\d,]*(?:\.\d+)?(?:万元|元)?|/|—|无)\s*$")


@dataclass
class Unplaced:
    """A row whose numbers cannot be put in columns (or a row not recognised)."""

    table: str
    label: str
    where: str
    printed: list[str]
    reason: str  # "fewer" / "more" / "unknown-row" / "no-columns"


@dataclass
class Reading:
    """What was found in a report's tables, before it becomes a return document."""

    cells: dict[str, Token] = field(default_factory=dict)
    header_units: dict[str, str] = field(default_factory=dict)
    rows: dict[str, str] = field(default_factory=dict)  # row id -> where
    tables: dict[str, str] = field(default_factory=dict)  # t2/t3/t4 -> where first seen
    unplaced: list[Unplaced] = field(default_factory=list)
    approximate: list[tuple[str, Match, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    same_values: list[tuple[str, str, int]] = field(default_factory=list)  # table/row, where, extra cells
    text: list[Line] = field(default_factory=list)


def heading(text: str) -> str | None:
    """The table a section heading introduces ("二、主动公开政府信息情况" -> t2), "end", or None."""
    key = norm(text)
    if len(key) > 30:
        return None
    if key.startswith("主动公开政府信息情况"):
        return "t2"
    if key.startswith("收到和处理政府信息公开申请情况"):
        return "t3"
    if key.startswith(("政府信息公开行政复议", "因政府信息公开工作被申请行政复议")):
        return "t4"
    if key.startswith(("存在的主要问题", "其他需要报告的事项")):
        return "end"
    return None


def _classify(key: str) -> str | None:
    if "第二十条" in key or key.startswith("信息内容"):
        return "t2"
    if "申请人情况" in key or "本年新收" in key or ("自然人" in key and "商业企业" in key) or "勾稽关系" in key:
        return "t3"
    if "行政复议" in key and ("行政诉讼" in key or "结果维持" in key):
        return "t4"
    return None


def _is_header(table: str, key: str) -> bool:
    if table == "t3":
        return (
            "申请人情况" in key or "勾稽关系" in key or ("自然人" in key and "商业企业" in key) or "商业企业科研" in key
        )
    if table == "t4":
        return any(w in key for w in ("结果维持", "结果纠正", "尚未审结")) or key.startswith("行政复议行政诉讼")
    return False


def _fit(after: list[str], n: int) -> tuple[list[str] | None, str | None]:
    """The n printed cells of a row, dropping spare empty cells at either end; else why not."""
    vals = list(after)
    while len(vals) > n and not clean(vals[-1]):
        vals.pop()
    while len(vals) > n and not clean(vals[0]):
        vals.pop(0)
    if len(vals) == n:
        return vals, None
    if len(vals) > n:
        tokens = [parse_token(v) for v in vals]
        if all(t.kind == "number" for t in tokens) and len({t.value for t in tokens}) == 1:
            # More numbers than columns, all equal: every placement gives the same values.
            return vals[:n], "same"
        return None, "more"
    return None, "fewer"


def _is_label_text(text: str) -> bool:
    """Text that names a row, not a value written with words ("约10", "10余" are unreadable values)."""
    if not any(ch.isdigit() for ch in text) or numbering(text):
        return True
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") >= 2


def _split_label(printed: list[str]) -> tuple[list[str], list[str]]:
    """(label cells, cells after the last label) of one row's printed cells."""
    last = -1
    for i, text in enumerate(printed):
        if parse_token(text).kind == "bad" and _is_label_text(text):
            last = i
    return printed[: last + 1], printed[last + 1 :]


_RANK = {"exact": 0, "prefix": 1, "truncated": 2, "approximate": 3}


def _match_row(table: str, labels: list[str]) -> Match | None:
    """The row the label cells name: the last cell alone, or joined with the cells before it
    (a label split over cells or lines); the surest match wins."""
    vocab = vocabularies()[0][table]
    candidates = [labels[-1]] if labels else []
    for start in range(len(labels) - 2, -1, -1):
        candidates.append("".join(labels[start:]))
    best: Match | None = None
    for text in candidates:
        if norm(text) in GROUP_LABELS:
            continue
        found = vocab.match(text)
        if found is not None and (best is None or _RANK[found.how] < _RANK[best.how]):
            best = found
            if found.how == "exact":
                break
    return best


_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页.*|\d{1,3}\s*/\s*\d{1,3})\s*$")


def _loose(line: Line) -> Row | None:
    """A line of text with numbers at its end as a row split on spaces (positions unsure)."""
    if not _NUMBER_AT_END.search(line.text) or _PAGE_NUMBER.match(line.text):
        return None
    parts = line.text.split()
    return Row([(p, i) for i, p in enumerate(parts)], line.where, loose=True)


# long: one pass over the report's lines whose state (table, group, pending row) every branch shares; split it when
#   the importer next changes
def read_tables(source: Source) -> Reading:
    """Find the three tables in ``source`` and read their printed cells."""
    reading = Reading()
    context: str | None = None
    block_columns: list[str | None] | None = None
    block_units: list[str | None] = []

    pending: Unplaced | None = None  # an unknown t3 row that the next row's label may complete
    pending_labels: list[str] = []

    def enter(table: str | None, where: str) -> None:
        nonlocal context, block_columns, pending
        if table != context:
            block_columns = None
            if pending is not None:
                reading.unplaced.append(pending)
                pending = None
        context = table
        if table and table in TABLE_NAMES:
            reading.tables.setdefault(table, where)

    def place(table: str, row_id: str, columns: list[str | None], values: list[str], where: str, units=None) -> None:
        if row_id in reading.rows:
            previous = [reading.cells.get(f"{row_id}.{c}") for c in columns if c]
            now = [parse_token(v) for v, c in zip(values, columns, strict=True) if c]
            if [p.value if p else None for p in previous] != [t.value for t in now]:
                reading.duplicates.append((row_id, where))
            return
        reading.rows[row_id] = where
        for i, (column, text) in enumerate(zip(columns, values, strict=True)):
            if column is None:
                continue
            cell_id = f"{row_id}.{column}"
            reading.cells[cell_id] = parse_token(text, where)
            if units and units[i]:
                reading.header_units[cell_id] = units[i]

    for item in source.items:
        if isinstance(item, Line):
            found = heading(item.text)
            if found is not None:
                enter(None if found == "end" else found, item.where)
                continue
            block = _BLOCK.search(norm(item.text)) if context == "t2" else None
            if block is not None and len(norm(item.text)) < 14:
                block_columns = None
                continue
            if context == "t2" and norm(item.text).startswith("信息内容"):
                # a header line of table 二 in a PDF's text (no ruled table): its column labels
                row = Row([(p, i) for i, p in enumerate(item.text.split())], item.where, loose=True)
            else:
                row = _loose(item) if context else None
            if row is None:
                if context == "t3" and pending is not None and len(norm(item.text)) <= 12:
                    # The rest of a label that a PDF's text broke over lines ("2.重复 12 0 …" + "申请").
                    # Label columns side by side break line by line ("（三） 1.属于" / "不予公 国家秘"):
                    # each piece continues its own column, the right-most columns first.
                    parts = item.text.split()
                    if 1 < len(parts) <= len(pending_labels):
                        offset = len(pending_labels) - len(parts)
                        for i, part in enumerate(parts):
                            pending_labels[offset + i] += part
                    else:
                        pending_labels[-1] += "".join(parts)
                    joined = _match_row("t3", pending_labels)
                    if joined is not None and joined.how in ("exact", "prefix"):
                        values, why = _fit(pending.printed, 7)
                        if values is None:
                            reading.unplaced.append(
                                Unplaced("t3", "".join(pending_labels), pending.where, pending.printed, why or "fewer")
                            )
                        else:
                            place("t3", joined.id, list(T3_COLUMNS), values, pending.where)
                        pending = None
                    continue
                reading.text.append(item)
                continue
            item = row
        printed = [p for p in item.printed()]
        key = norm("".join(printed))
        if not key:
            continue
        kind = _classify(key)
        if kind is not None:
            enter(kind, item.where)
        if context is None:
            continue
        labels, after = _split_label(printed)
        if context == "t2":
            head_at = next((i for i, p in enumerate(printed) if norm(p).startswith("信息内容")), None)
            if head_at is not None:
                heads = printed[head_at + 1 :]
                while heads and not clean(heads[-1]):
                    heads.pop()
                block_columns, block_units = [], []
                for head in heads:
                    m = vocabularies()[1]["t2"].match(head)
                    block_columns.append(m.id.split(".")[1] if m else None)
                    if m is not None and m.how == "approximate":
                        reading.approximate.append((head, m, item.where))
                    unit = "万元" if "万元" in head else ("元" if "元" in head else None)
                    block_units.append(unit)
                continue
            if _BLOCK.search(key) and not [a for a in after if clean(a)]:
                block_columns = None
                continue
            if not after or not labels:
                continue
            match = _match_row("t2", labels)
            if match is None:
                if any(clean(a) for a in after):
                    reading.unplaced.append(Unplaced("t2", "".join(labels), item.where, after, "unknown-row"))
                continue
            if match.how == "approximate":
                reading.approximate.append(("".join(labels), match, item.where))
            if not block_columns:
                reading.unplaced.append(Unplaced("t2", "".join(labels), item.where, after, "no-columns"))
                continue
            values, why = _fit(after, len(block_columns))
            if values is None:
                if any(clean(a) for a in after):  # blanks that cannot be placed lose nothing
                    reading.unplaced.append(Unplaced("t2", "".join(labels), item.where, after, why or "fewer"))
                continue
            if why == "same":
                reading.same_values.append((match.id, item.where, len(after) - len(block_columns)))
            place("t2", match.id, block_columns, values, item.where, block_units)
            continue
        if _is_header(context, key) or not after:
            continue
        if context == "t3":
            match = _match_row("t3", labels)
            where = item.where
            if pending is not None:
                # A label cut by a line or page break: "3.要求" (with the numbers) + "提供公开出版物".
                joined = _match_row("t3", pending_labels + labels)
                if joined is not None and (match is None or _RANK[joined.how] < _RANK[match.how]):
                    if not any(clean(a) for a in after):
                        match, after, where = joined, pending.printed, pending.where
                    elif not any(clean(a) for a in pending.printed):
                        match = joined
                    else:
                        reading.unplaced.append(pending)
                else:
                    reading.unplaced.append(pending)
                pending = None
            if match is None:
                if any(clean(a) for a in after):
                    pending = Unplaced("t3", "".join(labels), item.where, after, "unknown-row")
                    pending_labels = list(labels) or [""]
                continue
            if match.how == "approximate":
                reading.approximate.append(("".join(labels), match, item.where))
            values, why = _fit(after, 7)
            if values is None:
                if any(clean(a) for a in after):  # blanks that cannot be placed lose nothing
                    reading.unplaced.append(Unplaced("t3", "".join(labels), where, after, why or "fewer"))
                continue
            if why == "same":
                reading.same_values.append((match.id, where, len(after) - 7))
            place("t3", match.id, list(T3_COLUMNS), values, where)
        elif context == "t4":
            match = _match_row("t4", labels) if labels else None
            if match is not None:
                values, why = _fit(after, 5)
                if values is None:
                    if any(clean(a) for a in after):  # blanks that cannot be placed lose nothing
                        reading.unplaced.append(Unplaced("t4", "".join(labels), item.where, after, why or "fewer"))
                    continue
                place("t4", match.id, list(T4_COLUMNS), values, item.where)
                continue
            values, why = _fit(after, 15)
            if values is None:
                if any(clean(a) for a in after):  # blanks that cannot be placed lose nothing
                    reading.unplaced.append(Unplaced("t4", "".join(labels), item.where, after, why or "fewer"))
                continue
            if why == "same":
                reading.same_values.append(("t4", item.where, len([a for a in after if clean(a)]) - 15))
            for g, row in enumerate(T4_ROWS):
                place("t4", f"t4.{row}", list(T4_COLUMNS), values[g * 5 : g * 5 + 5], item.where)
    if pending is not None:
        reading.unplaced.append(pending)
    return reading
