"""The lean reader (ogi_xlsx.reading.xlsx.read_xlsx) against files written by xlsxwriter, openpyxl and LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.styles import Protection
from openpyxl.workbook.protection import WorkbookProtection

from ogi_xlsx.reading.xlsx import Limits, RawWorkbook, XlsxError, _is_date_format, _translate, read_xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"


# --------------------------------------------------------------------------- builders


def xlsxwriter_book(path: Path | None = None) -> bytes:
    """Every kind of value, as a spreadsheet program would see them after typing."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(str(path) if path else buf, {"in_memory": True})
    ws = wb.add_worksheet("表三")
    unlocked = wb.add_format({"locked": False})
    ws.write_string("A1", "一、本年新收政府信息公开申请数量")
    ws.write_number("B1", 12, unlocked)
    ws.write_number("B2", 0.1 + 0.2, unlocked)  # xlsxwriter writes %.16G: "0.3"
    ws.write_number("B3", -7)
    ws.write_number("B4", 43.788)
    ws.write_formula("C1", "=B1*2", None, 24)
    ws.write_formula("C2", "=SUM(B1:B4)", None)  # xlsxwriter caches 0 without value=
    ws.write_formula("C3", '="x"&A1', None, "x一")
    ws.write_boolean("D1", True)
    ws.write_boolean("D2", False)
    ws.write_formula("D3", "=1/0", None, "#DIV/0!")
    ws.write_formula("D4", "=#REF!+1", None, "#REF!")
    ws.write_formula("D5", '=1+"a"', None, "#VALUE!")
    ws.write_datetime("E1", dt.datetime(2024, 1, 5), wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.write_datetime("E2", dt.datetime(2024, 1, 5), wb.add_format({"num_format": 'yyyy"年"m"月"d"日"'}))
    ws.write_number("E3", 45296, wb.add_format({"num_format": 31}))  # zh-CN builtin 31: yyyy年m月d日
    ws.write_datetime("E4", dt.datetime(2024, 1, 5, 12, 30), wb.add_format({"num_format": "[h]:mm"}))
    ws.write_number("E5", 3, wb.add_format({"num_format": '0"件"'}))
    ws.write_number("E6", 3, wb.add_format({"num_format": "[Red]0.00;[Blue]-0.00"}))
    ws.write_rich_string("F1", "加粗", wb.add_format({"bold": True}), "部分", "结尾")
    ws.write_string("F2", "  前后空格  ")
    ws.write_string("F3", "换行\n第二行")
    ws.merge_range("G1:H2", "合并", None)
    ws.write_blank("H5", None, unlocked)  # a formatted empty cell: <c r="H5" s=".."/>
    ws.protect()
    ws2 = wb.add_worksheet("隐藏")
    ws2.hide()
    ws2.write("A1", 1)
    ws3 = wb.add_worksheet("_ogi")
    ws3.very_hidden()
    ws3.write("A1", "ogi-2021")
    wb.add_worksheet("空表")
    wb.define_name("ogi_t3_r_new_c_natural", "='表三'!$B$1")
    wb.define_name("'表三'!ogi_local", "='表三'!$B$2")
    wb.define_name("'隐藏'!ogi_t3_r_new_c_natural", "='隐藏'!$A$1")  # scoped duplicate: global wins
    wb.set_custom_property("ogi_format", "2021")
    wb.set_custom_property("ogi_count", 3)
    wb.set_custom_property("ogi_flag", True)
    wb.close()
    return path.read_bytes() if path else buf.getvalue()


def openpyxl_book() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表二"
    ws["A1"] = "文字"
    ws["B1"] = 3
    ws["B2"] = 0.5
    ws["B3"] = "=B1+B2"
    ws["B4"] = True
    ws["C1"] = 7
    ws["C1"].protection = Protection(locked=False)
    ws.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite(data: bytes, edit) -> bytes:
    """Copy a zip, passing each part's (name, bytes) through ``edit``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            result = edit(info.filename, src.read(info.filename))
            if result is None:
                continue
            name, content = result if isinstance(result, tuple) else (info.filename, result)
            dst.writestr(name, content)
    return out.getvalue()


def values(wb: RawWorkbook, sheet: str) -> dict[str, object]:
    out = {}
    for (r, c), cell in wb.sheet(sheet).cells.items():
        out[f"{chr(65 + c)}{r + 1}"] = cell.value
    return out


# --------------------------------------------------------------------------- xlsxwriter


@pytest.fixture(scope="module")
def xw() -> RawWorkbook:
    return read_xlsx(xlsxwriter_book())


def test_sheets_states_and_order(xw):
    assert [(s.name, s.state) for s in xw.sheets] == [
        ("表三", "visible"),
        ("隐藏", "hidden"),
        ("_ogi", "veryHidden"),
        ("空表", "visible"),
    ]
    assert xw.sheet("空表").cells == {}
    assert xw.sheet("_ogi").cells[(0, 0)].value == "ogi-2021"
    assert xw.sheet("nope") is None


def test_numbers_are_int_or_exact_decimal(xw):
    cells = xw.sheet("表三").cells
    assert cells[(0, 1)].value == 12 and type(cells[(0, 1)].value) is int
    assert cells[(1, 1)].value == Decimal("0.3")
    assert cells[(2, 1)].value == -7 and type(cells[(2, 1)].value) is int
    assert cells[(3, 1)].value == Decimal("43.788")
    for cell in cells.values():
        assert not isinstance(cell.value, float)


def test_formulas_and_cached_values(xw):
    cells = xw.sheet("表三").cells
    assert (cells[(0, 2)].formula, cells[(0, 2)].value, cells[(0, 2)].kind) == ("B1*2", 24, "n")
    assert (cells[(1, 2)].formula, cells[(1, 2)].value) == ("SUM(B1:B4)", 0)
    assert (cells[(2, 2)].formula, cells[(2, 2)].value, cells[(2, 2)].kind) == ('"x"&A1', "x一", "str")
    assert cells[(0, 1)].formula is None


def test_booleans_and_errors(xw):
    cells = xw.sheet("表三").cells
    assert (cells[(0, 3)].value, cells[(0, 3)].kind) == (True, "b")
    assert (cells[(1, 3)].value, cells[(1, 3)].kind) == (False, "b")
    assert [(cells[(r, 3)].value, cells[(r, 3)].kind) for r in (2, 3, 4)] == [
        ("#DIV/0!", "e"),
        ("#REF!", "e"),
        ("#VALUE!", "e"),
    ]


def test_dates_by_number_format(xw):
    cells = xw.sheet("表三").cells
    assert [cells[(r, 4)].is_date for r in range(6)] == [True, True, True, True, False, False]
    assert cells[(0, 4)].value == 45296
    assert not cells[(0, 1)].is_date


def test_strings_shared_rich_and_whitespace(xw):
    v = values(xw, "表三")
    assert v["A1"] == "一、本年新收政府信息公开申请数量"
    assert v["F1"] == "加粗部分结尾"
    assert v["F2"] == "  前后空格  "
    assert v["F3"] == "换行\n第二行"
    assert xw.sheet("表三").cells[(0, 0)].kind == "s"


def test_locked_protection_merges(xw):
    sheet = xw.sheet("表三")
    assert sheet.protected
    assert not xw.sheet("隐藏").protected
    assert sheet.cells[(0, 1)].locked is False
    assert sheet.cells[(1, 1)].locked is False
    assert sheet.cells[(2, 1)].locked is True
    assert sheet.merges == ["G1:H2"]
    assert sheet.cells[(0, 6)].value == "合并"
    assert (sheet.cells[(4, 7)].kind, sheet.cells[(4, 7)].value, sheet.cells[(4, 7)].locked) == ("blank", None, False)


def test_defined_names_custom_properties_application(xw):
    assert xw.defined_names["ogi_t3_r_new_c_natural"] == "'表三'!$B$1"
    assert xw.defined_names["ogi_local"] == "'表三'!$B$2"
    assert xw.local_names[("表三", "ogi_local")] == "'表三'!$B$2"
    assert xw.local_names[("隐藏", "ogi_t3_r_new_c_natural")] == "'隐藏'!$A$1"
    assert xw.custom_properties == {"ogi_format": "2021", "ogi_count": "3", "ogi_flag": "true"}
    assert xw.structure_locked is False
    assert xw.date1904 is False
    assert xw.application == "Microsoft Excel"  # xlsxwriter claims to be Excel


def test_date1904():
    def edit(name, data):
        if name == "xl/workbook.xml":
            return data.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)
        return data

    assert read_xlsx(rewrite(xlsxwriter_book(), edit)).date1904 is True


def test_path_and_bytes_read_the_same(tmp_path):
    path = tmp_path / "报表 (1).xlsx"
    data = xlsxwriter_book(path)
    assert read_xlsx(path) == read_xlsx(data)
    assert read_xlsx(str(path)) == read_xlsx(data)


# --------------------------------------------------------------------------- openpyxl


def test_openpyxl_inline_strings_and_uncached_formulas():
    wb = read_xlsx(openpyxl_book())
    cells = wb.sheet("表二").cells
    assert (cells[(0, 0)].value, cells[(0, 0)].kind) == ("文字", "inlineStr")
    assert cells[(0, 1)].value == 3
    assert cells[(1, 1)].value == Decimal("0.5")
    # openpyxl writes <f>B1+B2</f><v/>: a formula without a cached value
    assert (cells[(2, 1)].formula, cells[(2, 1)].value) == ("B1+B2", None)
    assert cells[(3, 1)].value is True
    assert cells[(0, 2)].locked is False and cells[(0, 1)].locked is True
    assert wb.sheet("表二").protected
    assert wb.structure_locked is True
    assert wb.application.startswith("Microsoft Excel Compatible / Openpyxl")


# --------------------------------------------------------------------------- crafted XML


def _sheet_xml(sheet_data: str, ns: str = MAIN, extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{ns}">'
        f'<dimension ref="A1"/><sheetData>{sheet_data}</sheetData>{extra}</worksheet>'
    ).encode()


def _with_sheet1(sheet_xml: bytes, base: bytes | None = None) -> bytes:
    base = base or xlsxwriter_book()
    return rewrite(base, lambda name, data: sheet_xml if name == "xl/worksheets/sheet1.xml" else data)


def test_cells_and_rows_without_r():
    xml = _sheet_xml(
        '<row r="2"><c><v>1</v></c><c t="inlineStr"><is><t>b</t></is></c><c r="E2"><v>5</v></c><c><v>6</v></c></row>'
        "<row><c><v>7</v></c></row>"
        '<row r="9"><c r="C9"><v>8</v></c></row><row><c><v>9</v></c></row>'
    )
    v = values(read_xlsx(_with_sheet1(xml)), "表三")
    assert v == {"A2": 1, "B2": "b", "E2": 5, "F2": 6, "A3": 7, "C9": 8, "A10": 9}


def test_wrong_dimension_and_unknown_attributes_are_ignored():
    xml = _sheet_xml('<row r="30" wps:x="1" xmlns:wps="urn:wps"><c r="Z30" foo="bar"><v>3</v></c></row>')
    assert values(read_xlsx(_with_sheet1(xml)), "表三") == {"Z30": 3}


def test_number_texts():
    xml = _sheet_xml(
        '<row r="1"><c r="A1"><v>3</v></c><c r="B1"><v>3.0</v></c><c r="J1"><v>0.30000000000000004</v></c>'
        '<c r="C1"><v>1E-3</v></c>'
        '<c r="D1"><v>-0</v></c><c r="E1"><v>1.5E+20</v></c><c r="F1"><v>NaN</v></c><c r="G1"><v>abc</v></c>'
        '<c r="H1"><v>12345678901234567890</v></c><c r="I1"><v> 7 </v></c></row>'
    )
    cells = read_xlsx(_with_sheet1(xml)).sheet("表三").cells
    assert cells[(0, 0)].value == 3 and type(cells[(0, 0)].value) is int
    assert cells[(0, 1)].value == Decimal("3.0")
    assert cells[(0, 2)].value == Decimal("0.001")
    assert cells[(0, 3)].value == 0
    assert cells[(0, 4)].value == Decimal("1.5E+20")
    assert (cells[(0, 5)].value, cells[(0, 5)].kind) == ("NaN", "str")  # not a finite number: kept as text
    assert (cells[(0, 6)].value, cells[(0, 6)].kind) == ("abc", "str")
    assert cells[(0, 7)].value == 12345678901234567890
    assert cells[(0, 8)].value == 7
    assert cells[(0, 9)].value == Decimal("0.30000000000000004")  # exactly as stored, never a float


def test_shared_formulas_translated_and_flagged():
    xml = _sheet_xml(
        '<row r="1"><c r="C1"><f t="shared" ref="C1:D2" si="0">SUM(A1:$B1)+"A1"+\'S A1\'!A1+Sheet2!B$1</f><v>1</v></c>'
        '<c r="D1"><f t="shared" si="0"/><v>2</v></c></row>'
        '<row r="2"><c r="C2"><f t="shared" si="0"/><v>3</v></c><c r="D2"><f t="shared" si="7"/><v>4</v></c></row>'
    )
    cells = read_xlsx(_with_sheet1(xml)).sheet("表三").cells
    master = cells[(0, 2)]
    assert master.formula == "SUM(A1:$B1)+\"A1\"+'S A1'!A1+Sheet2!B$1" and not master.formula_shared
    assert cells[(0, 3)].formula == "SUM(B1:$B1)+\"A1\"+'S A1'!B1+Sheet2!C$1"
    assert cells[(0, 3)].formula_shared
    assert cells[(1, 2)].formula == "SUM(A2:$B2)+\"A1\"+'S A1'!A2+Sheet2!B$1"
    assert cells[(1, 3)].formula is None and cells[(1, 3)].formula_shared  # master missing
    assert cells[(1, 3)].value == 4


def test_translate_keeps_function_names_and_defined_names():
    assert _translate("LOG10(A1)+ogi_x1+A1", 1, 1) == "LOG10(B2)+ogi_x1+B2"
    assert _translate("A1", -1, 0) == "#REF!"


def test_strict_namespace_and_prefixed_elements():
    base = xlsxwriter_book()

    def edit(name, data):
        if name.endswith(".xml") or name.endswith(".rels"):
            text = data.decode()
            text = text.replace(MAIN, STRICT)
            text = text.replace(
                "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                "http://purl.oclc.org/ooxml/officeDocument/relationships",
            )
            if name == "xl/worksheets/sheet1.xml":
                # x: prefixes instead of the default namespace
                text = re.sub(r"<(/?)(\w+)([ />])", r"<\1x:\2\3", text)
                text = text.replace(f'xmlns="{STRICT}"', f'xmlns:x="{STRICT}"')
            return text.encode()
        return data

    strict = read_xlsx(rewrite(base, edit))
    normal = read_xlsx(base)
    assert strict.strict and not normal.strict
    assert [s.name for s in strict.sheets] == [s.name for s in normal.sheets]
    assert strict.sheet("表三").cells == normal.sheet("表三").cells
    assert strict.defined_names == normal.defined_names
    assert strict.sheet("表三").protected


def test_odd_part_names_and_relative_absolute_targets():
    base = xlsxwriter_book()
    moves = {
        "xl/worksheets/sheet1.xml": "xl/data/表 三.xml",
        "xl/worksheets/sheet2.xml": "other/s2.xml",
        "xl/sharedStrings.xml": "xl/strings/ss.xml",
    }

    def edit(name, data):
        if name == "xl/_rels/workbook.xml.rels":
            text = data.decode()
            text = text.replace('Target="worksheets/sheet1.xml"', 'Target="data/%E8%A1%A8%20%E4%B8%89.xml"')
            text = text.replace('Target="worksheets/sheet2.xml"', 'Target="../other/s2.xml"')
            text = text.replace('Target="sharedStrings.xml"', 'Target="/xl/strings/ss.xml"')
            return text.encode()
        return (moves.get(name, name), data)

    moved = read_xlsx(rewrite(base, edit))
    normal = read_xlsx(base)
    assert moved.sheet("表三").cells == normal.sheet("表三").cells
    assert moved.sheet("隐藏").cells == normal.sheet("隐藏").cells


def test_phonetic_runs_and_escapes_in_shared_strings():
    def edit(name, data):
        if name == "xl/sharedStrings.xml":
            text = data.decode().replace(
                "<si><t>一、本年新收政府信息公开申请数量</t></si>",
                '<si><r><t xml:space="preserve">一、 </t></r><r><rPr><b/></rPr><t>申请</t></r>'
                "<rPh sb='0' eb='1'><t>ふりがな</t></rPh><t>_x0009_tab_x005F_x0041_</t></si>",
            )
            assert "ふりがな" in text
            return text.encode()
        return data

    wb = read_xlsx(rewrite(xlsxwriter_book(), edit))
    assert wb.sheet("表三").cells[(0, 0)].value == "一、 申请\ttab_x0041_"


def test_custom_property_types():
    custom = (
        '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="a"><vt:lpwstr>文本</vt:lpwstr></property>'
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="b"><vt:i4>-5</vt:i4></property>'
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="c"><vt:filetime>2024-01-05T00:00:00Z</vt:filetime></property>'
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="5" name="d"><vt:r8>1.5</vt:r8></property>'
        "</Properties>"
    ).encode()
    wb = read_xlsx(rewrite(xlsxwriter_book(), lambda n, d: custom if n == "docProps/custom.xml" else d))
    assert wb.custom_properties == {"a": "文本", "b": "-5", "c": "2024-01-05T00:00:00Z", "d": "1.5"}


def test_inline_string_and_date_type_and_unknown_style():
    xml = _sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>'
        '<c r="B1" t="d"><v>2024-01-05T00:00:00</v></c><c r="C1" s="999"><v>1</v></c>'
        '<c r="D1" t="str"><f>A1</f></c><c r="E1" t="b"><v>true</v></c></row>'
    )
    cells = read_xlsx(_with_sheet1(xml)).sheet("表三").cells
    assert cells[(0, 0)].value == "富文本"
    assert (cells[(0, 1)].value, cells[(0, 1)].kind, cells[(0, 1)].is_date) == ("2024-01-05T00:00:00", "d", True)
    assert cells[(0, 2)].value == 1 and cells[(0, 2)].locked
    assert (cells[(0, 3)].value, cells[(0, 3)].formula) == ("", "A1")
    assert cells[(0, 4)].value is True


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("yyyy-mm-dd", True),
        ('yyyy"年"m"月"d"日"', True),
        ("yyyy\\年m\\月d\\日", True),
        ("[$-804]yyyy年m月d日 dddd", True),
        ("[DBNum1][$-804]yyyy年m月d日", True),
        ("h:mm:ss AM/PM", True),
        ("[h]:mm", True),
        ("mm:ss", True),
        ("上午/下午h时mm分", True),
        ("General", False),
        ("[DBNum1]General", False),
        ("0.00", False),
        ('0"件"', False),
        ('#,##0.00"万元"', False),
        ("[Red]0.00;[Blue]-0.00", False),
        ("0.00E+00", False),
        ('"day"0', False),
        ("@", False),
        ("#,##0_);[Red](#,##0)", False),
    ],
)
def test_date_format_detection(code, expected):
    assert _is_date_format(code) is expected


# --------------------------------------------------------------------------- LibreOffice


@pytest.fixture(scope="module")
def lo_books(libreoffice, tmp_path_factory) -> dict[str, RawWorkbook]:
    """Both library-written books saved once through LibreOffice, in one soffice call."""
    src = tmp_path_factory.mktemp("lo-src")
    (src / "xw.xlsx").write_bytes(xlsxwriter_book())
    (src / "op.xlsx").write_bytes(openpyxl_book())
    # The filter name is passed without quotes: no shell is involved.
    outs = libreoffice.convert([src / "xw.xlsx", src / "op.xlsx"], src / "out", "xlsx:Calc MS Excel 2007 XML")
    return {path.stem: read_xlsx(path) for path in outs}


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_values_and_recalculation(lo_books, xw):
    lo = lo_books["xw"]
    cells = lo.sheet("表三").cells
    assert lo.application.startswith("LibreOffice")
    # same values for the constants, shared strings instead of inline text
    for pos in [(0, 0), (0, 1), (1, 1), (2, 1), (3, 1), (0, 5), (1, 5), (2, 5)]:
        assert cells[pos].value == xw.sheet("表三").cells[pos].value, pos
    assert cells[(0, 0)].kind == "s"
    # xlsxwriter cached 0 for SUM(B1:B4) and a stub text for "x"&A1. LibreOffice keeps cached
    # values by default; the test client forces a recalculation (tests/lo.py), so both are fresh.
    assert cells[(1, 2)].formula == "SUM(B1:B4)"
    assert abs(cells[(1, 2)].value - Decimal("49.088")) < Decimal("1e-9")
    assert (cells[(2, 2)].kind, cells[(2, 2)].value) == ("str", "x" + cells[(0, 0)].value)
    assert [cells[(r, 3)].value for r in (2, 3, 4)] == ["#DIV/0!", "#REF!", "#VALUE!"]
    assert [cells[(r, 4)].is_date for r in range(6)] == [True, True, True, True, False, False]


@pytest.mark.libreoffice
def test_libreoffice_protection_names_properties(lo_books):
    lo = lo_books["xw"]
    sheet = lo.sheet("表三")
    assert sheet.protected
    assert sheet.cells[(0, 1)].locked is False and sheet.cells[(2, 1)].locked is True
    assert sheet.merges == ["G1:H2"]
    # LibreOffice writes sheet names in defined names without quotes
    assert lo.defined_names["ogi_t3_r_new_c_natural"].replace("'", "") == "表三!$B$1"
    assert lo.custom_properties["ogi_format"] == "2021"
    # LibreOffice turns veryHidden into hidden
    assert [s.name for s in lo.sheets] == ["表三", "隐藏", "_ogi", "空表"]
    assert lo.sheet("_ogi").state in ("hidden", "veryHidden")
    assert lo.sheet("隐藏").state == "hidden"


@pytest.mark.libreoffice
def test_libreoffice_drops_structure_lock_and_fills_cached_values(lo_books):
    lo = lo_books["op"]
    assert lo.structure_locked is False  # LibreOffice drops workbook structure protection
    cells = lo.sheet("表二").cells
    assert (cells[(2, 1)].formula, cells[(2, 1)].value) == ("B1+B2", Decimal("3.5"))
    assert cells[(0, 0)].kind == "s"
    assert cells[(0, 2)].locked is False
    # a typed TRUE comes back as the formula TRUE() with a boolean result
    assert cells[(3, 1)].value is True and cells[(3, 1)].kind == "b"


def test_streaming_path_reads_the_same(monkeypatch):
    """Parts over the whole-parse threshold are parsed incrementally: same result."""
    import ogi_xlsx.reading.xlsx as xlsx_module

    books = [xlsxwriter_book(), openpyxl_book()]
    whole = [read_xlsx(book) for book in books]
    monkeypatch.setattr(xlsx_module, "_WHOLE", 0)
    monkeypatch.setattr(xlsx_module, "_CHUNK", 512)  # many feeds, elements split across chunks
    assert [read_xlsx(book) for book in books] == whole


@pytest.mark.slow
def test_big_sheet_streamed_within_limits(monkeypatch):
    rows = 3000
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("大表")
    for r in range(rows):
        ws.write_number(r, 0, r)
        ws.write_string(r, 1, f"第{r}行")
        ws.write_formula(r, 2, f"=A{r + 1}*2", None, r * 2)
    wb.close()
    data = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 100_000
    import ogi_xlsx.reading.xlsx as xlsx_module

    monkeypatch.setattr(xlsx_module, "_WHOLE", 64 * 1024)  # this sheet is streamed, the rest parsed whole
    result = read_xlsx(data)
    cells = result.sheet("大表").cells
    assert len(cells) == rows * 3
    assert cells[(rows - 1, 0)].value == rows - 1
    assert cells[(rows - 1, 1)].value == f"第{rows - 1}行"
    assert (cells[(rows - 1, 2)].formula, cells[(rows - 1, 2)].value) == (f"A{rows}*2", (rows - 1) * 2)
    assert result == read_xlsx(data, Limits(max_cells=rows * 3))
    with pytest.raises(XlsxError) as err:
        read_xlsx(data, Limits(max_cells=rows * 3 - 1))
    assert err.value.code == "file-too-large"


def test_translate_is_linear_on_hostile_quotes():
    import time

    start = time.perf_counter()
    for text in ["'" * 8000, '"' * 8000, "'a" * 4000, "A1" + "'" * 8000]:
        _translate(text, 1, 1)
    assert time.perf_counter() - start < 1
    assert _translate("SUM('S A1'!A1,\"A1\",'it''s'!B2)+C3", 1, 1) == "SUM('S A1'!B2,\"A1\",'it''s'!C3)+D4"
