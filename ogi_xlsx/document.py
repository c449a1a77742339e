"""The return document: one unit's return as JSON, its JSON Schema, and pure validation.

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

from ogi_xlsx.findings import Finding, format_number
from ogi_xlsx.layout import COVER_SHEET, workbook_layout
from ogi_xlsx.rules import Number, check_rules
from ogi_xlsx.spec import FormatSpec, UnknownFormatError, load_format

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
AMOUNT_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
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

    @property
    def spec(self) -> FormatSpec:
        return load_format(self.format)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (valid against :func:`return_schema` when the data is sound)."""
        spec = self.spec
        values: dict[str, Any] = {}
        for cell_id in spec.cell_ids:
            value = self.values.get(cell_id)
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


# --------------------------------------------------------------------------- JSON Schema


def _value_schema(spec: FormatSpec, cell_id: str) -> dict[str, Any]:
    cell = spec.cells[cell_id]
    table = spec.table(cell.table)
    _, address = workbook_layout(spec).locate(cell_id)
    description = f"{table.short} {address}；{'合计（由各项计算）' if cell.computed else '填报项'}"
    if cell.type == "amount":
        unit = f"，单位：{cell.unit}" if cell.unit else ""
        schema: dict[str, Any] = {
            "anyOf": [
                {"type": "string", "pattern": AMOUNT_PATTERN},
                {"type": "number", "minimum": 0},
                {"type": "null"},
            ],
            "description": description + f"；金额{unit}，以十进制字符串表示",
        }
    elif cell.type == "signed_count":
        schema = {"type": ["integer", "null"], "description": description + "；整数，可为负数"}
    else:
        schema = {"type": ["integer", "null"], "minimum": 0, "description": description + "；非负整数"}
    return {"title": f"{table.short} {cell.label}", **schema}


def return_schema(spec: FormatSpec) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a return document of this format."""
    last = spec.last_year
    year: dict[str, Any] = {"type": "integer", "minimum": spec.first_year, "title": "报告年度"}
    if last is not None:
        year["maximum"] = last
    cover_labels = {f.id: f.label for f in spec.cover}
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"https://ogi-xlsx.invalid/schemas/{spec.id}.schema.json",
        "title": f"政府信息公开工作年度报告统计表（{spec.notice}，{spec.years_label}）",
        "description": f"{spec.title}：一个单位一个年度的报表数据。values 以单元格编号为键，含合计项；null 表示未填写。",
        "type": "object",
        "required": ["format", "year", "unit", "values"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": spec.id, "title": "报表格式"},
            "format_version": {"type": "string", "title": "格式版本", "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+$"},
            "year": year,
            "unit": {
                "type": "object",
                "title": "填报单位",
                "required": ["code", "name"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "minLength": 1, "title": cover_labels["unit_code"]},
                    "name": {"type": "string", "minLength": 1, "title": cover_labels["unit_name"]},
                },
            },
            "cover": {
                "type": "object",
                "title": "封面信息",
                "additionalProperties": False,
                "properties": {
                    # Empty or malformed cover fields are warnings (check_cover), not schema errors:
                    # a return is usable without its 联系电话, and one finding per field is enough.
                    key: {
                        "type": "string",
                        "title": cover_labels[key],
                        **({"description": "YYYY-MM-DD，如 2025-01-10"} if key == "date" else {}),
                    }
                    for key in COVER_EXTRA
                    if key in cover_labels
                },
            },
            "units": {
                "type": "array",
                "title": "汇总所含单位（仅汇总表）",
                "description": "merge --json：每个应报或收到的单位一条，含状态与来源文件。",
                "items": {
                    "type": "object",
                    "required": ["code", "name", "status"],
                    "properties": {
                        "code": {"type": ["string", "null"]},
                        "name": {"type": ["string", "null"]},
                        "status": {"type": "string"},
                        "path": {"type": ["string", "null"]},
                        "sha256": {"type": ["string", "null"]},
                    },
                },
            },
            "consolidation": {
                "type": "object",
                "title": "汇总情况（仅汇总表）",
                "description": "merge --json：应报/已报/通过/待补正/未报等计数，是否完整。",
            },
            "explanations": {
                "type": "array",
                "title": "情况说明",
                "description": "对核实项（合理性、跨年度核对）的说明，每条一项：对应的规则和/或单元格，以及原因。",
                "items": {
                    "type": "object",
                    "required": ["text"],
                    "additionalProperties": False,
                    "properties": {
                        "rule": {
                            "type": "string",
                            "title": "规则编号或名称",
                            "description": "如 Y1_t3_new_increase 或 Y1；可空",
                        },
                        "cell": {
                            "type": "string",
                            "title": "单元格",
                            "description": "如 表三 J6、J6 或单元格名称；可空",
                        },
                        "text": {
                            "type": "string",
                            "title": "说明",
                            "minLength": 1,
                            "maxLength": EXPLANATION_MAX_CHARS,
                            "description": "原因，如：本年有 3 件规范性文件因有效期届满自然失效，未经废止程序",
                        },
                    },
                },
            },
            "values": {
                "type": "object",
                "title": "各表数据",
                "required": list(spec.cell_ids),
                "additionalProperties": False,
                "properties": {cell_id: _value_schema(spec, cell_id) for cell_id in spec.cell_ids},
            },
        },
    }


def schema_text(spec: FormatSpec) -> str:
    """The schema as committed under ``schemas/`` (stable key order, trailing newline)."""
    return json.dumps(return_schema(spec), ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- validation

_KEYWORD_MESSAGES = {
    "type": "类型不正确",
    "minimum": "不能小于 {limit}",
    "maximum": "不能大于 {limit}",
    "required": "缺少必填项",
    "additionalProperties": "含有本格式没有的项",
    "const": "应为 {limit}",
    "pattern": "格式不正确",
    "minLength": "不能为空",
    "maxLength": "过长（不超过 {limit} 字）",
    "anyOf": "格式不正确",
}


def _schema_finding(spec: FormatSpec, error: Any) -> Finding:
    path = [str(p) for p in error.absolute_path]
    limit = error.validator_value if error.validator in ("minimum", "maximum", "const", "maxLength") else None
    reason = _KEYWORD_MESSAGES.get(error.validator, "不符合要求").format(limit=limit)
    bad = error.instance
    shown = "空" if bad is None else (format_number(bad) if not isinstance(bad, (dict, list)) else "")
    if len(path) == 2 and path[0] == "values" and path[1] in spec.cells:
        cell = spec.cells[path[1]]
        sheet, address = workbook_layout(spec).locate(path[1])
        table = spec.table(cell.table)
        expected = {
            "count": "非负整数",
            "signed_count": "整数",
            "amount": f"不小于 0 的金额{('（' + cell.unit + '）') if cell.unit else ''}",
        }[cell.type]
        message = f"{table.short} {address}（{cell.label}）：填写的“{shown}”{reason}，应填{expected}。"
        return Finding("schema", message, sheet=sheet, cell=address, cell_ids=(path[1],), args={"path": path})
    if path and path[0] == "explanations":
        # the 情况说明 sheet: 第 n 条 as the clerk counts them
        nth = f"情况说明第 {int(path[1]) + 1} 条" if len(path) > 1 and str(path[1]).isdigit() else "情况说明"
        field_name = {"rule": "规则", "cell": "单元格", "text": "说明"}.get(str(path[2]) if len(path) > 2 else "", "")
        if len(path) == 1:
            reason = "应为由多条说明组成的列表"
        elif error.validator in ("type", "required", "additionalProperties") and len(path) == 2:
            reason = "应为一条包含说明（text）的记录，可另写规则（rule）和单元格（cell）"
        return Finding("schema", f"{nth}{'的' + field_name if field_name else ''}：{reason}。", args={"path": path})
    if error.validator == "required":
        missing = [m for m in error.validator_value if m not in (error.instance or {})]
        where = "/".join(path) or "文档"
        names = "、".join(missing[:5]) + ("等" if len(missing) > 5 else "")
        return Finding("schema", f"{where}：缺少 {names}。", args={"path": path, "missing": missing})
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        where = "/".join(path) or "文档"
        return Finding(
            "schema", f"{where}：含有本格式没有的项 {'、'.join(extra[:5])}。", args={"path": path, "extra": extra}
        )
    label = {"year": "报告年度", "format": "报表格式", "unit/code": "单位代码", "unit/name": "单位名称"}.get(
        "/".join(path), "/".join(path) or "文档"
    )
    sheet = COVER_SHEET if path and path[0] in ("year", "unit", "cover") else None
    return Finding("schema", f"{label}：“{shown}”{reason}。", sheet=sheet, args={"path": path})


def validate_document_json(data: Any) -> list[Finding]:
    """JSON Schema validation of a parsed document; each error mapped to its cell."""
    import jsonschema

    if not isinstance(data, dict):
        return [Finding("schema", "文档应为一个 JSON 对象。")]
    try:
        spec = load_format(str(data.get("format", "")))
    except UnknownFormatError:
        known = "、".join(n.removesuffix(".json") for n in _format_names())
        return [Finding("format-unknown", f"无法识别的报表格式“{data.get('format')}”，可用格式：{known}。")]
    validator = jsonschema.Draft202012Validator(return_schema(spec))
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [_schema_finding(spec, e) for e in errors]


def _format_names() -> list[str]:
    from ogi_xlsx.spec import definition_files

    return definition_files()


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


def check_cover(doc: ReturnDocument) -> list[Finding]:
    """Empty or malformed cover fields (封面)."""
    spec = doc.spec
    layout = workbook_layout(spec)
    findings = []
    for fld in spec.cover:
        if fld.id not in COVER_EXTRA:
            continue
        value = (doc.cover.get(fld.id) or "").strip()
        row, col = layout.cover.fields[fld.id]
        from ogi_xlsx.layout import a1

        address = a1(row, col)
        if not value:
            findings.append(
                Finding(
                    "cover-missing", f"封面 {address}：“{fld.label}”未填写，请补充。", sheet=COVER_SHEET, cell=address
                )
            )
        elif fld.type == "date" and parse_cover_date(value) is None:
            example = f"{doc.year + 1}-01-10" if doc.year else "2025-01-10"
            findings.append(
                Finding(
                    "cover-invalid",
                    f"封面 {address}：“{fld.label}”应为日期（如 {example}），实际为“{value}”。",
                    sheet=COVER_SHEET,
                    cell=address,
                )
            )
    return findings


def check_identity(
    doc: ReturnDocument, expected_year: int | None = None, roster: Mapping[str, str] | None = None
) -> list[Finding]:
    """Report year and unit against what the district expects."""
    spec = doc.spec
    findings = []
    if not spec.applies_to(doc.year):
        right = "2021 年及以后" if doc.year >= 2021 else "2019—2020 年"
        findings.append(
            Finding(
                "format-year-mismatch",
                f"报告年度 {doc.year} 不应使用{spec.notice}格式（该格式适用于{spec.years_label}），"
                f"请使用{right}对应的模板重新填报。",
                sheet=COVER_SHEET,
            )
        )
    if expected_year is not None and doc.year != expected_year:
        findings.append(
            Finding(
                "year-mismatch",
                f"报告年度为 {doc.year}，本次应报送 {expected_year} 年度报表。",
                sheet=COVER_SHEET,
                args={"year": doc.year, "expected": expected_year},
            )
        )
    if roster is not None:
        code = doc.unit_code.strip()
        if code not in roster:
            findings.append(
                Finding(
                    "unit-not-on-roster",
                    f"单位“{doc.unit_name}”（代码 {code or '空'}）不在报送名单中，请核对单位代码。",
                    sheet=COVER_SHEET,
                    args={"code": code},
                )
            )
        elif roster[code].strip() and roster[code].strip() != doc.unit_name.strip():
            findings.append(
                Finding(
                    "unit-mismatch",
                    f"单位代码 {code} 在名单中为“{roster[code]}”，报表中为“{doc.unit_name}”，请核对。",
                    sheet=COVER_SHEET,
                    severity="warning",
                    args={"code": code},
                )
            )
    return findings


def validate_return(
    doc: ReturnDocument,
    *,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    strict_blanks: bool = False,
) -> list[Finding]:
    """Everything that can be checked on a document: schema, cover, identity, blanks, sum rules."""
    findings = validate_document_json(doc.to_json())
    if any(f.code in ("schema", "format-unknown") and f.cell is None for f in findings):
        return findings
    spec = doc.spec
    findings += check_identity(doc, expected_year, roster)
    findings += check_cover(doc)
    findings += blank_findings(spec, doc.values, strict=strict_blanks)
    # Values the schema rejected (text, booleans) were reported above; sum the rest.
    numbers = {
        k: v if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else None for k, v in doc.values.items()
    }
    findings += check_rules(spec, numbers)
    return findings


def blank_findings(spec: FormatSpec, values: Mapping[str, Any], strict: bool = False) -> list[Finding]:
    """One finding per blank input cell (blank counts as 0 unless ``strict``).

    A return with every input blank is the unfilled template sent back: one error, not
    a warning per cell (a unit with nothing to report types 0s).
    """
    if all(values.get(cell_id) is None for cell_id in spec.input_ids):
        return [
            Finding(
                "return-empty",
                f"报表的 {len(spec.input_ids)} 个填报格全部为空，像是把空白模板直接交回了。"
                "请填写各表数据（没有发生的填 0）后重新报送。",
            )
        ]
    layout = workbook_layout(spec)
    findings = []
    for cell_id in spec.input_ids:
        if values.get(cell_id) is None:
            cell = spec.cells[cell_id]
            sheet, address = layout.locate(cell_id)
            table = spec.table(cell.table).short
            if strict:
                message = f"{table} {address}（{cell.label}）：未填写，请填写数字（没有发生请填 0）。"
            else:
                message = f"{table} {address}（{cell.label}）：未填写，已按 0 计算；没有发生请填 0。"
            findings.append(
                Finding(
                    "value-blank-strict" if strict else "value-blank",
                    message,
                    sheet=sheet,
                    cell=address,
                    cell_ids=(cell_id,),
                )
            )
    return findings
