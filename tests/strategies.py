"""Hypothesis strategies for consistent and random returns, derived from the format spec."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from ogi_xlsx.checks.rules import with_totals
from ogi_xlsx.model.spec import FormatSpec


def _input_value(cell) -> st.SearchStrategy:
    if cell.type == "amount":
        return st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
    if cell.type == "signed_count":
        return st.integers(-500, 500)
    return st.integers(0, 500)


@st.composite
def consistent_values(draw, spec: FormatSpec) -> dict:
    """Random inputs that satisfy every rule (totals recomputed, balances made to hold)."""
    values = {cid: draw(_input_value(spec.cells[cid])) for cid in spec.input_ids}
    values = with_totals(spec, values)
    for rule in spec.rules:
        if rule.defines:
            continue
        # Balance rules over input cells: make the first lhs input absorb the difference.
        adjustable = [ref for ref in rule.lhs if not spec.cells[ref].computed]
        if not adjustable:
            continue
        target = sum(values[ref] for ref in rule.rhs)
        others = adjustable[1:]
        for ref in others:
            values[ref] = draw(st.integers(0, max(0, target)))
            target -= values[ref]
        if target < 0:
            for ref in others:
                values[ref] = 0
            target = sum(values[ref] for ref in rule.rhs)
        values[adjustable[0]] = target
        values = with_totals(spec, values)
    return values


def money(value) -> Decimal:
    return Decimal(str(value))
