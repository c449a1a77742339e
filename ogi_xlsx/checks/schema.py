"""The JSON Schema of a return document (draft 2020-12) and schema errors as findings on their cells."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ogi_xlsx.model.document import AMOUNT_PATTERN, COVER_EXTRA, EXPLANATION_MAX_CHARS, ReturnDocument
from ogi_xlsx.model.findings import Finding, format_number
from ogi_xlsx.model.layout import COVER_SHEET, NO_MOVES, Moves, workbook_layout
from ogi_xlsx.model.spec import FormatSpec, UnknownFormatError, load_format

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


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


# long: a declarative JSON Schema literal: splitting it would scatter one document
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


def schema_finding(spec: FormatSpec, error: Any, moves: Moves = NO_MOVES) -> Finding:
    """One jsonschema error as a finding on its cell (or cover field, or 情况说明 line)."""
    path = [str(p) for p in error.absolute_path]
    limit = error.validator_value if error.validator in ("minimum", "maximum", "const", "maxLength") else None
    reason = _KEYWORD_MESSAGES.get(error.validator, "不符合要求").format(limit=limit)
    bad = error.instance
    shown = "空" if bad is None else (format_number(bad) if not isinstance(bad, (dict, list)) else "")
    if len(path) == 2 and path[0] == "values" and path[1] in spec.cells:
        cell = spec.cells[path[1]]
        sheet, address = moves.place(*workbook_layout(spec).locate(path[1]))
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
    sheet = moves.sheet(COVER_SHEET) if path and path[0] in ("year", "unit", "cover") else None
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
    return [schema_finding(spec, e) for e in errors]


def _format_names() -> list[str]:
    from ogi_xlsx.model.spec import definition_files

    return definition_files()


# --------------------------------------------------------------------------- fast path

_ANNOTATIONS = frozenset({"title", "description"})


def _simple_check(subschema: Any) -> tuple[bool, bool, Any] | None:
    """(allows null, allows integer, minimum) when a subschema asks only for a type and a minimum; else None."""
    if not isinstance(subschema, dict) or not set(subschema) - _ANNOTATIONS <= {"type", "minimum"}:
        return None
    types = subschema.get("type", ["integer", "null"])
    types = [types] if isinstance(types, str) else types
    minimum = subschema.get("minimum")
    if minimum is not None and (type(minimum) is not int):
        return None
    return "null" in types, "integer" in types or "number" in types, minimum


@cache
def _validator(format_id: str) -> Any:
    """Draft 2020-12 validator of the format's schema, built once per format.

    Its ``properties`` keyword skips the generic descent for a value that plainly meets a
    type-and-minimum subschema (a count that is a non-negative int or null: ~200 per return,
    ~1 ms a file); any other value, and every failing one, is validated by jsonschema itself,
    so the errors are the same.
    """
    import jsonschema
    from jsonschema import validators

    base = jsonschema.Draft202012Validator
    # jsonschema's own ``properties``, reached through the public VALIDATORS mapping (the way its
    # ``validators.extend`` documentation says to delegate), never through a private module.
    generic_properties = base.VALIDATORS["properties"]
    plans: dict[int, tuple[Any, dict[str, Any]]] = {}

    def properties(validator: Any, props: Any, instance: Any, schema: Any) -> Any:
        plan = plans.get(id(props))
        if plan is None or plan[0] is not props:
            plan = plans[id(props)] = (props, {k: _simple_check(v) for k, v in props.items()})
        if not isinstance(instance, dict):
            yield from generic_properties(validator, props, instance, schema)
            return
        checks = plan[1]
        for name, subschema in props.items():
            if name not in instance:
                continue
            value = instance[name]
            check = checks.get(name)
            if check is not None:
                if value is None and check[0]:
                    continue
                if type(value) is int and check[1] and (check[2] is None or value >= check[2]):
                    continue
            yield from validator.descend(value, subschema, path=name, schema_path=name)

    cls = validators.extend(base, {"properties": properties})
    return cls(return_schema(load_format(format_id)))


def schema_findings(doc: ReturnDocument, moves: Moves = NO_MOVES) -> list[Finding]:
    """The schema findings of a document (as :func:`validate_document_json`), with the validator built
    once per format (saves ~4 ms a file)."""
    data = doc.to_json(reported=True)
    errors = sorted(_validator(doc.format).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [schema_finding(doc.spec, e, moves) for e in errors]
