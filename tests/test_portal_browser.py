"""The whole job in a real browser (Playwright driving Debian's Chromium): the office creates a collection,
three units download templates and upload returns (one with an error, then corrected), the office sends one
back, accepts the others and downloads the summary, which ``ogi-xlsx validate`` judges valid.

Screenshots (dashboard, a unit page with findings, the 催报 list) are written to the test's folder, and to
``docs/`` when ``OGI_PORTAL_SCREENSHOTS=docs`` is set (how the README's pictures are made).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import portal_kit as K
import pytest

from ogi_xlsx import api
from ogi_xlsx.portal.store import Store

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
UNITS = {
    "LC001": "鲤城区人民政府临江街道办事处",
    "LC002": "鲤城区人民政府海滨街道办事处",
    "LC003": "鲤城区人民政府开元街道办事处",
}


@pytest.fixture(scope="module")
def chromium_path():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (.ci installs chromium and fonts-noto-cjk)")
        pytest.skip("Chromium not installed (runs in CI)")
    return CHROMIUM


def shot(page, tmp_path: Path, name: str) -> None:
    target = tmp_path / f"portal-{name}.png"
    page.screenshot(path=str(target), full_page=True)
    if os.environ.get("OGI_PORTAL_SCREENSHOTS") == "docs":
        shutil.copyfile(target, ROOT / "docs" / target.name)


@pytest.mark.slow
@pytest.mark.chromium
def test_the_whole_job_in_chromium(chromium_path, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    data = tmp_path / "data"
    Store(data).set_password(K.PASSWORD)
    roster = tmp_path / "名单.csv"
    roster.write_text("单位代码,单位名称\n" + "".join(f"{c},{n}\n" for c, n in UNITS.items()), encoding="utf-8")
    files = tmp_path / "files"
    files.mkdir()

    with K.LiveServer(data) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path)
        office = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True).new_page()

        # the office logs in and creates the collection from the roster file
        office.goto(f"{url}/office")
        office.fill("input[name=password]", K.PASSWORD)
        office.click("button:has-text('登录')")
        office.fill("input[name=year]", str(K.YEAR))
        office.fill("input[name=title]", "鲤城区 2024 年度政府信息公开工作年度报告统计表")
        office.fill("input[name=deadline]", "2099-01-20")
        office.fill("input[name=district_name]", "泉州市鲤城区")
        office.fill("input[name=district_code]", "350502")
        office.set_input_files("input[name=roster]", str(roster))
        office.click("button:has-text('建立')")
        expect(office.locator("[data-count='应报']")).to_have_text("3")
        dashboard = office.url

        links = {}
        for code in UNITS:
            office.goto(f"{dashboard}/u/{code}")
            links[code] = office.input_value("#unit-link")
            assert links[code].startswith(f"{url}/u/")

        # three units open their links, download their templates and upload filled returns
        unit_pages = {}
        for i, (code, name) in enumerate(UNITS.items()):
            page = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True).new_page()
            page.goto(links[code])
            expect(page.locator("h1")).to_have_text(name)
            with page.expect_download() as got:
                page.click("#template")
            template = files / f"{code}-template.xlsx"
            got.value.save_as(template)
            report = api.check_file(template)
            assert report.unit_code == code and report.year == K.YEAR
            unit_pages[code] = (page, template, i)

        page, template, _ = unit_pages["LC001"]
        wrong = K.fill_template(template, files / "LC001-wrong.xlsx", "LC001", negative=True)
        page.set_input_files("input[name=file]", str(wrong))
        page.click("button:has-text('上传并审核')")
        expect(page.locator("#verdict h2")).to_contain_text("待补正")
        expect(page.locator("#verdict")).to_contain_text("数量不能为负数")
        shot(page, tmp_path, "unit-findings")
        with page.expect_download() as got:
            page.click("text=下载批注副本")
        got.value.save_as(files / "annotated.xlsx")
        from openpyxl import load_workbook

        assert "审核结果" in load_workbook(files / "annotated.xlsx").sheetnames

        filled = {}
        for code, (page, template, i) in unit_pages.items():
            filled[code] = K.fill_template(template, files / f"{code}.xlsx", code, bump=i + 1)
            page.set_input_files("input[name=file]", str(filled[code]))
            page.click("button:has-text('上传并审核')")
            expect(page.locator("#verdict h2")).to_contain_text("通过")
        expect(unit_pages["LC001"][0].locator("#history tbody tr")).to_have_count(2)

        # the office sends LC002 back and accepts the others
        office.goto(f"{dashboard}/u/LC002")
        office.fill("textarea[name=comment]", "第三项“本年新收”与台账不符，请核对后重新上传。")
        office.click("#return")
        expect(office.locator("#status")).to_have_text("已退回")
        for code in ("LC001", "LC003"):
            office.goto(f"{dashboard}/u/{code}")
            office.click("#accept")
            expect(office.locator("#status")).to_have_text("已确认")
        unit2 = unit_pages["LC002"][0]
        unit2.reload()
        expect(unit2.locator("#status")).to_have_text("已退回")
        expect(unit2.locator("#comment")).to_contain_text("与台账不符")

        office.goto(dashboard)
        expect(office.locator("[data-count='通过']")).to_have_text("2")
        expect(office.locator("[data-count='已退回']")).to_have_text("1")
        shot(office, tmp_path, "dashboard")
        with office.expect_download() as got:
            office.click("text=汇总表（.xlsx）")
        summary = files / "汇总表.xlsx"
        got.value.save_as(summary)
        with office.expect_download() as got:
            office.click("text=年度报告草稿（Word）")
        assert got.value.suggested_filename.endswith(".docx")
        got.value.save_as(files / "草稿.docx")
        from docx import Document

        draft_text = "\n".join(p.text for p in Document(files / "草稿.docx").paragraphs)
        assert "泉州市鲤城区" in draft_text and "海滨街道办事处" in draft_text  # named as not summed
        assert "由2个单位" in draft_text.replace(" ", "")

        office.goto(f"{dashboard}/reminders")
        expect(office.locator("#reminders tbody tr")).to_have_count(1)
        expect(office.locator("#reminders")).to_contain_text(links["LC002"])
        office.click("button[data-copy]")
        expect(office.locator("button[data-copy]")).to_have_text("已复制")
        shot(office, tmp_path, "reminders")
        browser.close()

    # the summary is valid for `ogi-xlsx validate` and sums LC001 and LC003 (LC002 was sent back)
    proc = subprocess.run(
        [sys.executable, "-m", "ogi_xlsx", "validate", str(summary), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert json.loads(proc.stdout)
    summed = K.input_values(summary)
    one, three = K.input_values(filled["LC001"]), K.input_values(filled["LC003"])
    for cell in api.format_for_year(K.YEAR).input_ids:
        assert (summed.get(cell) or 0) == (one.get(cell) or 0) + (three.get(cell) or 0), cell
