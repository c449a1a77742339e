"""Published annual reports built at test time (HTML, .docx; PDF from the .docx by LibreOffice).

One abstract layout (rows of (text, colspan, rowspan) cells, as the official tables print them,
merged header cells included) is rendered as an HTML table and as a Word table, so that every
reader meets the same tables. Values come from :func:`sample_values` (totals computed), and
``printed`` overrides what a cell shows ("/", "", "+19", "251000元", a wrong total …).
"""

from __future__ import annotations

import html
import random
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from ogi_xlsx.checks.rules import with_totals
from ogi_xlsx.model.findings import format_number
from ogi_xlsx.model.spec import FormatSpec, load_format

Layout = list[list[tuple[str, int, int]]]  # rows of (text, colspan, rowspan)
T4_GROUPS = ("r_review", "r_lit_direct", "r_lit_after")
T4_COLS = ("c_upheld", "c_corrected", "c_other", "c_pending", "c_total")


def sample_values(spec: FormatSpec, seed: int = 1) -> dict[str, int | Decimal | None]:
    """Plausible values for every input cell, totals computed (a report whose sums are right)."""
    rng = random.Random(seed)
    values: dict[str, int | Decimal | None] = {}
    for cid in spec.input_ids:
        cell = spec.cells[cid]
        if cell.type == "amount":
            values[cid] = Decimal(rng.randint(0, 999999)) / 100
        elif cell.type == "signed_count":
            values[cid] = rng.randint(-20, 20)
        else:
            values[cid] = rng.choice((0, 0, 1, 2, 3, 5, 12))
    values = with_totals(spec, values)
    # 一 + 二 = （七）总计 + 四 (R1): 新收 is what the results and the carried-over need
    for col in ("c_natural", "c_commercial", "c_research", "c_social", "c_legal", "c_other"):
        done, nxt = values[f"t3.r_done_total.{col}"], values[f"t3.r_carry_next.{col}"]
        values[f"t3.r_carry.{col}"] = min(values[f"t3.r_carry.{col}"], done + nxt)
        values[f"t3.r_new.{col}"] = done + nxt - values[f"t3.r_carry.{col}"]
    return with_totals(spec, {k: values[k] for k in spec.input_ids})


def _shown(spec: FormatSpec, values: Mapping, printed: Mapping[str, str], cid: str) -> str:
    if cid in printed:
        return printed[cid]
    value = values.get(cid)
    return "" if value is None else format_number(value)


def table2(spec: FormatSpec, values: Mapping, printed: Mapping[str, str], headers: Mapping[str, str] = {}) -> Layout:
    """Table 二 as stacked blocks (heading row, 信息内容 header, data rows); 4 grid columns."""
    rows: Layout = []
    blocks: dict[str, list] = {}
    for cell in spec.table("t2").cells:
        blocks.setdefault(cell.row_groups[0], []).append(cell)
    for heading, cells in blocks.items():
        columns = list(dict.fromkeys((c.column, c.column_label) for c in cells))
        rows.append([(heading, 4, 1)])
        header = [("信息内容", 1, 1)] + [(headers.get(col, label), 1, 1) for col, label in columns]
        if len(columns) < 3:  # the last header cell spans the rest (data rows do not: colspans differ)
            header[-1] = (header[-1][0], 4 - len(columns), 1)
        rows.append(header)
        for row in dict.fromkeys(c.row for c in cells):
            label = next(c.row_label for c in cells if c.row == row)
            data = [(label, 1, 1)] + [(_shown(spec, values, printed, f"t2.{row}.{col}"), 1, 1) for col, _ in columns]
            if len(columns) < 3:
                data[-1] = (data[-1][0], 4 - len(columns), 1)
            rows.append(data)
    return rows


def table3(
    spec: FormatSpec,
    values: Mapping,
    printed: Mapping[str, str],
    *,
    other_2019: bool = False,
    row_labels: Mapping[str, str] = {},
) -> Layout:
    """Table 三 with its merged header (three levels) and merged group labels.

    ``other_2019``: print （六）其他处理 as the single 2019 row (values of r_other_other, or r_other).
    """
    cols = ("c_natural", "c_commercial", "c_research", "c_social", "c_legal", "c_other", "c_total")
    rows: Layout = [
        [
            ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
            ("申请人情况", 6, 1),
            ("总计", 1, 3),
        ],
        [("自然人", 1, 2), ("法人或其他组织", 5, 1)],
        [("商业企业", 1, 1), ("科研机构", 1, 1), ("社会公益组织", 1, 1), ("法律服务机构", 1, 1), ("其他", 1, 1)],
    ]
    order = list(dict.fromkeys(c.row for c in spec.table("t3").cells))
    labels = {c.row: (c.row_groups, c.row_label) for c in spec.table("t3").cells}
    if other_2019 and "r_other_other" in order:
        order = [r for r in order if r not in ("r_other_nocorrect", "r_other_nofee")]
    results = [r for r in order if labels[r][0][:1] == ("三、本年度办理结果",)]
    group_sizes: dict[str, int] = {}
    for r in results:
        groups = labels[r][0]
        if len(groups) > 1 and not (other_2019 and r == "r_other_other"):
            group_sizes[groups[1]] = group_sizes.get(groups[1], 0) + 1
    seen: set[str] = set()
    for r in order:
        groups, label = labels[r]
        label = row_labels.get(r, label)
        source = r
        cells: list[tuple[str, int, int]] = []
        if not groups:
            cells.append((label, 3, 1))
        else:
            if r == results[0]:
                cells.append((groups[0], 1, len(results)))
            if other_2019 and r == "r_other_other":
                cells.append(("（六）其他处理", 2, 1))
            elif len(groups) > 1:
                if groups[1] not in seen:
                    seen.add(groups[1])
                    cells.append((groups[1], 1, group_sizes[groups[1]]))
                cells.append((label, 1, 1))
            else:
                cells.append((label, 2, 1))
        cells += [(_shown(spec, values, printed, f"t3.{source}.{c}"), 1, 1) for c in cols]
        rows.append(cells)
    return rows


def table4(spec: FormatSpec, values: Mapping, printed: Mapping[str, str], *, single_row: bool = True) -> Layout:
    """Table 四: one row of 15 cells under the three-level header, or one row per group."""
    names = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    if single_row:
        return [
            [("行政复议", 5, 1), ("行政诉讼", 10, 1)],
            [*[(n, 1, 2) for n in names], ("未经复议直接起诉", 5, 1), ("复议后起诉", 5, 1)],
            [(n, 1, 1) for n in names * 2],
            [(_shown(spec, values, printed, f"t4.{g}.{c}"), 1, 1) for g in T4_GROUPS for c in T4_COLS],
        ]
    rows: Layout = [[("", 1, 1), *[(n, 1, 1) for n in names]]]
    for g, label in zip(T4_GROUPS, ("行政复议", "未经复议直接起诉", "复议后起诉"), strict=True):
        rows.append([(label, 1, 1), *[(_shown(spec, values, printed, f"t4.{g}.{c}"), 1, 1) for c in T4_COLS]])
    return rows


NARRATIVE = "本报告依据《中华人民共和国政府信息公开条例》（国务院令第711号）编制。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"


def report_parts(
    spec: FormatSpec,
    year: int,
    unit: str,
    values: Mapping,
    *,
    printed: Mapping[str, str] | None = None,
    t4_single_row: bool = True,
    other_2019: bool = False,
    overview: str = "",
    filler: int = 0,
    headers: Mapping[str, str] = {},
    row_labels: Mapping[str, str] = {},
    title: str | None = None,
) -> list[str | Layout]:
    """The report as paragraphs (str) and tables (Layout), in order."""
    printed = printed or {}
    parts: list[str | Layout] = [
        "首页 > 政府信息公开 > 年度报告　　字号：大 中 小　　打印",
        title if title is not None else f"{unit}{year}年政府信息公开工作年度报告",
        NARRATIVE.format(year=year),
        "一、总体情况",
        overview or f"{year}年，本单位认真贯彻落实政府信息公开工作要求。",
    ]
    parts += ["政务公开工作持续推进，各项制度不断完善，信息发布及时准确，回应关切有力有效。" * 6] * filler
    parts += [
        "二、主动公开政府信息情况",
        table2(spec, values, printed, headers),
        "三、收到和处理政府信息公开申请情况",
        table3(spec, values, printed, other_2019=other_2019, row_labels=row_labels),
        "四、政府信息公开行政复议、行政诉讼情况",
        table4(spec, values, printed, single_row=t4_single_row),
        "五、存在的主要问题及改进情况",
        "下一步将继续加强培训。",
        "六、其他需要报告的事项",
        "无。",
    ]
    return parts


def to_html(parts: list[str | Layout], *, charset: str | None = "utf-8") -> str:
    """An HTML page (site chrome, paragraphs, tables with rowspan/colspan)."""
    out = ["<!DOCTYPE html><html><head>"]
    if charset:
        out.append(f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">')
    out.append("<title>年度报告</title><style>td{border:1px solid #000}</style></head><body>")
    out.append('<div class="nav"><a href="/">首页</a> <script>var x = "<table>";</script></div>')
    for part in parts:
        if isinstance(part, str):
            out.append(f"<p>{html.escape(part)}</p>")
            continue
        out.append('<table border="1" cellspacing="0">')
        for row in part:
            out.append("<tr>")
            for text, colspan, rowspan in row:
                attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (
                    f' rowspan="{rowspan}"' if rowspan > 1 else ""
                )
                out.append(f"<td{attrs}><p>{html.escape(text)}</p></td>")
            out.append("</tr>")
        out.append("</table>")
    out.append("<div>发布时间：2021-01-06　　【打印本页】【关闭窗口】</div></body></html>")
    return "\n".join(out)


def _positions(layout: Layout) -> tuple[list[tuple[int, int, int, int, str]], int, int]:
    """(row, col, rowspan, colspan, text) of each printed cell; and the grid size."""
    taken: set[tuple[int, int]] = set()
    placed = []
    width = 0
    for r, row in enumerate(layout):
        c = 0
        for text, colspan, rowspan in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, rowspan, colspan, text))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            c += colspan
            width = max(width, c)
    return placed, len(layout), width


def to_docx(parts: list[str | Layout], path: Path, *, ruled: bool = True, repeat_header: bool = False) -> Path:
    """A Word file: paragraphs and tables with merged cells (gridSpan / vMerge), as python-docx writes them."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(9)
    style.font.name = "Noto Sans CJK SC"
    for part in parts:
        if isinstance(part, str):
            document.add_paragraph(part)
            continue
        placed, height, width = _positions(part)
        table = document.add_table(rows=height, cols=width)
        if ruled:  # without rules a PDF's tables are not found as tables: the text path reads them
            table.style = "Table Grid"
        for r, c, rowspan, colspan, text in placed:
            cell = table.cell(r, c)
            if rowspan > 1 or colspan > 1:
                cell = cell.merge(table.cell(r + rowspan - 1, c + colspan - 1))
            cell.text = text
        if repeat_header and height > 20:  # table 三: its three header rows again on every page
            from docx.oxml import OxmlElement

            for tr in table._tbl.tr_lst[:3]:
                tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    document.save(path)
    return path


def docx_to_pdf(docx_paths: list[Path], outdir: Path) -> list[Path]:
    """The PDFs LibreOffice Writer exports from .docx files (real page breaks and PDF text quirks)."""
    import os
    import subprocess
    import tempfile

    import lo

    with tempfile.TemporaryDirectory(prefix="ogi-lo-profile-") as profile:
        subprocess.run(
            [
                lo.soffice_path(),
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                *map(str, docx_paths),
            ],
            check=True,
            capture_output=True,
            timeout=300,
            env={**os.environ, "HOME": profile},
        )
    outs = [outdir / (p.stem + ".pdf") for p in docx_paths]
    assert all(o.exists() for o in outs), outs
    return outs


def minimal_pdf(
    page_content: bytes, *, resources: bytes = b"<<>>", extra_objects: list[bytes] = (), trailer_extra: bytes = b""
) -> bytes:
    """A one-page PDF written by hand (for scans, encryption and slow content streams)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources " + resources + b" >>",
        page_content,
        *extra_objects,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (
        b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1)
        + trailer_extra
        + b">>\nstartxref\n%d\n%%%%EOF\n" % xref
    )
    return bytes(out)


def stream(data: bytes, *, compress: bool = False, extra: bytes = b"") -> bytes:
    import zlib

    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d" % len(data) + extra + b" >>\nstream\n" + data + b"\nendstream"


def scanned_pdf() -> bytes:
    """A page that is only a picture (a scan): no text layer."""
    image = stream(
        bytes(range(64)) * 4,
        extra=b" /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray /BitsPerComponent 8",
    )
    return minimal_pdf(
        stream(b"q 500 0 0 700 40 60 cm /Im1 Do Q"),
        resources=b"<< /XObject << /Im1 5 0 R >> >>",
        extra_objects=[image],
    )


def encrypted_pdf() -> bytes:
    """A PDF with an open password (standard security handler; the empty password does not open it)."""
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <" + b"41" * 32 + b"> /U <" + b"42" * 32 + b"> /P -4 >>"
    return minimal_pdf(
        stream(b"BT /F1 12 Tf 72 720 Td (secret) Tj ET"),
        extra_objects=[encrypt],
        trailer_extra=b"/Encrypt 5 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] ",
    )


def slow_pdf(repeat: int = 1_500_000) -> bytes:
    """A small file whose one page draws millions of characters (a compressed content stream)."""
    content = b"BT /F1 1 Tf " + b"(a) Tj 0.001 0 Td " * repeat + b"ET"
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return minimal_pdf(stream(content, compress=True), resources=b"<< /Font << /F1 5 0 R >> >>", extra_objects=[font])


def spec_of(year: int) -> FormatSpec:
    return load_format("2019" if year <= 2020 else "2021")
