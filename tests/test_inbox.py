"""Issue 11, the January inbox, end to end through the CLI: summaries among the returns, annotated
copies mailed back, files that are not returns, .zip attachments, re-saved duplicates, rosters
from Windows editors."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ogi_xlsx.cli import app
from ogi_xlsx.document import document_from_json, loads
from ogi_xlsx.rules import with_totals

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
VALID = ("LC001", "LC002", "LC004", "LC005")
runner = CliRunner()


def demo_doc(code: str):
    return document_from_json(loads((DEMO / "returns" / f"{code}.json").read_text(encoding="utf-8")))


def write_return(path: Path, doc) -> Path:
    from ogi_xlsx.template import write_workbook

    write_workbook(
        path,
        doc.spec,
        year=doc.year,
        unit_code=doc.unit_code,
        unit_name=doc.unit_name,
        cover=dict(doc.cover),
        values=dict(doc.values),
        kind="return",
    )
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
