"""The message catalogue (ogi_xlsx/model/messages.py): complete, used, renderable, the one source of text."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from string import Formatter

from ogi_xlsx.model.findings import CODES, MAX_QUOTED, finding, piece, render
from ogi_xlsx.model.messages import CATALOGUE, PIECES

PACKAGE = Path(__file__).resolve().parents[2] / "ogi_xlsx"
CATALOGUE_FILE = PACKAGE / "model" / "messages.py"


def _source_strings() -> tuple[set[str], set[str]]:
    """Every string constant of the package outside the catalogue, and the literal heads of f-strings."""
    constants: set[str] = set()
    prefixes: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path == CATALOGUE_FILE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                prefixes.add(str(node.values[0].value))
    return constants, prefixes


def _sample(template: str) -> dict[str, object]:
    params: dict[str, object] = {}
    for _, name, spec, _ in Formatter().parse(template):
        if name:
            params[name] = 12.5 if spec and spec not in ("q", "n") else ("值" if spec == "q" else 12)
    return params


def test_every_code_has_a_title_and_a_template():
    assert set(CODES) == set(CATALOGUE)
    missing = [code for code, entry in CATALOGUE.items() if not entry.templates]
    assert not missing, f"codes without a message template: {missing}"
    assert all(entry.title and entry.severity in ("error", "query", "warning", "info") for entry in CATALOGUE.values())


def test_every_template_renders_with_sample_arguments():
    for code, entry in CATALOGUE.items():
        for variant, template in entry.templates.items():
            text = render(code, variant, _sample(template))
            assert text and "{" not in text and "}" not in text, (code, variant, text)
    for key, text in PIECES.items():
        assert "{" not in piece(key, **_sample(text)), key


def test_every_code_variant_and_piece_is_used():
    constants, prefixes = _source_strings()
    unused_codes = [code for code in CATALOGUE if code not in constants]
    assert not unused_codes, f"codes no module makes: {unused_codes}"
    unused_variants = [
        (code, variant)
        for code, e in CATALOGUE.items()
        for variant in e.templates
        if variant and variant not in constants
    ]
    assert not unused_variants, f"templates no module asks for: {unused_variants}"
    unused_pieces = [k for k in PIECES if k not in constants and not any(p and k.startswith(p) for p in prefixes)]
    assert not unused_pieces, f"pieces no module uses: {unused_pieces}"


def test_no_finding_is_made_with_a_finished_message():
    """``Finding(code, message)`` with literal or f-string text would bypass the catalogue."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding" and len(node.args) > 1
            if called and isinstance(node.args[1], (ast.Constant, ast.JoinedStr, ast.BinOp)):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not offenders, offenders


def test_chinese_finding_text_lives_in_the_catalogue():
    """No module outside the catalogue builds a finding message from Chinese text of its own: every
    ``finding(...)`` call passes a code and a variant, never a sentence."""
    cjk = re.compile("[\u4e00-\u9fff]")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "finding":
                for arg in node.args[:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and cjk.search(arg.value):
                        offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not offenders, offenders


def test_quoted_file_text_is_shortened_by_render():
    name = "很长的单位名称" * 40
    text = render("sheet-extra", "", {"sheet": name})
    assert f"“{name[:MAX_QUOTED]}…”（共 {len(name)} 字）" in text
    assert name not in text
    assert render("sheet-extra", "", {"sheet": name}, max_quote=None) == f"多出工作表“{name}”，其内容不会被读取。"


def test_a_finding_carries_its_code_place_and_arguments():
    f = finding("sheet-extra", "", {"sheet": "草稿"}, sheet="草稿", args={"sheet": "草稿"})
    assert (f.code, f.severity, f.sheet, f.args) == ("sheet-extra", "info", "草稿", {"sheet": "草稿"})
    assert f.message == "多出工作表“草稿”，其内容不会被读取。"
    assert f.to_dict()["message"] == f.message and f.to_dict()["title"] == CODES["sheet-extra"][1]
