"""Plausibility (合理性) checks: figures that may be right but must be checked (queries).

The rules are data (``plausibility_rules`` in ``ogi_xlsx/formats/ogi-20xx.json``, each with its
thresholds and a one-line rationale); this module only knows how each *kind* of rule is checked.
Everything here is pure: a return's values (and last year's, for the year-on-year kinds) in,
:class:`~ogi_xlsx.model.findings.Finding` objects out. An office changes thresholds or switches rules
off in a settings file (:mod:`ogi_xlsx.checks.settings`).

Totals are recomputed from the inputs before checking, so a blank or wrong hand-filled total
(reported separately as a sum-rule error) neither hides nor invents a query.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from ogi_xlsx.checks.rules import Number, Values, with_totals
from ogi_xlsx.model.findings import Finding, finding, format_number, piece
from ogi_xlsx.model.spec import FormatSpec, PlausibilityRule

if TYPE_CHECKING:
    from ogi_xlsx.checks.settings import Settings
    from ogi_xlsx.model.document import ReturnDocument

# Which finding code each kind of rule produces.
_CODES = {
    "max": "implausible-value",
    "sum_max": "implausible-value",
    "per_item_min": "implausible-value",
    "yoy_increase": "implausible-change",
    "yoy_decrease": "implausible-change",
    "yoy_to_zero": "implausible-change",
    "all_of": "implausible-shape",
    "greater_than": "implausible-shape",
    "equals_sum": "implausible-shape",
    "nonzero": "implausible-shape",
}


def _numbers(values: Values) -> dict[str, Number | None]:
    """Only real numbers (text or booleans the schema rejected count as blank)."""
    return {k: v if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else None for k, v in values.items()}


def _n(value: Any) -> str:
    return format_number(value)


def _sum(values: Mapping[str, Number | None], refs: tuple[str, ...]) -> Number:
    total: Number = 0
    for ref in refs:
        total += values.get(ref) or 0
    return total


def _ratio(value: Number, previous: Number) -> str:
    return _n((Decimal(value) / Decimal(previous)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


class _Hit:
    """One firing of a rule: the cell to point at, the placeholders of its message, its numbers."""

    def __init__(self, focus: str, fields: dict[str, Any], cells: tuple[str, ...] | None = None) -> None:
        self.focus = focus
        self.fields = fields
        self.cells = cells


def _evaluate(
    rule: PlausibilityRule,
    values: Mapping[str, Number | None],
    previous: Mapping[str, Number | None] | None,
    previous_year: int | None,
) -> list[_Hit]:
    t = rule.thresholds
    cells = rule.cells
    kind = rule.kind
    hits: list[_Hit] = []
    if kind == "max":
        for ref in cells["cells"]:
            value = values.get(ref) or 0
            if value > t["max"]:
                hits.append(_Hit(ref, {"value": _n(value), "max": _n(t["max"])}, (ref,)))
    elif kind == "sum_max":
        value = _sum(values, cells["cells"])
        if value > t["max"]:
            hits.append(_Hit(cells["cells"][0], {"value": _n(value), "max": _n(t["max"])}))
    elif kind == "per_item_min":
        amount, count = _sum(values, cells["amount"]), _sum(values, cells["count"])
        if count > 0 and amount > 0 and Decimal(amount) / count < t["min"]:
            per_item = (Decimal(amount) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            fields = {"amount": _n(amount), "count": _n(count), "per_item": _n(per_item), "min": _n(t["min"])}
            hits.append(_Hit(cells["amount"][0], fields))
    elif kind in ("yoy_increase", "yoy_decrease", "yoy_to_zero"):
        if previous is None or previous_year is None:
            return []
        refs = cells["cells"] + cells.get("unless", ())
        if any(ref not in previous for ref in cells["cells"]) or any(ref not in values for ref in refs):
            return []  # last year's return is in a format without these cells
        for ref in cells["cells"]:
            value, last = values.get(ref) or 0, previous.get(ref) or 0
            base = {"value": _n(value), "previous": _n(last), "previous_year": previous_year}
            if kind == "yoy_increase":
                if last >= t["min_previous"] and value > t["min"] and value > t["factor"] * last:
                    ratio = _ratio(value, last) if last else "—"
                    fields = {**base, "factor": _n(t["factor"]), "min": _n(t["min"]), "ratio": ratio}
                    hits.append(_Hit(ref, fields, (ref,)))
            elif kind == "yoy_decrease":
                if last > t["min_previous"] and value * t["factor"] < last:
                    fields = {**base, "factor": _n(t["factor"]), "min_previous": _n(t["min_previous"])}
                    hits.append(_Hit(ref, fields, (ref,)))
            else:
                unless = _sum(values, cells["unless"])
                if value == 0 and last > 0 and unless < last:
                    hits.append(_Hit(ref, {**base, "unless": _n(unless)}, (ref, *cells["unless"])))
    elif kind == "all_of":
        whole = _sum(values, cells["whole"])
        if whole >= t["min"] and _sum(values, cells["parts"]) == whole:
            hits.append(_Hit(cells["whole"][0], {"whole": _n(whole), "min": _n(t["min"])}))
    elif kind == "greater_than":
        lhs, rhs = _sum(values, cells["lhs"]), _sum(values, cells["rhs"])
        if lhs > rhs and lhs >= t["min"]:
            hits.append(_Hit(cells["lhs"][0], {"lhs": _n(lhs), "rhs": _n(rhs), "min": _n(t["min"])}))
    elif kind == "equals_sum":
        value = _sum(values, cells["cell"])
        if value >= t["min"] and value == _sum(values, cells["parts"]):
            parts = "+".join(_n(values.get(ref) or 0) for ref in cells["parts"]).replace("+-", "-")
            hits.append(_Hit(cells["cell"][0], {"value": _n(value), "parts": parts, "min": _n(t["min"])}))
    elif kind == "nonzero":
        nonzero = tuple(ref for ref in cells["cells"] if (values.get(ref) or 0) > 0)
        if nonzero:
            hits.append(_Hit(nonzero[0], {"value": _n(values[nonzero[0]])}, nonzero))
    else:  # pragma: no cover - excluded by the format loader
        raise ValueError(f"unknown plausibility kind {kind}")
    return hits


def check_rule(
    spec: FormatSpec,
    rule: PlausibilityRule,
    values: Values,
    previous_values: Values | None = None,
    *,
    previous_year: int | None = None,
) -> list[Finding]:
    """Findings of one rule expansion on a return's values (totals recomputed here).

    ``previous_values`` is last year's return of the same unit (in its own format, totals
    included) for the year-on-year kinds; without it they do not apply.
    """
    current = with_totals(spec, _numbers(values))
    previous = _numbers(previous_values) if previous_values is not None else None
    return _check(spec, rule, current, previous, previous_year)


def _check(
    spec: FormatSpec,
    rule: PlausibilityRule,
    current: Mapping[str, Number | None],
    previous: Mapping[str, Number | None] | None,
    previous_year: int | None,
) -> list[Finding]:
    """:func:`check_rule` on values already prepared (numbers only, totals recomputed)."""
    from ogi_xlsx.model.layout import workbook_layout

    findings = []
    layout = workbook_layout(spec)
    for hit in _evaluate(rule, current, previous, previous_year):
        sheet, address = layout.locate(hit.focus)
        cell = spec.cells[hit.focus]
        where = piece("where", table=spec.table(cell.table).short, address=address, label=cell.label)
        findings.append(
            finding(
                _CODES[rule.kind],
                "",
                {"where": where, "title": rule.title, "text": rule.message.format(**hit.fields)},
                severity=rule.severity,
                sheet=sheet,
                cell=address,
                cell_ids=hit.cells or rule.all_cells,
                rule=rule.id,
                args={"rule_key": rule.key, "kind": rule.kind, **hit.fields, "thresholds": dict(rule.thresholds)},
            )
        )
    return findings


def check_values(
    spec: FormatSpec,
    values: Values,
    previous_values: Values | None = None,
    *,
    previous_year: int | None = None,
    settings: Settings | None = None,
) -> list[Finding]:
    """Every enabled plausibility rule of ``spec`` (thresholds as changed by ``settings``)."""
    # prepared once for all rules (recomputing the totals is most of the cost)
    current = with_totals(spec, _numbers(values))
    previous = _numbers(previous_values) if previous_values is not None else None
    findings: list[Finding] = []
    for declared in spec.plausibility_rules:
        rule = settings.apply(declared) if settings is not None else declared
        if not rule.enabled:
            continue
        findings += _check(spec, rule, current, previous, previous_year)
    return findings


def check_plausibility(
    doc: ReturnDocument, previous: ReturnDocument | None = None, settings: Settings | None = None
) -> list[Finding]:
    """The plausibility queries of a return; with ``previous`` (the same unit's return of the
    year before) also the year-on-year rules. Pure: nothing is read or written."""
    if previous is not None and previous.year != doc.year - 1:
        previous = None  # only last year's return says anything about this year's change
    # last year's totals recomputed in its own format, like this year's
    last = with_totals(previous.spec, _numbers(previous.values)) if previous is not None else None
    return check_values(
        doc.spec,
        doc.values,
        last,
        previous_year=previous.year if previous is not None else None,
        settings=settings,
    )


def describe_rules(spec: FormatSpec, settings: Settings | None = None) -> list[dict[str, Any]]:
    """The plausibility rules of a format as plain data (id, kind, title, rationale, thresholds,
    enabled), once per rule id, for ``formats`` listings and the README."""
    seen: dict[str, dict[str, Any]] = {}
    for declared in spec.plausibility_rules:
        rule = settings.apply(declared) if settings is not None else declared
        if rule.id in seen:
            continue
        seen[rule.id] = {
            "id": rule.id,
            "kind": rule.kind,
            "table": rule.table,
            "severity": rule.severity,
            "title": rule.title,
            "rationale": rule.rationale,
            "thresholds": {k: _n(v) for k, v in rule.thresholds.items()},
            "enabled": rule.enabled,
            "year_on_year": rule.year_on_year,
        }
    return list(seen.values())
