"""Issue 11, the January inbox, end to end through the CLI: summaries among the returns, annotated
copies mailed back, files that are not returns, .zip attachments, re-saved duplicates, rosters
from Windows editors."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ogi_xlsx.checks.rules import with_totals
from ogi_xlsx.cli.main import app
from ogi_xlsx.model.document import document_from_json, loads

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
VALID = ("LC001", "LC002", "LC004", "LC005")
runner = CliRunner()


def demo_doc(code: str):
    return document_from_json(loads((DEMO / "returns" / f"{code}.json").read_text(encoding="utf-8")))


def write_return(path: Path, doc) -> Path:
    from ogi_xlsx.writing.template import write_return as write

    write(doc, path)
    return path


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def independent_sum(docs) -> dict:
    """Input cells summed by hand over the units that should count (blank = 0), totals recomputed."""
    spec = docs[0].spec
    return with_totals(spec, {cid: sum((d.values.get(cid) or 0) for d in docs) for cid in spec.input_ids})


def summary_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def statuses(data: dict) -> dict[str, str]:
    return {u["code"]: u["status"] for u in data["units"] if u["code"]}


def set_mtime(path: Path, when: float) -> None:
    os.utime(path, (when, when))


@pytest.fixture(scope="module")
def valid_returns(tmp_path_factory) -> Path:
    """The four valid demo returns, written once as workbooks."""
    folder = tmp_path_factory.mktemp("valid")
    for code in VALID:
        write_return(folder / f"{code}.xlsx", demo_doc(code))
    return folder


def copy_returns(source: Path, target: Path, codes=VALID) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for code in codes:
        shutil.copy2(source / f"{code}.xlsx", target / f"{code}.xlsx")
    return target


# --------------------------------------------------------------------------- point 1


@pytest.mark.slow
def test_an_earlier_summary_in_the_returns_folder_is_never_summed_as_a_unit(valid_returns, tmp_path):
    returns = copy_returns(valid_returns, tmp_path / "returns")
    # first run: no --unit-code, output inside the returns folder (code SUMMARY)
    first = invoke("merge", returns, "-o", returns / "汇总表.xlsx")
    assert first.exit_code == 0, first.output
    # second run with the district's code and no roster: the first summary lies among the returns
    out, js = tmp_path / "second.xlsx", tmp_path / "second.json"
    second = invoke("merge", returns, "--unit-code", "350502", "--unit-name", "鲤城区", "-o", out, "--json", js)
    assert second.exit_code == 0, second.output  # the excluded summary does not make it incomplete
    assert "未计入 1 个汇总表" in second.output and "汇总表.xlsx" in second.output
    assert "汇总完整" in second.output
    data = summary_json(js)
    assert statuses(data) == dict.fromkeys(VALID, "merged")
    assert [Path(e["path"]).name for e in data["consolidation"]["excluded"]] == ["汇总表.xlsx"]
    summed = document_from_json(loads(json.dumps(data)))
    assert summed.values == independent_sum([demo_doc(c) for c in VALID])
    # the 报送情况 sheet lists it too
    import openpyxl

    ws = openpyxl.load_workbook(out, read_only=True)["报送情况"]
    rows = [[str(v) for v in row if v is not None] for row in ws.iter_rows(values_only=True)]
    assert any("汇总表（未计入）" in row and any(v.endswith("汇总表.xlsx") for v in row) for row in rows)
    # validate --roster: the summary is said to be one, not an error of a unit missing from the roster
    roster = tmp_path / "roster.csv"
    wanted = ("单位代码", *VALID)
    lines = [line for line in (DEMO / "roster.csv").read_text("utf-8-sig").splitlines() if line.startswith(wanted)]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked = invoke("validate", returns, "--roster", roster)
    assert checked.exit_code == 0, checked.output
    assert "汇总表.xlsx 是汇总表，不是单位报表" in checked.output


@pytest.mark.slow
def test_summaries_alone_are_merged_one_level_up_and_include_summaries_is_explicit(valid_returns, tmp_path):
    district_a = copy_returns(valid_returns, tmp_path / "a", ("LC001", "LC002"))
    district_b = copy_returns(valid_returns, tmp_path / "b", ("LC004", "LC005"))
    city = tmp_path / "city"
    city.mkdir()
    assert (
        invoke("merge", district_a, "--unit-code", "D1", "--unit-name", "甲区", "-o", city / "D1.xlsx").exit_code == 0
    )
    assert (
        invoke("merge", district_b, "--unit-code", "D2", "--unit-name", "乙区", "-o", city / "D2.xlsx").exit_code == 0
    )
    js = tmp_path / "city.json"
    result = invoke("merge", city, "--unit-code", "C", "--unit-name", "市", "-o", tmp_path / "city.xlsx", "--json", js)
    assert result.exit_code == 0, result.output
    assert statuses(summary_json(js)) == {"D1": "merged", "D2": "merged"}
    assert document_from_json(loads(js.read_text(encoding="utf-8"))).values == independent_sum(
        [demo_doc(c) for c in VALID]
    )
    # a summary beside returns is counted only when asked explicitly
    mixed = copy_returns(valid_returns, tmp_path / "mixed", ("LC001",))
    shutil.copy2(city / "D2.xlsx", mixed / "D2.xlsx")
    js2 = tmp_path / "mixed.json"
    asked = invoke("merge", mixed, "--include-summaries", "--unit-code", "C", "-o", tmp_path / "m.xlsx", "--json", js2)
    assert asked.exit_code == 0, asked.output
    assert statuses(summary_json(js2)) == {"D2": "merged", "LC001": "merged"}


# --------------------------------------------------------------------------- point 2


@pytest.mark.slow
def test_a_corrected_annotated_copy_is_read_and_newest_valid_takes_it(tmp_path):
    import openpyxl

    returns = tmp_path / "returns"
    returns.mkdir()
    good = demo_doc("LC001")
    cell_id = next(c for c in good.spec.input_ids if isinstance(good.values.get(c), int) and good.values[c] > 0)
    bad = replace(good, values={**good.values, cell_id: -good.values[cell_id]})
    original = write_return(returns / "LC001.xlsx", bad)
    set_mtime(original, 1_736_300_000)
    checked = invoke("validate", returns, "--json")
    finding = next(f for f in json.loads(checked.stdout)["files"][0]["findings"] if f["code"] == "value-negative")
    sent = tmp_path / "sent"
    assert invoke("validate", returns, "--annotate", sent).exit_code == 1
    (copy,) = sent.glob("*_审核结果.xlsx")
    # the clerk corrects the cell in the annotated copy and mails it back under that name
    wb = openpyxl.load_workbook(copy)
    wb[finding["sheet"]][finding["cell"]] = good.values[cell_id]
    mailed = tmp_path / "mailed"
    mailed.mkdir()
    wb.save(mailed / copy.name)
    set_mtime(mailed / copy.name, 1_736_400_000)

    alone = invoke("validate", mailed)
    assert alone.exit_code == 0, alone.output
    assert "审核结果" not in alone.output.split("\n", 1)[1]  # its 审核结果 sheet is ours: no finding about it

    shutil.copy2(mailed / copy.name, returns / copy.name)
    default = invoke("merge", returns, "--unit-code", "D", "-o", tmp_path / "a.xlsx")
    assert default.exit_code == 1
    assert "LC001.xlsx" in default.output and copy.name in default.output and "--prefer newest-valid" in default.output
    js = tmp_path / "b.json"
    chosen = invoke("merge", returns, "--prefer", "newest-valid", "--unit-code", "D", "-o", tmp_path / "b.xlsx", "--json", js)  # fmt: skip
    assert chosen.exit_code == 0, chosen.output
    assert f"采用通过审核的最新文件 {copy.name}" in chosen.output
    unit = summary_json(js)["units"][0]
    assert (unit["status"], Path(unit["path"]).name) == ("merged", copy.name)
    assert document_from_json(loads(js.read_text(encoding="utf-8"))).values == independent_sum([good])


# --------------------------------------------------------------------------- point 3


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_every_file_is_accounted_for_and_zip_attachments_are_read(valid_returns, tmp_path):
    inbox = copy_returns(valid_returns, tmp_path / "inbox", ("LC001", "LC004"))
    (inbox / "LC002_海滨街道年度报告.pdf").write_bytes(b"%PDF-1.4 published report")
    (inbox / "名单.csv").write_text("单位代码,单位名称\n", encoding="utf-8")
    (inbox / "LC004.xlsx.bak").write_bytes(b"old")
    lc005 = (valid_returns / "LC005.xlsx").read_bytes()
    _zip(inbox / "附件.zip", {"LC005.xlsx": lc005, "说明.txt": "见附件".encode(), "../../逃逸.xlsx": lc005})

    checked = invoke("validate", inbox, "--json")
    data = json.loads(checked.stdout)
    skipped = {Path(s["path"]).name: s["reason"] for s in data["skipped"]}
    assert set(skipped) == {"LC002_海滨街道年度报告.pdf", "名单.csv", "LC004.xlsx.bak", "附件.zip!说明.txt"}
    assert "PDF" in skipped["LC002_海滨街道年度报告.pdf"] and "--roster" in skipped["名单.csv"]
    read = {f["path"].split(str(inbox), 1)[1]: f["valid"] for f in data["files"]}
    assert read["/附件.zip!LC005.xlsx"] is True
    # a member's name is only a label: nothing was written outside (or inside) the inbox
    assert not (tmp_path / "逃逸.xlsx").exists() and not (inbox.parent.parent / "逃逸.xlsx").exists()
    text = invoke("validate", inbox)
    assert "跳过 4 个文件" in text.output and "LC002_海滨街道年度报告.pdf" in text.output

    roster = tmp_path / "roster.csv"
    shutil.copy(DEMO / "roster.csv", roster)
    js = tmp_path / "s.json"
    merged = invoke("merge", inbox, "--roster", roster, "-o", tmp_path / "s.xlsx", "--json", js, "--unit-code", "D")
    assert merged.exit_code == 1  # units are missing
    units = {u["code"]: u for u in summary_json(js)["units"] if u["code"]}
    assert units["LC002"]["status"] == "missing"
    assert units["LC002"]["label"] == "未报送（收到了无法读取的文件 LC002_海滨街道年度报告.pdf）"
    assert "未报送（收到了无法读取的文件 LC002_海滨街道年度报告.pdf）" in merged.output
    assert units["LC005"]["status"] in ("merged", "duplicate") and "附件.zip!" in units["LC005"]["path"]
    assert len(summary_json(js)["consolidation"]["skipped"]) == 4
    # the API takes the discovered files, archive members included, as they are
    from ogi_xlsx import api

    found = api.discover([inbox])
    reports = api.check_paths(found.files)
    members = sorted(str(r.path).split(str(inbox), 1)[1] for r in reports if "!" in str(r.path))
    assert members == ["/附件.zip!../../逃逸.xlsx", "/附件.zip!LC005.xlsx"]
    assert all(r.valid for r in reports if "!" in str(r.path))
    # validate --roster says the same about the unit
    checked = invoke("validate", inbox, "--roster", roster)
    assert "（收到了无法读取的文件 LC002_海滨街道年度报告.pdf）" in checked.output


def test_a_zip_bomb_or_broken_zip_is_skipped_with_a_reason(valid_returns, tmp_path):
    inbox = copy_returns(valid_returns, tmp_path / "inbox", ("LC001",))
    _zip(inbox / "bomb.zip", {"LC002.xlsx": b"\0" * (30 << 20)})
    (inbox / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    data = json.loads(invoke("validate", inbox, "--json").stdout)
    reasons = {Path(s["path"]).name: s["reason"] for s in data["skipped"]}
    assert "压缩炸弹" in reasons["bomb.zip"] or "上限" in reasons["bomb.zip"]
    assert "损坏" in reasons["broken.zip"]
    assert [Path(f["path"]).name for f in data["files"]] == ["LC001.xlsx"]


def test_only_unreadable_files_is_a_usage_error_that_lists_them(tmp_path):
    (tmp_path / "报告.pdf").write_bytes(b"%PDF-1.4")
    result = invoke("validate", tmp_path)
    assert result.exit_code == 2
    assert "跳过 1 个文件" in result.output and "报告.pdf" in result.output


# --------------------------------------------------------------------------- point 4


def test_same_data_in_different_bytes_is_a_duplicate_and_a_real_difference_names_both_files(valid_returns, tmp_path):
    returns = copy_returns(valid_returns, tmp_path / "returns", ("LC001",))
    doc = demo_doc("LC001")
    # the same data saved again by another program (openpyxl here): other bytes, same data
    import openpyxl

    openpyxl.load_workbook(returns / "LC001.xlsx").save(returns / "LC001（再次发送）.xlsx")
    assert (returns / "LC001.xlsx").read_bytes() != (returns / "LC001（再次发送）.xlsx").read_bytes()
    js = tmp_path / "a.json"
    same = invoke("merge", returns, "--unit-code", "D", "-o", tmp_path / "a.xlsx", "--json", js)
    assert same.exit_code == 0, same.output
    assert statuses(summary_json(js)) == {"LC001": "duplicate"}

    # a truly different file: conflict by default, naming both files with their times
    changed_id = next(c for c in doc.spec.input_ids if isinstance(doc.values.get(c), int))
    changed = replace(doc, values={**doc.values, changed_id: doc.values[changed_id] + 1})
    (returns / "LC001（再次发送）.xlsx").unlink()
    newer = write_return(returns / "LC001 更正.xlsx", changed)
    set_mtime(returns / "LC001.xlsx", 1_736_300_000)
    set_mtime(newer, 1_736_400_000)
    conflict = invoke("merge", returns, "--unit-code", "D", "-o", tmp_path / "b.xlsx")
    assert conflict.exit_code == 1
    assert "LC001.xlsx（修改于" in conflict.output and "LC001 更正.xlsx（修改于" in conflict.output
    assert "--prefer newest" in conflict.output
    js = tmp_path / "c.json"
    newest = invoke("merge", returns, "--prefer", "newest", "--unit-code", "D", "-o", tmp_path / "c.xlsx", "--json", js)
    assert newest.exit_code == 0, newest.output
    assert "采用修改时间最晚的 LC001 更正.xlsx" in newest.output
    assert document_from_json(loads(js.read_text(encoding="utf-8"))).values == independent_sum([changed])


@pytest.mark.slow
@pytest.mark.libreoffice
def test_a_return_re_saved_in_libreoffice_is_a_duplicate_not_a_conflict(libreoffice, valid_returns, tmp_path):
    returns = copy_returns(valid_returns, tmp_path / "returns", ("LC001", "LC002"))
    (resaved,) = libreoffice.roundtrip([returns / "LC001.xlsx"], tmp_path / "lo")
    assert resaved.read_bytes() != (returns / "LC001.xlsx").read_bytes()
    shutil.copy2(resaved, returns / "LC001 再次发送.xlsx")
    js = tmp_path / "s.json"
    result = invoke("merge", returns, "--unit-code", "D", "-o", tmp_path / "s.xlsx", "--json", js)
    assert result.exit_code == 0, result.output
    assert statuses(summary_json(js)) == {"LC001": "duplicate", "LC002": "merged"}
    assert "数据相同的文件" in result.output
    assert document_from_json(loads(js.read_text(encoding="utf-8"))).values == independent_sum(
        [demo_doc("LC001"), demo_doc("LC002")]
    )


# --------------------------------------------------------------------------- point 5


def _bom_then_gbk(path: Path) -> Path:
    path.write_bytes(b"\xef\xbb\xbf" + "单位代码,单位名称\nLC001,鲤城区人民政府临江街道办事处\n".encode("gbk"))
    return path


def test_a_roster_with_a_bom_and_gbk_text_works_in_template_validate_and_merge(valid_returns, tmp_path):
    roster = _bom_then_gbk(tmp_path / "名单.csv")
    made = invoke("template", "--roster", roster, "-o", tmp_path / "templates", "--year", "2024")
    assert made.exit_code == 0, made.output
    assert [p.name for p in (tmp_path / "templates").glob("*.xlsx")] == ["LC001_鲤城区人民政府临江街道办事处.xlsx"]
    returns = copy_returns(valid_returns, tmp_path / "returns", ("LC001",))
    assert invoke("validate", returns, "--roster", roster).exit_code == 0
    merged = invoke("merge", returns, "--roster", roster, "--unit-code", "D", "-o", tmp_path / "s.xlsx")
    assert merged.exit_code == 0, merged.output


def test_a_utf16_roster_from_excel_works_and_an_undecodable_one_is_a_usage_error(valid_returns, tmp_path):
    returns = copy_returns(valid_returns, tmp_path / "returns", ("LC001",))
    unicode_text = tmp_path / "名单.txt"
    unicode_text.write_bytes("单位代码\t单位名称\r\nLC001\t临江街道\r\n".encode("utf-16"))
    assert invoke("validate", returns, "--roster", unicode_text).exit_code == 0
    broken = tmp_path / "坏名单.csv"
    broken.write_bytes(b"\xef\xbb\xbfcode,name\nLC001,\xff\xfe\xff\n")
    for command in (("validate", returns), ("merge", returns, "-o", tmp_path / "x.xlsx")):
        result = invoke(*command, "--roster", broken)
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
        assert "无法识别文字编码" in result.output and "Traceback" not in result.output
    assert invoke("template", "--roster", broken, "-o", tmp_path / "t").exit_code == 2


def test_roster_hygiene_messages(tmp_path):
    cases = {
        "fullwidth.csv": ("单位代码，单位名称\nLC001，临江\n".encode(), "全角逗号"),
        "dupname.csv": ("单位代码,单位名称\nLC001,临江\nLC002,临江\n".encode(), "单位名称“临江”与第 2 行重复"),
        "case.csv": ("单位代码,单位名称\nLC001,临江\nlc001 ,海滨\n".encode(), "只差大小写或空格"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    cases["renamed.csv"] = (buffer.getvalue(), "扩展名改回 .xlsx")
    for name, (data, expected) in cases.items():
        (tmp_path / name).write_bytes(data)
        result = invoke("template", "--roster", tmp_path / name, "-o", tmp_path / f"out-{name}")
        assert result.exit_code == 2, (name, result.output)
        assert expected in result.output, (name, result.output)


# --------------------------------------------------------------------------- done when: the messy inbox


@pytest.mark.slow
@pytest.mark.libreoffice
def test_a_realistic_messy_inbox(libreoffice, valid_returns, tmp_path):
    """Old summary, annotated copy mailed back corrected, PDF, zip, LibreOffice re-save, corrected
    resubmission, missing units: statuses, skipped files, sums and exit code."""
    import openpyxl

    roster = tmp_path / "roster.csv"
    shutil.copy(DEMO / "roster.csv", roster)
    names = {line.split(",")[0]: line.split(",")[1] for line in roster.read_text("utf-8-sig").splitlines()[1:]}
    inbox = copy_returns(valid_returns, tmp_path / "inbox", ("LC001", "LC002"))
    day = 1_736_300_000
    for path in inbox.iterdir():
        set_mtime(path, day)

    # LC002 re-saved unchanged in LibreOffice and sent again
    (resaved,) = libreoffice.roundtrip([inbox / "LC002.xlsx"], tmp_path / "lo")
    shutil.copy2(resaved, inbox / "LC002（再次发送）.xlsx")

    # LC003 sent a return with an error, got the annotated copy, corrected it there and mailed it back
    base = demo_doc("LC001")
    good3 = replace(base, unit_code="LC003", unit_name=names["LC003"])
    cell_id = next(c for c in base.spec.input_ids if isinstance(base.values.get(c), int) and base.values[c] > 0)
    bad3 = replace(good3, values={**good3.values, cell_id: -good3.values[cell_id]})
    write_return(inbox / "LC003.xlsx", bad3)
    set_mtime(inbox / "LC003.xlsx", day)
    checked = json.loads(invoke("validate", inbox / "LC003.xlsx", "--json").stdout)
    finding = next(f for f in checked["files"][0]["findings"] if f["code"] == "value-negative")
    assert invoke("validate", inbox / "LC003.xlsx", "--annotate", tmp_path / "sent").exit_code == 1
    (annotated,) = (tmp_path / "sent").glob("*.xlsx")
    wb = openpyxl.load_workbook(annotated)
    wb[finding["sheet"]][finding["cell"]] = good3.values[cell_id]
    wb.save(inbox / annotated.name)
    set_mtime(inbox / annotated.name, day + 86_400)

    # LC004 mailed inside a .zip attachment
    _zip(inbox / "鲤中街道附件.zip", {"LC004.xlsx": (valid_returns / "LC004.xlsx").read_bytes()})

    # LC005 sent a return, then a corrected resubmission (both valid, different numbers)
    first5 = demo_doc("LC005")
    changed_id = next(c for c in first5.spec.input_ids if isinstance(first5.values.get(c), int))
    second5 = replace(first5, values={**first5.values, changed_id: first5.values[changed_id] + 2})
    write_return(inbox / "LC005.xlsx", first5)
    write_return(inbox / "LC005 更正.xlsx", second5)
    set_mtime(inbox / "LC005.xlsx", day)
    set_mtime(inbox / "LC005 更正.xlsx", day + 2 * 86_400)

    # LC006 sent its published report as a PDF only; LC007 and LC008 sent nothing
    (inbox / f"LC006_{names['LC006']}_年度报告.pdf").write_bytes(b"%PDF-1.4")
    (inbox / "名单（旧）.csv").write_text("单位代码,单位名称\n", encoding="utf-8")

    # last week's summary, written into the inbox
    assert invoke("merge", tmp_path / "lo", "-o", inbox / "汇总表（上周）.xlsx").exit_code == 0

    out, js = tmp_path / "汇总表.xlsx", tmp_path / "汇总表.json"
    result = invoke(
        "merge", inbox, "--roster", roster, "--prefer", "newest-valid", "--unit-code", "350502",
        "--unit-name", "鲤城区", "--year", "2024", "-o", out, "--json", js,
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # three units are missing
    data = summary_json(js)
    assert statuses(data) == {
        "LC001": "merged",
        "LC002": "duplicate",
        "LC003": "merged",
        "LC004": "merged",
        "LC005": "merged",
        "LC006": "missing",
        "LC007": "missing",
        "LC008": "missing",
    }
    units = {u["code"]: u for u in data["units"]}
    assert Path(units["LC003"]["path"]).name == annotated.name
    assert Path(units["LC005"]["path"]).name == "LC005 更正.xlsx"
    assert units["LC004"]["path"].endswith("鲤中街道附件.zip!LC004.xlsx")
    assert units["LC006"]["label"].startswith("未报送（收到了无法读取的文件 LC006_")
    assert "label" not in units["LC007"]
    consolidation = data["consolidation"]
    assert sorted(Path(s["path"]).name for s in consolidation["skipped"]) == sorted(
        [f"LC006_{names['LC006']}_年度报告.pdf", "名单（旧）.csv"]
    )
    assert [Path(e["path"]).name for e in consolidation["excluded"]] == ["汇总表（上周）.xlsx"]
    assert consolidation["counts"]["passed"] == 5 and consolidation["counts"]["missing"] == 3
    expected = independent_sum([demo_doc("LC001"), demo_doc("LC002"), good3, demo_doc("LC004"), second5])
    assert document_from_json(loads(js.read_text(encoding="utf-8"))).values == expected
    for text in ("跳过 2 个文件", "未计入 1 个汇总表", "收到了无法读取的文件", "汇总不完整"):
        assert text in result.output


# --------------------------------------------------------------------------- points 10-12: output an official can use


@pytest.fixture(scope="module")
def demo_returns(tmp_path_factory) -> Path:
    """All demo returns as workbooks: LC003 has errors, LC006 left 18 cells of table three blank."""
    folder = tmp_path_factory.mktemp("demo")
    for code in ("LC001", "LC002", "LC003", "LC004", "LC005", "LC006"):
        write_return(folder / f"{code}.xlsx", demo_doc(code))
    return folder


def test_blank_cells_are_grouped_with_a_unit_table_and_quiet_shows_errors_only(demo_returns):
    blanks = [c for c, v in demo_doc("LC006").values.items() if v is None and c in demo_doc("LC006").spec.input_ids]
    assert len(blanks) == 18
    result = invoke("validate", demo_returns)
    assert result.exit_code == 1
    lc006 = result.output.split("LC006.xlsx", 1)[1].split("\n\n", 1)[0]
    assert "共 18 格未填写，已按 0 计算" in lc006
    # the group names its table (from the finding's data, not from the text of a message)
    assert re.search(r"表[二三四] [A-Z]+[0-9]+(:[A-Z]+[0-9]+)?.*共 18 格未填写", lc006), lc006
    assert lc006.count("\n  警告") == 1  # one line for the 18 cells, not 18
    table = result.output.split("各单位审核结果：", 1)[1]
    for code, verdict in (("LC001", "通过"), ("LC003", "需修改"), ("LC006", "通过")):
        assert any(line.split()[:1] == [code] and verdict in line for line in table.splitlines())
    # JSON keeps one finding per cell for machines
    data = json.loads(invoke("validate", demo_returns / "LC006.xlsx", "--json").stdout)
    assert sum(1 for f in data["files"][0]["findings"] if f["code"] == "value-blank") == 18

    quiet = invoke("validate", demo_returns, "--quiet")
    assert quiet.exit_code == 1
    assert "\n  警告  " not in quiet.output and "\n  错误  " in quiet.output
    assert "LC006.xlsx 鲤城区" not in quiet.output  # files without errors are not listed in detail
    assert "各单位审核结果" in quiet.output


def test_validate_lists_missing_units_mixed_years_and_several_files_of_a_unit(demo_returns, tmp_path):
    roster = tmp_path / "roster.csv"
    shutil.copy(DEMO / "roster.csv", roster)
    folder = copy_returns(demo_returns, tmp_path / "in", ("LC001", "LC002", "LC004"))
    shutil.copy2(folder / "LC004.xlsx", folder / "LC004 再次发送.xlsx")
    old = replace(demo_doc("LC002"), year=2023)
    write_return(folder / "LC002 去年.xlsx", old)
    result = invoke("validate", folder, "--roster", roster)
    out = result.output
    assert "报送名单中有 5 个单位没有收到报表" in out
    for code in ("LC003", "LC005", "LC006", "LC007", "LC008"):
        assert f"  {code} " in out
    assert "报告年度或格式不一致" in out and "2023 年度（ogi-2021）1 份：LC002 去年.xlsx" in out
    assert "单位 LC004 提交了 2 个文件" in out and "数据相同" in out
    assert "单位 LC002 提交了 2 个文件" in out and "数据不同" in out and "--prefer newest-valid" in out
    data = json.loads(invoke("validate", folder, "--roster", roster, "--json").stdout)
    assert [u["code"] for u in data["batch"]["missing_units"]] == ["LC003", "LC005", "LC006", "LC007", "LC008"]
    assert {y["year"] for y in data["batch"]["years"]} == {2023, 2024}
    # with --year the files of another year are errors of their own, not a batch note
    assert "报告年度或格式不一致" not in invoke("validate", folder, "--year", "2024").output


@pytest.mark.slow
def test_annotated_copies_only_for_files_to_correct_never_overwritten_and_printable(demo_returns, tmp_path):
    import openpyxl

    out = tmp_path / "copies"
    result = invoke("validate", demo_returns, "--annotate", out)
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["LC003_审核结果.xlsx"]
    again = invoke("validate", demo_returns, "--annotate", out)
    assert again.exit_code == 2 and "已存在" in again.output and "--force" in again.output
    assert invoke("validate", demo_returns, "--annotate", out, "--force").exit_code == 1
    every = invoke("validate", demo_returns, "--annotate", tmp_path / "all", "--annotate-all")
    assert every.exit_code == 1 and len(list((tmp_path / "all").iterdir())) == 6

    wb = openpyxl.load_workbook(out / "LC003_审核结果.xlsx")
    ws = wb.worksheets[0]
    assert ws.title == "审核结果"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.print_title_rows in ("1:1", "$1:$1") and ws.page_setup.fitToWidth == 1
    header = [c.value for c in ws[1]]
    assert header == ["序号", "级别", "工作表", "单元格", "问题类型", "问题", "代码"]
    assert ws["E2"].value == "数量不能为负数" and ws["F2"].alignment.wrap_text
    # a copy of an annotated copy keeps its name (no …_审核结果_审核结果.xlsx)
    from ogi_xlsx.writing.annotate import annotated_name

    assert annotated_name(Path("LC003_审核结果.xlsx")) == "LC003_审核结果.xlsx"


# --------------------------------------------------------------------------- point 13


@pytest.mark.slow
@pytest.mark.libreoffice
def test_the_breakdown_of_30_units_prints_on_a_few_pages(libreoffice, tmp_path):
    import subprocess

    import openpyxl

    base = demo_doc("LC001")
    returns = tmp_path / "returns"
    returns.mkdir()
    for i in range(30):
        write_return(returns / f"U{i:03d}.xlsx", replace(base, unit_code=f"U{i:03d}", unit_name=f"第{i}街道办事处"))
    out = tmp_path / "汇总表.xlsx"
    assert invoke("merge", returns, "--unit-code", "D", "-o", out).exit_code == 0
    ws = openpyxl.load_workbook(out)["分单位明细"]
    assert ws.page_setup.orientation == "landscape" and ws.print_title_cols in ("A:B", "$A:$B")
    # only the breakdown sheet, printed by LibreOffice: 88 pages at 100 %, now a handful
    wb = openpyxl.load_workbook(out)
    for name in wb.sheetnames:
        if name != "分单位明细":
            wb[name].sheet_state = "hidden"
    wb.active = wb.sheetnames.index("分单位明细")
    only = tmp_path / "only.xlsx"
    wb.save(only)
    (pdf,) = libreoffice.convert([only], tmp_path / "pdf", "pdf")
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")))
    assert 0 < count <= 20, count


# --------------------------------------------------------------------------- point 14


def test_leading_zeros_dropped_by_excel_in_the_roster_are_pointed_out(tmp_path):
    returns = tmp_path / "returns"
    returns.mkdir()
    doc = replace(demo_doc("LC001"), unit_code="001", unit_name="临江街道办事处")
    write_return(returns / "001.xlsx", doc)
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称\n1,临江街道办事处\n2,海滨街道办事处\n", encoding="utf-8")  # as Excel saves it
    fix = "报送名单中的单位代码“1”与报表中的“001”（单位名称相同）只差开头的 0"
    merged = invoke("merge", returns, "--roster", roster, "-o", tmp_path / "s.xlsx")
    assert merged.exit_code == 1 and fix in merged.output and "改为“001”" in merged.output
    checked = invoke("validate", returns, "--roster", roster)
    assert fix in checked.output
    data = json.loads(invoke("validate", returns, "--roster", roster, "--json").stdout)
    assert data["batch"]["roster_leading_zeros"] == [{"roster": "1", "returns": "001"}]


# --------------------------------------------------------------------------- point 15


def test_merge_refuses_bad_output_names_dates_and_years_and_creates_the_output_folder(valid_returns, tmp_path):
    returns = copy_returns(valid_returns, tmp_path / "returns", ("LC001",))
    for name in ("x.xls", "x"):
        result = invoke("merge", returns, "-o", tmp_path / name)
        assert result.exit_code == 2 and ".xlsx" in result.output
    bad_date = invoke("merge", returns, "-o", tmp_path / "a.xlsx", "--date", "2025/2/30")
    assert bad_date.exit_code == 2 and "实际存在的日期" in bad_date.output
    for command in (("merge", returns, "-o", tmp_path / "b.xlsx"), ("validate", returns), ("template", "-o", tmp_path / "t.xlsx")):  # fmt: skip
        for year in ("2007", "2099"):
            result = invoke(*command, "--year", year)
            assert result.exit_code == 2 and "报告年度" in result.output, (command, year, result.output)
    js = tmp_path / "new" / "folder" / "s.json"
    made = invoke(
        "merge", returns, "-o", tmp_path / "new" / "folder" / "s.xlsx", "--json", js, "--date", "2025年1月8日"
    )
    assert made.exit_code == 0, made.output
    assert summary_json(js)["cover"]["date"] == "2025-01-08"


def test_default_year_follows_the_month():
    from datetime import date

    from ogi_xlsx.cli.common import default_year

    assert default_year(date(2026, 12, 5)) == 2026
    assert default_year(date(2027, 1, 8)) == 2026
    assert default_year(date(2026, 6, 30)) == 2025


def test_dates_as_people_write_them_money_in_wan_and_the_cover_example(tmp_path):
    import openpyxl

    from ogi_xlsx.model.cellref import a1
    from ogi_xlsx.model.layout import COVER_SHEET, workbook_layout

    doc = demo_doc("LC001")
    layout = workbook_layout(doc.spec)
    money = next(c for c in doc.spec.input_ids if doc.spec.cells[c].type == "amount")
    write_return(tmp_path / "written.xlsx", doc)
    wb = openpyxl.load_workbook(tmp_path / "written.xlsx")  # typed as a clerk types them
    sheet, address = layout.locate(money)
    wb[sheet][address] = "4.5万"
    wb[COVER_SHEET][a1(*layout.cover.fields["date"])] = "2025年1月8日"
    path = tmp_path / "LC001.xlsx"
    wb.save(path)
    data = json.loads(invoke("validate", path, "--json").stdout)["files"][0]
    codes = {f["code"] for f in data["findings"]}
    assert "cover-invalid" not in codes and "value-unit-suffix" in codes and data["valid"]
    exported = json.loads(invoke("export", path).stdout)
    assert exported["cover"]["date"] == "2025-01-08" and exported["values"][money] in (4.5, "4.5")
    # the template's example date is in January after the report year
    assert invoke("template", "-o", tmp_path / "t2019.xlsx", "--year", "2019").exit_code == 0
    cover = openpyxl.load_workbook(tmp_path / "t2019.xlsx")["封面"]
    texts = " ".join(str(c.value) for row in cover.iter_rows() for c in row if c.value)
    assert "2020-01-10" in texts and "2025-01-10" not in texts


def test_a_file_named_for_another_unit_and_hidden_inputs_are_pointed_out(valid_returns, tmp_path):
    import openpyxl

    folder = copy_returns(valid_returns, tmp_path / "in", ("LC001", "LC002"))
    shutil.copy2(folder / "LC001.xlsx", folder / "LC005_浮桥街道.xlsx")  # LC001's data under LC005's name
    roster = tmp_path / "roster.csv"
    shutil.copy(DEMO / "roster.csv", roster)
    result = invoke("validate", folder, "--roster", roster)
    assert "文件“LC005_浮桥街道.xlsx”的文件名指向 LC005" in result.output
    assert "内容是 LC001" in result.output
    merged = invoke("merge", folder, "--roster", roster, "-o", tmp_path / "s.xlsx")
    assert "文件“LC005_浮桥街道.xlsx”的文件名指向 LC005" in merged.output

    doc = demo_doc("LC002")
    from ogi_xlsx.model.layout import workbook_layout

    sheet, address = workbook_layout(doc.spec).locate("t3.r_new.c_natural")
    wb = openpyxl.load_workbook(folder / "LC002.xlsx")
    wb[sheet].row_dimensions[wb[sheet][address].row].hidden = True
    wb["二、主动公开"].sheet_state = "hidden"
    wb.save(tmp_path / "hidden.xlsx")
    data = json.loads(invoke("validate", tmp_path / "hidden.xlsx", "--json").stdout)["files"][0]
    by_code = {f["code"]: f for f in data["findings"]}
    assert by_code["rows-hidden"]["cell"] == address and "被隐藏" in by_code["rows-hidden"]["message"]
    assert by_code["sheet-hidden"]["sheet"] == "二、主动公开"


# --------------------------------------------------------------------------- point 9


def test_fill_says_a_given_total_was_replaced_and_reports_what_the_file_holds(tmp_path):
    data = json.loads((DEMO / "returns" / "LC001.json").read_text(encoding="utf-8"))
    total_id = "t3.r_new.c_total"
    right = with_totals(demo_doc("LC001").spec, demo_doc("LC001").values)[total_id]
    data["values"][total_id] = 999
    source = tmp_path / "LC001.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "LC001.xlsx"
    filled = invoke("fill", source, "-o", out)
    assert f"给出的合计为 999，按各项计算应为 {right}" in filled.output and "警告" in filled.output
    assert "错误" not in filled.output  # no error about a 999 the written file does not hold
    checked = invoke("validate", out, "--json")
    assert filled.exit_code == checked.exit_code == 0, filled.output
    assert json.loads(checked.stdout)["files"][0]["valid"]


# --------------------------------------------------------------------------- point 6


def test_after_an_inserted_row_every_address_in_a_message_is_where_the_cell_is_now(tmp_path):
    import re

    import openpyxl

    from ogi_xlsx.model.layout import workbook_layout

    doc = demo_doc("LC003")  # 表三 D30 does not balance (R1)
    layout = workbook_layout(doc.spec)
    sl = layout.sheets[1]
    inserted = sl.data_rows[0] + 4  # 1-based row number openpyxl inserts above
    written = write_return(tmp_path / "written.xlsx", doc)
    wb = openpyxl.load_workbook(written)
    wb[sl.sheet].insert_rows(inserted)
    path = tmp_path / "LC003.xlsx"
    wb.save(path)

    def now(cell_id: str) -> str:
        _, address = layout.locate(cell_id)
        row, col = int(re.sub(r"[A-Z]", "", address)) - 1, re.sub(r"[0-9]", "", address)
        return f"{col}{row + 2 if row + 1 >= inserted else row + 1}"

    data = json.loads(invoke("validate", path, "--json").stdout)["files"][0]
    mismatch = next(f for f in data["findings"] if f["code"] == "sum-mismatch" and f["sheet"] == sl.sheet)
    listed = re.findall(r"([A-Z]+[0-9]+)=", mismatch["message"].split("参与计算：")[1])
    assert listed == [now(cid) for cid in mismatch["cell_ids"]]
    assert any(now(cid) != layout.locate(cid)[1] for cid in mismatch["cell_ids"])  # some cells did move
    assert mismatch["message"].startswith(f"表三 {mismatch['cell']}（")
    assert mismatch["cell"] == now(mismatch["cell_ids"][-1]) or mismatch["cell"] in listed

    # the annotated copy's comment carries the same, right addresses
    assert invoke("validate", path, "--annotate", tmp_path / "copies").exit_code == 1
    copy = openpyxl.load_workbook(tmp_path / "copies" / "LC003_审核结果.xlsx")
    comment = copy[sl.sheet][mismatch["cell"]].comment.text
    assert re.findall(r"([A-Z]+[0-9]+)=", comment.split("参与计算：")[1]) == listed


# --------------------------------------------------------------------------- point 7


def _typed_over(tmp_path: Path, cell_id: str, typed: int) -> Path:
    import openpyxl

    from ogi_xlsx.model.layout import workbook_layout

    sheet, address = workbook_layout(demo_doc("LC001").spec).locate(cell_id)
    written = write_return(tmp_path / "written.xlsx", demo_doc("LC001"))
    wb = openpyxl.load_workbook(written)
    wb[sheet][address] = typed  # 0 typed over the formula
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    return path


def _errors_and_others(path: Path) -> tuple[list[dict], list[dict]]:
    data = json.loads(invoke("validate", path, "--json").stdout)["files"][0]
    return [f for f in data["findings"] if f["severity"] == "error"], [
        f for f in data["findings"] if f["severity"] != "error"
    ]


def test_one_typed_over_total_is_one_error_saying_how_to_restore_the_formula(tmp_path):
    path = _typed_over(tmp_path, "t3.r_done_total.c_natural", 0)  # （七）总计 / 自然人, summed into J29
    errors, others = _errors_and_others(path)
    assert [f["code"] for f in errors] == ["formula-overwritten"], errors
    (error,) = errors
    assert "合计公式被改成了数值 0" in error["message"] and "请恢复公式" in error["message"]
    assert f"在 {error['cell']} 输入 =SUM(" in error["message"]
    consequences = [f for f in others if f["code"] == "sum-mismatch"]
    assert consequences and all(
        "手填的数" in f["message"] and "恢复公式后此项即平衡" in f["message"] for f in consequences
    )


@pytest.mark.slow
@pytest.mark.libreoffice
def test_a_typed_over_total_recalculated_by_libreoffice_gives_no_contradiction(libreoffice, tmp_path):
    """The file LibreOffice saved holds J29 = 0 + … (it follows the typed D29): no 'saved 22, should be
    24' beside 'reported 24, should be 22'."""
    path = _typed_over(tmp_path, "t3.r_done_total.c_natural", 0)
    (resaved,) = libreoffice.roundtrip([path], tmp_path / "lo")
    errors, others = _errors_and_others(resaved)
    assert [f["code"] for f in errors] == ["formula-overwritten"], errors
    assert not [f for f in others if f["code"] == "cached-stale"], others
    shown = [f for f in others if f["code"] == "sum-mismatch"]
    assert shown and all("手填的数" in f["message"] for f in shown)


# --------------------------------------------------------------------------- point 8


def test_rule_messages_read_as_instructions_and_lines_never_break_inside_numbers(tmp_path, monkeypatch):
    import itertools
    import re

    doc = demo_doc("LC003")
    path = write_return(tmp_path / "LC003.xlsx", doc)
    data = json.loads(invoke("validate", path, "--json").stdout)["files"][0]
    balance = next(f for f in data["findings"] if f["rule"] == "R1_t3_balance" and f["cell"] == "D30")
    assert re.search(r"一\+二 = \d+，三\+四 = \d+，相差 \d+：请核对 D30（四、结转下年度继续办理）", balance["message"])

    # cross-year X2 written out as the calculation
    (tmp_path / "last").mkdir()
    write_return(tmp_path / "last" / "LC001.xlsx", replace(demo_doc("LC001"), year=2023))
    this = demo_doc("LC001")
    valid_id = "t2.r_rules.c_valid"
    this = replace(this, values={**this.values, valid_id: (this.values.get(valid_id) or 0) + 5})
    current = write_return(tmp_path / "LC001.xlsx", this)
    crossed = json.loads(invoke("validate", current, "--previous", tmp_path / "last", "--json").stdout)["files"][0]
    x2 = next(f for f in crossed["findings"] if f["rule"] == "X2_t2_in_force")
    assert re.search(
        r"2023 年度现行有效件数 \d+ \+ 本年制发件数 \d+ − 本年废止件数 \d+ 应为 \d+，填报 \d+", x2["message"]
    )

    # printed in a narrow terminal: a message's continuation line never starts inside a number or reference
    monkeypatch.setenv("COLUMNS", "64")
    lines = invoke("validate", path).output.splitlines()
    continued = [(a, b) for a, b in itertools.pairwise(lines) if b.startswith(" " * 20) and a.strip()]
    assert continued  # the messages were folded
    for line, following in continued:
        last, first = line[-1], following.strip()[0]
        assert not (last.isascii() and last.isalnum() and first.isascii() and first.isalnum()), (line, following)


def test_api_merge_prefers_the_newest_valid_file_and_discover_accounts_for_every_file(tmp_path):
    from ogi_xlsx import api

    good = demo_doc("LC001")
    cell_id = next(c for c in good.spec.input_ids if isinstance(good.values.get(c), int) and good.values[c] > 0)
    older_good = write_return(tmp_path / "LC001 第一次.xlsx", good)
    newest_bad = write_return(tmp_path / "LC001 第二次.xlsx", replace(good, values={**good.values, cell_id: -1}))
    set_mtime(older_good, 1_736_300_000)
    set_mtime(newest_bad, 1_736_400_000)
    (tmp_path / "说明.docx").write_bytes(b"PK")
    found = api.discover([tmp_path])
    assert [p.name for p in found.files] == ["LC001 第一次.xlsx", "LC001 第二次.xlsx"]
    assert [s.short for s in found.skipped] == ["说明.docx"]
    reports = api.check_paths(found.files)
    newest = api.merge(reports, unit_code="D", prefer="newest")
    assert newest.units[0].status == "invalid"  # the newest file has an error
    valid = api.merge(reports, unit_code="D", prefer="newest-valid", skipped=found.skipped)
    assert valid.units[0].status == "merged" and valid.units[0].counted.name == "LC001 第一次.xlsx"
    assert valid.document.values == independent_sum([good]) and valid.skipped == tuple(found.skipped)
