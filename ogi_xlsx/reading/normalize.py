"""Normalisation of typed values: one raw cell -> a number (or blank) plus findings.

Pure functions, no I/O. The policy (documented in the README):

- accepted with a warning (the value is used, the finding says how it was read):
  numbers stored as text, full-width digits (``１２``), units typed into the cell
  (``3件``, ``43.788万元``, ``251000元``; money is converted exactly to the cell's unit),
  ``+19`` (info), thousands separators, ``/`` ``—`` ``-`` ``无`` (counted as 0);
- errors (the value is not used, the cell counts as blank in sums): Excel error values,
  negative counts, decimals in counts, dates, booleans, formulas typed into input cells,
  text that is not a number.

Blank cells are not reported here: :func:`ogi_xlsx.checks.cover.blank_findings` does that once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ogi_xlsx.checks.rules import Number
from ogi_xlsx.model.findings import Finding, finding, format_number, piece
from ogi_xlsx.model.spec import Cell
from ogi_xlsx.reading.xlsx import RawCell

# Written for "nothing happened" in real reports (NOTES.md §5).
NOT_APPLICABLE = frozenset({"/", "／", "\\", "—", "——", "–", "―", "-", "－", "--", "无", "空", "×", "n/a", "N/A"})
COUNT_SUFFIXES = ("件", "个", "项", "次", "条", "宗", "人")
MONEY_FACTORS: dict[str, Decimal] = {
    "元": Decimal(1),
    "万元": Decimal(10000),
    "亿元": Decimal(100000000),
    # "4.5万" in a money cell means 4.5万元 (issue 11)
    "万": Decimal(10000),
    "亿": Decimal(100000000),
}
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")


@dataclass(frozen=True)
class Where:
    """How a finding names the cell: sheet, A1 address, table short name and cell id."""

    sheet: str
    address: str
    table: str
    cell: Cell

    @property
    def prefix(self) -> str:
        """``表三 D12（…label…）``: how a message names the cell."""
        return piece("where", table=self.table, address=self.address, label=self.cell.label)


def _finding(code: str, variant: str, where: Where, params: dict[str, object], **args: object) -> Finding:
    return finding(
        code,
        variant,
        {"where": where.prefix, **params},
        sheet=where.sheet,
        cell=where.address,
        cell_ids=(where.cell.id,),
        args=dict(args),
    )


def expected_text(cell: Cell) -> str:
    """What a cell should hold, as messages say it (非负整数, 整数, 金额（万元）)."""
    if cell.type == "amount":
        return piece("expected-amount", unit=piece("expected-amount-unit", unit=cell.unit) if cell.unit else "")
    return piece(f"expected-{cell.type}")


def _check_number(value: Decimal | int, where: Where, raw_text: str) -> tuple[Number | None, list[Finding]]:
    """Domain checks common to typed and parsed numbers."""
    cell = where.cell
    value = Decimal(value) if not isinstance(value, Decimal) else value
    if cell.type == "amount":
        if value < 0:
            return None, [_finding("value-negative", "amount", where, {"raw": raw_text}, raw=raw_text)]
        return value, []
    if value != value.to_integral_value():
        return None, [_finding("value-not-integer", "", where, {"raw": raw_text}, raw=raw_text)]
    number = int(value)
    if number < 0 and cell.type == "count":
        return None, [_finding("value-negative", "count", where, {"raw": raw_text}, raw=raw_text)]
    return number, []


def fold_fullwidth(text: str) -> str:
    """Full-width digits and signs -> ASCII (``１２．５`` -> ``12.5``)."""
    return "".join(unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in text)


def parse_text(text: str, where: Where) -> tuple[Number | None, list[Finding]]:
    """A number typed as text, read by the policy above."""
    cell = where.cell
    shown = text.strip()
    body = _SPACES.sub("", text)
    if not body:
        return None, []
    if body in NOT_APPLICABLE:
        return 0, [_finding("value-not-applicable", "", where, {"raw": shown}, raw=shown)]
    folded = fold_fullwidth(body)
    fullwidth = folded != body
    unit = None
    for suffix in sorted((*COUNT_SUFFIXES, *MONEY_FACTORS), key=len, reverse=True):
        if folded.endswith(suffix) and len(folded) > len(suffix):
            unit = suffix
            folded = folded[: -len(suffix)]
            break
    folded = folded.rstrip(".")  # "12." is 12
    match = _NUMBER.match(folded)
    if match is None:
        return None, [
            _finding("value-not-number", "", where, {"raw": shown, "expected": expected_text(cell)}, raw=shown)
        ]
    sign, digits, fraction = match.groups()
    try:
        value = Decimal(sign + digits.replace(",", "") + (fraction or ""))
    except InvalidOperation:  # pragma: no cover - the pattern excludes it
        return None, [_finding("value-not-number", "plain", where, {"raw": shown}, raw=shown)]
    notes = []
    if unit is not None:
        if unit in MONEY_FACTORS:
            if cell.type != "amount":
                variant = "count-in-units" if unit in ("万", "亿") else "count-as-money"
                return None, [_finding("value-not-number", variant, where, {"raw": shown, "unit": unit}, raw=shown)]
            target = cell.unit if cell.unit in MONEY_FACTORS else unit
            value = value * MONEY_FACTORS[unit] / MONEY_FACTORS[target]
            if target != unit and target != unit + "元":
                notes.append(piece("converted", unit=unit, target=target))
        elif cell.type == "amount":
            return None, [_finding("value-not-number", "amount-with-unit", where, {"raw": shown}, raw=shown)]
    number, errors = _check_number(value, where, shown)
    if errors:
        return None, errors
    if unit is not None:
        code = "value-unit-suffix"
    elif fullwidth:
        code = "value-fullwidth"
    elif sign == "+":
        code = "value-plus-sign"
    else:
        code = "value-text-number"
    also = piece("also-fullwidth") if fullwidth and code != "value-fullwidth" else ""
    if "," in digits:
        also += piece("also-thousands")
    params = {"raw": shown, "unit": unit, "also": also, "read": number, "notes": "".join(notes)}
    return number, [_finding(code, "", where, params, raw=shown, value=number)]


def normalize_input(raw: RawCell | None, where: Where) -> tuple[Number | None, list[Finding]]:
    """An input cell's value: int (counts), Decimal (money) or None (blank / unusable)."""
    if raw is None:
        return None, []
    if raw.formula is not None and raw.formula.strip().upper() in ("TRUE()", "FALSE()", "TRUE", "FALSE"):
        # LibreOffice saves a typed TRUE/FALSE as the formula =TRUE()
        raw = RawCell(raw.formula.strip().upper().startswith("TRUE"), "b")
    if raw.formula is not None and raw.formula.strip().upper() in ("NA()", "#N/A"):
        raw = RawCell("#N/A", "e")  # LibreOffice saves a typed #N/A as =NA()
    if raw.formula is not None:
        cached, _ = normalize_input(RawCell(raw.value, raw.kind, is_date=raw.is_date), where)
        return cached, [_finding("value-formula", "", where, {"formula": f"={raw.formula}"}, formula=raw.formula)]
    value = raw.value
    if raw.kind == "d":
        return None, [_finding("value-date", "", where, {"value": value, "expected": expected_text(where.cell)})]
    if raw.kind == "e":
        return None, [_finding("value-error", "", where, {"value": value}, raw=str(value))]
    if value is None:
        return None, []
    if isinstance(value, bool):
        shown = "TRUE" if value else "FALSE"
        return None, [_finding("value-bool", "", where, {"value": shown, "expected": expected_text(where.cell)})]
    if isinstance(value, (int, Decimal)):
        if raw.is_date:
            return None, [_finding("value-date", "serial", where, {"expected": expected_text(where.cell)})]
        value = excel_precision(value)
        return _check_number(value, where, format_number(value))
    return parse_text(str(value), where)


EXCEL_DIGITS = 15


def excel_precision(value: int | Decimal) -> int | Decimal:
    """A stored number as Excel shows it: at most 15 significant digits.

    Writers store binary floats with 16-17 digits (8.0414 is written ``8.041399999999999``);
    Excel and WPS display and compute with 15, which is what the clerk typed.
    """
    if isinstance(value, int) or len(value.as_tuple().digits) <= EXCEL_DIGITS:
        return value
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.prec = EXCEL_DIGITS
        rounded = +value
    return rounded.normalize() if rounded != rounded.to_integral_value() else rounded.quantize(Decimal(1))


def cached_number(raw: RawCell | None) -> Number | None:
    """The cached result of a formula cell, when it is a plain number."""
    if raw is None or isinstance(raw.value, bool) or raw.kind == "e":
        return None
    if isinstance(raw.value, (int, Decimal)):
        return raw.value
    return None


def excel_sum_view(raw: RawCell | None) -> Number:
    """What Excel's SUM() sees in a cell: numbers count, text, blanks and booleans are 0."""
    value = cached_number(raw)
    return 0 if value is None else value


@lru_cache(maxsize=8192)
def normalize_text(text: str) -> str:
    """Label comparison: half-width punctuation, no whitespace, ``1、`` == ``1.``."""
    folded = unicodedata.normalize("NFKC", text)
    folded = _SPACES.sub("", folded)
    folded = re.sub(r"^(\d+)[、.．]", r"\1.", folded)
    return folded.replace("“", '"').replace("”", '"')


def cell_text(raw: RawCell | None) -> str:
    """Any cell as text (for labels and cover fields)."""
    if raw is None or raw.value is None:
        return ""
    if isinstance(raw.value, bool):
        return "TRUE" if raw.value else "FALSE"
    if isinstance(raw.value, (int, Decimal)):
        return format_number(raw.value)
    return str(raw.value)
