"""Roster (报送名单) loading and safe per-unit file names."""

from __future__ import annotations

import re

import pytest
import xlsxwriter

from ogi_xlsx.reading.roster import Roster, RosterError, RosterUnit, load_roster, safe_filename

UNITS = [("LC001", "海滨街道办事处"), ("LC002", "开元街道办事处"), ("0103", "区教育局")]


def write_csv(path, text: str, encoding: str) -> None:
    path.write_bytes(text.encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
@pytest.mark.parametrize("header", ["code,name", "单位代码,单位名称"])
def test_csv_in_every_encoding_excel_saves(tmp_path, encoding, header):
    path = tmp_path / "名单.csv"
    body = "\r\n".join(f"{c},{n}" for c, n in UNITS)
    write_csv(path, f"{header}\r\n{body}\r\n\r\n", encoding)
    roster = load_roster(path)
    assert roster.units == [RosterUnit(c, n) for c, n in UNITS]
    assert roster.mapping() == dict(UNITS)


def test_columns_in_any_order_with_extra_columns_and_blank_lines(tmp_path):
    path = tmp_path / "r.csv"
    write_csv(path, "序号,单位名称,备注,单位代码\n1,海滨街道办事处,,LC001\n,,,\n2,区教育局,x,0103\n", "utf-8")
    assert load_roster(path).units == [RosterUnit("LC001", "海滨街道办事处"), RosterUnit("0103", "区教育局")]


def test_xlsx_roster_with_numeric_codes(tmp_path):
    path = tmp_path / "r.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["单位代码", "单位名称"])
    ws.write_row(1, 0, ["LC001", "海滨街道办事处"])
    ws.write_number(2, 0, 103)
    ws.write_string(2, 1, "区教育局")
    wb.close()
    assert load_roster(path).units == [RosterUnit("LC001", "海滨街道办事处"), RosterUnit("103", "区教育局")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("单位,备注\nLC001,海滨\n", "缺少列：单位代码、单位名称"),
        ("单位代码,名字\nLC001,海滨\n", "缺少列：单位名称"),
        ("单位代码,单位名称\n,海滨\n", "第 2 行（海滨）缺少单位代码"),
        ("单位代码,单位名称\nLC001,\n", "第 2 行（代码 LC001）缺少单位名称"),
        ("单位代码,单位名称\nLC001,海滨\nLC001,开元\n", "第 3 行的单位代码“LC001”与第 2 行重复"),
        ("", "是空的"),
        ("单位代码,单位名称\n\n", "没有任何单位"),
    ],
)
def test_clear_chinese_errors(tmp_path, text, expected):
    path = tmp_path / "r.csv"
    write_csv(path, text, "utf-8")
    with pytest.raises(RosterError, match=re.escape(expected)) as info:
        load_roster(path)
    assert "r.csv" in str(info.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(RosterError, match="找不到"):
        load_roster(tmp_path / "missing.csv")
    (tmp_path / "r.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(RosterError, match="另存为"):
        load_roster(tmp_path / "r.xls")
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(RosterError, match=r"不是有效的 \.xlsx"):
        load_roster(tmp_path / "bad.xlsx")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x81\x30\x81")
    with pytest.raises(RosterError):
        load_roster(tmp_path / "bin.csv")


def test_hostile_names_are_kept_verbatim(tmp_path):
    path = tmp_path / "r.csv"
    hostile = '=HYPERLINK("http://x","y")'
    write_csv(path, f'code,name\nA1,"{hostile.replace(chr(34), chr(34) * 2)}"\nA2,+cmd|calc\n', "utf-8")
    assert load_roster(path) == Roster([RosterUnit("A1", hostile), RosterUnit("A2", "+cmd|calc")])


WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?$", re.IGNORECASE)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("LC001", "海滨街道办事处"),
        ("CON", ""),
        ("con", "x"),
        ("..", ".."),
        ("../../etc", "passwd"),
        ("A", 'a/b\\c:d*e?f"g<h>i|j'),
        ("A", "名称. . "),
        ("A", "名" * 300),
        ("", ""),
        ("A\x00", "\t换行\n"),
        ("NUL", ".txt"),
    ],
)
def test_safe_filename_is_one_valid_windows_name(code, name):
    result = safe_filename(code, name)
    assert result.endswith(".xlsx")
    stem = result[: -len(".xlsx")]
    assert stem and not WINDOWS_FORBIDDEN.search(result)
    assert ".." not in result and "/" not in result and "\\" not in result
    assert not stem.endswith((" ", "."))
    assert not RESERVED.match(stem)
    assert len(result) <= 130


def test_safe_filename_keeps_ordinary_names():
    assert safe_filename("LC001", "海滨街道办事处") == "LC001_海滨街道办事处.xlsx"


def test_title_line_above_the_column_names_and_true_line_numbers(tmp_path):
    path = tmp_path / "r.csv"
    write_csv(path, "2025年度报送名单,\n\n单位代码,单位名称\nLC001,海滨街道\n\nLC001,开元街道\n", "gbk")
    with pytest.raises(RosterError, match="第 6 行的单位代码“LC001”与第 4 行重复"):
        load_roster(path)
    write_csv(path, "2025年度报送名单,\n单位代码,单位名称\nLC001,海滨街道\n", "gbk")
    assert load_roster(path).units == [RosterUnit("LC001", "海滨街道")]
