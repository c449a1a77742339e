"""Issue 15: PDFs made by LibreOffice Writer from .docx reports (real page breaks, tables split
across pages, PDF text quirks), read back with pdfplumber."""

from __future__ import annotations

import published as P
import pytest

from ogi_xlsx.importer import import_report
from ogi_xlsx.importer.pdf_source import read_pdf
from ogi_xlsx.importer.reader import read_tables
from ogi_xlsx.pipeline.check import check_file

pytestmark = [pytest.mark.slow, pytest.mark.libreoffice]


@pytest.fixture(scope="module")
def pdfs(libreoffice, tmp_path_factory):
    """Two reports as PDF: a 2023 one with the 2019 （六） row and pages of text before the tables,
    and a 2020 one with a wrong printed total and a text that contradicts table 三."""
    folder = tmp_path_factory.mktemp("pdf")
    spec21, spec19 = P.spec_of(2023), P.spec_of(2020)
    v21, v19 = P.sample_values(spec21, 3), P.sample_values(spec19, 5)
    wrong = v19["t3.r_open.c_total"] + 3
    claimed = v19["t3.r_new.c_total"] + 7
    docs = [
        P.to_docx(
            P.report_parts(spec21, 2023, "泉州市鲤城区海滨街道办事处", v21, filler=12, other_2019=True),
            folder / "haibin-2023.docx",
            repeat_header=True,
        ),
        P.to_docx(
            P.report_parts(
                spec19,
                2020,
                "鲤城区人民政府临江街道办事处",
                v19,
                printed={"t3.r_open.c_total": str(wrong)},
                overview=f"本年度共收到政府信息公开申请 {claimed} 件。",
                filler=3,
                t4_single_row=False,
            ),
            folder / "linjiang-2020.docx",
        ),
    ]
    v22 = P.sample_values(spec21, 8)
    docs.append(
        P.to_docx(
            P.report_parts(spec21, 2022, "某某街道办事处", v22, printed={"t3.r_open.c_research": ""}),
            folder / "unruled-2022.docx",
            ruled=False,
        )
    )
    out = P.docx_to_pdf(docs, folder)
    return {"2023": (out[0], v21), "2020": (out[1], v19, wrong, claimed), "unruled": (out[2], v22)}


def test_a_2021_report_with_the_2019_other_row(pdfs):
    path, values = pdfs["2023"]
    result = import_report(path)
    doc = result.document
    assert result.kind == "pdf" and doc.format == "ogi-2021" and doc.unit_name == "泉州市鲤城区海滨街道办事处"
    expected = dict(values)
    for col in ("c_natural", "c_commercial", "c_research", "c_social", "c_legal", "c_other", "c_total"):
        expected[f"t3.r_other_nocorrect.{col}"] = expected[f"t3.r_other_nofee.{col}"] = None
    assert doc.values == expected
    assert any(f.code == "import-format-mixed" and f.severity == "info" for f in result.findings)
    # the 1、2 rows the report does not have: said once, not as one "未填写" warning per cell
    report = check_file(path)
    assert not [f for f in report.findings if f.code == "value-blank" and "r_other_no" in f.cell_ids[0]]
    assert all("页" in where for where in result.tables.values())


def test_table_three_runs_over_a_page_break(pdfs):
    path, _ = pdfs["2023"]
    reading = read_tables(read_pdf(path))
    pages = {where.split("页")[0] for row, where in reading.rows.items() if row.startswith("t3.")}
    assert len(pages) >= 2, reading.rows  # the test is about a split table: make sure it is split
    assert not reading.unplaced and not reading.duplicates
    # LibreOffice repeated the header rows on the next page (the rows that name 申请人情况)
    source = read_pdf(path)
    headers = [r for r in source.items if hasattr(r, "cells") and any("申请人情况" in t for t, _ in r.cells)]
    assert len({h.where.split("页")[0] for h in headers}) >= 2


def test_a_published_pdf_with_a_broken_sum_and_a_contradicting_text(pdfs):
    path, values, wrong, claimed = pdfs["2020"]
    result = import_report(path)
    assert result.document.values["t3.r_open.c_total"] == wrong
    assert {k: v for k, v in result.document.values.items() if k != "t3.r_open.c_total"} == {
        k: v for k, v in values.items() if k != "t3.r_open.c_total"
    }
    text = [f for f in result.findings if f.code == "narrative-mismatch"]
    assert text and f"收到申请 {claimed} 件" in text[0].message
    report = check_file(path)
    broken = [f for f in report.findings if f.code == "sum-mismatch" and "t3.r_open.c_total" in f.cell_ids]
    assert broken and broken[0].rule and str(wrong) in broken[0].message


def test_tables_without_rules_are_read_from_the_text(pdfs):
    """No ruled table for pdfplumber: rows come from the text lines, labels broken over lines and
    side by side are put together; the row whose blank cell vanished is reported, not shifted."""
    path, values = pdfs["unruled"]
    result = import_report(path)
    doc = result.document
    open_row = [
        f"t3.r_open.{c}"
        for c in ("c_natural", "c_commercial", "c_research", "c_social", "c_legal", "c_other", "c_total")
    ]
    assert all(doc.values[c] is None for c in open_row)
    assert {k: v for k, v in doc.values.items() if k not in open_row} == {
        k: v for k, v in values.items() if k not in open_row
    }
    unplaced = [f for f in result.findings if f.code == "import-row-unplaced"]
    assert len(unplaced) == 1 and "予以公开" in unplaced[0].message and "少" in unplaced[0].message
