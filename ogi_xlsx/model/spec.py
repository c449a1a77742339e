"""The official report formats, loaded from their declarative definitions.

Each format version is one JSON file in ``ogi_xlsx/formats/``, checked against
``formats/meta-schema.json`` and then against the semantic checks below. Everything
else in ogi-xlsx (JSON Schema, templates, the reader's cell map, rules, summaries) is
derived from the :class:`FormatSpec` built here. Adding a format means adding a file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from typing import Any, Literal

ValueType = Literal["count", "signed_count", "amount"]

VALUE_TYPE_LABELS: dict[str, str] = {
    "count": "非负整数",
    "signed_count": "整数（可为负数）",
    "amount": "非负金额",
}


class FormatError(Exception):
    """A format definition is invalid (a bug in the shipped data, not in a return)."""


class UnknownFormatError(LookupError):
    """No shipped format matches the requested id, alias or year."""


@dataclass(frozen=True)
class CoverField:
    """One field of the cover sheet (封面)."""

    id: str
    label: str
    type: Literal["text", "year", "date"]
    identity: bool = False


@dataclass(frozen=True)
class Cell:
    """One value cell of a report table, addressed by its stable id ``t3.r_new.c_natural``."""

    id: str
    table: str
    row: str
    column: str
    row_label: str
    column_label: str
    row_groups: tuple[str, ...]
    column_groups: tuple[str, ...]
    type: ValueType
    unit: str | None
    computed: bool
    block: str | None = None

    @property
    def label(self) -> str:
        """Row and column label as a clerk reads them, e.g. ``一、本年新收… / 自然人``."""
        row = " ".join((*self.row_groups[1:], self.row_label)) if self.row_groups else self.row_label
        col = " ".join((*self.column_groups[1:], self.column_label)) if self.column_groups else self.column_label
        return f"{row} / {col}"

    @property
    def defined_name(self) -> str:
        """The workbook defined name of this cell (dots are avoided for LibreOffice)."""
        return defined_name_for(self.id)


@dataclass(frozen=True)
class Rule:
    """One expansion of a declared sum rule: ``sum(lhs) == sum(rhs)``."""

    id: str
    key: str
    table: str
    severity: Literal["error", "query", "warning", "info"]
    title: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    lhs_name: str | None
    rhs_name: str | None
    defines: bool
    binding: str | None

    @property
    def cells(self) -> tuple[str, ...]:
        """Every cell the rule involves, left side first."""
        return self.lhs + self.rhs


# Plausibility (合理性) rule kinds: the cell roles and thresholds each kind takes, and the
# placeholders its message template may use. The checks themselves are in ogi_xlsx/checks/plausibility.py;
# the meta-schema and the semantic checks below both hold a definition to this table.
PLAUSIBILITY_KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    # each cell above a bound
    "max": {"roles": ("cells",), "thresholds": ("max",), "placeholders": ("value", "max")},
    # the sum of the cells above a bound
    "sum_max": {"roles": ("cells",), "thresholds": ("max",), "placeholders": ("value", "max")},
    # amount / count below a bound when count > 0 (a 元 cell holding 万元)
    "per_item_min": {
        "roles": ("amount", "count"),
        "thresholds": ("min",),
        "placeholders": ("amount", "count", "per_item", "min"),
    },
    # this year > factor × last year, this year > min, last year >= min_previous
    "yoy_increase": {
        "roles": ("cells",),
        "thresholds": ("factor", "min", "min_previous"),
        "placeholders": ("value", "previous", "previous_year", "factor", "min", "ratio"),
    },
    # this year × factor < last year, last year > min_previous
    "yoy_decrease": {
        "roles": ("cells",),
        "thresholds": ("factor", "min_previous"),
        "placeholders": ("value", "previous", "previous_year", "factor", "min_previous"),
    },
    # last year > 0, this year 0, unless this year's `unless` cell covers last year's value
    "yoy_to_zero": {
        "roles": ("cells", "unless"),
        "thresholds": (),
        "placeholders": ("value", "previous", "previous_year", "unless"),
    },
    # sum(parts) == whole and whole >= min (every application 不予公开)
    "all_of": {"roles": ("parts", "whole"), "thresholds": ("min",), "placeholders": ("whole", "min")},
    # sum(lhs) > sum(rhs) and sum(lhs) >= min
    "greater_than": {"roles": ("lhs", "rhs"), "thresholds": ("min",), "placeholders": ("lhs", "rhs", "min")},
    # cell == sum(parts) and cell >= min (a column filled with another column's figure)
    "equals_sum": {"roles": ("cell", "parts"), "thresholds": ("min",), "placeholders": ("value", "parts", "min")},
    # any cell above 0 (a figure this kind of unit normally does not have)
    "nonzero": {"roles": ("cells",), "thresholds": (), "placeholders": ("value",)},
}
# Kinds that need last year's return of the same unit.
YEAR_ON_YEAR_KINDS = frozenset({"yoy_increase", "yoy_decrease", "yoy_to_zero"})


@dataclass(frozen=True)
class PlausibilityRule:
    """One expansion of a declared plausibility (合理性) rule: a figure that may be right but
    is unusual enough that the unit must check it, then correct or explain it (a query)."""

    id: str
    key: str
    kind: str
    table: str
    severity: Literal["query", "warning", "info"]
    title: str
    rationale: str
    message: str
    example: str
    cells: dict[str, tuple[str, ...]] = field(hash=False)
    thresholds: dict[str, Any] = field(hash=False)  # int or Decimal
    enabled: bool = True
    binding: str | None = None

    @property
    def all_cells(self) -> tuple[str, ...]:
        """Every cell the rule reads, in role order."""
        return tuple(ref for role in PLAUSIBILITY_KINDS[self.kind]["roles"] for ref in self.cells[role])

    @property
    def year_on_year(self) -> bool:
        return self.kind in YEAR_ON_YEAR_KINDS


@dataclass(frozen=True)
class Table:
    """One report table (二, 三 or 四) with its cells in reading order."""

    id: str
    number: str
    title: str
    sheet: str
    layout: Literal["blocks", "matrix", "strip"]
    definition: dict[str, Any] = field(repr=False, compare=False)
    cells: tuple[Cell, ...] = field(repr=False)

    @property
    def short(self) -> str:
        """The name clerks use: 表二, 表三, 表四."""
        return f"表{self.number}"


@dataclass(frozen=True, eq=False)
class FormatSpec:
    """A complete format version, derived from one definition file."""

    id: str
    version: str
    year_format: int
    status: str
    retired_versions: tuple[str, ...]
    title: str
    notice: str
    notice_title: str
    notice_date: str | None
    first_year: int
    last_year: int | None
    cover: tuple[CoverField, ...]
    tables: tuple[Table, ...]
    rules: tuple[Rule, ...]
    definition: dict[str, Any] = field(repr=False, compare=False)
    # Soft checks against last year's return (``previous:`` marks a cell of that return).
    cross_year_rules: tuple[Rule, ...] = ()
    # Plausibility (合理性) rules: queries with thresholds (ogi_xlsx/checks/plausibility.py).
    plausibility_rules: tuple[PlausibilityRule, ...] = ()
    # rule id -> an example of a good explanation (情况说明), for the queries of that rule
    explanation_examples: dict[str, str] = field(default_factory=dict, hash=False)

    @cached_property
    def cells(self) -> dict[str, Cell]:
        """Every cell by id, in reading order (table by table, row by row)."""
        return {cell.id: cell for table in self.tables for cell in table.cells}

    @cached_property
    def cell_ids(self) -> tuple[str, ...]:
        """All cell ids in reading order (table by table, row by row)."""
        return tuple(self.cells)

    @cached_property
    def input_ids(self) -> tuple[str, ...]:
        """Cells the unit types in."""
        return tuple(c.id for c in self.cells.values() if not c.computed)

    @cached_property
    def computed_ids(self) -> tuple[str, ...]:
        """Totals: cells whose value follows from the inputs."""
        return tuple(c.id for c in self.cells.values() if c.computed)

    @cached_property
    def formulas(self) -> dict[str, Rule]:
        """For every computed cell, the rule expansion that defines it (lhs == [cell])."""
        formulas: dict[str, Rule] = {}
        for rule in self.rules:
            if rule.defines and rule.lhs[0] not in formulas:
                formulas[rule.lhs[0]] = rule
        return formulas

    def table(self, table_id: str) -> Table:
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)

    def rules_involving(self, cell_id: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if cell_id in rule.cells)

    @cached_property
    def query_rule_ids(self) -> tuple[str, ...]:
        """Ids of the rules whose findings are (or may be made) queries: cross-year and plausibility."""
        ids = [r.id for r in self.cross_year_rules] + [r.id for r in self.plausibility_rules]
        return tuple(dict.fromkeys(ids))

    def applies_to(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)

    @property
    def years_label(self) -> str:
        """Report years in Chinese, e.g. ``2019—2020年度`` or ``2021年度起``."""
        if self.last_year is None:
            return f"{self.first_year}年度起"
        return f"{self.first_year}—{self.last_year}年度"


def defined_name_for(cell_id: str) -> str:
    """``t3.r_new.c_natural`` -> ``ogi_t3_r_new_c_natural`` (a valid Excel/LibreOffice name)."""
    return "ogi_" + cell_id.replace(".", "_")


# --------------------------------------------------------------------------- loading


def _read_json(name: str) -> dict[str, Any]:
    text = resources.files("ogi_xlsx.formats").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def meta_schema() -> dict[str, Any]:
    """The meta-schema every format definition must satisfy."""
    return _read_json("meta-schema.json")


@cache
def _definition_files() -> tuple[str, ...]:
    names = [
        entry.name
        for entry in resources.files("ogi_xlsx.formats").iterdir()
        if re.fullmatch(r"ogi-\d{4}\.json", entry.name)
    ]
    return tuple(sorted(names))


def definition_files() -> list[str]:
    """Names of the shipped definition files, oldest format first."""
    return list(_definition_files())


def _build_cells(table: dict[str, Any]) -> list[Cell]:
    tid = table["id"]
    if table["layout"] == "blocks":
        # Each block of table 二 is a small grid of its own, labelled by its 第二十条 item.
        grids = [(block["rows"], block["columns"], (block["label"],), block["id"]) for block in table["blocks"]]
    else:
        grids = [(table["rows"], table["columns"], None, None)]
    return [
        Cell(
            id=f"{tid}.{row['id']}.{col['id']}",
            table=tid,
            row=row["id"],
            column=col["id"],
            row_label=row["label"],
            column_label=col["label"],
            row_groups=row_groups if row_groups is not None else tuple(row.get("groups", ())),
            column_groups=tuple(col.get("groups", ())),
            type=col.get("type") or table["type"],
            unit=col.get("unit"),
            computed=bool(row.get("computed") or col.get("computed")),
            block=block,
        )
        for rows, cols, row_groups, block in grids
        for row in rows
        for col in cols
    ]


PREVIOUS = "previous:"


def _bindings(rule: dict[str, Any]) -> Iterator[tuple[str, str | None, Callable[[str], str]]]:
    """One ``(key, value, fill)`` per binding of a rule's ``for_each`` (one without it): ``fill``
    puts the value into a cell reference such as ``t3.r_new.{col}``."""
    for_each = rule.get("for_each") or {}
    ((var, values),) = for_each.items() if for_each else ((None, [None]),)
    for value in values:

        def fill(ref: str, var: str | None = var, value: str | None = value) -> str:
            return ref.replace("{" + var + "}", value) if var else ref

        yield (f"{rule['id']}[{value}]" if var else rule["id"]), value, fill


def _expand_rules(raw: dict[str, Any], key: str = "rules") -> list[Rule]:
    rules: list[Rule] = []
    for rule in raw.get(key, []):
        for rule_key, value, fill in _bindings(rule):
            rules.append(
                Rule(
                    id=rule["id"],
                    key=rule_key,
                    table=rule["table"],
                    severity=rule["severity"],
                    title=rule["title"],
                    lhs=tuple(fill(ref) for ref in rule["lhs"]),
                    rhs=tuple(fill(ref) for ref in rule["rhs"]),
                    lhs_name=rule.get("lhs_name"),
                    rhs_name=rule.get("rhs_name"),
                    defines=bool(rule.get("defines")),
                    binding=value,
                )
            )
    return rules


def _threshold(value: Any) -> int | Decimal:
    """A threshold from JSON/TOML as an exact number (floats via their shortest text)."""
    if isinstance(value, bool):
        raise TypeError("a threshold is a number")
    if isinstance(value, int):
        return value
    return Decimal(str(value))


def expand_plausibility_rules(raw: dict[str, Any]) -> list[PlausibilityRule]:
    """The ``plausibility_rules`` of a definition, one object per ``for_each`` binding."""
    rules: list[PlausibilityRule] = []
    for rule in raw.get("plausibility_rules", []):
        for rule_key, value, fill in _bindings(rule):
            rules.append(
                PlausibilityRule(
                    id=rule["id"],
                    key=rule_key,
                    kind=rule["kind"],
                    table=rule["table"],
                    severity=rule["severity"],
                    title=rule["title"],
                    rationale=rule["rationale"],
                    message=rule["message"],
                    example=rule["example"],
                    cells={role: tuple(fill(ref) for ref in refs) for role, refs in rule["cells"].items()},
                    thresholds={name: _threshold(v) for name, v in rule.get("thresholds", {}).items()},
                    enabled=rule.get("enabled", True),
                    binding=value,
                )
            )
    return rules


def _check_plausibility(spec: FormatSpec, seen_ids: set[str]) -> list[str]:
    problems: list[str] = []
    ids = {r.id for r in spec.rules} | {r.id for r in spec.cross_year_rules}
    kinds_by_id: dict[str, str] = {}
    for rule in spec.plausibility_rules:
        if rule.id in ids:
            problems.append(f"plausibility rule {rule.id} reuses the id of a sum or cross-year rule")
        if kinds_by_id.setdefault(rule.id, rule.kind) != rule.kind:  # pragma: no cover - one entry per id
            problems.append(f"plausibility rule {rule.id} declared twice")
        kind = PLAUSIBILITY_KINDS.get(rule.kind)
        if kind is None:
            problems.append(f"plausibility rule {rule.key} has unknown kind {rule.kind}")
            continue
        if set(rule.cells) != set(kind["roles"]):
            problems.append(f"plausibility rule {rule.key} ({rule.kind}) needs cells {list(kind['roles'])}")
        if set(rule.thresholds) != set(kind["thresholds"]):
            problems.append(f"plausibility rule {rule.key} ({rule.kind}) needs thresholds {list(kind['thresholds'])}")
        for refs in rule.cells.values():
            for ref in refs:
                if ref not in seen_ids:
                    problems.append(f"plausibility rule {rule.key} names unknown cell {ref}")
        try:
            rule.message.format(**dict.fromkeys(kind["placeholders"], "1"))
        except (KeyError, IndexError, ValueError) as exc:
            problems.append(f"plausibility rule {rule.key}: message uses an unknown placeholder {exc}")
    return problems


def _check_semantics(spec: FormatSpec) -> list[str]:
    """Checks the meta-schema cannot express; returns problems (empty when sound)."""
    problems: list[str] = []
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    seen_sheets: set[str] = set()
    for table in spec.tables:
        if table.sheet in seen_sheets:
            problems.append(f"duplicate sheet name {table.sheet}")
        seen_sheets.add(table.sheet)
        for cell in table.cells:
            if cell.id in seen_ids:
                problems.append(f"duplicate cell id {cell.id}")
            if cell.defined_name.lower() in seen_names:
                problems.append(f"defined name collision for {cell.id}")
            seen_ids.add(cell.id)
            seen_names.add(cell.defined_name.lower())
    for rule in spec.rules:
        for ref in rule.cells:
            if ref not in seen_ids:
                problems.append(f"rule {rule.key} names unknown cell {ref}")
        if rule.defines:
            if len(rule.lhs) != 1:
                problems.append(f"defining rule {rule.key} must have exactly one lhs cell")
            elif rule.lhs[0] in seen_ids and not spec.cells[rule.lhs[0]].computed:
                problems.append(f"defining rule {rule.key} defines input cell {rule.lhs[0]}")
            if rule.lhs[0] in rule.rhs:
                problems.append(f"rule {rule.key} is circular")
    for rule in spec.cross_year_rules:
        for ref in rule.cells:
            # previous: cells are named in this format too (last year's return in another format
            # simply lacks some of them, and the rule is then skipped)
            if ref.removeprefix(PREVIOUS) not in seen_ids:
                problems.append(f"cross-year rule {rule.key} names unknown cell {ref}")
    problems += _check_plausibility(spec, seen_ids)
    if not problems:
        defined = spec.formulas
        for cell_id in spec.computed_ids:
            if cell_id not in defined:
                problems.append(f"computed cell {cell_id} has no defining rule")
    cover_ids = [f.id for f in spec.cover]
    for required in ("unit_name", "unit_code", "year"):
        if required not in cover_ids:
            problems.append(f"cover lacks {required}")
    return problems


def build_spec(raw: dict[str, Any], *, check_meta: bool = True) -> FormatSpec:
    """Validate a format definition (meta-schema and semantics) and build its model.

    ``check_meta=False`` skips the meta-schema (the semantic checks still run): for the
    shipped definitions, which the test suite checks against the meta-schema, so that a
    command that needs no JSON Schema does not pay for importing jsonschema (~40-70 ms).
    """
    if check_meta:
        import jsonschema

        validator = jsonschema.Draft202012Validator(meta_schema())
        errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
        if errors:
            details = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors)
            raise FormatError(f"format definition {raw.get('id', '?')} is invalid: {details}")
    tables = tuple(
        Table(
            id=t["id"],
            number=t["number"],
            title=t["title"],
            sheet=t["sheet"],
            layout=t["layout"],
            definition=t,
            cells=tuple(_build_cells(t)),
        )
        for t in raw["tables"]
    )
    spec = FormatSpec(
        id=raw["id"],
        version=raw["version"],
        year_format=raw["year_format"],
        status=raw["status"],
        retired_versions=tuple(raw["retired_versions"]),
        title=raw["title"],
        notice=raw["notice"],
        notice_title=raw["notice_title"],
        notice_date=raw.get("notice_date"),
        first_year=raw["report_years"]["first"],
        last_year=raw["report_years"]["last"],
        cover=tuple(CoverField(**f) for f in raw["cover"]),
        tables=tables,
        rules=tuple(_expand_rules(raw)),
        definition=raw,
        cross_year_rules=tuple(_expand_rules(raw, "cross_year_rules")),
        plausibility_rules=tuple(expand_plausibility_rules(raw)),
        explanation_examples={
            rule["id"]: rule["example"]
            for key in ("cross_year_rules", "plausibility_rules")
            for rule in raw.get(key, [])
            if rule.get("example")
        },
    )
    problems = _check_semantics(spec)
    if problems:
        raise FormatError(f"format definition {spec.id} is inconsistent: " + "; ".join(problems))
    return spec


def load_format(format_id: str | int) -> FormatSpec:
    """Load one shipped format by id (``ogi-2021``) or alias (``2021``); one object per format."""
    name = normalise_format_id(format_id)
    if f"{name}.json" not in definition_files():
        raise UnknownFormatError(str(format_id))
    return _load(name)


@cache
def _load(name: str) -> FormatSpec:
    # Shipped definitions: tests/model/test_spec.py checks every one against the meta-schema.
    return build_spec(_read_json(f"{name}.json"), check_meta=False)


def normalise_format_id(value: str | int) -> str:
    """``2021`` / ``"2021"`` / ``"ogi-2021"`` -> ``"ogi-2021"``."""
    text = str(value).strip().lower()
    if re.fullmatch(r"\d{4}", text):
        return f"ogi-{text}"
    return text


def all_formats() -> list[FormatSpec]:
    """Every shipped format, oldest first."""
    return [load_format(name.removesuffix(".json")) for name in definition_files()]


def format_for_year(year: int) -> FormatSpec:
    """The format that applies to a report year (≤2020 → 2019 format, 2021 on → 2021 format)."""
    for spec in reversed(all_formats()):
        if spec.applies_to(year):
            return spec
    raise UnknownFormatError(f"no format applies to report year {year}")
