"""The JSON Schema of a return document (draft 2020-12) and schema errors as findings on their cells."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ogi_xlsx.model.document import AMOUNT_PATTERN, COVER_EXTRA, EXPLANATION_MAX_CHARS, ReturnDocument
from ogi_xlsx.model.findings import Finding, finding, format_number, piece
from ogi_xlsx.model.layout import COVER_SHEET, NO_MOVES, Moves, workbook_layout
from ogi_xlsx.model.messages import PIECES
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

_LIMITED = ("minimum", "maximum", "const", "maxLength")  # keywords whose reason names the limit


def _reason(error: Any) -> str:
    limit = error.validator_value if error.validator in _LIMITED else None
    name = f"reason-{error.validator}"
    return piece(name if name in PIECES else "reason-other", limit=limit)


def schema_finding(spec: FormatSpec, error: Any, moves: Moves = NO_MOVES) -> Finding:
    """One jsonschema error as a finding on its cell (or cover field, or 情况说明 line)."""
    path = [str(p) for p in error.absolute_path]
    reason = _reason(error)
    bad = error.instance
    shown = piece("empty") if bad is None else (format_number(bad) if not isinstance(bad, (dict, list)) else "")
    if len(path) == 2 and path[0] == "values" and path[1] in spec.cells:
        cell = spec.cells[path[1]]
        sheet, address = moves.place(*workbook_layout(spec).locate(path[1]))
        unit = piece("expected-amount-unit", unit=cell.unit) if cell.unit else ""
        params = {
            "where": piece("where", table=spec.table(cell.table).short, address=address, label=cell.label),
            "shown": shown,
            "reason": reason,
            "expected": piece(f"schema-{cell.type}", unit=unit),
        }
        return finding("schema", "cell", params, sheet=sheet, cell=address, cell_ids=(path[1],), args={"path": path})
    if path and path[0] == "explanations":
        return _explanation_finding(path, error, reason)
    where = "/".join(path) or piece("document")
    if error.validator == "required":
        missing = [m for m in error.validator_value if m not in (error.instance or {})]
        names = "、".join(missing[:5]) + (piece("and-more") if len(missing) > 5 else "")
        params = {"path": where, "names": names}
        return finding("schema", "required", params, args={"path": path, "missing": missing})
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        params = {"path": where, "names": "、".join(extra[:5])}
        return finding("schema", "extra", params, args={"path": path, "extra": extra})
    key = "/".join(path)
    label = piece(f"path-{key}") if f"path-{key}" in PIECES else where
    sheet = moves.sheet(COVER_SHEET) if path and path[0] in ("year", "unit", "cover") else None
    return finding(
        "schema", "field", {"label": label, "shown": shown, "reason": reason}, sheet=sheet, args={"path": path}
    )


def _explanation_finding(path: list[str], error: Any, reason: str) -> Finding:
    """A schema error in the 情况说明 rows: 第 n 条 as the clerk counts them."""
    if len(path) > 1 and str(path[1]).isdigit():
        nth = piece("explanation-nth", n=int(path[1]) + 1)
    else:
        nth = piece("explanation-sheet")
    name = f"field-{path[2]}" if len(path) > 2 else ""
    field_name = piece(name) if name in PIECES else ""
    if len(path) == 1:
        reason = piece("reason-explanations-list")
    elif error.validator in ("type", "required", "additionalProperties") and len(path) == 2:
        reason = piece("reason-explanation-record")
    return finding("schema", "explanation", {"nth": nth, "field": field_name, "reason": reason}, args={"path": path})


def validate_document_json(data: Any) -> list[Finding]:
    """JSON Schema validation of a parsed document; each error mapped to its cell."""
    import jsonschema

    if not isinstance(data, dict):
        return [finding("schema", "not-object")]
    try:
        spec = load_format(str(data.get("format", "")))
    except UnknownFormatError:
        known = "、".join(n.removesuffix(".json") for n in _format_names())
        return [finding("format-unknown", "json", {"format": data.get("format"), "known": known})]
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
