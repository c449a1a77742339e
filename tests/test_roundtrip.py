"""``fill`` then ``export`` gives back the same document (property test, no LibreOffice)."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogi_xlsx.checks.rules import with_totals
from ogi_xlsx.checks.schema import validate_document_json
from ogi_xlsx.model.document import ReturnDocument
from ogi_xlsx.model.spec import all_formats
from ogi_xlsx.pipeline.check import check_file

TEXT = st.text(alphabet=st.sampled_from("区街道办事处局委员会ABC123-（）·=+ "), min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and s
)


def _value(cell):
    if cell.type == "amount":
        return st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
    if cell.type == "signed_count":
        return st.integers(-500, 500)
    return st.integers(0, 100_000)


@st.composite
def documents(draw) -> ReturnDocument:
    spec = draw(st.sampled_from(all_formats()))
    year = draw(st.integers(spec.first_year, spec.last_year or spec.first_year + 10))
    inputs = {cid: draw(st.none() | _value(spec.cells[cid])) for cid in spec.input_ids}
    cover = {
        "preparer": draw(TEXT),
        "phone": draw(st.from_regex(r"0[0-9]{2,3}-[0-9]{7,8}", fullmatch=True)),
        "reviewer": draw(TEXT),
        "date": draw(st.dates().map(lambda d: d.isoformat()).filter(lambda s: len(s) == 10)),
    }
    return ReturnDocument(
        format=spec.id,
        format_version=spec.version,
        year=year,
        unit_code=draw(TEXT),
        unit_name=draw(TEXT),
        values=with_totals(spec, inputs),
        cover=cover,
    )


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents())
def test_fill_then_export_gives_the_same_document(doc):
    from ogi_xlsx.writing.template import write_workbook

    assert validate_document_json(doc.to_json()) == []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.xlsx"
        write_workbook(
            path,
            doc.spec,
            year=doc.year,
            unit_code=doc.unit_code,
            unit_name=doc.unit_name,
            cover=doc.cover,
            values=doc.values,
            kind="return",
        )
        report = check_file(path)
    assert report.document is not None
    assert report.document.to_json() == doc.to_json()
    # blanks are the only thing reported on a consistent document, apart from the sum rules
    # that blanks or random inputs may break (balances are not forced here)
    assert {f.code for f in report.findings} <= {"value-blank", "sum-mismatch", "sum-blank", "return-empty"}
    for cid, value in report.document.values.items():
        assert value is None or (isinstance(value, (int, Decimal)) and not isinstance(value, bool))
        if value is not None and doc.spec.cells[cid].type != "amount":
            assert isinstance(value, int)
