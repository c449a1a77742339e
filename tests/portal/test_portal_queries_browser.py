"""Queries (核实项) answered in a real browser (Playwright driving Debian's Chromium): the office creates a
collection with pasted settings, a unit uploads a return with an implausible figure, answers its queries
in the page (boilerplate refused, a reason taken), the office rejects one explanation with a reason, the
unit answers again, the office accepts and the summary lists the explanations.

Screenshots go to the test's folder, and to ``docs/`` with ``OGI_PORTAL_SCREENSHOTS=docs``.
"""

from __future__ import annotations

from pathlib import Path

import portal_kit as K
import pytest
from test_portal_browser import chromium_path, shot  # noqa: F401  (the fixture and the screenshot helper)

from ogi_xlsx.portal.store import Store

UNITS = {"LC001": "鲤城区人民政府临江街道办事处", "LC002": "鲤城区人民政府海滨街道办事处"}
REASON_1 = "本年辖区内一家物流企业就两万余件货运车辆登记信息逐件提出申请，均已登记办理"
REASON_2 = "两万件批量申请于12月下旬收到，依条例第三十三条延期答复，结转下年度继续办理"
BETTER = "两万件批量申请于12月28日收到，依条例第三十三条延期答复并书面告知申请人，已于次年1月办结"


@pytest.mark.slow
@pytest.mark.chromium
def test_a_unit_answers_queries_and_the_office_rejects_then_accepts(chromium_path, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    data = tmp_path / "data"
    Store(data).set_password(K.PASSWORD)
    files = tmp_path / "files"
    files.mkdir()

    with K.LiveServer(data) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path)
        office = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True).new_page()
        office.goto(f"{url}/office")
        office.fill("input[name=password]", K.PASSWORD)
        office.click("button:has-text('登录')")
        office.fill("input[name=year]", str(K.YEAR))
        office.fill("input[name=title]", "鲤城区 2024 年度政府信息公开工作年度报告统计表")
        office.fill("input[name=district_name]", "泉州市鲤城区")
        office.fill("textarea[name=roster_text]", "\n".join(f"{c}\t{n}" for c, n in UNITS.items()))
        # the office's settings, pasted: the fee rule off (this district charges no fees)
        office.fill("textarea[name=settings_text]", '[rules.P5_t2_fee_yuan]\nenabled = false\nreason = "本区不收费"')
        office.click("button:has-text('建立')")
        expect(office.locator("#settings-text")).to_contain_text("P5_t2_fee_yuan")
        dashboard = office.url
        office.goto(f"{dashboard}/u/LC001")
        link = office.input_value("#unit-link")

        unit = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True).new_page()
        unit.goto(link)
        with unit.expect_download() as got:
            unit.click("#template")
        template = files / "template.xlsx"
        got.value.save_as(template)
        filled = K.fill_template(template, files / "LC001.xlsx", "LC001", bump=20000)
        unit.set_input_files("input[name=file]", str(filled))
        unit.click("button:has-text('上传并审核')")
        expect(unit.locator("#verdict h2")).to_contain_text("待补正")
        queries = unit.locator("#queries fieldset.query")
        expect(queries).to_have_count(2)
        expect(unit.locator("#queries")).to_contain_text("好的说明写明原因，例如")

        # boilerplate is refused with the guidance; reasons are taken and the return passes
        boxes = unit.locator("#queries textarea")
        boxes.nth(0).fill("经核实，数据无误")
        boxes.nth(1).fill(REASON_2)
        unit.click("#save-answers")
        expect(unit.locator("#saved")).to_contain_text("已保存 2 条说明")
        expect(queries.nth(0)).to_contain_text("没有说明原因")
        expect(unit.locator("#status")).to_have_text("待补正")
        unit.locator("#queries textarea").nth(0).fill(REASON_1)
        unit.click("#save-answers")
        expect(unit.locator("#status")).to_have_text("通过")
        expect(unit.locator("#queries .q-ok")).to_have_count(2)
        unit.locator("#queries").scroll_into_view_if_needed()
        shot(unit, tmp_path, "unit-queries")

        # the office reads the explanations and sends one back with a reason
        office.goto(f"{dashboard}/u/LC001")
        expect(office.locator("#explanations")).to_contain_text(REASON_1)
        expect(office.locator("#explanations")).to_contain_text("来源：网页填写")
        row = office.locator("#explanations tbody tr", has_text="J30")
        row.locator("textarea[name=reason]").fill("请写明延期答复的日期和告知申请人的方式")
        row.locator("button.reject-explanation").click()
        expect(office.locator("#status")).to_have_text("待补正")
        expect(office.locator("#explanations")).to_contain_text("已退回")
        shot(office, tmp_path, "office-explanations")

        # the unit sees the reason and answers again; the office accepts
        unit.reload()
        expect(unit.locator("#queries .rejection")).to_contain_text("告知申请人的方式")
        expect(unit.locator("#status")).to_have_text("待补正")
        open_box = unit.locator("#queries fieldset.q-open textarea")
        open_box.fill(BETTER)
        unit.click("#save-answers")
        expect(unit.locator("#status")).to_have_text("通过")
        office.reload()
        office.click("#accept")
        expect(office.locator("#status")).to_have_text("已确认")

        office.goto(dashboard)
        with office.expect_download() as got:
            office.click("text=汇总表（.xlsx）")
        summary = files / "汇总表.xlsx"
        got.value.save_as(summary)
        browser.close()

    from openpyxl import load_workbook

    cells = [str(c.value) for row in load_workbook(summary)["报送情况"].iter_rows() for c in row if c.value]
    assert any(REASON_1 in c for c in cells) and any(BETTER in c for c in cells)
    assert not any(REASON_2 in c for c in cells)  # the rejected explanation is not the unit's answer
    assert Path(tmp_path / "portal-unit-queries.png").stat().st_size > 10_000
