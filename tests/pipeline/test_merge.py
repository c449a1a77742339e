"""The pure merge: statuses, sums, provenance, and its properties (hypothesis)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogi_xlsx.checks.rules import with_totals
from ogi_xlsx.model.document import ReturnDocument
from ogi_xlsx.model.findings import Finding
from ogi_xlsx.model.spec import load_format
from ogi_xlsx.pipeline.merge import MergeError, MergeInput, merge_returns

SPEC = load_format("2021")
SPEC19 = load_format("2019")


def _value(cell, blanks: bool):
    if cell.type == "amount":
        base = st.decimals(min_value=0, max_value=10**5, places=4, allow_nan=False, allow_infinity=False)
    elif cell.type == "signed_count":
        base = st.integers(-50, 50)
    else:
        base = st.integers(0, 300)
    return st.one_of(st.none(), base) if blanks else base


@st.composite
def input_values(draw, spec=SPEC, blanks: bool = True) -> dict:
    return {cid: draw(_value(spec.cells[cid], blanks)) for cid in spec.input_ids}


def make_doc(code: str, values: dict, *, spec=SPEC, year: int = 2024, name: str | None = None) -> ReturnDocument:
    return ReturnDocument(
        format=spec.id,
        format_version=spec.version,
        year=year,
        unit_code=code,
        unit_name=name if name is not None else f"单位{code}",
        values=with_totals(spec, values),
    )


def make_input(
    doc: ReturnDocument | None,
    path: str,
    *,
    content: str | None = None,
    mtime: float = 1_736_000_000.0,
    valid: bool = True,
    findings: tuple[Finding, ...] = (),
    code: str | None = None,
) -> MergeInput:
    """A FileReport-like record; ``content`` decides the sha256 (same content = same file)."""
    content = content if content is not None else (doc.dumps() if doc else path)
    return MergeInput.from_report(
        type(
            "Report",
            (),
            {
                "path": path,
                "sha256": hashlib.sha256(content.encode()).hexdigest(),
                "size": len(content.encode()),
                "mtime": mtime,
                "format": doc.format if doc else None,
                "format_version": doc.format_version if doc else None,
                "year": doc.year if doc else None,
                "unit_code": code if code is not None else (doc.unit_code if doc else ""),
                "unit_name": doc.unit_name if doc else "",
                "document": doc,
                "findings": findings,
                "valid": valid,
            },
        )()
    )


def zeros(spec=SPEC) -> dict:
    return {cid: Decimal(0) if spec.cells[cid].type == "amount" else 0 for cid in spec.input_ids}


WARN = Finding("value-blank", "表三 F6：未填写，已按 0 计算", sheet="三、依申请公开", cell="F6")
ERROR = Finding("sum-mismatch", "表三 I12：一+二=15，三+四=14，相差 1", sheet="三、依申请公开", cell="I12")


# --------------------------------------------------------------------------- properties

units_values = st.lists(input_values(), min_size=1, max_size=4)
fast = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@fast
@given(units_values, st.randoms(use_true_random=False))
def test_merge_is_independent_of_input_order(values_list, rnd):
    inputs = [make_input(make_doc(f"U{i:02d}", v), f"r/U{i:02d}.xlsx") for i, v in enumerate(values_list)]
    inputs.append(inputs[0].__class__(**{**inputs[0].__dict__, "path": "copy/U00.xlsx"}))  # a duplicate
    shuffled = list(inputs)
    rnd.shuffle(shuffled)
    a = merge_returns(inputs, unit_code="D1", unit_name="区")
    b = merge_returns(shuffled, unit_code="D1", unit_name="区")
    assert a.document.to_json() == b.document.to_json()
    assert a.units == b.units
    assert a.files == b.files
    assert [c.code for c in a.contributions] == [c.code for c in b.contributions]


@pytest.mark.slow
@fast
@given(input_values())
def test_merging_one_return_reproduces_it(values):
    doc = make_doc("U01", values)
    result = merge_returns([make_input(doc, "U01.xlsx")], unit_code="D01", unit_name="区")
    # Blank inputs become 0 in the summary; everything else is reproduced exactly, types included.
    expected = with_totals(SPEC, {cid: zeros()[cid] if v is None else v for cid, v in values.items()})
    assert result.document.values == expected
    for cid, value in result.document.values.items():
        assert type(value) is (Decimal if SPEC.cells[cid].type == "amount" else int)
    assert result.document.to_json()["values"] == make_doc("U01", expected).to_json()["values"]
    assert set(result.blank_everywhere) == {cid for cid, v in values.items() if v is None}


@pytest.mark.slow
@fast
@given(units_values)
def test_breakdown_sums_to_the_summary_for_every_cell(values_list):
    inputs = [make_input(make_doc(f"U{i:02d}", v), f"U{i:02d}.xlsx") for i, v in enumerate(values_list)]
    result = merge_returns(inputs)
    for cid in SPEC.cell_ids:
        column = [c.values[cid] for c in result.contributions]
        assert sum(v for v in column if v is not None) == result.document.values[cid], cid


@pytest.mark.slow
@fast
@given(units_values, st.data())
def test_a_duplicate_never_changes_the_totals(values_list, data):
    inputs = [make_input(make_doc(f"U{i:02d}", v), f"U{i:02d}.xlsx") for i, v in enumerate(values_list)]
    base = merge_returns(inputs)
    victim = data.draw(st.sampled_from(inputs))
    copies = data.draw(st.integers(1, 3))
    extra = [MergeInput(**{**victim.__dict__, "path": f"again/{n}/{victim.name}"}) for n in range(copies)]
    result = merge_returns(inputs + extra)
    assert result.document.values == base.document.values
    unit = next(u for u in result.units if u.code == victim.unit_code)
    assert unit.status == "duplicate"
    assert [f.use for f in unit.files].count("counted") == 1
    assert [f.use for f in unit.files].count("copy") == copies
    assert result.complete


# --------------------------------------------------------------------------- statuses


def test_roster_statuses_and_counts():
    roster = {
        "A1": "甲街道",
        "A2": "乙街道",
        "A3": "丙街道",
        "A4": "丁街道",
        "A5": "戊街道",
    }
    a1 = make_doc("A1", {**zeros(), "t3.r_new.c_natural": 5})
    a2 = make_doc("A2", {**zeros(), "t3.r_new.c_natural": 7})
    a3 = make_doc("A3", {**zeros(), "t3.r_new.c_natural": 100})
    a5_one = make_doc("A5", {**zeros(), "t3.r_new.c_natural": 1})
    a5_two = make_doc("A5", {**zeros(), "t3.r_new.c_natural": 2})
    x9 = make_doc("X9", {**zeros(), "t3.r_new.c_natural": 1000})
    inputs = [
        make_input(a1, "A1.xlsx"),
        make_input(a2, "A2.xlsx", findings=(WARN,)),
        make_input(a2, "A2 (1).xlsx", findings=(WARN,)),  # the same file again
        make_input(a3, "A3.xlsx", valid=False, findings=(ERROR,)),
        make_input(a5_one, "A5.xlsx", mtime=1_000.0),
        make_input(a5_two, "A5-改.xlsx", mtime=2_000.0),
        make_input(x9, "X9.xlsx"),
        make_input(None, "broken.xlsx", valid=False, findings=(Finding("file-corrupt", "文件已损坏"),)),
    ]
    result = merge_returns(inputs, roster=roster, unit_code="LC", unit_name="鲤城区")
    status = {u.code: u.status for u in result.units}
    assert status == {
        "A1": "merged",
        "A2": "duplicate",
        "A3": "invalid",
        "A4": "missing",
        "A5": "conflict",
        "X9": "unexpected",
    }
    assert result.document.values["t3.r_new.c_natural"] == 12
    assert result.document.values["t3.r_new.c_total"] == 12
    c = result.counts
    assert (c.expected, c.submitted, c.passed, c.to_correct, c.missing) == (5, 4, 2, 2, 1)
    assert (c.unexpected, c.duplicates, c.unidentified) == (1, 1, 1)
    assert not result.complete
    assert {u.code for u in result.problems} == {"A3", "A4", "A5", "X9"}
    assert next(u for u in result.units if u.code == "A2").findings == (WARN,)  # a copy is not counted twice
    a3_unit = next(u for u in result.units if u.code == "A3")
    assert a3_unit.findings == (ERROR,)
    assert result.document.unit_code == "LC" and result.document.unit_name == "鲤城区"
    # the unit name comes from the roster, not from the file
    assert next(u for u in result.units if u.code == "A1").name == "甲街道"
    units = {u["code"]: u for u in result.units_json()}
    assert len(units["A5"]["files"]) == 2
    assert units["A4"]["path"] is None
    assert units[None]["status"] == "unidentified"
    assert units["A4"]["finding"]["code"] == "merge-missing"
    assert units["A5"]["finding"]["code"] == "merge-conflict"
    assert units["X9"]["finding"]["code"] == "merge-unexpected"
    assert units["A2"]["finding"]["severity"] == "info"
    assert "finding" not in units["A1"]

    newest = merge_returns(inputs, roster=roster, prefer="newest")
    a5 = next(u for u in newest.units if u.code == "A5")
    assert a5.status == "merged" and a5.counted.name == "A5-改.xlsx"
    assert newest.document.values["t3.r_new.c_natural"] == 14
    assert [f.use for f in a5.files] == ["not-counted", "counted"] or [f.use for f in a5.files] == [
        "counted",
        "not-counted",
    ]


def test_prefer_newest_with_equal_times_stays_a_conflict():
    one = make_doc("A1", {**zeros(), "t3.r_new.c_natural": 1})
    two = make_doc("A1", {**zeros(), "t3.r_new.c_natural": 2})
    result = merge_returns([make_input(one, "a.xlsx"), make_input(two, "b.xlsx")], prefer="newest")
    assert result.units[0].status == "conflict"
    assert result.document.values["t3.r_new.c_natural"] == 0
    assert not result.complete


def test_without_roster_every_unit_found_is_expected():
    docs = [make_doc(f"B{i}", zeros()) for i in range(3)]
    result = merge_returns([make_input(d, f"{d.unit_code}.xlsx") for d in docs])
    assert result.complete
    assert result.counts.expected == 3 and result.counts.passed == 3


def test_mixed_years_are_refused_unless_a_year_is_given():
    d24 = make_doc("A1", {**zeros(), "t3.r_new.c_natural": 3})
    d23 = make_doc("A2", {**zeros(), "t3.r_new.c_natural": 4}, year=2023)
    inputs = [make_input(d24, "a.xlsx"), make_input(d23, "b.xlsx")]
    with pytest.raises(MergeError, match="--year"):
        merge_returns(inputs)
    result = merge_returns(inputs, year=2024)
    assert {u.code: u.status for u in result.units} == {"A1": "merged", "A2": "invalid"}
    assert result.document.values["t3.r_new.c_natural"] == 3
    assert next(u for u in result.units if u.code == "A2").findings[0].code == "year-mismatch"


def test_mixed_formats_are_refused():
    d19 = make_doc("A1", zeros(SPEC19), spec=SPEC19, year=2020)
    d21 = make_doc("A2", zeros(), year=2024)
    with pytest.raises(MergeError, match="不一致"):
        merge_returns([make_input(d19, "a.xlsx"), make_input(d21, "b.xlsx")])


def test_nothing_identifiable_needs_a_year():
    broken = make_input(None, "x.xlsx", valid=False, findings=(Finding("file-corrupt", "坏"),))
    with pytest.raises(MergeError):
        merge_returns([broken])
    result = merge_returns([broken], year=2024)
    assert result.spec.id == "ogi-2021"
    assert not result.complete
    assert all(v == 0 for v in result.document.values.values())


def test_money_stays_decimal():
    a = make_doc("A1", {**zeros(), "t2.r_fees.c_fee_amount": Decimal("0.1")})
    b = make_doc("A2", {**zeros(), "t2.r_fees.c_fee_amount": Decimal("0.2")})
    result = merge_returns([make_input(a, "a.xlsx"), make_input(b, "b.xlsx")])
    assert result.document.values["t2.r_fees.c_fee_amount"] == Decimal("0.3")
    assert result.document.to_json()["values"]["t2.r_fees.c_fee_amount"] == "0.3"


def test_totals_are_recomputed_not_summed():
    values = {**zeros(), "t3.r_new.c_natural": 2}
    doc = make_doc("A1", values)
    doc.values["t3.r_new.c_total"] = 999  # a stale total in the extract must not leak
    result = merge_returns([make_input(doc, "a.xlsx")])
    assert result.document.values["t3.r_new.c_total"] == 2


def test_unexpected_unit_even_when_valid_is_not_summed():
    doc = make_doc("Z1", {**zeros(), "t3.r_new.c_natural": 9})
    result = merge_returns([make_input(doc, "z.xlsx")], roster={"A1": "甲"})
    assert {u.code: u.status for u in result.units} == {"A1": "missing", "Z1": "unexpected"}
    assert result.document.values["t3.r_new.c_natural"] == 0
    assert result.counts.expected == 1


def test_an_earlier_summary_among_the_returns_is_not_counted():
    a = make_doc("A1", {**zeros(), "t3.r_new.c_natural": 5})
    first = merge_returns([make_input(a, "A1.xlsx")], unit_code="D", unit_name="区")
    again = merge_returns(
        [make_input(a, "A1.xlsx"), make_input(first.document, "汇总表.xlsx")], unit_code="D", unit_name="区"
    )
    assert again.document.values == first.document.values
    assert {u.code: u.status for u in again.units} == {"A1": "merged", "D": "unexpected"}
    assert "以前生成的汇总表" in next(u for u in again.units if u.code == "D").note
    assert not again.complete
    assert again.counts.expected == 1


def test_prefer_newest_takes_the_latest_submission_even_when_it_is_invalid():
    good = make_doc("A1", {**zeros(), "t3.r_new.c_natural": 1})
    bad = make_doc("A1", {**zeros(), "t3.r_new.c_natural": 2})
    inputs = [
        make_input(good, "old.xlsx", mtime=1_000.0),
        make_input(bad, "new.xlsx", mtime=2_000.0, valid=False, findings=(ERROR,)),
    ]
    result = merge_returns(inputs, prefer="newest")
    unit = result.units[0]
    assert unit.status == "invalid" and unit.counted is None
    assert "new.xlsx" in unit.note
    assert result.document.values["t3.r_new.c_natural"] == 0
