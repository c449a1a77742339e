"""The one style table of every workbook this program writes: the font, the marks, the fills, the
number formats and the named cell formats of the template and return (``FORMAT_PROPERTIES``), the
summary's own sheets (``SUMMARY_FORMATS``) and the annotated copy (``SEVERITY_FILLS``), and the
prompts of the input cells' data validation."""

from __future__ import annotations

from typing import Any

FONT = "宋体"  # SimSun: present on every Chinese Windows and in WPS
OK_MARK = "✓"
BAD_MARK = "✗"

INPUT_FILL = "#FFF2CC"
TOTAL_FILL = "#E7E6E6"
HEAD_FILL = "#DDEBF7"

_BASE = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
_BORDER = {**_BASE, "border": 1}
NUM_FORMATS = {"count": "0", "signed_count": "0", "amount": "0.00##"}

# Named cell formats; the same dict (as xlsxwriter Format objects) is handed to ``extra_sheets``.
FORMAT_PROPERTIES: dict[str, dict[str, Any]] = {
    "title": {**_BASE, "bold": True, "font_size": 14, "align": "center"},
    "info": {**_BASE, "align": "left", "text_wrap": True},
    "unit": {**_BASE, "align": "right"},
    "corner": {**_BORDER, "text_wrap": True, "align": "left", "font_size": 9},
    "block": {**_BORDER, "bold": True, "align": "left", "bg_color": HEAD_FILL},
    "header": {**_BORDER, "bold": True, "text_wrap": True, "align": "center", "bg_color": HEAD_FILL},
    "label": {**_BORDER, "text_wrap": True, "align": "left"},
    "input_count": {**_BORDER, "locked": False, "bg_color": INPUT_FILL, "num_format": NUM_FORMATS["count"]},
    "input_signed_count": {
        **_BORDER,
        "locked": False,
        "bg_color": INPUT_FILL,
        "num_format": NUM_FORMATS["signed_count"],
    },
    "input_amount": {**_BORDER, "locked": False, "bg_color": INPUT_FILL, "num_format": NUM_FORMATS["amount"]},
    "total_count": {**_BORDER, "bold": True, "bg_color": TOTAL_FILL, "num_format": NUM_FORMATS["count"]},
    "total_signed_count": {**_BORDER, "bold": True, "bg_color": TOTAL_FILL, "num_format": NUM_FORMATS["count"]},
    "total_amount": {**_BORDER, "bold": True, "bg_color": TOTAL_FILL, "num_format": NUM_FORMATS["amount"]},
    "check_title": {**_BASE, "bold": True, "align": "left"},
    "check_label": {**_BORDER, "text_wrap": True, "align": "left", "font_size": 9},
    "check_mark": {**_BORDER, "align": "center", "bold": True},
    "check_ok": {"font_color": "#006100", "bg_color": "#C6EFCE"},
    "check_bad": {"font_color": "#9C0006", "bg_color": "#FFC7CE"},
    "note": {**_BASE, "text_wrap": True, "align": "left", "font_size": 9},
    "cover_title": {**_BASE, "bold": True, "font_size": 16, "align": "center"},
    "cover_label": {**_BORDER, "bold": True, "align": "center", "bg_color": HEAD_FILL},
    "cover_value": {**_BORDER, "align": "left", "num_format": "@"},
    "cover_year": {**_BORDER, "align": "left", "num_format": "0"},
    "cover_input": {**_BORDER, "align": "left", "locked": False, "bg_color": INPUT_FILL, "num_format": "@"},
    "cover_status": {**_BORDER, "align": "left", "bold": True},
    "instructions_title": {**_BASE, "bold": True, "font_size": 12, "align": "left"},
    "instructions": {**_BASE, "text_wrap": True, "align": "left", "valign": "top"},
    # plain formats for sheets added by ``extra_sheets``
    "text": {**_BORDER, "text_wrap": True},
    "plain": dict(_BORDER),
    "num": {**_BORDER, "num_format": NUM_FORMATS["count"]},
    "money": {**_BORDER, "num_format": NUM_FORMATS["amount"]},
}

VALIDATION_TEXT: dict[str, dict[str, Any]] = {
    "count": {
        "validate": "integer",
        "criteria": ">=",
        "value": 0,
        "input_title": "请填写件数",
        "input_message": "填 0 或正整数。没有发生的请填 0，不要留空，不要填“/”“—”或文字。",
        "error_title": "输入有误",
        "error_message": "这里只能填 0 或正整数（件数），不能填小数、负数、文字或符号。",
    },
    "signed_count": {
        "validate": "integer",
        "criteria": "between",
        "minimum": -1_000_000_000,
        "maximum": 1_000_000_000,
        "input_title": "请填写增减数",
        "input_message": "填整数：增加填正数，减少填负数（如 -3），没有变化填 0。",
        "error_title": "输入有误",
        "error_message": "这里只能填整数（减少填负数，如 -3），不能填小数、文字或符号。",
    },
    "amount": {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "input_title": "请填写金额",
        "input_message": "只填数字，不带单位（单位见表头），可有小数。没有的请填 0。",
        "error_title": "输入有误",
        "error_message": "这里只能填 0 或正数金额（不带单位），不能填文字或符号。",
    },
}

COVER_PROMPTS: dict[str, tuple[str, str]] = {
    "text": ("请填写", "请填写本项内容。"),
    "date": ("请填写日期", "请按 {example} 的格式填写日期。"),
}


# The summary's own sheets (报送情况, 分单位明细, 数据来源): money to 4 decimals there (a district's
# sum of units' amounts), where the official tables keep ``NUM_FORMATS["amount"]``.
SUM_FILL = "#FFF2CC"
NOTE_HEAD_FILL = "#D9E1F2"  # headers of the summary's own sheets and of the 情况说明 sheet
SUMMARY_HEAD_FILL = NOTE_HEAD_FILL
SUMMARY_FORMATS: dict[str, dict[str, Any]] = {
    "title": {**_BASE, "bold": True, "font_size": 14},
    "note": {**_BASE, "text_wrap": True},
    "text": {**_BORDER, "text_wrap": True},
    "plain": dict(_BORDER),
    "head": {**_BORDER, "bold": True, "bg_color": SUMMARY_HEAD_FILL, "text_wrap": True, "align": "center"},
    "num": {**_BORDER, "num_format": "0"},
    "money": {**_BORDER, "num_format": "0.0000"},
    "sum": {**_BORDER, "bold": True, "bg_color": SUM_FILL, "num_format": "0"},
    "summoney": {**_BORDER, "bold": True, "bg_color": SUM_FILL, "num_format": "0.0000"},
    "check": {**_BORDER, "align": "center"},
    "bad": {**_BORDER, "font_color": "#C00000", "text_wrap": True},
    "good": {**_BORDER, "font_color": "#006100"},
    "count": {**_BORDER, "bold": True, "num_format": "0", "align": "center"},
}

# The annotated copy (openpyxl colours, no "#"): a marked cell and its 审核结果 row by severity.
SEVERITY_FILLS = {"error": "FFC7CE", "query": "F8CBAD", "warning": "FFEB9C", "info": "DDEBF7"}
LINK_COLOR = "0563C1"
