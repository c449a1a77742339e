"""The once-per-format schema validator with its fast path reports exactly what plain jsonschema reports."""

import json
from pathlib import Path

import jsonschema
import pytest

from ogi_xlsx.checks.schema import _validator, return_schema
from ogi_xlsx.model.spec import load_format

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ODD_VALUES = [-1, 0, 5, True, False, 1.5, -0.5, 2.0, "3", "", "1.25", [], {}, None, 10**20, -(10**20)]


def _errors(validator, data):
    return sorted(
        (list(e.absolute_path), e.validator, repr(e.instance), e.message) for e in validator.iter_errors(data)
    )


@pytest.mark.parametrize("name", ["seed-linjiang-2020.json", "haibin-2024.json", "kaiyuan-2024-with-errors.json"])
def test_fast_path_matches_plain_jsonschema(name):
    data = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    spec = load_format(data["format"])
    plain = jsonschema.Draft202012Validator(return_schema(spec))
    fast = _validator(data["format"])
    assert _errors(fast, data) == _errors(plain, data)
    ids = list(spec.cell_ids)
    for i, odd in enumerate(ODD_VALUES):
        changed = json.loads(json.dumps(data))
        for cid in ids[i :: len(ODD_VALUES)]:
            changed["values"][cid] = odd
        expected = _errors(plain, changed)
        assert _errors(fast, changed) == expected
        if odd in (-1, True, 1.5, "3"):
            assert expected, odd  # the comparison is not vacuous
    missing = json.loads(json.dumps(data))
    del missing["values"][ids[0]]
    missing["values"]["zz.unknown"] = 1
    assert _errors(fast, missing) == _errors(plain, missing) != []
    assert _errors(fast, {"values": 3}) == _errors(plain, {"values": 3})
