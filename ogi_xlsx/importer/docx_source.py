"""Word .docx reports: paragraphs as lines, tables as grids (gridSpan and vMerge expanded)."""

from __future__ import annotations

from pathlib import Path

from ogi_xlsx.importer.grid import Line, Origins, Row, Source
from ogi_xlsx.model.findings import piece
from ogi_xlsx.model.limits import Limits


class DocxError(Exception):
    """The .docx cannot be read safely; ``code`` is a finding code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_package(data: bytes, limits: Limits) -> None:
    """The zip-bomb checks of the workbook reader (entry count, declared sizes, ratios) on a .docx."""
    import io
    import zipfile

    # The same checks as for an .xlsx (ogi_xlsx.reading.xlsx): a .docx is a zip of XML parts too.
    from ogi_xlsx.reading.xlsx import XlsxError, ZipPackage, check_zip_directory

    try:
        check_zip_directory(data, limits)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            pkg = ZipPackage(zf, limits)
            body = pkg.info("word/document.xml")
            if body is None:
                if pkg.info("xl/workbook.xml") is not None:
                    raise DocxError("report-unsupported", piece("docx-is-excel"))
                raise DocxError("file-corrupt", piece("docx-no-body"))
            pkg.check_declared([body])
            with zf.open(body) as stream:
                head = stream.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise DocxError("file-unsafe", piece("docx-dtd"))
    except XlsxError as exc:
        raise DocxError(exc.code, exc.message) from None
    except zipfile.BadZipFile:
        raise DocxError("file-corrupt", piece("zip-incomplete")) from None


def read_docx(path: Path, data: bytes, limits: Limits) -> Source:
    """A .docx as a :class:`Source` (raises :class:`DocxError`)."""
    import io

    check_package(data, limits)
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise DocxError("file-corrupt", piece("docx-open", error=type(exc).__name__)) from None
    source = Source("docx")
    new_id = Origins()
    body = document.element.body
    paragraph_no = 0
    table_no = 0
    cells_seen = 0

    def blocks(parent):
        """Paragraphs and tables in order, also inside content controls (w:sdt)."""
        for el in parent.iterchildren():
            if el.tag == qn("w:sdt"):
                content = el.find(qn("w:sdtContent"))
                if content is not None:
                    yield from blocks(content)
            else:
                yield el

    source.images = sum(1 for _ in body.iter(qn("w:drawing"))) + sum(1 for _ in body.iter(qn("w:pict")))
    for child in blocks(body):
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if text.strip():
                paragraph_no += 1
                source.items.append(Line(text.strip(), f"正文第 {paragraph_no} 段"))
                source.chars += len(text)
        elif child.tag == qn("w:tbl"):
            table_no += 1
            above: dict[int, tuple[str, int]] = {}
            for r, tr in enumerate(child.iter(qn("w:tr")), 1):
                row: list[tuple[str, int]] = []
                for tc in tr.iterchildren(qn("w:tc")):
                    cells_seen += 1
                    if cells_seen > limits.max_cells:
                        raise DocxError("file-too-large", piece("docx-cells", count=limits.max_cells))
                    tc_pr = tc.find(qn("w:tcPr"))
                    span, merge = 1, None
                    if tc_pr is not None:
                        gs = tc_pr.find(qn("w:gridSpan"))
                        if gs is not None:
                            try:
                                span = max(1, min(64, int(gs.get(qn("w:val")) or 1)))
                            except ValueError:
                                span = 1
                        vm = tc_pr.find(qn("w:vMerge"))
                        if vm is not None:
                            merge = vm.get(qn("w:val")) or "continue"
                    cells_seen += span - 1  # grid positions, not cells: a span of 64 counts 64
                    if cells_seen > limits.max_cells:
                        raise DocxError("file-too-large", piece("docx-cells", count=limits.max_cells))
                    col = len(row)
                    if merge == "continue" and col in above:
                        cell = above[col]
                    else:
                        paragraphs = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p"))]
                        cell = ("\n".join(paragraphs).replace("\u3000", " ").strip(), new_id())
                    for dc in range(span):
                        above[col + dc] = cell
                        row.append(cell)
                source.items.append(Row(row, f"第 {table_no} 个表格第 {r} 行", table=table_no))
    return source
