"""Fuzz ``check_file`` with mutated returns (issue 6): always a FileReport, never an exception.

A valid return (written by the product) is mutated at the zip level (flipped bytes,
truncation) and at the XML level (numbers replaced by odd text, duplicated elements, dropped
attributes, injected entities and DTDs). Every result must be a report with findings in
Chinese when it is not valid, within the time bound, and the input file is never modified.

Examples per test: ``OGI_FUZZ_EXAMPLES`` (default 200 in CI; e.g. 5000 by hand).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import zipfile
from pathlib import Path

import hostile as H
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogi_xlsx.model.findings import CODES
from ogi_xlsx.pipeline.check import check_file

# Hostile inputs and fuzzing take seconds each: not part of the quick loop.
from ogi_xlsx.pipeline.report import FileReport

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("OGI_FUZZ_EXAMPLES", "200"))
MAX_SECONDS = 10
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("OGI_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
PARTS = H.parts()
XML_PARTS = sorted(n for n in PARTS if n.endswith((".xml", ".rels")))


def _check(tmp: Path, data: bytes, name: str = "fuzz.xlsx") -> FileReport:
    path = tmp / name
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    start = time.perf_counter()
    report = check_file(path)
    assert time.perf_counter() - start < MAX_SECONDS
    assert isinstance(report, FileReport)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, "input modified"
    for f in report.findings:
        assert f.code in CODES, f.code
        assert f.message and any("\u4e00" <= ch <= "\u9fff" for ch in f.message), f
    if not report.valid:
        assert report.findings
    return report


def _rezip(parts: dict[str, bytes]) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_the_unmutated_return_is_valid(tmp_path):
    assert _check(tmp_path, H.valid_bytes()).valid


# --------------------------------------------------------------------------- zip level

byte_edits = st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
    min_size=1,
    max_size=8,
)


@FUZZ
@given(edits=byte_edits, cut=st.one_of(st.none(), st.floats(0, 1)))
def test_flipped_bytes_and_truncation(tmp_path_factory, edits, cut):
    data = bytearray(H.valid_bytes())
    for where, xor in edits:
        data[int(where * len(data))] ^= xor
    if cut is not None:
        data = data[: int(cut * len(data))]
    _check(tmp_path_factory.mktemp("z"), bytes(data))


# --------------------------------------------------------------------------- XML level

ODD_TEXT = st.sampled_from(
    [
        "",
        "-1",
        "1e308",
        "1e999",
        "NaN",
        "inf",
        "0x1F",
        "１２",
        "3件",
        "#REF!",
        "&amp;",
        "&lt;x&gt;",
        "9" * 400,
        "0.1",
        "-0",
        " 5 ",
        "TRUE",
        "\u202e12",
        "长" * 50,
    ]
)


def _replace_numbers(xml: str, rnd: st.DataObject) -> str:
    values = list(re.finditer(r"<v>([^<]*)</v>", xml))
    if not values:
        return xml
    chosen = rnd.draw(st.lists(st.sampled_from(values), min_size=1, max_size=5, unique_by=lambda m: m.start()))
    for m in sorted(chosen, key=lambda m: -m.start()):
        xml = xml[: m.start(1)] + rnd.draw(ODD_TEXT) + xml[m.end(1) :]
    return xml


def _duplicate_element(xml: str, rnd: st.DataObject) -> str:
    tags = list(re.finditer(r"<(c|row|sheet|definedName|si|mergeCell|xf)\b[^>]*?(/>|>.*?</\1>)", xml, re.S))
    if not tags:
        return xml
    m = rnd.draw(st.sampled_from(tags))
    times = rnd.draw(st.integers(1, 3))
    return xml[: m.end()] + m.group(0) * times + xml[m.end() :]


def _drop_attribute(xml: str, rnd: st.DataObject) -> str:
    attrs = list(re.finditer(r'\s[\w:]+="[^"]*"', xml))
    if not attrs:
        return xml
    m = rnd.draw(st.sampled_from(attrs))
    return xml[: m.start()] + xml[m.end() :]


def _odd_attribute(xml: str, rnd: st.DataObject) -> str:
    attrs = list(re.finditer(r'(\s(?:r|t|s|ref|name|sheetId|count|numFmtId)=")([^"]*)(")', xml))
    if not attrs:
        return xml
    m = rnd.draw(st.sampled_from(attrs))
    odd = rnd.draw(st.sampled_from(["", "A0", "XFD1048577", "-1", "ZZZZ99999999", "s", "e", "inlineStr", "99999"]))
    return xml[: m.start(2)] + odd + xml[m.end(2) :]


def _inject_entity(xml: str, rnd: st.DataObject) -> str:
    kind = rnd.draw(st.sampled_from(["laughs", "xxe", "undefined", "charref"]))
    body = re.sub(r"^<\?xml[^>]*\?>\s*", "", xml)
    if kind == "laughs":
        return H.BILLION_LAUGHS + body.replace("<t>", "<t>&lol9;", 1)
    if kind == "xxe":
        return H.XXE + body.replace("<t>", "<t>&xxe;", 1)
    if kind == "undefined":
        return xml.replace("<v>", "<v>&nope;", 1)
    return xml.replace("<v>", "<v>&#0;", 1)


def _truncate_xml(xml: str, rnd: st.DataObject) -> str:
    return xml[: rnd.draw(st.integers(0, max(0, len(xml) - 1)))]


MUTATIONS = [_replace_numbers, _duplicate_element, _drop_attribute, _odd_attribute, _inject_entity, _truncate_xml]


@FUZZ
@given(data=st.data())
def test_mutated_xml_parts(tmp_path_factory, data):
    parts = dict(PARTS)
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(XML_PARTS))
        mutate = data.draw(st.sampled_from(MUTATIONS))
        parts[name] = mutate(parts[name].decode("utf-8"), data).encode("utf-8")
    if data.draw(st.booleans()):
        drop = data.draw(st.sampled_from(sorted(parts)))
        parts.pop(drop)
    _check(tmp_path_factory.mktemp("x"), _rezip(parts))


# --------------------------------------------------------------------------- the outputs of a mutated return

PIPELINE = settings(FUZZ, max_examples=max(10, EXAMPLES // 5))
TEXT_MUTATIONS = [_replace_numbers, _duplicate_element, _drop_attribute, _odd_attribute]


@PIPELINE
@given(data=st.data())
def test_annotated_copy_and_summary_of_a_mutated_return(tmp_path_factory, data):
    """Whatever check_file accepted: the annotated copy is written or reported, the summary is written."""
    import io

    from ogi_xlsx.pipeline.merge import MergeError, merge_returns
    from ogi_xlsx.writing.annotate import annotate_all
    from ogi_xlsx.writing.summary import write_summary, write_summary_json

    parts = dict(PARTS)
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(XML_PARTS))
        parts[name] = data.draw(st.sampled_from(TEXT_MUTATIONS))(parts[name].decode("utf-8"), data).encode("utf-8")
    tmp = tmp_path_factory.mktemp("p")
    report = _check(tmp, _rezip(parts), "r.xlsx")
    failed = []
    start = time.perf_counter()
    written = annotate_all([report], tmp / "out", on_error=lambda p, e: failed.append((p, e)))
    assert time.perf_counter() - start < MAX_SECONDS
    assert len(written) + len(failed) == (1 if _annotatable(report) else 0)
    for copy in written.values():
        assert _check(tmp, copy.read_bytes(), "copy.xlsx") is not None  # the copy is itself readable
    try:
        result = merge_returns([report], unit_code="D1", unit_name="区", year=2024)
    except MergeError:
        return
    write_summary(io.BytesIO(), result)
    write_summary_json(tmp / "s.json", result)


def _annotatable(report: FileReport) -> bool:
    from ogi_xlsx.writing.annotate import can_annotate

    return can_annotate(report)
