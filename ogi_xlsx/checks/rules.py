"""Sum rules (勾稽关系): compute totals and check a return's values, as pure functions.

Values are a mapping from cell id to ``int`` (counts), ``Decimal`` (money) or ``None``
(blank, counted as 0 in sums). Problems come back as :class:`Finding` objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ogi_xlsx.model.document import Number
from ogi_xlsx.model.findings import Finding, finding, format_number, piece
from ogi_xlsx.model.layout import NO_MOVES, Moves, workbook_layout
from ogi_xlsx.model.spec import FormatSpec, Rule

Values = Mapping[str, Number | None]


def _sum(values: Values, refs: tuple[str, ...]) -> Number:
    total: Number = 0
    for ref in refs:
        value = values.get(ref)
        if value is not None:
            total += value
    return total


@lru_cache(maxsize=16)
def _total_order(spec: FormatSpec) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(total, its cells) in an order where every total comes after the totals it sums."""
    formulas = spec.formulas
    known = set(spec.input_ids)
    order: list[tuple[str, tuple[str, ...]]] = []
    pending = list(spec.computed_ids)
    while pending:
        ready = [cid for cid in pending if all(ref in known for ref in formulas[cid].rhs)]
        if not ready:  # pragma: no cover - excluded by spec validation
            raise RuntimeError(f"circular totals in {spec.id}: {pending}")
        for cid in ready:
            order.append((cid, formulas[cid].rhs))
            known.add(cid)
        pending = [cid for cid in pending if cid not in known]
    return tuple(order)


def compute_totals(spec: FormatSpec, values: Values, fixed: Values | None = None) -> dict[str, Number]:
    """Every computed cell recomputed from the inputs (blanks count as 0).

    Defining rules may refer to other computed cells (（七）总计 / 总计), so cells are
    resolved in dependency order (worked out once per format); the format loader
    guarantees there is no cycle. ``fixed``: totals that hold a typed number instead of their
    formula (what a spreadsheet shows then: the totals summing them follow that number).
    """
    result: dict[str, Number | None] = {cid: values.get(cid) for cid in spec.input_ids}
    for cell_id, refs in _total_order(spec):
        result[cell_id] = fixed[cell_id] if fixed and cell_id in fixed else _sum(result, refs)
    return {cid: result[cid] for cid in spec.computed_ids}  # type: ignore[misc]


def with_totals(spec: FormatSpec, values: Values) -> dict[str, Number | None]:
    """Inputs as given plus recomputed totals, in the format's cell order."""
    totals = compute_totals(spec, values)
    return {cid: totals[cid] if cid in totals else values.get(cid) for cid in spec.cell_ids}


def _cell_ref(spec: FormatSpec, cell_id: str, moves: Moves = NO_MOVES) -> tuple[str, str]:
    """(sheet, address) of a cell in the workbook the values came from."""
    return moves.place(*workbook_layout(spec).locate(cell_id))


def _contributors(spec: FormatSpec, values: Values, refs: tuple[str, ...], moves: Moves) -> str:
    parts = []
    for ref in refs:
        value = values.get(ref)
        shown = piece("empty") if value is None else format_number(value)
        parts.append(piece("contributor", address=_cell_ref(spec, ref, moves)[1], value=shown))
    return "、".join(parts)


def _short_names(spec: FormatSpec, cell_ids: tuple[str, ...]) -> dict[str, str]:
    """The part of each cell's label that tells the rule's cells apart: the row ("四、结转下年度继续办理")
    when they share a column, else the column ("本年制发件数")."""
    parts = {cid: spec.cells[cid].label.split(" / ", 1) for cid in cell_ids}
    rows = {p[0] for p in parts.values()}
    if len(rows) == 1 and all(len(p) == 2 for p in parts.values()):
        return {cid: p[1] for cid, p in parts.items()}
    return {cid: p[0] for cid, p in parts.items()}


def _to_check(spec: FormatSpec, rule: Rule, moves: Moves) -> str:
    """The cells to look at, most likely wrong first: the typed rows of the checked side, then the
    other side's; a total is named by the rows it sums ("（七）总计的各项")."""
    if all(spec.cells[cid].computed for cid in rule.cells):
        return piece("check-columns")
    names = _short_names(spec, rule.cells)
    focus = _focus(rule)
    # typed cells first (the checked one first), then the totals, named by what they sum
    ordered = sorted(rule.cells, key=lambda c: (spec.cells[c].computed, c != focus))
    shown: list[str] = []
    for cid in ordered:
        if spec.cells[cid].computed:
            text = piece("check-items", name=names[cid])
        else:
            text = piece("check-cell", address=_cell_ref(spec, cid, moves)[1], name=names[cid])
        if text not in shown:
            shown.append(text)
    return "、".join(shown)


def _focus(rule: Rule) -> str:
    """The cell a clerk should look at first: the total, or for a balance the carried-over row."""
    return rule.lhs[0] if rule.defines else rule.rhs[-1]


@dataclass(frozen=True)
class TypedTotals:
    """Totals typed over their formula (cell id -> the number), totals that follow them, and the values
    with every total recomputed: formula-overwritten says what happened, once; a rule they take part in
    says that it follows from it (issue 11)."""

    typed: Mapping[str, Number]
    following: Mapping[str, Number]
    recomputed: Values


def _typed_note(spec: FormatSpec, rule: Rule, typed: TypedTotals, moves: Moves) -> tuple[str, bool]:
    """The note on a rule a typed-over total takes part in (empty when none), and whether the rule
    holds once the formulas are back (then it is only that consequence: information)."""
    follows = [cid for cid in rule.cells if cid in typed.following]
    if not follows and not any(cid in typed.typed for cid in rule.cells):
        return "", False

    def cells(numbers: Mapping[str, Number], ids: Iterable[str]) -> str:
        return "、".join(
            piece("contributor", address=_cell_ref(spec, cid, moves)[1], value=format_number(numbers[cid]))
            for cid in ids
        )

    parts = [piece("typed-cause", cells=cells(typed.typed, typed.typed))]
    if follows:
        parts.append(piece("typed-follows", cells=cells(typed.following, follows)))
    if check_rule(spec, rule, typed.recomputed) is None:
        parts.append(piece("typed-consequence"))
        return piece("typed-note-consequence", parts="，".join(parts)), True
    return piece("typed-note-check", parts="，".join(parts)), False


def check_rule(
    spec: FormatSpec, rule: Rule, values: Values, moves: Moves = NO_MOVES, typed: TypedTotals | None = None
) -> Finding | None:
    """Check one rule expansion; a finding when ``sum(lhs) != sum(rhs)`` (addresses as ``moves`` places them).

    ``typed``: totals typed over their formula; the rule defining one is not reported again, and a rule one
    takes part in says so (see :class:`TypedTotals`).
    """
    left = _sum(values, rule.lhs)
    right = _sum(values, rule.rhs)
    if left == right:
        return None
    if typed is not None and rule.defines and rule.lhs[0] in typed.typed:
        return None  # formula-overwritten on that very total says it
    note, consequence_only = _typed_note(spec, rule, typed, moves) if typed is not None else ("", False)
    focus = _focus(rule)
    cell = spec.cells[focus]
    sheet, address = _cell_ref(spec, focus, moves)
    params: dict[str, object] = {
        "where": piece("where", table=spec.table(rule.table).short, address=address, label=cell.label),
        "title": rule.title,
        "contributors": _contributors(spec, values, rule.cells, moves),
        "note": note,
    }
    blank_side = [side for side in (rule.lhs, rule.rhs) if all(values.get(ref) is None for ref in side)]
    if blank_side:
        total_blank = blank_side[0] is rule.lhs
        params |= {
            "side": piece("side-total" if total_blank else "side-items"),
            "expected": right if total_blank else left,
        }
        code, variant = "sum-blank", ""
    elif rule.defines:
        params |= {"reported": left, "expected": right, "difference": left - right}
        code, variant = "sum-mismatch", "total"
    else:
        # an instruction: the two sides, the gap, and the cells to look at (issue 11)
        params |= {
            "lname": rule.lhs_name or piece("left"),
            "rname": rule.rhs_name or piece("right"),
            "left": left,
            "right": right,
            "gap": abs(left - right),
            "to_check": _to_check(spec, rule, moves),
        }
        code, variant = "sum-mismatch", "balance"
    severity = "info" if consequence_only else ("warning" if code == "sum-blank" else rule.severity)
    args = {"reported": left, "expected": right, "difference": left - right}
    return finding(
        code,
        variant,
        params,
        severity=severity,
        sheet=sheet,
        cell=address,
        cell_ids=rule.cells,
        rule=rule.id,
        args={**args, "cells": {ref: values.get(ref) for ref in rule.cells}, "rule_key": rule.key},
    )


def check_rules(
    spec: FormatSpec, values: Values, moves: Moves = NO_MOVES, typed: TypedTotals | None = None
) -> list[Finding]:
    """Every rule of the format against the given values (totals as reported)."""
    findings = []
    for rule in spec.rules:
        found = check_rule(spec, rule, values, moves, typed)
        if found is not None:
            findings.append(found)
    return findings


def _calculation(
    spec: FormatSpec,
    terms: list[tuple[bool, str, str]],
    focus: str,
    values: Values,
    previous_values: Values,
    previous_year: int,
) -> str:
    """``lhs = rhs`` solved for the focus cell: the other terms with their signs, what it should be, what it is."""
    names = _short_names(spec, tuple(cid for _, cid, _ in terms if cid in spec.cells))
    parts: list[str] = []
    expected: Number = 0
    for previous, cid, side in sorted(terms, key=lambda t: t[2] != "rhs"):  # added terms first
        if not previous and cid == focus and side == "lhs":
            continue
        value = (previous_values if previous else values).get(cid) or 0
        sign = 1 if side == "rhs" else -1
        expected += sign * value
        short = names.get(cid, cid)
        if previous:
            name = piece("term-previous-year", year=previous_year, name=short)
        else:
            name = piece("term-this-year", name=short.removeprefix(piece("this-year")))
        op = ("" if not parts else " + ") if sign > 0 else " − "
        parts.append(f"{op}{name} {format_number(value)}")
    reported = format_number(values.get(focus) or 0)
    return piece("calculation", terms="".join(parts), expected=format_number(expected), reported=reported)


def check_cross_year(spec: FormatSpec, values: Values, previous_values: Values, *, previous_year: int) -> list[Finding]:
    """The soft cross-year rules of ``spec`` (X1 …): this year's return against the same unit's
    return of ``previous_year`` (``previous_values``, in that return's own format, totals included).

    A rule naming a cell that one of the two returns lacks (last year used another format)
    does not apply. Blank cells count as 0.
    """
    from ogi_xlsx.model.spec import PREVIOUS

    findings = []
    for rule in spec.cross_year_rules:
        terms = [
            (ref.startswith(PREVIOUS), ref.removeprefix(PREVIOUS), side)
            for side, refs in (("lhs", rule.lhs), ("rhs", rule.rhs))
            for ref in refs
        ]
        if any(cid not in (previous_values if previous else values) for previous, cid, _ in terms):
            continue
        sums: dict[str, Number] = {"lhs": 0, "rhs": 0}
        for previous, cid, side in terms:
            sums[side] += (previous_values if previous else values)[cid] or 0
        left, right = sums["lhs"], sums["rhs"]
        if left == right:
            continue
        focus = next(cid for previous, cid, _ in terms if not previous)
        sheet, address = _cell_ref(spec, focus)
        params = {
            "where": piece("where", table=spec.table(rule.table).short, address=address, label=spec.cells[focus].label),
            "lname": (rule.lhs_name or piece("this-year")).replace("{previous_year}", str(previous_year)),
            "rname": (rule.rhs_name or piece("last-year")).replace("{previous_year}", str(previous_year)),
            "left": left,
            "right": right,
            "difference": left - right,
            "title": rule.title,
        }
        variant = ""
        if len(terms) > 2:
            # a calculation, written out: "2023 年度现行有效 10 + 本年制发件数 3 − 本年废止件数 1 应为 12，填报 11"
            params["calculation"] = _calculation(spec, terms, focus, values, previous_values, previous_year)
            variant = "calculation"
        findings.append(
            finding(
                "cross-year-mismatch",
                variant,
                params,
                severity=rule.severity,
                sheet=sheet,
                cell=address,
                cell_ids=tuple(cid for previous, cid, _ in terms if not previous),
                rule=rule.id,
                args={
                    "reported": left,
                    "expected": right,
                    "difference": left - right,
                    "previous_year": previous_year,
                    "previous_cells": {cid: previous_values.get(cid) for previous, cid, _ in terms if previous},
                    "rule_key": rule.key,
                },
            )
        )
    return findings
