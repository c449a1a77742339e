"""Issue 15 with issue 14: what ``ogi-xlsx publish`` writes, ``ogi-xlsx import`` reads back with
the same values (Word and web page, the tables alone and the whole draft, both formats)."""

from __future__ import annotations

from pathlib import Path

import published as P
import pytest
from typer.testing import CliRunner

from ogi_xlsx.cli.main import app
from ogi_xlsx.importer import import_report
from ogi_xlsx.model.document import ReturnDocument
from ogi_xlsx.pipeline.check import check_file

runner = CliRunner()
UNIT = "泉州市鲤城区海滨街道办事处"


def published(tmp_path: Path, year: int, suffix: str, *, draft: bool) -> tuple[Path, dict]:
    spec = P.spec_of(year)
    values = P.sample_values(spec, year)
    doc = ReturnDocument(
        spec.id,
        year,
        "350502001",
        UNIT,
        values,
        cover={"preparer": "张三", "phone": "0595-22393481", "reviewer": "李四", "date": f"{year + 1}-01-10"},
    )
    source = tmp_path / f"return-{year}.json"
    source.write_text(doc.dumps(), encoding="utf-8")
    out = tmp_path / f"report-{year}{'-draft' if draft else ''}{suffix}"
    result = runner.invoke(app, ["publish", str(source), "-o", str(out), *(["--draft"] if draft else [])])
    assert result.exit_code == 0, result.output
    return out, values


@pytest.mark.parametrize("year", [2020, 2023])
@pytest.mark.parametrize("suffix", [".docx", ".html"])
@pytest.mark.parametrize("draft", [False, True], ids=["tables", "draft"])
def test_publish_then_import_gives_the_same_values(tmp_path, year, suffix, draft):
    path, values = published(tmp_path, year, suffix, draft=draft)
    result = import_report(path)
    doc = result.document
    assert doc is not None, [f.message for f in result.findings]
    assert doc.values == values
    assert (doc.year, doc.unit_name, doc.format) == (year, UNIT, P.spec_of(year).id)
    assert result.cells_missing == 0 and not result.rows_missing
    # the draft's text restates the tables: the two helpers' outputs agree with each other
    assert "narrative-mismatch" not in {f.code for f in result.findings}
    assert check_file(path).valid


@pytest.mark.slow
@pytest.mark.libreoffice
def test_publish_as_word_then_pdf_then_import(tmp_path, libreoffice):
    path, values = published(tmp_path, 2023, ".docx", draft=True)
    (pdf,) = P.docx_to_pdf([path], tmp_path)
    result = import_report(pdf)
    assert result.kind == "pdf" and result.document.values == values
    assert "narrative-mismatch" not in {f.code for f in result.findings}
