"""The 情况说明 sheet: written into a workbook, pre-filled in the annotated copy, read back —
also after a round trip through LibreOffice (what a clerk's save does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogi_xlsx.checks.explanations import judge
from ogi_xlsx.checks.plausibility import check_plausibility
from ogi_xlsx.model.document import Explanation, document_from_json, loads
from ogi_xlsx.model.findings import has_open_queries, open_queries
from ogi_xlsx.reading.explanation_sheet import (
    EXPLANATION_SHEET,
    HEADER_ROW,
    read_explanation_grid,
    read_explanation_sheet,
)
from ogi_xlsx.reading.xlsx import read_xlsx
from ogi_xlsx.writing.explanation_sheet import prefill_explanation_sheet, write_explanation_sheet
from ogi_xlsx.writing.template import write_workbook

ROOT = Path(__file__).resolve().parents[2]
REALISTIC = ROOT / "tests" / "fixtures" / "realistic"
REASON = "本单位上年的 4 件行政规范性文件均于本年 6 月有效期届满自然失效，未经废止程序"


def _doc(name: str):
    return document_from_json(loads((REALISTIC / f"{name}.json").read_text(encoding="utf-8")))


def _queries():
    doc, last = _doc("street-documents-2024"), _doc("street-documents-2023")
    doc.values["t3.r_new.c_natural"] = 30  # and 30 applications after 3: a second query (Y1)
    doc.values["t3.r_open.c_natural"] = 29
    return doc, check_plausibility(doc, last)


def _write(path: Path, doc, *, explanations=(), queries=()) -> Path:
    """A filled return with its 情况说明 (as ``fill`` writes it); with ``queries`` the sheet alone,
    pre-filled by the xlsxwriter writer."""
    if queries:
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(path))
        write_explanation_sheet(wb, doc.spec, explanations=explanations, queries=queries)
        wb.close()
        return path
    write_workbook(
        path,
        doc.spec,
        year=doc.year,
        unit_code=doc.unit_code,
        unit_name=doc.unit_name,
        cover=dict(doc.cover),
        values=doc.values,
        kind="return",
        explanations=explanations,
    )
    return path


def _read(path: Path) -> list[Explanation]:
    sheet = read_xlsx(path).sheet(EXPLANATION_SHEET)
    assert sheet is not None
    return read_explanation_grid({key: cell.value for key, cell in sheet.cells.items()})


def test_a_blank_sheet_has_instructions_a_header_and_reads_as_no_explanation(tmp_path):
    doc, _ = _queries()
    path = _write(tmp_path / "r.xlsx", doc)
    raw = read_xlsx(path)
    sheet = raw.sheet(EXPLANATION_SHEET)
    assert sheet is not None and not sheet.protected  # the clerk may add rows
    texts = [c.value for c in sheet.cells.values() if isinstance(c.value, str)]
    assert any("核实无误" in t and "不能作为说明" in t for t in texts)
    assert [sheet.cells[(HEADER_ROW, col)].value for col in range(5)] == [
        "序号",
        "规则",
        "单元格",
        "核实内容",
        "说明（请写明原因）",
    ]
    answer = sheet.cells[(HEADER_ROW + 1, 4)]
    assert answer.locked is False
    assert _read(path) == []


def test_explanations_written_are_read_back(tmp_path):
    doc, _ = _queries()
    mine = [Explanation("Y3", "表二 D6", REASON), Explanation("", "J6", "本年征收项目集中申请较多，共 27 件")]
    assert _read(_write(tmp_path / "r.xlsx", doc, explanations=mine)) == mine


def test_pre_filled_queries_without_a_reason_are_not_explanations(tmp_path):
    doc, queries = _queries()
    assert [q.rule for q in queries] == ["Y1_t3_new_increase", "Y3_t2_valid_to_zero"]
    path = _write(tmp_path / "r.xlsx", doc, queries=queries)
    sheet = read_xlsx(path).sheet(EXPLANATION_SHEET)
    assert sheet.cells[(HEADER_ROW + 1, 1)].value == "Y1_t3_new_increase"
    assert sheet.cells[(HEADER_ROW + 1, 2)].value == "表三 J6"
    assert sheet.cells[(HEADER_ROW + 2, 2)].value == "表二 D6"
    assert sheet.cells[(HEADER_ROW + 2, 3)].value.startswith("表二 D6（行政规范性文件 / 现行有效件数）")
    assert _read(path) == []


def test_the_reader_tolerates_moved_columns_and_extra_rows():
    cells = {
        (0, 0): "情况说明",
        (3, 0): "序号",
        (3, 1): "说明（请写明原因）",
        (3, 2): " 单元格 ",
        (3, 3): "规则编号",
        (4, 1): REASON,
        (4, 2): "表二D6",
        (5, 2): "J6",  # no reason: not an explanation
        (9, 1): 12345,  # a number typed as the reason
        (9, 3): "P1",
    }
    assert read_explanation_grid(cells) == [Explanation("", "表二D6", REASON), Explanation("P1", "", "12345")]
    assert read_explanation_grid({(0, 0): "别的表"}) == []


def test_prefill_adds_one_row_per_open_query_and_keeps_the_clerks_words(tmp_path):
    from openpyxl import load_workbook

    doc, queries = _queries()
    path = _write(tmp_path / "r.xlsx", doc, explanations=[Explanation("Y3", "表二 D6", "经核实，数据无误。")])
    wb = load_workbook(path)
    assert prefill_explanation_sheet(wb, doc.spec, queries) == 1  # Y3 already has the clerk's row
    ws = wb[EXPLANATION_SHEET]
    read = read_explanation_sheet(ws)
    assert read == [Explanation("Y3", "表二 D6", "经核实，数据无误。")]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=HEADER_ROW + 2, max_row=HEADER_ROW + 3)]
    assert rows[0][1:4] == ["Y3", "表二 D6", queries[1].message]
    assert rows[1][1:4] == ["Y1_t3_new_increase", "表三 J6", queries[0].message] and rows[1][4] is None
    # again: nothing new
    assert prefill_explanation_sheet(wb, doc.spec, queries) == 0


def test_prefill_creates_the_sheet_in_an_older_workbook(tmp_path):
    from openpyxl import load_workbook

    doc, queries = _queries()
    path = tmp_path / "old.xlsx"
    write_workbook(path, doc.spec, year=doc.year, unit_code=doc.unit_code, unit_name=doc.unit_name, values=doc.values)
    wb = load_workbook(path)
    del wb[EXPLANATION_SHEET]  # as in a workbook from a template made before the sheet existed
    assert prefill_explanation_sheet(wb, doc.spec, queries) == 2
    ws = wb[EXPLANATION_SHEET]
    ws.cell(row=HEADER_ROW + 2, column=5, value=REASON)
    assert read_explanation_sheet(ws) == [Explanation("Y1_t3_new_increase", "表三 J6", REASON)]


@pytest.mark.slow
@pytest.mark.libreoffice
def test_the_prefilled_sheet_survives_libreoffice_and_settles_the_queries(tmp_path, libreoffice):
    """Annotated copy -> the clerk answers in LibreOffice (simulated: the reasons are typed into the
    copy, then LibreOffice opens and saves it) -> the reasons are read back and settle the queries."""
    from openpyxl import load_workbook

    doc, queries = _queries()
    path = _write(tmp_path / "return.xlsx", doc)
    wb = load_workbook(path)
    prefill_explanation_sheet(wb, doc.spec, queries)
    ws = wb[EXPLANATION_SHEET]
    ws.cell(row=HEADER_ROW + 2, column=5, value="本年因老旧小区改造征收项目，有 25 名居民集中申请公开补偿方案")
    ws.cell(row=HEADER_ROW + 3, column=5, value=REASON)
    answered = tmp_path / "answered.xlsx"
    wb.save(answered)
    (saved,) = libreoffice.roundtrip([answered], tmp_path / "lo")
    raw = read_xlsx(saved)
    sheet = raw.sheet(EXPLANATION_SHEET)
    assert sheet is not None and not sheet.protected
    explanations = read_explanation_grid({key: cell.value for key, cell in sheet.cells.items()})
    assert [(e.rule, e.cell) for e in explanations] == [
        ("Y1_t3_new_increase", "表三 J6"),
        ("Y3_t2_valid_to_zero", "表二 D6"),
    ]
    judged = judge(doc.spec, queries, explanations)
    assert not has_open_queries(judged) and [f.explanation for f in judged][1] == REASON
    # the official tables were not disturbed by the sheet
    assert raw.sheet("二、主动公开") is not None and raw.sheet("二、主动公开").protected


def test_a_boilerplate_answer_in_the_sheet_leaves_the_query_open(tmp_path):
    doc, queries = _queries()
    path = _write(tmp_path / "r.xlsx", doc, explanations=[Explanation("Y3", "表二 D6", "核实无误")])
    judged = judge(doc.spec, queries, _read(path))
    assert [q.rule for q in open_queries(judged)] == ["Y1_t3_new_increase", "Y3_t2_valid_to_zero"]
    assert any(f.code == "explanation-rejected" for f in judged)


def test_a_sheet_with_too_many_or_too_long_rows_is_read_with_limits(tmp_path):
    from openpyxl import load_workbook

    from ogi_xlsx.reading.extract import MAX_EXPLANATIONS, extract

    doc, _ = _queries()
    path = _write(tmp_path / "r.xlsx", doc)
    wb = load_workbook(path)
    ws = wb[EXPLANATION_SHEET]
    for i in range(MAX_EXPLANATIONS + 3):
        ws.cell(row=HEADER_ROW + 2 + i, column=3, value="J6" * 200 if i == 0 else "J6")
        ws.cell(row=HEADER_ROW + 2 + i, column=5, value="说" * 3000 if i == 0 else f"第 {i} 条说明，原因如下")
    wb.save(path)
    ex = extract(read_xlsx(path))
    assert len(ex.explanations) == MAX_EXPLANATIONS
    assert len(ex.explanations[0].text) == 2000 and ex.explanations[0].text.endswith("…")
    assert len(ex.explanations[0].cell) == 200
    (too_many,) = [f for f in ex.findings if f.code == "explanation-too-many"]
    assert f"只读取了前 {MAX_EXPLANATIONS} 条" in too_many.message
    assert not [f for f in ex.findings if f.code == "sheet-extra"]
