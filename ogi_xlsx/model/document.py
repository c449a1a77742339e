"""The return document: one unit's return as data, and its JSON form.

Its JSON Schema is :mod:`ogi_xlsx.checks.schema`; the checks of a document are :mod:`ogi_xlsx.checks`.

Shape (see ``schemas/ogi-2021.schema.json``)::

    {"format": "ogi-2021", "format_version": "1.0.0", "year": 2024,
     "unit": {"code": "…", "name": "…"},
     "cover": {"preparer": "…", "phone": "…", "reviewer": "…", "date": "2025-01-10"},
     "values": {"t3.r_new.c_natural": 5, …, "t2.r_fees.c_fee_amount": "43.788"},
     "explanations": [{"rule": "Y1_t3_new_increase", "cell": "表三 J6", "text": "本年因…"}]}

``values`` holds every cell, totals included. Counts are JSON integers, money is a
decimal string (a JSON number is accepted on input) so that no float ever touches it;
``null`` means the cell was left blank. ``explanations`` (optional) are the unit's answers to
queries (情况说明): which rule and/or cell each answers, in the clerk's own words, and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ogi_xlsx.model.findings import format_number
from ogi_xlsx.model.spec import FormatSpec, load_format

AMOUNT_PATTERN = r"^[0-9]+(\.[0-9]+)?$"  # money as a decimal string (also the JSON Schema's pattern)

Number = int | Decimal  # a count (int) or an amount of money (Decimal); never float
COVER_EXTRA = ("preparer", "phone", "reviewer", "date")


EXPLANATION_MAX_CHARS = 2000


@dataclass(frozen=True)
class Explanation:
    """One row of the 情况说明 sheet: the unit's answer to a query (核实项).

    ``rule`` and ``cell`` say which query it answers, as the clerk wrote them (``Y1_t3_new_increase``
    or ``Y1``; ``表三 J6``, ``J6`` or the cell's label); either may be empty. ``text`` is the reason.
    """

    rule: str
    cell: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "cell": self.cell, "text": self.text}


@dataclass
class ReturnDocument:
    """One unit's return for one report year, in plain Python values."""

    format: str
    year: int
    unit_code: str
    unit_name: str
    values: dict[str, Number | None]
    cover: dict[str, str] = field(default_factory=dict)
    format_version: str | None = None
    explanations: list[Explanation] = field(default_factory=list)
    # The totals as the workbook reports them, where they differ from the recomputed ``values`` (a
    # total typed over its formula, the cached number of a changed formula, a total typed by hand):
    # the sum rules check these, everything else uses ``values``. Empty for a document read from JSON.
    reported_totals: dict[str, Number | None] = field(default_factory=dict)

    @property
    def spec(self) -> FormatSpec:
        return load_format(self.format)

    def reported_values(self) -> dict[str, Number | None]:
        """The values as the return reports them: ``values`` with ``reported_totals`` over them."""
        return {**self.values, **self.reported_totals} if self.reported_totals else self.values

    def to_json(self, *, reported: bool = False) -> dict[str, Any]:
        """The JSON form (valid against the format's return schema when the data is sound); with
        ``reported`` the totals as the workbook reports them (what the checks validate)."""
        spec = self.spec
        source = self.reported_values() if reported else self.values
        values: dict[str, Any] = {}
        for cell_id in spec.cell_ids:
            value = source.get(cell_id)
            if isinstance(value, Decimal):
                values[cell_id] = format_number(value)
            else:
                values[cell_id] = value
        data: dict[str, Any] = {
            "format": self.format,
            "format_version": self.format_version or spec.version,
            "year": self.year,
            "unit": {"code": self.unit_code, "name": self.unit_name},
            "cover": {key: self.cover.get(key, "") for key in COVER_EXTRA},
            "values": values,
        }
        if self.explanations:  # absent rather than empty: returns without any stay as they were
            data["explanations"] = [e.to_json() for e in self.explanations]
        return data

    def dumps(self) -> str:
        """Canonical JSON text (UTF-8, Chinese kept readable, trailing newline)."""
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n"


def _to_number(value: Any, cell_type: str) -> Any:
    """JSON value -> int / Decimal; anything odd is returned unchanged for the schema to report."""
    if value is None or isinstance(value, bool):
        return value
    if cell_type == "amount":
        if isinstance(value, (int, Decimal)):
            return Decimal(value)
        if isinstance(value, str) and re.fullmatch(AMOUNT_PATTERN, value):
            try:
                return Decimal(value)
            except InvalidOperation:  # pragma: no cover - pattern excludes it
                return value
        return value
    return value


def document_from_json(data: Mapping[str, Any]) -> ReturnDocument:
    """Build a document from parsed JSON (parse with ``parse_float=Decimal``).

    Assumes :func:`validate_document_json` found no schema errors.
    """
    spec = load_format(data["format"])
    values = {cell_id: _to_number(data["values"].get(cell_id), spec.cells[cell_id].type) for cell_id in spec.cell_ids}
    return ReturnDocument(
        format=spec.id,
        format_version=data.get("format_version"),
        year=data["year"],
        unit_code=data["unit"]["code"],
        unit_name=data["unit"]["name"],
        cover=dict(data.get("cover") or {}),
        values=values,
        explanations=[
            Explanation(rule=e.get("rule") or "", cell=e.get("cell") or "", text=e.get("text") or "")
            for e in data.get("explanations") or []
        ],
    )


def loads(text: str) -> dict[str, Any]:
    """Parse JSON text with money-safe numbers (floats become ``Decimal``)."""
    return json.loads(text, parse_float=Decimal)


# json's English messages (CPython's decoder) -> Chinese.
_JSON_MESSAGES = (
    ("Expecting property name enclosed in double quotes", '名称应放在英文双引号 " " 中'),
    ("Expecting ',' delimiter", "缺少英文逗号 ,"),
    ("Expecting ':' delimiter", "缺少英文冒号 :"),
    ("Expecting value", "缺少值（或多了逗号、用了中文引号）"),
    ("Unterminated string", "引号没有闭合"),
    ("Invalid control character", "字符串中有换行或控制字符"),
    ("Invalid \\escape", "反斜杠 \\ 的用法不对"),
    ("Invalid \\uXXXX escape", "反斜杠 \\u 的用法不对"),
    ("Extra data", "数据结束后还有多余的内容"),
)


def describe_json_error(exc: BaseException) -> str:
    """Why a text is not valid JSON, in Chinese, with the line and column when known."""
    if isinstance(exc, UnicodeDecodeError):
        return "不是 UTF-8 编码的文本，请用 UTF-8 编码另存"
    if isinstance(exc, RecursionError):
        return "嵌套层数过多"
    if isinstance(exc, json.JSONDecodeError):
        reason = next((zh for en, zh in _JSON_MESSAGES if exc.msg.startswith(en)), "格式错误")
        before = exc.doc[: exc.pos].rstrip()
        if exc.doc[exc.pos : exc.pos + 1] in ("}", "]") and before.endswith(","):
            reason = f"“{exc.doc[exc.pos]}”前多了一个逗号"
        return f"第 {exc.lineno} 行第 {exc.colno} 列：{reason}"
    return "格式错误"


_DATE_FORMS = re.compile(r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*$")


def parse_cover_date(text: str) -> str | None:
    """A 填报日期 as ``YYYY-MM-DD`` when it is a real date written as 2026-01-08, 2026/1/8, 2026.1.8
    or 2026年1月8日; else None."""
    import datetime

    match = _DATE_FORMS.match(text or "")
    if match is None:
        return None
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:  # 2025-02-30
        return None
