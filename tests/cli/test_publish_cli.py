"""``ogi-xlsx publish`` on the command line, the .docx in LibreOffice, and the demo's draft report."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from publish.test_publish import EXAMPLES, SEED, docx_grids, find_values, html_grids, make_doc
from typer.testing import CliRunner

from ogi_xlsx import api
from ogi_xlsx.cli.main import app
from ogi_xlsx.model.spec import load_format

runner = CliRunner()
HAIBIN = EXAMPLES / "haibin-2024.json"


def run(*args: str):
    return runner.invoke(app, ["publish", *map(str, args)])


@pytest.mark.parametrize("suffix", [".docx", ".html"])
def test_publish_writes_the_tables_or_the_draft(tmp_path, suffix):
    tables, draft = tmp_path / f"t{suffix}", tmp_path / f"d{suffix}"
    assert run(HAIBIN, "-o", tables).exit_code == 0
    result = run(HAIBIN, "-o", draft, "--draft")
    assert result.exit_code == 0, result.output
    assert "已生成年度报告草稿" in result.output
    read = docx_grids if suffix == ".docx" else (lambda data: html_grids(data.decode("utf-8")))
    doc = api.check_file(HAIBIN).document
    for path in (tables, draft):
        found = find_values(read(path.read_bytes()), load_format("ogi-2021"))
        assert found["t3.r_new.c_total"] == str(doc.values["t3.r_new.c_total"])
    if suffix == ".docx":
        from docx import Document

        text = "\n".join(p.text for p in Document(str(draft)).paragraphs)
    else:
        text = draft.read_text(encoding="utf-8")
    assert "【请填写：" in text and "一、总体情况" in text
    assert draft.stat().st_size > tables.stat().st_size


def test_existing_output_needs_force_and_the_input_is_never_overwritten(tmp_path):
    source = tmp_path / "r.json"
    shutil.copy(HAIBIN, source)
    out = tmp_path / "r.html"
    out.write_text("old", encoding="utf-8")
    result = run(source, "-o", out)
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "old"
    assert run(source, "-o", out, "--force").exit_code == 0
    assert out.read_text(encoding="utf-8") != "old"
    before = source.read_bytes()
    same = tmp_path / "copy.html"
    shutil.copy(out, same)
    # the input itself as the output, with or without --force: refused
    for extra in ([], ["--force"]):
        result = run(same, "-o", same, *extra)
        assert result.exit_code == 2, result.output
    assert source.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json", "-o", "x.docx"], "找不到"),
        ([str(HAIBIN), "-o", "x.pdf"], "应以 .docx 或 .html 结尾"),
        ([str(HAIBIN), "-o", "no-such-folder/x.docx"], "不存在"),
    ],
)
def test_usage_errors_are_chinese_with_exit_2(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_return_with_errors_is_refused_with_its_findings_unless_allowed(tmp_path):
    doc = make_doc("ogi-2021")
    doc.values["t4.r_review.c_upheld"] += 1  # 复议 总计 no longer adds up
    source = tmp_path / "bad.json"
    source.write_text(doc.dumps(), encoding="utf-8")
    out = tmp_path / "bad.docx"
    result = run(source, "-o", out)
    assert result.exit_code == 1
    assert "未通过审核" in result.output and "表四" in result.output  # the finding itself is listed
    assert not out.exists()
    result = run(source, "-o", out, "--allow-errors", "--draft")
    assert result.exit_code == 0, result.output
    assert "未通过审核" in result.output
    from docx import Document

    assert "未通过审核" in Document(str(out)).sections[0].header.paragraphs[0].text


def test_an_unreadable_return_is_refused_even_with_allow_errors(tmp_path):
    result = run(EXAMPLES / "kaiyuan-2024-with-errors.json", "-o", tmp_path / "k.html", "--allow-errors")
    assert result.exit_code == 1
    assert "无法完整读出" in result.output
    assert not (tmp_path / "k.html").exists()


def test_publish_help_is_chinese():
    result = runner.invoke(app, ["publish", "--help"])
    assert result.exit_code == 0
    assert "--draft" in result.output and "--allow-errors" in result.output


# --------------------------------------------------------------------------- LibreOffice


def _soffice_pdf(docx: Path, outdir: Path) -> Path:
    """Convert with LibreOffice Writer headless, in a private profile (parallel runs collide otherwise)."""
    from lo import soffice_path

    with tempfile.TemporaryDirectory(prefix="ogi-lo-profile-") as profile:
        subprocess.run(
            [
                soffice_path(),
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(docx),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    pdf = outdir / f"{docx.stem}.pdf"
    assert pdf.is_file()
    return pdf


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["ogi-2019", "ogi-2021"])
def test_libreoffice_converts_the_draft_to_pdf_without_loss(libreoffice, tmp_path, fmt):
    import pdfplumber

    doc = make_doc(fmt)
    docx = tmp_path / "draft.docx"
    api.publish(doc, docx, draft=True)
    pdf = _soffice_pdf(docx, tmp_path)
    with pdfplumber.open(pdf) as document:
        pages = document.pages
        sizes = {(round(p.width), round(p.height)) for p in pages}
        text = "\n".join(p.extract_text() or "" for p in pages)
    assert sizes == {(595, 842), (842, 595)}  # A4 portrait and the landscape pages of 三 and 四
    flat = "".join(text.split())
    for title in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "五、存在的主要问题及改进情况",
    ):
        assert title in flat
    # every value of every table reaches the PDF (the test data makes them distinct numbers)
    tokens = set(text.split())
    spec = load_format(fmt)
    from ogi_xlsx.publish.tables import format_value

    missing = [cid for cid in spec.cell_ids if format_value(doc.values[cid]) not in tokens]
    assert not missing, missing
    for label in ("申请人情况", "法人或其他组织", "未经复议直接起诉", "复议后起诉", "行政复议", "行政诉讼"):
        assert label in flat


# --------------------------------------------------------------------------- the demo


@pytest.mark.slow
def test_the_demo_writes_the_districts_draft_report(tmp_path):
    from ogi_xlsx.demo import DRAFT_STEM, run_demo

    out = tmp_path / "demo"
    assert run_demo(out, echo=lambda _line: None)
    docx, html = out / f"{DRAFT_STEM}.docx", out / f"{DRAFT_STEM}.html"
    first = (docx.read_bytes(), html.read_bytes())
    summary = api.check_file(out / "汇总表.json").document
    found = find_values(html_grids(first[1].decode("utf-8")), summary.spec)
    assert found["t3.r_done_total.c_total"] == str(summary.values["t3.r_done_total.c_total"])
    text = first[1].decode("utf-8")
    assert "泉州市鲤城区" in text and "鲤城区人民政府江南街道办事处（未报送）" in text
    assert run_demo(out, echo=lambda _line: None)  # a rerun regenerates the same bytes
    assert (docx.read_bytes(), html.read_bytes()) == first


def test_seed_publishes_from_the_cli(tmp_path):
    out = tmp_path / "seed.html"
    assert run(SEED, "-o", out).exit_code == 0
    assert "采购总金额（单位：元）" in out.read_text(encoding="utf-8")
    assert os.path.getsize(out) > 0
