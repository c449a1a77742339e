"""Word output (python-docx): A4, tables 三 and 四 in a landscape section, government fonts.

Fonts follow GB/T 9704 practice: title 方正小标宋简体 (fallback 宋体), body 仿宋, level-1
headings 黑体, level-2 headings 楷体, tables 宋体. Word picks East-Asian glyphs from
``w:rFonts/@w:eastAsia``, which python-docx's ``font.name`` does not set, hence
:func:`_set_font`. The fallbacks are named in the document's font table (``w:altName``),
which Word and WPS use when the first font is not installed.

The output is deterministic: fixed core properties and fixed zip entry dates.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ogi_xlsx.publish.draft import FAILED_MARK, Block, Report
from ogi_xlsx.publish.tables import PublishedTable, column_widths

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体"
TABLE_FONT = "宋体"
# font -> the font Word/WPS should use when it is missing (written into word/fontTable.xml)
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋_GB2312", HEADING2_FONT: "楷体_GB2312"}
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def _set_font(target: Any, name: str, size: float | None = None, bold: bool | None = None) -> None:
    """Set a run's or style's font, East-Asian face included."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = target.font
    font.name = name
    rpr = target.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), name)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold


def _page(section: Any, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Mm

    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    width, height = Mm(210), Mm(297)
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    # GB/T 9704 margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); landscape pages narrower.
    if landscape:
        section.top_margin, section.bottom_margin = Cm(1.8), Cm(1.6)
        section.left_margin, section.right_margin = Cm(2.0), Cm(2.0)
    else:
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _styles(document: DocxDocument) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    normal = document.styles["Normal"]
    _set_font(normal, BODY_FONT, 16)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    for name, font, size in (
        ("OGI Title", TITLE_FONT, 22),
        ("OGI Heading 1", HEADING1_FONT, 16),
        ("OGI Heading 2", HEADING2_FONT, 16),
        ("OGI Table", TABLE_FONT, 10),
        ("OGI Table Small", TABLE_FONT, 9),
    ):
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        _set_font(style, font, size)
        fmt = style.paragraph_format
        if name.startswith("OGI Table"):
            fmt.line_spacing = 1.0
        if name == "OGI Title":
            fmt.line_spacing = Pt(36)
            fmt.space_after = Pt(16)


def _fallback_fonts(document: DocxDocument) -> None:
    """Name the fallback of each Chinese font in word/fontTable.xml (``w:altName``)."""
    from lxml import etree

    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            part = rel.target_part
            root = etree.fromstring(part.blob)
            for name in (TITLE_FONT, BODY_FONT, HEADING1_FONT, HEADING2_FONT, TABLE_FONT):
                font = etree.SubElement(root, f"{{{ns}}}font", {f"{{{ns}}}name": name})
                if name in FALLBACKS:
                    etree.SubElement(font, f"{{{ns}}}altName", {f"{{{ns}}}val": FALLBACKS[name]})
                etree.SubElement(font, f"{{{ns}}}charset", {f"{{{ns}}}val": "86"})  # GB2312
                etree.SubElement(font, f"{{{ns}}}family", {f"{{{ns}}}val": "roman" if name != "黑体" else "modern"})
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            return


def _add_table(document: DocxDocument, table: PublishedTable) -> None:
    from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt
    from docx.table import _Cell

    caption = document.add_paragraph(table.title, style="OGI Heading 1")
    caption.paragraph_format.first_line_indent = Pt(32)
    caption.paragraph_format.keep_with_next = True
    note = document.add_paragraph(table.unit_note, style="OGI Table")
    note.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    note.paragraph_format.keep_with_next = True
    height = len(table.rows)
    grid = document.add_table(rows=height, cols=table.width)
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    widths = column_widths(table)
    _cell_margins(grid, left_right_cm=0.1)
    for i, width in enumerate(widths):
        grid.columns[i].width = Cm(width)
    style_id = document.styles["OGI Table" if table.id == "t2" else "OGI Table Small"].style_id
    # The cells by grid position, taken once before any merge: ``Table.cell()`` recomputes the
    # whole grid on every call (seconds for table 三). Merged areas never overlap, so the
    # element of each area's top-left and bottom-right cell is still in place when it is merged.
    tcs = [list(tr.tc_lst) for tr in grid._tbl.tr_lst]
    for r, row in enumerate(table.rows):
        trpr = grid._tbl.tr_lst[r].get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
        if r < table.header_rows:
            trpr.append(OxmlElement("w:tblHeader"))  # repeat the header rows on every page
        for cell in row:
            target = _Cell(tcs[r][cell.col], grid)
            if cell.rowspan > 1 or cell.colspan > 1:
                other = _Cell(tcs[r + cell.rowspan - 1][cell.col + cell.colspan - 1], grid)
                target = target.merge(other)
                for extra in target._tc.findall(qn("w:p"))[1:]:
                    target._tc.remove(extra)
            target.width = Cm(sum(widths[cell.col : cell.col + cell.colspan]))
            target.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            paragraph = target.paragraphs[0]
            paragraph._p.style = style_id
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if cell.kind == "label" else WD_ALIGN_PARAGRAPH.CENTER
            if cell.text:
                run = paragraph.add_run(cell.text)
                if cell.kind == "block":
                    run.bold = True
    # a small gap after the table
    document.add_paragraph("", style="OGI Table")


def _cell_margins(grid: Any, left_right_cm: float) -> None:
    """Narrow left/right cell margins (w:tblCellMar) so 6-character headers fit on one line."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    twips = str(round(left_right_cm / 2.54 * 1440))
    margins = OxmlElement("w:tblCellMar")
    # a little air above and below the text (the text touched the rules in LibreOffice)
    for side, width in (("top", "17"), ("left", twips), ("bottom", "17"), ("right", twips)):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), width)
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    tbl_pr = grid._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))  # schema order: tblCellMar comes before tblLook
    if look is not None:
        look.addprevious(margins)
    else:
        tbl_pr.append(margins)


def _add_paragraph(document: DocxDocument, block: Block) -> None:
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号
    for piece in block.runs:
        run = paragraph.add_run(piece.text)
        if piece.placeholder:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def render_docx(report: Report) -> bytes:
    """The report as .docx bytes (same report, same bytes)."""
    from docx import Document
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
    from docx.shared import Pt, RGBColor

    document = Document()
    _styles(document)
    _fallback_fonts(document)
    _page(document.sections[0], landscape=False)
    if report.failed:
        header = document.sections[0].header.paragraphs[0]
        run = header.add_run(f"【{FAILED_MARK}】")
        run.bold = True
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    landscape = False
    for block in report.blocks:
        wanted = block.kind == "table" and block.table is not None and block.table.id in ("t3", "t4")
        if wanted != landscape and block.kind in ("table", "heading", "para", "sign"):
            section = document.add_section(WD_SECTION.NEW_PAGE)
            _page(section, wanted)
            landscape = wanted
        if block.kind == "table":
            _add_table(document, block.table)  # type: ignore[arg-type]
            continue
        if block.kind == "mark":
            paragraph = document.add_paragraph()
            run = paragraph.add_run(f"【{FAILED_MARK}】{block.text}")
            run.bold = True
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        elif block.kind == "title":
            paragraph = document.add_paragraph(block.text, style="OGI Title")
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "heading":
            style = "OGI Heading 1" if block.level == 1 else "OGI Heading 2"
            paragraph = document.add_paragraph(block.text, style=style)
            paragraph.paragraph_format.first_line_indent = Pt(32)
            paragraph.paragraph_format.keep_with_next = True
        elif block.kind == "sign":
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for piece in block.runs:
                run = paragraph.add_run(piece.text)
                if piece.placeholder:
                    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        else:
            _add_paragraph(document, block)
    _core_properties(document, report)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _core_properties(document: DocxDocument, report: Report) -> None:
    props = document.core_properties
    moment = datetime(report.year + 1, 1, 1) if report.year else datetime(2020, 1, 1)
    props.created = moment
    props.modified = moment
    props.last_printed = moment
    props.revision = 1
    props.author = "ogi-xlsx"
    props.last_modified_by = "ogi-xlsx"
    props.title = report.title
    props.comments = ""
    props.subject = ""
    props.keywords = ""


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry dates (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
