"""The xlsxwriter hooks of ogi_xlsx/writing/xlsxwriter_ext.py: the version guard and what each hook writes.

If xlsxwriter changes, these fail with a message naming the hook, before the golden files do.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from ogi_xlsx.writing import xlsxwriter_ext
from ogi_xlsx.writing.xlsxwriter_ext import UnsupportedXlsxWriter, Workbook, check_version


def test_the_installed_xlsxwriter_is_a_checked_release():
    import xlsxwriter

    assert check_version() == xlsxwriter.__version__


def test_an_unchecked_release_is_refused_with_a_clear_message():
    with pytest.raises(UnsupportedXlsxWriter, match=r"xlsxwriter 3\.4\.0 is installed.*CHECKED_VERSIONS"):
        check_version("3.4.0")
    with pytest.raises(UnsupportedXlsxWriter):
        check_version("3.30.1")  # a prefix of the text is not a prefix of the version
    assert check_version("3.3.9") == "3.3.9"


def test_the_private_hooks_still_exist():
    import xlsxwriter

    assert callable(getattr(xlsxwriter.Workbook, "_write_workbook_pr", None)), (
        "xlsxwriter.Workbook._write_workbook_pr is gone: move the <workbookProtection> hook of xlsxwriter_ext.Workbook"
    )
    assert callable(getattr(xlsxwriter.Workbook, "_xml_empty_tag", None)), "xlsxwriter's _xml_empty_tag is gone"
    sheet = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True}).add_worksheet()
    assert isinstance(getattr(sheet, "merge", None), list), "Worksheet.merge is no longer the list of merged ranges"


def _part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode("utf-8")


def test_structure_protection_is_written_right_after_workbook_pr():
    buffer = io.BytesIO()
    wb = Workbook(buffer)
    wb.structure_password = "abc"
    wb.add_worksheet("s")
    wb.close()
    xml = _part(buffer.getvalue(), "xl/workbook.xml")
    hashed = xlsxwriter_ext.password_hash("abc")
    assert re.search(
        rf'<workbookPr [^>]*/><workbookProtection workbookPassword="{hashed}" lockStructure="1"/><bookViews>', xml
    ), xml


def test_no_protection_element_without_a_structure_password():
    buffer = io.BytesIO()
    wb = Workbook(buffer)
    wb.add_worksheet("s")
    wb.close()
    assert "workbookProtection" not in _part(buffer.getvalue(), "xl/workbook.xml")


def test_a_merge_on_a_streamed_sheet_is_registered():
    buffer = io.BytesIO()
    wb = Workbook(buffer, streamed=True)
    ws = wb.add_worksheet("s")
    ws.write_string(4, 0, "later row first")
    ws.merge_range(1, 0, 2, 1, "merged", None)
    wb.close()
    xml = _part(buffer.getvalue(), "xl/worksheets/sheet1.xml")
    assert '<mergeCells count="1"><mergeCell ref="A2:B3"/></mergeCells>' in xml
