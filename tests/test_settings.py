"""The office's settings file: TOML or JSON, checked against its schema and against the formats."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from ogi_xlsx.settings import SettingsError, load_settings, schema_text, settings_schema

ROOT = Path(__file__).resolve().parent.parent

GOOD_TOML = """\
# 鲤城区 2024 年度
queries_as_warnings = false

[rules.P1_t3_applications_max]   # 街道
max = 2000

[rules.S5_t2_rules_issuer]
enabled = true

[rules.Y2_t3_new_decrease]
enabled = false
reason = "今年起申请统一由区政府办受理"

[rules.P5_t2_fee_yuan]
max = 500.5

[rules.X1_t3_carry]
enabled = false
"""


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_toml_file(tmp_path):
    settings = load_settings(_write(tmp_path, "设置.toml", GOOD_TOML))
    assert settings.queries_as_warnings is False
    assert settings.rules["P1_t3_applications_max"].thresholds == {"max": 2000}
    assert settings.rules["P5_t2_fee_yuan"].thresholds == {"max": Decimal("500.5")}
    assert settings.rules["Y2_t3_new_decrease"].enabled is False
    assert settings.rules["Y2_t3_new_decrease"].reason == "今年起申请统一由区政府办受理"
    assert settings.rule_enabled("X1_t3_carry") is False and settings.rule_enabled("X2_t2_in_force") is True
    assert settings.source and settings.source.endswith("设置.toml")


def test_the_same_settings_as_json(tmp_path):
    data = {"queries_as_warnings": True, "rules": {"P1_t3_applications_max": {"max": 2000}}}
    settings = load_settings(_write(tmp_path, "settings.json", json.dumps(data, ensure_ascii=False)))
    assert settings.queries_as_warnings is True and settings.rules["P1_t3_applications_max"].thresholds == {"max": 2000}


def test_a_utf8_bom_is_fine(tmp_path):
    settings = load_settings(_write(tmp_path, "s.toml", "\ufeffqueries_as_warnings = true\n".encode()))
    assert settings.queries_as_warnings is True


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("s.toml", "[rules.P1_t3_applications_max\nmax = 1\n", "TOML 格式错误，第 1 行"),
        ("s.toml", "queries_as_warnings = “true”\n", "TOML 格式错误"),
        ("s.json", '{"rules": {,}}', "JSON 格式错误，第 1 行第 12 列"),
        ("s.yaml", "rules: {}", "应为 .toml 或 .json 文件"),
        ("s.toml", "queries_as_warnings = 1\n", "queries_as_warnings：应为true 或 false，实际为“1”"),
        ("s.toml", "query_as_warning = true\n", "不认识的设置项 query_as_warning"),
        ("s.toml", "[rules.P9_nothing]\nmax = 1\n", "rules.P9_nothing：没有这条规则（可用："),
        (
            "s.toml",
            "[rules.P1_t3_applications_max]\nmin = 1\n",
            "rules.P1_t3_applications_max.min：这条规则没有这个阈值（可用：max）",
        ),
        ("s.toml", "[rules.P1_t3_applications_max]\nmax = -5\n", "阈值不能为负数"),
        ("s.toml", '[rules.P1_t3_applications_max]\nmax = "2000"\n', "rules.P1_t3_applications_max.max：应为数字"),
        ("s.toml", "[rules.X1_t3_carry]\nmax = 3\n", "跨年度核对规则只能开关（enabled），没有阈值"),
        ("s.toml", "[rules.S5_t2_rules_issuer]\nmax = 3\n", "这条规则没有这个阈值（可用：无（只能开关））"),
        ("s.toml", "[rules.p1]\nenabled = false\n", "规则编号“p1”格式不对"),
        ("s.toml", b"queries_as_warnings = true # \xb2\xe2\xca\xd4\n", "不是 UTF-8 编码的文本"),
    ],
)
def test_a_bad_file_is_refused_with_a_chinese_message(tmp_path, name, text, expected):
    path = _write(tmp_path, name, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert expected in message and str(path) in message
    assert "Traceback" not in message


def test_a_missing_file(tmp_path):
    with pytest.raises(SettingsError, match="无法读取"):
        load_settings(tmp_path / "没有.toml")


def test_several_problems_are_told_at_once(tmp_path):
    path = _write(tmp_path, "s.toml", "[rules.P9_nothing]\nmax = 1\n[rules.P1_t3_applications_max]\nfactor = 2\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "P9_nothing" in message and "factor" in message


def test_the_schema_is_committed_and_valid():
    jsonschema.Draft202012Validator.check_schema(settings_schema())
    assert (ROOT / "schemas" / "settings.schema.json").read_text(encoding="utf-8") == schema_text()
    # the example in the module docstring is a valid file
    import tomllib

    from ogi_xlsx import settings as module

    example = module.__doc__.split("::", 1)[1].split("Rule ids", 1)[0]
    data = tomllib.loads("\n".join(line[4:] for line in example.splitlines()))
    jsonschema.validate(data, settings_schema())
    assert data["rules"]["P1_t3_applications_max"] == {"max": 2000}
