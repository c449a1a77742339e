"""HTML pages: leaf tables into grids (rowspan/colspan expanded), the rest into lines of text."""

from __future__ import annotations

import re

from ogi_xlsx.importer.grid import Line, Origins, Row, Source, expand

_BLOCK = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "br",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "center",
        "blockquote",
        "pre",
        "dd",
        "dt",
    ]
)
_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "select", "option"})
_SPACES = re.compile(r"[ \t\r\f\v\u3000\u00a0]+")


def _span(el, name: str) -> int:
    try:
        return int(str(el.get(name, "1")).strip() or 1)
    except ValueError:
        return 1


def read_html(text: str, max_cells: int) -> Source:
    """A decoded HTML page as a :class:`Source` (tables containing tables are layout: read as text)."""
    import lxml.html

    source = Source("html")
    root = lxml.html.document_fromstring(text or "<html></html>")
    new_id = Origins()
    buffer: list[str] = []
    counters = {"table": 0, "line": 0, "cells": 0}

    def flush() -> None:
        joined = "".join(buffer)
        buffer.clear()
        for part in joined.split("\n"):
            part = _SPACES.sub(" ", part)
            if part.strip():
                counters["line"] += 1
                source.items.append(Line(part.strip(), f"正文第 {counters['line']} 段"))
                source.chars += len(part)

    def table(el) -> None:
        counters["table"] += 1
        number = counters["table"]
        rows = []
        for tr in el.iter("tr"):
            cells = []
            for td in tr:
                if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                    continue
                content = _SPACES.sub(" ", td.text_content()).strip()
                cells.append((content, _span(td, "colspan"), _span(td, "rowspan")))
                counters["cells"] += 1
            rows.append(cells)
        if counters["cells"] > max_cells:
            raise ValueError("too many cells")
        for r, cells in enumerate(expand(rows, new_id, max_cells), 1):
            source.items.append(Row(cells, f"第 {number} 个表格第 {r} 行", table=number))

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP:
            return
        if tag == "table" and el.find(".//table") is None:
            flush()
            table(el)
            return
        block = tag in _BLOCK
        if block:
            buffer.append("\n")
        if el.text and tag:
            buffer.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if block:
            buffer.append("\n")

    walk(root)
    flush()
    source.images = sum(1 for _ in root.iter("img"))
    return source
