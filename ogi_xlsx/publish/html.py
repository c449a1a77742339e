"""HTML output: one self-contained UTF-8 file, no script, printable on A4.

The styles that matter for a pasted copy (borders, alignment, highlighted placeholders)
are inline ``style`` attributes, because a website's content system usually keeps those
and drops ``<style>``; the ``<style>`` element only adds the print setup (A4, landscape
pages for tables 三 and 四) and fonts.
"""

from __future__ import annotations

from html import escape

from ogi_xlsx.publish.draft import FAILED_MARK, Block, Report
from ogi_xlsx.publish.tables import PublishedTable, column_widths

CSS = """
@page { size: A4; margin: 25mm 20mm; }
@page wide { size: A4 landscape; margin: 12mm 12mm; }
body { font-family: "仿宋", "仿宋_GB2312", FangSong, "STFangsong", "Noto Serif CJK SC", serif;
       font-size: 16pt; line-height: 1.75; max-width: 60em; margin: 2em auto; color: #000; }
h1 { font-family: "方正小标宋简体", "宋体", SimSun, "Noto Serif CJK SC", serif; font-size: 22pt;
     font-weight: normal; text-align: center; line-height: 1.5; }
h2 { font-family: "黑体", SimHei, "Noto Sans CJK SC", sans-serif; font-size: 16pt; font-weight: normal;
     margin: 0.6em 0 0; text-indent: 2em; }
h3 { font-family: "楷体", "楷体_GB2312", KaiTi, "STKaiti", "Noto Serif CJK SC", serif; font-size: 16pt;
     font-weight: normal; margin: 0; text-indent: 2em; }
p { margin: 0; text-indent: 2em; }
table { font-family: "宋体", SimSun, "Noto Serif CJK SC", serif; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
div.t2, div.t4 { page-break-inside: avoid; break-inside: avoid; }
h2, h3, p.unit { page-break-after: avoid; break-after: avoid; }
@media print { table[data-table="t3"] { line-height: 1.2 !important; } }
section.wide { page: wide; page-break-before: always; break-before: page; }
section.after-wide { page-break-before: always; break-before: page; }
@media print { body { max-width: none; margin: 0; } }
"""

TABLE_STYLE = "border-collapse:collapse;table-layout:fixed;width:100%;margin:0 auto;font-size:{size};line-height:1.35"
CELL_STYLE = "border:1px solid #000;padding:2px 4px;vertical-align:middle"
MARK_STYLE = "background:#ff0;color:#000"


def _cell(cell, tag: str) -> str:
    attrs = []
    if cell.rowspan > 1:
        attrs.append(f' rowspan="{cell.rowspan}"')
    if cell.colspan > 1:
        attrs.append(f' colspan="{cell.colspan}"')
    align = "left" if cell.kind == "label" else "center"
    weight = ";font-weight:bold" if cell.kind == "block" else (";font-weight:normal" if tag == "th" else "")
    attrs.append(f' style="{CELL_STYLE};text-align:{align}{weight}"')
    if cell.cell_id:
        attrs.append(f' data-cell="{escape(cell.cell_id)}"')
    return f"<{tag}{''.join(attrs)}>{escape(cell.text)}</{tag}>"


def render_table(table: PublishedTable) -> str:
    """One official table: caption heading, unit note and the grid with rowspan/colspan."""
    size = "10.5pt" if table.id == "t2" else "9pt"
    lines = [
        f'<div class="{table.id}">',
        f"<h2>{escape(table.title)}</h2>",
        f'<p class="unit" style="text-align:right;text-indent:0;font-size:10.5pt">{escape(table.unit_note)}</p>',
        f'<table data-table="{table.id}" style="{TABLE_STYLE.format(size=size)}">',
    ]
    widths = column_widths(table)
    total = sum(widths)
    cols = "".join(f'<col style="width:{w / total * 100:.2f}%">' for w in widths)
    lines.append(f"<colgroup>{cols}</colgroup>")
    if table.header_rows:
        lines.append("<thead>")
    for r, row in enumerate(table.rows):
        head = r < table.header_rows
        if r == table.header_rows and table.header_rows:
            lines.append("</thead><tbody>")
        tag = "th" if head else "td"
        lines.append("<tr>" + "".join(_cell(c, "th" if c.is_head else tag) for c in row) + "</tr>")
    if table.header_rows:
        lines.append("</tbody>")
    lines.append("</table>\n</div>")
    return "\n".join(lines)


def _runs(block: Block) -> str:
    return "".join(
        f'<mark style="{MARK_STYLE}">{escape(r.text)}</mark>' if r.placeholder else escape(r.text) for r in block.runs
    )


def render_html(report: Report) -> str:
    """The report as one HTML document (same report, same text)."""
    body: list[str] = []
    wide = False
    for block in report.blocks:
        want = block.kind == "table" and block.table is not None and block.table.id in ("t3", "t4")
        if want and not wide:
            body.append('<section class="wide">')
            wide = True
        elif wide and not want:
            body.append('</section>\n<section class="after-wide">')
            wide = False
        if block.kind == "mark":
            body.append(
                '<p style="border:2px solid #c00;color:#c00;font-weight:bold;text-indent:0;padding:4px 8px">'
                f"【{FAILED_MARK}】{escape(block.text)}</p>"
            )
        elif block.kind == "title":
            body.append(f"<h1>{escape(block.text)}</h1>")
        elif block.kind == "heading":
            tag = "h2" if block.level == 1 else "h3"
            body.append(f"<{tag}>{escape(block.text)}</{tag}>")
        elif block.kind == "table" and block.table is not None:
            body.append(render_table(block.table))
        elif block.kind == "sign":
            body.append(f'<p style="text-align:right;text-indent:0">{_runs(block)}</p>')
        else:
            body.append(f"<p>{_runs(block)}</p>")
    if wide:
        body.append("</section>")
    # an empty trailing section (when the last block was a table) would print a blank page
    text = "\n".join(body).replace('<section class="after-wide">\n</section>', "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(report.title)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n{text}\n</body>\n</html>\n"
    )
