"""PDF reports, read with pdfplumber in a child process (time, memory and page budget).

A crafted PDF can make a parser spin or allocate without end; the child is killed at the time
limit and has an address-space limit, so the batch goes on with a finding. The child prints
JSON: per page its text lines (outside the ruled tables), its tables (``find_tables``), and
how many characters and images it has (no characters but images: a scan).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ogi_xlsx.importer.grid import Line, Origins, Row, Source
from ogi_xlsx.model.findings import piece

MAX_PAGES = 80
SECONDS = float(os.environ.get("OGI_XLSX_PDF_SECONDS", "7"))
MEMORY_BYTES = 512 * 1024 * 1024  # address space of the child: the per-file budget is 500 MB


class PdfError(Exception):
    """The PDF cannot be read; ``code`` is a finding code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    except (ImportError, ValueError, OSError):
        pass


def read_pdf(path: Path, *, seconds: float | None = None) -> Source:
    """A PDF as a :class:`Source` (raises :class:`PdfError`)."""
    limit = SECONDS if seconds is None else seconds
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ogi_xlsx.importer.pdf_source", os.fsdecode(path), str(MAX_PAGES)],
            capture_output=True,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        raise PdfError("report-too-slow", piece("pdf-too-slow", limit=limit)) from None
    try:
        result = json.loads(proc.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        result = {"error": "crash", "detail": proc.stderr.decode("utf-8", "replace")[-300:]}
    if "error" in result:
        code = result["error"]
        if code == "encrypted":
            raise PdfError("file-encrypted", piece("pdf-encrypted"))
        if code == "memory":
            raise PdfError("file-too-large", piece("pdf-memory"))
        # The parser's own words (detail) stay out of the message: a clerk cannot act on "PSEOF".
        raise PdfError("file-corrupt", piece("pdf-corrupt"))
    source = Source("pdf", pages=result["pages"])
    new_id = Origins()
    table_no = 0
    for number, page in enumerate(result["page_items"], 1):
        source.chars += page["chars"]
        source.images += page["images"]
        items: list[tuple[float, int, Line | list[Row]]] = []
        for top, text in page["lines"]:
            items.append((top, 0, Line(text, f"第 {number} 页")))
        for top, rows in page["tables"]:
            table_no += 1
            grid_rows = []
            for r, cells in enumerate(rows, 1):
                row: list[tuple[str, int]] = []
                for text in cells:
                    if text is None and row:
                        row.append(row[-1])  # the area of a merged cell: the cell to its left
                    else:
                        row.append(((text or "").strip(), new_id()))
                grid_rows.append(Row(row, f"第 {number} 页第 {table_no} 个表格第 {r} 行", table=table_no))
            items.append((top, 1, grid_rows))
        for _top, _kind, item in sorted(items, key=lambda x: (x[0], x[1])):
            if isinstance(item, list):
                source.items.extend(item)
            else:
                source.items.append(item)
    if result.get("truncated"):
        source.pages_read = MAX_PAGES
    return source


_TABLE_WORDS = ("第二十条", "信息内容", "申请人情况", "本年新收", "主动公开政府信息情况", "收到和处理政府信息公开申请")


def _inside(bbox, line: dict) -> bool:
    """A text line lies within a table's box (a heading just below a table touches its edge: not inside)."""
    return bbox[1] - 1 <= line["top"] and line["bottom"] <= bbox[3] + 1 and bbox[0] - 1 <= line["x0"] <= bbox[2] + 1


def _error(exc: BaseException) -> dict:
    """The child's report of an exception; pdfplumber wraps pdfminer's in PdfminerException."""
    names = [type(exc).__name__] + [type(a).__name__ for a in exc.args if isinstance(a, BaseException)]
    if exc.__context__ is not None:
        names.append(type(exc.__context__).__name__)
    if any("Password" in n or "Encrypt" in n for n in names):
        return {"error": "encrypted"}
    return {"error": "corrupt", "detail": f"{'/'.join(names)}: {exc}"[:200]}


def _worker(path: str, max_pages: int) -> dict:  # pragma: no cover - runs in the child (tested through read_pdf)
    import pdfplumber

    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:
        return _error(exc)
    out: dict = {"pages": 0, "page_items": []}
    with pdf:
        try:
            pages = pdf.pages
        except Exception as exc:
            return _error(exc)
        out["pages"] = len(pages)
        out["truncated"] = len(pages) > max_pages
        in_tables = False  # ruled tables are looked for from the first page naming a table on
        for page in pages[:max_pages]:
            all_lines = page.extract_text_lines(keep_blank_chars=False)
            text = "".join(line["text"] for line in all_lines).replace(" ", "")
            starts = any(word in text for word in _TABLE_WORDS)
            tables = []
            boxes = []
            # find_tables is the costly step: pages of narrative before the tables are not searched
            if in_tables or starts:
                for table in page.find_tables():
                    boxes.append(table.bbox)
                    tables.append((table.bbox[1], table.extract()))
            in_tables = in_tables or starts
            lines = [(line["top"], line["text"]) for line in all_lines if not any(_inside(b, line) for b in boxes)]
            out["page_items"].append(
                {"lines": lines, "tables": tables, "chars": len(page.chars), "images": len(page.images)}
            )
            page.flush_cache()
    return out


if __name__ == "__main__":  # pragma: no cover - the child process
    # The child limits itself (no preexec_fn: unsafe when the parent runs threads, as a web server does).
    _limit_memory()
    try:
        payload = _worker(sys.argv[1], int(sys.argv[2]))
    except MemoryError:
        payload = {"error": "memory"}
    except Exception as exc:
        payload = _error(exc)
    sys.stdout.write(json.dumps(payload, ensure_ascii=False))
