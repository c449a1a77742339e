"""``publish``: the official tables in Word and HTML, read back and found under their labels.

The outputs are read with python-docx and lxml.html into plain grids (merged cells expanded),
independently of ogi_xlsx.publish; every value is then looked up by its row label path and
column header path from the format spec, for both formats, for returns and for summaries.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from ogi_xlsx import api
from ogi_xlsx.checks.rules import with_totals
from ogi_xlsx.model.document import ReturnDocument
from ogi_xlsx.model.layout import TABLE_TOP, workbook_layout
from ogi_xlsx.model.spec import FormatSpec, load_format

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SEED = EXAMPLES / "seed-linjiang-2020.json"
SEED_REPORT = ROOT.parent / "shared" / "reference" / "seed-report-2020.txt"
FORMATS = ("ogi-2019", "ogi-2021")


# --------------------------------------------------------------------------- test data


def distinct_values(spec: FormatSpec, start: int = 1) -> dict:
    """Every input a different number (so a value under the wrong label is caught), rules holding."""
    values: dict = {}
    n = start
    for cid in spec.input_ids:
        cell = spec.cells[cid]
        if cell.type == "amount":
            values[cid] = Decimal(f"{n}.{n % 7 + 1}25")
        elif cell.type == "signed_count":
            values[cid] = -n
        else:
            values[cid] = n
        n += 1
    values = with_totals(spec, values)
    for rule in spec.rules:
        if rule.defines or rule.severity != "error":
            continue
        adjustable = [ref for ref in rule.lhs if not spec.cells[ref].computed]
        if not adjustable:  # the 总计 column follows from the others
            continue
        # 一 + 二 = （七） + 四: 一 (new applications) absorbs the difference
        values[adjustable[0]] = sum(values[r] for r in rule.rhs) - sum(values[r] for r in adjustable[1:])
        values = with_totals(spec, values)
    return values


def make_doc(format_id: str, *, code: str = "LC001", name: str = "测试街道办事处", start: int = 1) -> ReturnDocument:
    spec = load_format(format_id)
    year = 2020 if format_id == "ogi-2019" else 2024
    return ReturnDocument(
        format=format_id,
        year=year,
        unit_code=code,
        unit_name=name,
        values=distinct_values(spec, start),
        cover={"preparer": "张三", "phone": "0595-1234567", "reviewer": "李四", "date": f"{year + 1}-01-10"},
    )


def zero_doc(format_id: str) -> ReturnDocument:
    doc = make_doc(format_id)
    doc.values = {cid: (Decimal(0) if load_format(format_id).cells[cid].type == "amount" else 0) for cid in doc.values}
    return doc


# --------------------------------------------------------------------------- reading back


@dataclass(frozen=True)
class Origin:
    """A printed cell: text and its merged range (top-left row/col, spans)."""

    text: str
    row: int
    col: int
    rowspan: int
    colspan: int


Grid = list[list[Origin]]


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u3000", ""))


def docx_grids(data: bytes) -> list[Grid]:
    """Every table of a .docx as a grid with merged cells expanded (python-docx, raw XML for spans)."""
    from docx import Document
    from docx.oxml.ns import qn

    document = Document(io.BytesIO(data))
    grids = []
    for table in document.tables:
        raw: list[list[tuple[str, int, str | None]]] = []
        for tr in table._tbl.tr_lst:
            row = []
            for tc in tr.tc_lst:
                span = tc.grid_span
                vmerge = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
                state = None if vmerge is None else (vmerge.get(qn("w:val")) or "continue")
                text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
                row.append((_clean(text), span, state))
            raw.append(row)
        width = sum(span for _, span, _ in raw[0])
        grid: list[list[Origin | None]] = [[None] * width for _ in raw]
        for r, row in enumerate(raw):
            c = 0
            for text, span, state in row:
                if state == "continue":
                    above = grid[r - 1][c]
                    assert above is not None
                    for k in range(span):
                        grid[r][c + k] = above
                else:
                    rowspan = 1
                    if state == "restart":
                        while r + rowspan < len(raw) and _state_at(raw[r + rowspan], c) == "continue":
                            rowspan += 1
                    origin = Origin(text, r, c, rowspan, span)
                    for k in range(span):
                        grid[r][c + k] = origin
                c += span
        grids.append(grid)  # type: ignore[arg-type]
    return grids


def _state_at(row: list[tuple[str, int, str | None]], col: int) -> str | None:
    c = 0
    for _, span, state in row:
        if c == col:
            return state
        c += span
    return None


def html_grids(text: str) -> list[Grid]:
    """Every <table> of an HTML page as a grid with rowspan/colspan expanded (lxml.html)."""
    from lxml import html

    root = html.fromstring(text)
    grids = []
    for table in root.iter("table"):
        rows = table.xpath("./thead/tr|./tbody/tr|./tr")
        grid: dict[tuple[int, int], Origin] = {}
        for r, tr in enumerate(rows):
            c = 0
            for cell in tr.xpath("./td|./th"):
                while (r, c) in grid:
                    c += 1
                rowspan, colspan = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
                origin = Origin(_clean(cell.text_content()), r, c, rowspan, colspan)
                for i in range(rowspan):
                    for j in range(colspan):
                        grid[(r + i, c + j)] = origin
                c += colspan
        height = max(r for r, _ in grid) + 1
        width = max(c for _, c in grid) + 1
        grids.append([[grid[(r, c)] for c in range(width)] for r in range(height)])
    return grids


def _dedupe(origins: list[Origin]) -> list[str]:
    out: list[Origin] = []
    for o in origins:
        if not out or out[-1] != o:
            out.append(o)
    return [o.text for o in out]


def find_values(grids: list[Grid], spec: FormatSpec) -> dict[str, str]:
    """cell id -> the text printed where its row label path meets its column header path."""
    assert len(grids) == 3, f"expected the three tables, found {len(grids)}"
    found: dict[str, str] = {}
    t2, t3, t4 = grids
    # 二: blocks — a heading row 第二十条第（X）项, a header row 信息内容 | columns, then the data rows
    block_cells = [c for c in spec.cells.values() if c.table == "t2"]
    r = 0
    while r < len(t2):
        heading = t2[r][0]
        if heading.colspan == len(t2[r]) and heading.text.startswith("第二十条"):
            header = t2[r + 1]
            assert header[0].text == "信息内容"
            r += 2
            while r < len(t2) and not t2[r][0].text.startswith("第二十条"):
                label = t2[r][0].text
                for cell in block_cells:
                    if cell.row_groups == (heading.text,) and _clean(cell.row_label) == label:
                        cols = [o for o in _dedupe(header[1:]) if o.startswith(_clean(cell.column_label))]
                        assert len(cols) == 1, (cell.id, cols)
                        col = next(c for c in range(1, len(header)) if header[c].text == cols[0])
                        found[cell.id] = t2[r][col].text
                        if cell.unit:  # money: the unit is printed in the header
                            assert f"单位：{cell.unit}" in cols[0], cols[0]
                r += 1
            continue
        r += 1
    # 三: matrix — data rows start at the row labelled 一、…; label columns hold the corner above
    first = next(i for i, row in enumerate(t3) if row[0].text.startswith("一、"))
    label_cols = sum(1 for o in t3[0] if o is t3[0][0])
    for cell in (c for c in spec.cells.values() if c.table == "t3"):
        row_path = [_clean(x) for x in (*cell.row_groups, cell.row_label)]
        col_path = [_clean(x) for x in (*cell.column_groups, cell.column_label)]
        rows = [i for i in range(first, len(t3)) if _dedupe(t3[i][:label_cols]) == row_path]
        cols = [j for j in range(label_cols, len(t3[0])) if _dedupe([t3[i][j] for i in range(first)]) == col_path]
        assert len(rows) == 1 and len(cols) == 1, (cell.id, rows, cols)
        found[cell.id] = t3[rows[0]][cols[0]].text
    # 四: strip — three header rows, one data row
    data = len(t4) - 1
    for cell in (c for c in spec.cells.values() if c.table == "t4"):
        path = [_clean(x) for x in (*cell.row_groups, cell.row_label, cell.column_label)]
        cols = [j for j in range(len(t4[0])) if _dedupe([t4[i][j] for i in range(data)]) == path]
        assert len(cols) == 1, (cell.id, cols)
        found[cell.id] = t4[data][cols[0]].text
    return found


def assert_values_printed(grids: list[Grid], doc: ReturnDocument) -> None:
    spec = doc.spec
    found = find_values(grids, spec)
    assert set(found) == set(spec.cell_ids)  # every input and every total
    for cid, text in found.items():
        value = doc.values[cid]
        if spec.cells[cid].type == "amount":
            assert Decimal(text) == value, cid
        else:
            assert re.fullmatch(r"-?\d+", text), (cid, text)  # integers, no decimals
            assert int(text) == value, cid


def publish_bytes(source, kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    api.publish(source, buffer, kind=kind, **options)
    return buffer.getvalue()


def grids_of(data: bytes, kind: str) -> list[Grid]:
    return docx_grids(data) if kind == "docx" else html_grids(data.decode("utf-8"))


# --------------------------------------------------------------------------- sources


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """Per format: a return (.json and .xlsx) and a district summary (.json and .xlsx) of two returns."""
    out = {}
    for fmt in FORMATS:
        folder = tmp_path_factory.mktemp(fmt)
        a = make_doc(fmt, code="U01", name="甲街道", start=1)
        b = make_doc(fmt, code="U02", name="乙街道", start=300)
        (folder / "a.json").write_text(a.dumps(), encoding="utf-8")
        api.write_return(a, folder / "a.xlsx")
        (folder / "units").mkdir()
        (folder / "units" / "a.json").write_text(a.dumps(), encoding="utf-8")
        (folder / "units" / "b.json").write_text(b.dumps(), encoding="utf-8")
        reports = [api.check_file(folder / "units" / "a.json"), api.check_file(folder / "units" / "b.json")]
        result = api.merge(
            reports,
            roster={"U01": "甲街道", "U02": "乙街道", "U03": "丙街道"},
            year=a.year,
            unit_code="350502",
            unit_name="测试区",
            cover={"preparer": "区政务公开办", "phone": "0595-2200000", "reviewer": "王五", "date": "2025-01-20"},
        )
        api.write_summary(result, folder / "sum.xlsx")
        api.write_summary_json(result, folder / "sum.json")
        out[fmt] = {
            "doc": a,
            "summary_doc": result.document,
            "return.json": folder / "a.json",
            "return.xlsx": folder / "a.xlsx",
            "summary.json": folder / "sum.json",
            "summary.xlsx": folder / "sum.xlsx",
        }
    return out


@pytest.mark.parametrize("kind", ["docx", "html"])
@pytest.mark.parametrize(
    "source",
    [
        "return.json",
        "summary.json",
        # the same values through the workbooks: in the slow set (the quick loop stays short)
        pytest.param("return.xlsx", marks=pytest.mark.slow),
        pytest.param("summary.xlsx", marks=pytest.mark.slow),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_value_is_printed_under_its_row_label_and_column_header(sources, fmt, source, kind):
    data = sources[fmt]
    report = api.check_file(data[source])
    assert report.valid, report.findings
    expected = data["summary_doc"] if source.startswith("summary") else data["doc"]
    assert_values_printed(grids_of(publish_bytes(report, kind), kind), expected)


def test_the_summary_is_the_sum_of_its_units(sources):
    # guards the test data: the summary figures differ from the single return's
    data = sources["ogi-2021"]
    assert data["summary_doc"].values["t3.r_new.c_natural"] != data["doc"].values["t3.r_new.c_natural"]


@pytest.mark.parametrize("kind", ["docx", "html"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_draft_contains_the_same_tables(fmt, kind):
    doc = make_doc(fmt)
    assert_values_printed(grids_of(publish_bytes(doc, kind, draft=True), kind), doc)


# --------------------------------------------------------------------------- merged cells


def _spans(grid: Grid) -> set[tuple[str, int, int, int, int]]:
    return {(o.text, o.row, o.col, o.rowspan, o.colspan) for row in grid for o in row if o.rowspan > 1 or o.colspan > 1}


@pytest.mark.parametrize("kind", ["docx", "html"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_merged_cells_of_tables_three_and_four_follow_the_official_layout(fmt, kind):
    spec = load_format(fmt)
    grids = grids_of(publish_bytes(make_doc(fmt), kind), kind)
    layout = workbook_layout(spec)
    for grid, table_id in ((grids[1], "t3"), (grids[2], "t4")):
        sheet = layout.sheet_for(table_id)
        expected = {
            (_clean(t.text), t.row - TABLE_TOP, t.col, t.last_row - t.row + 1, t.last_col - t.col + 1)
            for t in sheet.labels
            if t.merged and t.role != "title"
        }
        assert _spans(grid) == expected
    t3, t4 = grids[1], grids[2]
    by_text = {o.text: o for row in t3 for o in row}
    results = [r for r in spec.table("t3").definition["rows"] if r.get("groups", [None])[0] == "三、本年度办理结果"]
    assert by_text["三、本年度办理结果"].rowspan == len(results) == (20 if fmt == "ogi-2019" else 22)
    assert by_text["申请人情况"].colspan == 7
    assert by_text["法人或其他组织"].colspan == 5
    assert by_text["（三）不予公开"].rowspan == 8
    assert by_text["（四）无法提供"].rowspan == 3
    assert by_text["（五）不予处理"].rowspan == 5
    if fmt == "ogi-2021":
        assert by_text["（六）其他处理"].rowspan == 3
    else:
        assert by_text["（六）其他处理"].colspan == 2
    corner = t3[0][0]
    assert (corner.rowspan, corner.colspan) == (3, 3) and "勾稽关系" in corner.text
    by_text4 = {o.text: o for row in t4 for o in row}
    assert (by_text4["行政复议"].rowspan, by_text4["行政复议"].colspan) == (2, 5)
    assert (by_text4["行政诉讼"].rowspan, by_text4["行政诉讼"].colspan) == (1, 10)
    assert by_text4["未经复议直接起诉"].colspan == 5 and by_text4["复议后起诉"].colspan == 5
    assert len(t4[-1]) == 15


# --------------------------------------------------------------------------- the seed's printed tables

# The numbers of the seed's printed tables (seed-report-2020.txt, 二): row label -> the printed cells.
# 三 and 四 print 0 in every cell.
SEED_T2 = {
    "规章": ["0", "0", "0"],
    "规范性文件": ["0", "0", "0"],
    "行政许可": ["1", "1", "87"],
    "其他对外管理服务事项": ["57", "95", "3600"],
    "行政处罚": ["0", "1", "0"],
    "行政强制": ["0", "0", "0"],
    "行政事业性收费": ["0", "0"],
    "政府集中采购": ["15", "1827190"],
}


def test_the_copied_seed_numbers_are_the_printed_ones():
    if not SEED_REPORT.is_file():
        pytest.skip("../shared/reference is not beside this checkout (the numbers above are a copy)")
    lines = SEED_REPORT.read_text(encoding="utf-8").splitlines()
    for label, numbers in SEED_T2.items():
        line = next(x for x in lines if x.split("\t")[0].strip() == label)
        printed = [re.sub(r"\s*元$", "", c.strip()) for c in line.split("\t")[1:] if c.strip()]
        assert printed == numbers, label
    t3_rows = [x for x in lines if re.search(r"\t0\t0\t0\t0\t0\t0\t0\s*$", x)]
    assert len(t3_rows) >= 20  # every row of 三 prints seven zeros


@pytest.mark.parametrize("kind", ["docx", "html"])
def test_the_seed_published_reproduces_its_printed_tables(kind):
    grids = grids_of(publish_bytes(api.check_file(SEED), kind), kind)
    t2, t3, t4 = grids
    rows = {row[0].text: [o.text for o in _unique(row[1:])] for row in t2}
    for label, numbers in SEED_T2.items():
        assert rows[label] == numbers, label
    header = next(row for row in t2 if row[0].text == "信息内容" and any("采购总金额" in o.text for o in row))
    assert any(o.text == "采购总金额（单位：元）" for o in header)  # 元, as the template prints it
    first = next(i for i, row in enumerate(t3) if row[0].text.startswith("一、"))
    values = [o.text for row in t3[first:] for o in _unique(row) if o.col >= 3]
    assert values and set(values) == {"0"} and len(values) == 7 * (len(t3) - first)
    assert [o.text for o in t4[-1]] == ["0"] * 15


def _unique(row: list[Origin]) -> list[Origin]:
    out: list[Origin] = []
    for o in row:
        if o not in out:
            out.append(o)
    return out


# --------------------------------------------------------------------------- Word specifics


def test_word_file_is_a4_with_a_landscape_section_fonts_and_repeating_headers():
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm

    data = publish_bytes(make_doc("ogi-2021"), "docx", draft=True)
    document = Document(io.BytesIO(data))
    orientations = []
    for section in document.sections:
        short, long = sorted((section.page_width, section.page_height))
        assert abs(short - Mm(210)) < Mm(1) and abs(long - Mm(297)) < Mm(1)
        orientations.append(section.orientation)
        landscape = section.orientation == WD_ORIENT.LANDSCAPE
        assert (section.page_width > section.page_height) == landscape
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    # tables 三 and 四 sit in the landscape section: the body elements between the two section breaks
    body = list(document.element.body)
    breaks = [i for i, el in enumerate(body) if el.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None]
    tables = [i for i, el in enumerate(body) if el.tag == qn("w:tbl")]
    assert breaks[0] < tables[1] < tables[2] < breaks[1] and tables[0] < breaks[0]
    for table, header_rows in zip(document.tables, (0, 3, 3), strict=True):
        flagged = [tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None for tr in table._tbl.tr_lst]
        assert flagged == [True] * header_rows + [False] * (len(flagged) - header_rows)
    fonts = {}
    for style in document.styles:
        rpr = style.element.rPr
        if rpr is not None and rpr.rFonts is not None:
            fonts[style.name] = rpr.rFonts.get(qn("w:eastAsia"))
    assert fonts["Normal"] == "仿宋"
    assert fonts["OGI Title"] == "方正小标宋简体"
    assert fonts["OGI Heading 1"] == "黑体" and fonts["OGI Heading 2"] == "楷体"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        font_table = z.read("word/fontTable.xml").decode("utf-8")
    assert re.search(r'w:name="方正小标宋简体">.*?<w:altName w:val="宋体"/>', font_table)


@pytest.mark.parametrize("kind", ["docx", "html"])
@pytest.mark.parametrize("draft", [False, True])
def test_same_input_same_bytes(tmp_path, kind, draft):
    report = api.check_file(EXAMPLES / "haibin-2024.json")
    first, second = tmp_path / f"a.{kind}", tmp_path / f"b.{kind}"
    api.publish(report, first, draft=draft)
    api.publish(report, second, draft=draft)
    assert first.read_bytes() == second.read_bytes()
    if kind == "docx":
        with zipfile.ZipFile(first) as z:
            assert {i.date_time for i in z.infolist()} == {(2020, 1, 1, 0, 0, 0)}
            core = z.read("docProps/core.xml").decode("utf-8")
        assert "2025-01-01T00:00:00" in core


def test_html_is_self_contained_and_script_free():
    from lxml import html

    text = publish_bytes(make_doc("ogi-2021"), "html", draft=True).decode("utf-8")
    root = html.fromstring(text)
    assert root.find(".//meta").get("charset") == "utf-8"
    assert not root.xpath("//script|//link|//img|//iframe|//*[@src]|//*[@href]")
    assert not [a for el in root.iter() for a in el.attrib if a.startswith("on")]
    assert "size: A4" in root.findtext(".//style")


# --------------------------------------------------------------------------- the draft's sentences


def draft_text(data: bytes, kind: str) -> list[str]:
    """The paragraphs of a draft in reading order (tables excluded)."""
    if kind == "docx":
        from docx import Document

        return [p.text for p in Document(io.BytesIO(data)).paragraphs if p.text.strip()]
    from lxml import html

    root = html.fromstring(data.decode("utf-8"))
    return [el.text_content() for el in root.xpath("//p|//h1|//h2|//h3")]


def _table_number(found: dict[str, str], *cell_ids: str) -> int:
    return sum(int(found[c]) for c in cell_ids)


def _group_total(spec: FormatSpec, found: dict[str, str], group: str) -> int:
    rows = [r["id"] for r in spec.table("t3").definition["rows"] if group in r.get("groups", ())]
    if not rows:  # a group that is a single row, e.g. 2019 （六）其他处理
        rows = [r["id"] for r in spec.table("t3").definition["rows"] if r["label"] == group]
    return _table_number(found, *(f"t3.{r}.c_total" for r in rows))


def check_draft_numbers(paragraphs: list[str], found: dict[str, str], spec: FormatSpec) -> int:
    """Every number in the data sentences against the tables printed in the same file; returns how many."""
    checked = 0
    t3_legal = [f"t3.r_new.{c}" for c in ("c_commercial", "c_research", "c_social", "c_legal", "c_other")]
    expectations: list[tuple[str, int | str]] = [
        (r"本年新收政府信息公开申请(\d+)件", _table_number(found, "t3.r_new.c_total")),
        (r"其中自然人(\d+)件", _table_number(found, "t3.r_new.c_natural")),
        (r"法人或其他组织(\d+)件", _table_number(found, *t3_legal)),
        (r"上年结转(\d+)件", _table_number(found, "t3.r_carry.c_total")),
        (r"办结(\d+)件", _table_number(found, "t3.r_done_total.c_total")),
        (r"予以公开(\d+)件", _table_number(found, "t3.r_open.c_total")),
        (r"部分公开(\d+)件", _table_number(found, "t3.r_partial.c_total")),
        (r"不予公开(\d+)件", _group_total(spec, found, "（三）不予公开")),
        (r"无法提供(\d+)件", _group_total(spec, found, "（四）无法提供")),
        (r"不予处理(\d+)件", _group_total(spec, found, "（五）不予处理")),
        (r"其他处理(\d+)件", _group_total(spec, found, "（六）其他处理")),
        (r"结转下年度继续办理(\d+)件", _table_number(found, "t3.r_carry_next.c_total")),
        (r"被申请行政复议(\d+)件", _table_number(found, "t4.r_review.c_total")),
        (r"被提起行政诉讼(\d+)件", _table_number(found, "t4.r_lit_direct.c_total", "t4.r_lit_after.c_total")),
        (r"未经复议直接起诉(\d+)件", _table_number(found, "t4.r_lit_direct.c_total")),
        (r"复议后起诉(\d+)件", _table_number(found, "t4.r_lit_after.c_total")),
    ]
    # the leaf outcomes of 三, named without their numbering, inside the group's brackets
    for cell in spec.cells.values():
        if cell.table == "t3" and cell.column == "c_total" and len(cell.row_groups) == 2:
            name = re.sub(r"^\d+\.", "", cell.row_label)
            expectations.append((rf"[（、；]{re.escape(name)}(\d+)件", int(found[cell.id])))
    if spec.id == "ogi-2021":
        for row, label in (("r_rules", "规章"), ("r_normdocs", "行政规范性文件")):
            expectations.append((rf"{label}本年制发(\d+)件", int(found[f"t2.{row}.c_issued"])))
            expectations.append((rf"{label}本年制发\d+件、废止(\d+)件", int(found[f"t2.{row}.c_repealed"])))
            expectations.append((rf"{label}本年制发\d+件、废止\d+件，现行有效(\d+)件", int(found[f"t2.{row}.c_valid"])))
        for row, label in (("r_license", "行政许可"), ("r_penalty", "行政处罚"), ("r_coercion", "行政强制")):
            expectations.append((rf"{label}决定(\d+)件", int(found[f"t2.{row}.c_decisions"])))
        expectations.append((r"本年收费金额([\d.]+)万元", found["t2.r_fees.c_fee_amount"]))
        expectations.append((r"不再处理的申请(\d+)件", _table_number(found, "t3.r_other_nofee.c_total")))
    else:
        for row, label in (("r_rules", "规章"), ("r_normdocs", "规范性文件")):
            expectations.append((rf"{label}本年新制作(\d+)件", int(found[f"t2.{row}.c_new_made"])))
            expectations.append((rf"{label}本年新制作\d+件、新公开(\d+)件", int(found[f"t2.{row}.c_new_public"])))
            expectations.append(
                (rf"{label}本年新制作\d+件、新公开\d+件，对外公开总数(\d+)件", int(found[f"t2.{row}.c_public_total"]))
            )
        for row, label in (
            ("r_license", "行政许可"),
            ("r_other_services", "其他对外管理服务事项"),
            ("r_penalty", "行政处罚"),
            ("r_coercion", "行政强制"),
        ):
            expectations.append((rf"{label}处理决定(\d+)件", int(found[f"t2.{row}.c_decisions"])))
        expectations.append((r"政府集中采购项目(\d+)个", int(found["t2.r_procurement.c_proc_count"])))
        expectations.append((r"采购总金额([\d.]+)元", found["t2.r_procurement.c_proc_amount"]))
    text = "\n".join(paragraphs)
    # from 一 to the end; the opening paragraph holds only the year and the notice's number
    data_part = text[text.index("一、总体情况") :].replace("（国办函〔2020〕109号）", "")
    data_part = re.sub(r"【请填写：[^】]*】", "", data_part)
    covered: set[int] = set()  # start positions in data_part of the numbers checked

    for pattern, expected in expectations:
        for match in re.finditer(pattern, data_part):
            if isinstance(expected, str):
                assert Decimal(match.group(1)) == Decimal(expected), (pattern, match.group(0))
            else:
                assert int(match.group(1)) == expected, (pattern, match.group(0), expected)
            checked += 1
            covered.add(match.start(1))
    # 四's breakdowns: 其中结果维持a件、结果纠正b件… sum to the sentence's total
    for match in re.finditer(
        r"(行政复议|直接起诉|复议后起诉)(\d+)件[，（]其?中?((?:(?:结果维持|结果纠正|其他结果|尚未审结)\d+件、?)+)",
        data_part,
    ):
        parts = [int(x) for x in re.findall(r"(\d+)件", match.group(3))]
        assert sum(parts) == int(match.group(2)), match.group(0)
        row = {"行政复议": "r_review", "直接起诉": "r_lit_direct", "复议后起诉": "r_lit_after"}[match.group(1)]
        for item in re.finditer(r"(结果维持|结果纠正|其他结果|尚未审结)(\d+)件", match.group(3)):
            col = {"结果维持": "c_upheld", "结果纠正": "c_corrected", "其他结果": "c_other", "尚未审结": "c_pending"}
            assert int(item.group(2)) == int(found[f"t4.{row}.{col[item.group(1)]}"]), (item.group(0), row)
            checked += 1
            covered.add(match.start(3) + item.start(2))
    # the share of 予以公开 + 部分公开, exact or marked 约
    for match in re.finditer(r"予以公开和部分公开的共(\d+)件，(约?)占办结总数的([\d.]+)%", data_part):
        opened = _table_number(found, "t3.r_open.c_total", "t3.r_partial.c_total")
        done = _table_number(found, "t3.r_done_total.c_total")
        assert int(match.group(1)) == opened
        exact = Decimal(opened * 100) / Decimal(done)
        shown = Decimal(match.group(3))
        assert abs(shown - exact) <= Decimal("0.05")
        assert (match.group(2) == "约") == (shown != exact)
        checked += 2
        covered.update((match.start(1), match.start(3)))
    leftover = [m.group(0) for m in re.finditer(r"\d+(?:\.\d+)?", data_part) if m.start() not in covered]
    assert not leftover, f"numbers in the draft not checked against the tables: {leftover}\n{data_part}"
    return checked


@pytest.mark.parametrize("kind", ["docx", "html"])
@pytest.mark.parametrize(
    "case",
    [
        "2019",
        "2021",
        "2019-zero",
        "2021-zero",
        "summary-2021",
        pytest.param("haibin", marks=pytest.mark.slow),
        pytest.param("seed", marks=pytest.mark.slow),
        pytest.param("summary-2019", marks=pytest.mark.slow),
    ],
)
def test_every_number_in_the_draft_comes_from_its_tables(sources, case, kind):
    if case.startswith("summary"):
        fmt = "ogi-" + case.split("-")[1]
        source = api.check_file(sources[fmt]["summary.json"])
        spec = load_format(fmt)
    elif case in ("haibin", "seed"):
        source = api.check_file(EXAMPLES / "haibin-2024.json" if case == "haibin" else SEED)
        spec = load_format(source.format)
    else:
        fmt = "ogi-" + case.split("-")[0]
        source = zero_doc(fmt) if case.endswith("zero") else make_doc(fmt)
        spec = load_format(fmt)
    data = publish_bytes(source, kind, draft=True)
    found = find_values(grids_of(data, kind), spec)
    paragraphs = draft_text(data, kind)
    checked = check_draft_numbers(paragraphs, found, spec)
    text = "\n".join(paragraphs)
    if case.endswith("zero"):
        assert "本年度未收到政府信息公开申请，也没有上年结转的申请。" in text
        assert "本年度未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。" in text
    elif case in ("2019", "2021", "summary-2021", "summary-2019"):
        assert checked >= 30  # distinct non-zero data: every sentence is there


def test_the_draft_has_the_six_parts_and_the_opening_paragraph():
    doc = make_doc("ogi-2021")
    for kind in ("docx", "html"):
        text = "\n".join(draft_text(publish_bytes(doc, kind, draft=True), kind))
        positions = [
            text.index(h)
            for h in (
                "一、总体情况",
                "（一）主动公开",
                "（二）依申请公开",
                "（三）政府信息管理",
                "（四）政府信息公开平台建设",
                "（五）监督保障",
                "二、主动公开政府信息情况",
                "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政复议、行政诉讼情况",
                "五、存在的主要问题及改进情况",
                "六、其他需要报告的事项",
            )
        ]
        assert positions == sorted(positions)
        assert "测试街道办事处2024年政府信息公开工作年度报告" in text
        assert "统计期限为2024年1月1日至2024年12月31日" in text
        assert "国办公开办函〔2021〕30号" in text
        assert "请与测试街道办事处联系" in text
        assert "《政府信息公开信息处理费管理办法》" in text


def test_what_only_a_person_can_write_is_a_highlighted_placeholder():
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from lxml import html

    doc = make_doc("ogi-2019")
    document = Document(io.BytesIO(publish_bytes(doc, "docx", draft=True)))
    runs = [r for p in document.paragraphs for r in p.runs if "【请填写" in r.text]
    assert len(runs) >= 8
    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in runs)
    assert all(r.text.startswith("【请填写：") and r.text.endswith("】") for r in runs)
    root = html.fromstring(publish_bytes(doc, "html", draft=True).decode("utf-8"))
    marks = root.xpath("//mark")
    assert len(marks) == len(runs)
    assert all(m.text_content().startswith("【请填写：") for m in marks)
    # the text around the placeholders of 五 invents nothing
    part5 = [p.text for p in document.paragraphs if p.text.startswith("（一）存在的主要问题")]
    assert part5 == ["（一）存在的主要问题。【请填写：本年度政府信息公开工作存在的主要问题】"]


@pytest.mark.parametrize("source", ["summary.json", "summary.xlsx"])
def test_the_district_draft_names_the_units_it_covers(sources, source):
    report = api.check_file(sources["ogi-2021"][source])
    for kind in ("docx", "html"):
        text = "\n".join(draft_text(publish_bytes(report, kind, draft=True), kind))
        assert "由2个单位报送并审核通过的年度报表汇总形成；丙街道（未报送）的数据未计入。" in text


def test_a_return_with_errors_is_refused_unless_allowed_and_then_marked(tmp_path):
    from ogi_xlsx.publish import PublishRefused

    doc = make_doc("ogi-2021")
    doc.values["t3.r_new.c_natural"] += 1  # the balance of 三 no longer holds
    path = tmp_path / "bad.json"
    path.write_text(doc.dumps(), encoding="utf-8")
    report = api.check_file(path)
    assert not report.valid
    with pytest.raises(PublishRefused) as refused:
        api.publish(report, tmp_path / "out.docx")
    assert refused.value.findings and all(f.severity == "error" for f in refused.value.findings)
    assert not (tmp_path / "out.docx").exists()
    for kind in ("docx", "html"):
        data = publish_bytes(report, kind, allow_errors=True)
        if kind == "docx":
            from docx import Document

            document = Document(io.BytesIO(data))
            assert "未通过审核" in document.sections[0].header.paragraphs[0].text
            assert document.paragraphs[0].text.startswith("【未通过审核】本文件依据未通过审核的报表生成")
        else:
            assert "【未通过审核】本文件依据未通过审核的报表生成" in data.decode("utf-8")
    clean = publish_bytes(api.check_file(EXAMPLES / "haibin-2024.json"), "html")
    assert "未通过审核" not in clean.decode("utf-8")
