"""The normalisation policy, cell by cell: what is accepted (with which finding) and what is an error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ogi_xlsx.model.findings import CODES
from ogi_xlsx.model.spec import load_format
from ogi_xlsx.reading.normalize import Where, normalize_input, normalize_text
from ogi_xlsx.reading.xlsx import RawCell

S2021 = load_format("2021")
S2019 = load_format("2019")
COUNT = S2021.cells["t3.r_new.c_natural"]
MONEY_WAN = S2021.cells["t2.r_fees.c_fee_amount"]  # 万元
MONEY_YUAN = S2019.cells["t2.r_procurement.c_proc_amount"]  # 元
SIGNED = S2019.cells["t2.r_license.c_delta"]


def norm(raw: RawCell | None, cell=COUNT):
    where = Where("表", "D6", "表三", cell)
    return normalize_input(raw, where)


def s(text: str) -> RawCell:
    return RawCell(text, "s")


@pytest.mark.parametrize(
    ("raw", "cell", "value", "code"),
    [
        (RawCell(12, "n"), COUNT, 12, None),
        (RawCell(Decimal("12.0"), "n"), COUNT, 12, None),
        (None, COUNT, None, None),
        (s("   "), COUNT, None, None),
        (s("12"), COUNT, 12, "value-text-number"),
        (s(" 1,234 "), COUNT, 1234, "value-text-number"),
        (s("１２"), COUNT, 12, "value-fullwidth"),
        (s("3件"), COUNT, 3, "value-unit-suffix"),
        (s("3 件"), COUNT, 3, "value-unit-suffix"),
        (s("+19"), SIGNED, 19, "value-plus-sign"),
        (s("-5"), SIGNED, -5, "value-text-number"),
        (RawCell(-5, "n"), SIGNED, -5, None),
        (s("43.788万元"), MONEY_WAN, Decimal("43.788"), "value-unit-suffix"),
        (s("251000元"), MONEY_WAN, Decimal("25.1"), "value-unit-suffix"),
        (s("251000元"), MONEY_YUAN, Decimal("251000"), "value-unit-suffix"),
        (s("1.5万元"), MONEY_YUAN, Decimal("15000"), "value-unit-suffix"),
        (RawCell(Decimal("0.1"), "n"), MONEY_WAN, Decimal("0.1"), None),
        (RawCell(Decimal("8.041399999999999"), "n"), MONEY_WAN, Decimal("8.0414"), None),
        (RawCell(Decimal("3.0000000000000004"), "n"), COUNT, 3, None),
        (s("/"), COUNT, 0, "value-not-applicable"),
        (s("—"), COUNT, 0, "value-not-applicable"),
        (s("-"), COUNT, 0, "value-not-applicable"),
        (s("无"), COUNT, 0, "value-not-applicable"),
        (s("／"), MONEY_WAN, 0, "value-not-applicable"),
        (RawCell(-3, "n"), COUNT, None, "value-negative"),
        (s("-3"), COUNT, None, "value-negative"),
        (RawCell(Decimal("-1.5"), "n"), MONEY_WAN, None, "value-negative"),
        (RawCell(Decimal("2.5"), "n"), COUNT, None, "value-not-integer"),
        (s("2.5件"), COUNT, None, "value-not-integer"),
        (RawCell(45000, "n", is_date=True), COUNT, None, "value-date"),
        (RawCell("2024-01-01T00:00:00", "d"), COUNT, None, "value-date"),
        (RawCell(True, "b"), COUNT, None, "value-bool"),
        (RawCell("#VALUE!", "e"), COUNT, None, "value-error"),
        (RawCell(7, "n", formula="3+4"), COUNT, 7, "value-formula"),
        (s("三件"), COUNT, None, "value-not-number"),
        (s("3万元"), COUNT, None, "value-not-number"),
        (s("3件"), MONEY_WAN, None, "value-not-number"),
        (s("约5"), COUNT, None, "value-not-number"),
    ],
)
def test_policy(raw, cell, value, code):
    got, findings = norm(raw, cell)
    assert got == value
    assert type(got) is type(value)
    assert [f.code for f in findings] == ([code] if code else [])
    for f in findings:
        assert f.code in CODES and f.cell == "D6" and f.cell_ids == (cell.id,)
        assert f.message.startswith("表三 D6（") and cell.label in f.message
    if value is None and code:
        assert findings[0].severity == "error"


def test_money_conversion_is_exact():
    got, _ = norm(s("1元"), MONEY_WAN)
    assert got == Decimal("0.0001") and isinstance(got, Decimal)
    got, _ = norm(s("１２３．４５万元"), MONEY_WAN)
    assert got == Decimal("123.45")


def test_accepted_conversions_are_warnings_or_info_and_say_what_was_read():
    for text in ("12", "１２", "3件", "/"):
        _, findings = norm(s(text))
        assert findings[0].severity in ("warning", "info")
        assert text in findings[0].message


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.属于国家秘密", "1、属于国家秘密"),
        ("（一）予以公开", "(一)予以公开"),
        ("本年收费金额（单位：万元）", "本年收费金额(单位:万元)"),
        ("规 章", "规章"),
        ("行政\n许可", "行政许可"),
    ],
)
def test_label_comparison_is_tolerant(a, b):
    assert normalize_text(a) == normalize_text(b)


def test_label_comparison_still_sees_changes():
    assert normalize_text("规章") != normalize_text("规章制度")
