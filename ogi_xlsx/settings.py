"""The office's settings file for one collection: which queries to ask, and at what thresholds.

A small TOML (or JSON) file, validated against :func:`settings_schema` and then against the
shipped formats (a rule or threshold that does not exist is an error, not silently ignored)::

    # 鲤城区 2024 年度报表审核设置
    queries_as_warnings = false      # true: 核实项只作警告，不要求说明（旧做法）

    [rules.P1_t3_applications_max]   # 街道一年的申请超过 2000 件就要核实
    max = 2000

    [rules.S5_t2_rules_issuer]       # 报送单位都是街道和区直部门，不制定规章
    enabled = true

    [rules.Y2_t3_new_decrease]
    enabled = false
    reason = "今年起申请统一由区政府办受理"

Rule ids are those of ``ogi-xlsx formats`` (plausibility rules P…/Y…/S… and the cross-year
rules X…); a threshold is set by its name (``max``, ``min``, ``factor``, ``min_previous``).
Reading raises :class:`SettingsError` with a Chinese message; the CLI turns it into exit 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ogi_xlsx.spec import PLAUSIBILITY_KINDS, PlausibilityRule, all_formats

SETTINGS_SUFFIXES = (".toml", ".json")


class SettingsError(ValueError):
    """The settings file cannot be used; the message (Chinese) says where and what to change."""


@dataclass(frozen=True)
class RuleSettings:
    """The office's choice for one rule: on/off and changed thresholds (None: as declared)."""

    enabled: bool | None = None
    thresholds: dict[str, int | Decimal] = field(default_factory=dict)
    reason: str | None = None


@dataclass(frozen=True)
class Settings:
    """One collection's settings (the defaults when no file is given)."""

    queries_as_warnings: bool = False
    rules: dict[str, RuleSettings] = field(default_factory=dict)
    source: str | None = None  # the file it came from, for messages

    def apply(self, rule: PlausibilityRule) -> PlausibilityRule:
        """``rule`` with this office's switch and thresholds."""
        chosen = self.rules.get(rule.id)
        if chosen is None:
            return rule
        return replace(
            rule,
            enabled=rule.enabled if chosen.enabled is None else chosen.enabled,
            thresholds={**rule.thresholds, **chosen.thresholds},
        )

    def rule_enabled(self, rule_id: str, default: bool = True) -> bool:
        """Whether a rule (e.g. a cross-year rule X1 …) is to be checked."""
        chosen = self.rules.get(rule_id)
        return default if chosen is None or chosen.enabled is None else chosen.enabled


def settings_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a settings file (TOML files are checked as parsed)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ogi-xlsx.invalid/schemas/settings.schema.json",
        "title": "ogi-xlsx 审核设置（每次收集一份）",
        "description": "关闭某条核实规则、修改其阈值，或把核实项作为警告处理。规则编号见 ogi-xlsx formats。",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "queries_as_warnings": {
                "type": "boolean",
                "title": "核实项只作警告",
                "description": "true：核实项（合理性、跨年度）不要求说明，也不影响审核通过（同 --queries-as-warnings）。",
            },
            "rules": {
                "type": "object",
                "title": "各条规则的设置",
                "propertyNames": {"pattern": "^[A-Z][A-Za-z0-9_]*$"},
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "enabled": {"type": "boolean", "title": "是否检查"},
                        "reason": {"type": "string", "title": "修改的理由（只作记录）"},
                    },
                    "additionalProperties": {"type": "number", "minimum": 0, "title": "阈值"},
                },
            },
        },
    }


def schema_text() -> str:
    """The schema as committed under ``schemas/settings.schema.json``."""
    return json.dumps(settings_schema(), ensure_ascii=False, indent=2) + "\n"


def _where(path: list[Any]) -> str:
    return ".".join(str(p) for p in path) or "文件"


def _schema_problem(error: Any) -> str:
    path = list(error.absolute_path)
    where = _where(path)
    bad = error.instance
    if error.validator == "additionalProperties":
        extra = sorted(set(bad) - set(error.schema.get("properties", {})))
        return f"{where}：不认识的设置项 {'、'.join(extra)}（可用：queries_as_warnings、rules）"
    if error.validator in ("propertyNames", "pattern"):  # a rule id (jsonschema reports the key's pattern)
        return f"{where}：规则编号“{bad}”格式不对（如 P1_t3_applications_max）"
    if error.validator == "minimum":
        return f"{where}：阈值不能为负数，实际为 {bad}"
    if error.validator == "type":
        expected = {
            "boolean": "true 或 false",
            "number": "数字",
            "object": "一组设置（[rules.规则编号]）",
            "string": "文字",
        }
        want = error.validator_value if isinstance(error.validator_value, str) else "number"
        return f"{where}：应为{expected.get(want, want)}，实际为“{bad}”"
    return f"{where}：不符合要求"  # pragma: no cover - the schema has no other keywords


def _parse(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"设置文件 {path}：无法读取（{exc.strerror or exc}）。") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SettingsError(f"设置文件 {path}：不是 UTF-8 编码的文本，请用 UTF-8 编码另存。") from None
    if path.suffix.lower() == ".json":
        from ogi_xlsx.document import describe_json_error

        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise SettingsError(f"设置文件 {path}：JSON 格式错误，{describe_json_error(exc)}。") from None
    if path.suffix.lower() != ".toml":
        raise SettingsError(f"设置文件 {path}：应为 .toml 或 .json 文件。")
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's messages are English; keep its position, explain the usual causes
        detail = str(exc)
        position = ""
        if "(at line" in detail:
            position = (
                detail[detail.index("(at line") + 1 : -1].replace("at line ", "第 ").replace(", column ", " 行第 ")
            )
            position = f"{position} 列："
        elif "(at end of document)" in detail:
            position = "文件末尾："
        raise SettingsError(
            f"设置文件 {path}：TOML 格式错误，{position}请检查引号是否成对（用英文引号）、"
            f"等号两边是否齐全、[rules.规则编号] 的方括号是否完整。（{detail}）"
        ) from None


def _known_rules() -> dict[str, tuple[str, ...] | None]:
    """Rule id -> the threshold names it accepts (None for cross-year rules: only on/off)."""
    known: dict[str, tuple[str, ...] | None] = {}
    for spec in all_formats():
        for rule in spec.cross_year_rules:
            known.setdefault(rule.id, None)
        for prule in spec.plausibility_rules:
            known[prule.id] = PLAUSIBILITY_KINDS[prule.kind]["thresholds"]
    return known


def settings_from_data(data: Any, source: str = "设置") -> Settings:
    """Check parsed settings (schema, then rule ids and threshold names) and build them."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(settings_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [_schema_problem(e) for e in errors]
    if problems:
        raise SettingsError(f"设置文件 {source} 有误：" + "；".join(problems) + "。")
    known = _known_rules()
    rules: dict[str, RuleSettings] = {}
    for rule_id, chosen in (data.get("rules") or {}).items():
        if rule_id not in known:
            problems.append(f"rules.{rule_id}：没有这条规则（可用：{'、'.join(sorted(known))}）")
            continue
        names = known[rule_id]
        thresholds: dict[str, int | Decimal] = {}
        for name, value in chosen.items():
            if name in ("enabled", "reason"):
                continue
            if names is None:
                problems.append(f"rules.{rule_id}.{name}：跨年度核对规则只能开关（enabled），没有阈值")
            elif name not in names:
                allowed = "、".join(names) if names else "无（只能开关）"
                problems.append(f"rules.{rule_id}.{name}：这条规则没有这个阈值（可用：{allowed}）")
            else:
                thresholds[name] = value if isinstance(value, int) else Decimal(str(value))
        rules[rule_id] = RuleSettings(enabled=chosen.get("enabled"), thresholds=thresholds, reason=chosen.get("reason"))
    if problems:
        raise SettingsError(f"设置文件 {source} 有误：" + "；".join(problems) + "。")
    return Settings(queries_as_warnings=bool(data.get("queries_as_warnings", False)), rules=rules, source=source)


def load_settings(path: str | Path) -> Settings:
    """Read and check a settings file (.toml or .json); :class:`SettingsError` when unusable."""
    path = Path(path)
    return settings_from_data(_parse(path), str(path))
