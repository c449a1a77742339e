"""Value tokens: what a published report prints in a cell, kept apart (blank, "/", 0, +19, 减4, 251000元).

A token remembers the text it came from and where (provenance), so that every imported value
can be traced back to a page, table, row and column, or to a line of a text copy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

Kind = Literal["number", "blank", "na", "bad"]

# Printed instead of a number when nothing applies; kept apart from blank and from 0.
NOT_APPLICABLE = frozenset({"/", "／", "\\", "—", "——", "–", "-", "--", "－", "无", "x", "X", "×", "—/—"})
_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_NUMBER = re.compile(
    r"^(?P<sign>[+\-]|增|减|增加|减少)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<unit>万元|元|件|个|项|条|次|起|宗)?$"
)


@dataclass(frozen=True)
class Token:
    """One printed cell: its kind, the number (int / Decimal) when it is one, the raw text, where it was."""

    kind: Kind
    raw: str
    value: int | Decimal | None = None
    unit: str | None = None  # printed inside the cell: 元 / 万元 (converted), 件 / 个 / 项 … (dropped)
    signed: bool = False  # "+19", "减4"
    where: str = ""

    @property
    def shown(self) -> str:
        return self.raw.strip() or "空白"


def clean(text: str | None) -> str:
    """Width-normalised text without any spaces (U+3000 and NBSP included)."""
    if not text:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def parse_token(text: str | None, where: str = "") -> Token:
    """The token of one printed cell (never raises)."""
    raw = text or ""
    s = clean(raw)
    if not s:
        return Token("blank", raw, where=where)
    if s in NOT_APPLICABLE or s in {unicodedata.normalize("NFKC", x) for x in NOT_APPLICABLE}:
        return Token("na", raw, where=where)
    m = _NUMBER.match(s)
    if m is None:
        return Token("bad", raw, where=where)
    number_text = m.group("num").replace(",", "")
    try:
        number = Decimal(number_text)
    except InvalidOperation:  # pragma: no cover - the pattern excludes it
        return Token("bad", raw, where=where)
    sign = m.group("sign") or ""
    if sign in ("-", "减", "减少"):
        number = -number
    value: int | Decimal = int(number) if "." not in number_text else number
    return Token("number", raw, value, unit=m.group("unit"), signed=bool(sign), where=where)


def is_value_text(text: str | None) -> bool:
    """True when a cell's text is a value (a number, blank or a not-applicable mark), not a label."""
    return parse_token(text).kind != "bad"


_TO_YUAN = {"元": Decimal(1), "万元": Decimal(10000)}


def convert_amount(value: int | Decimal, unit_from: str | None, unit_to: str | None) -> Decimal:
    """An amount from one money unit to another, exactly (251000 元 -> 25.1 万元)."""
    amount = Decimal(value)
    if not unit_from or not unit_to or unit_from == unit_to:
        return amount
    result = amount * _TO_YUAN[unit_from] / _TO_YUAN[unit_to]
    return result.normalize() if result != result.to_integral_value() else result.quantize(Decimal(1))
