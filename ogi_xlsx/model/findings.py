"""Findings: problems in a return, as data (never raised).

Every finding has a stable ``code`` (listed in :data:`CODES` with its default severity
and a short Chinese title), a ``severity`` (error / query / warning / info), where it is
(``sheet``, ``cell`` in A1 notation, ``cell_ids``), the ``rule`` it comes from, and a
Chinese ``message`` a clerk can act on. ``args`` keeps the message's numbers for machines.

Severities, most serious first:

- ``error`` (错误): must be fixed; the return is not accepted.
- ``query`` (核实): a figure that may be right but must be checked. The unit either corrects it
  or explains it (情况说明); an unexplained query keeps the return 待补正, an explained one
  passes and carries its ``explanation`` to the summary.
- ``warning`` (警告) and ``info`` (提示): shown, never block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from string import Formatter
from typing import Any

from ogi_xlsx.model.messages import CATALOGUE, PIECES, QUOTE, QUOTE_CUT, Severity

SEVERITY_LABELS: dict[str, str] = {"error": "错误", "query": "核实", "warning": "警告", "info": "提示"}
SEVERITY_ORDER: dict[str, int] = {"error": 0, "query": 1, "warning": 2, "info": 3}

# code -> (default severity, short Chinese title), from the one message catalogue (model/messages.py).
CODES: dict[str, tuple[Severity, str]] = {code: (entry.severity, entry.title) for code, entry in CATALOGUE.items()}

# A quoted value from the file longer than this is shortened in messages (render option).
MAX_QUOTED = 80


class _Renderer(Formatter):
    """``str.format`` plus the catalogue's two field kinds: ``:q`` quoted file text, ``:n`` a number."""

    def __init__(self, max_quote: int | None) -> None:
        super().__init__()
        self.max_quote = max_quote

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "q":
            text = str(value)
            if self.max_quote is not None and len(text) > self.max_quote:
                return QUOTE_CUT.format(text=text[: self.max_quote], length=len(text))
            return QUOTE.format(text=text)
        if format_spec == "n":
            return format_number(value)
        return super().format_field(value, format_spec)


_RENDERERS: dict[int | None, _Renderer] = {}


def render(
    code: str, variant: str = "", params: dict[str, Any] | None = None, *, max_quote: int | None = MAX_QUOTED
) -> str:
    """The Chinese sentence of ``code`` (its ``variant`` template) with ``params`` filled in."""
    renderer = _RENDERERS.get(max_quote) or _RENDERERS.setdefault(max_quote, _Renderer(max_quote))
    return renderer.vformat(CATALOGUE[code].templates[variant], (), params or {})


def piece(key: str, /, **params: Any) -> str:
    """A named piece of a message (``PIECES`` in the catalogue), filled like a template."""
    renderer = _RENDERERS.get(MAX_QUOTED) or _RENDERERS.setdefault(MAX_QUOTED, _Renderer(MAX_QUOTED))
    return renderer.vformat(PIECES[key], (), params)


def finding(
    code: str,
    variant: str = "",
    params: dict[str, Any] | None = None,
    *,
    severity: Severity | None = None,
    sheet: str | None = None,
    cell: str | None = None,
    cell_ids: tuple[str, ...] = (),
    rule: str | None = None,
    args: dict[str, Any] | None = None,
    explanation: str | None = None,
) -> Finding:
    """A finding whose message is the catalogue's template for (``code``, ``variant``) filled with ``params``."""
    return Finding(
        code,
        render(code, variant, params),
        severity=severity,
        sheet=sheet,
        cell=cell,
        cell_ids=cell_ids,
        rule=rule,
        args=args if args is not None else {},
        explanation=explanation,
    )


@dataclass(frozen=True)
class Finding:
    """One problem found in a return."""

    code: str
    message: str
    severity: Severity | None = None
    sheet: str | None = None
    cell: str | None = None
    cell_ids: tuple[str, ...] = ()
    rule: str | None = None
    args: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # For a query the unit has explained acceptably (情况说明): the explanation's text.
    explanation: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")
        if self.severity is None:
            object.__setattr__(self, "severity", CODES[self.code][0])

    @property
    def title(self) -> str:
        return CODES[self.code][1]

    @property
    def where(self) -> str:
        """``表三 D12`` style location, or empty for file-level findings."""
        return " ".join(part for part in (self.sheet, self.cell) if part)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``findings`` entries of ``validate --json``)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "cell_ids": list(self.cell_ids),
            "rule": self.rule,
            "title": self.title,
            "message": self.message,
            "args": {k: _jsonable(v) for k, v in self.args.items()},
            **({"explanation": self.explanation} if self.explanation is not None else {}),
        }


def _jsonable(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def format_number(value: object) -> str:
    """A number as a clerk writes it: ``12``, ``43.788`` (no exponent, no trailing zeros)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return format(value.normalize(), "f")
    return str(value)


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    """True when any finding has error severity (the return cannot be accepted)."""
    return any(f.severity == "error" for f in findings)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then queries, warnings, infos; stable otherwise."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity or "error"])


def open_queries(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    """The queries (核实) the unit has neither corrected nor explained acceptably."""
    return [f for f in findings if f.severity == "query" and not f.explanation]


def has_open_queries(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    """True when a query is left unexplained: the return is 待补正 (not passed), like an error."""
    return any(f.severity == "query" and not f.explanation for f in findings)


def queries_as_warnings(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    """The old behaviour (``--queries-as-warnings``, setting ``queries_as_warnings``): every
    query shown as a warning, which nobody has to answer."""
    from dataclasses import replace

    return [replace(f, severity="warning") if f.severity == "query" else f for f in findings]


_BLANK_CODES = ("value-blank", "value-blank-strict")


def group_blanks(findings: Sequence[Finding]) -> list[Finding]:
    """Blank-cell findings of one sheet as one line ("表三 D10:I12、F6 共 19 格未填写，已按 0 计算"),
    where the first of them was; other findings unchanged. For people only: JSON keeps one per cell."""
    by_sheet: dict[tuple[str, str | None, str], list[Finding]] = {}
    for f in findings:
        if f.code in _BLANK_CODES and f.cell:
            by_sheet.setdefault((f.code, f.severity, f.sheet or ""), []).append(f)
    out: list[Finding] = []
    emitted: set[tuple[str, str | None, str]] = set()
    for f in findings:
        key = (f.code, f.severity, f.sheet or "")
        group = by_sheet.get(key) if f.code in _BLANK_CODES and f.cell else None
        if group is None or len(group) < 2:
            out.append(f)
            continue
        if key in emitted:
            continue
        emitted.add(key)
        from ogi_xlsx.model.cellref import cell_ranges

        ranges = cell_ranges([g.cell or "" for g in group])
        table = group[0].args.get("table") or f.sheet or ""
        cell = ranges[0] + ("…" if len(ranges) > 1 else "")
        cell_ids = tuple(cid for g in group for cid in g.cell_ids)
        params = {"table": table, "ranges": "、".join(ranges), "count": len(group)}
        out.append(finding(f.code, "group", params, severity=f.severity, sheet=f.sheet, cell=cell, cell_ids=cell_ids))
    return out
