"""The unit's explanations of queries (情况说明): match them to queries and judge them.

A query (核实项) is answered either by correcting the figure or by explaining it. The clerk
names the query loosely — ``Y1_t3_new_increase``, ``Y1`` or the rule's title; ``表三 J6``,
``J6``, ``表三J6``, the cell id or its label — so matching is tolerant. An explanation that
only says the figure was checked (核实无误, 经核实，数据无误。…) or is too short is refused
with guidance; the query then stays open. Everything here is pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from difflib import SequenceMatcher

from ogi_xlsx.model.document import Explanation
from ogi_xlsx.model.findings import CODES, Finding, finding, piece
from ogi_xlsx.model.spec import FormatSpec

MIN_CHARS = 8  # an explanation shorter than this (letters and digits only) says nothing
GENERIC_EXAMPLE = "本年有 3 件规范性文件因有效期届满自然失效，未经废止程序"

# Words that only say "checked, correct" (and fillers around them). What is left after removing
# them (and numbers with their units) is the actual reason; nothing left means boilerplate.
_BOILERPLATE_TEXT = """
    经过 经 我单位 本单位 我局 本局 我们 我 单位 认真 仔细 再次 反复 多次 重新 已经 已
    核实 核查 核对 复核 审核 检查 确认 查实 查证 数据 数字 数值 数量 情况 信息 填报 上报
    报送 统计 所填 所报 填写 以上 上述 该项 此项 该 此 本项 本表 报表 无误 属实 真实
    准确 正确 无 正常 没有 问题 错误 差错 有效 可靠 一致 相符 符合 实际 如实 据实 是 的
    均 都 全部 完全 确实 确定 确 了 和 与 及 且 为 特此说明 特此 情况说明 说明 保证
    无需 不需要 需要 需 修改 调整 更正 改动 请 审阅 予以 通过 合理 真实性 准确性 完整
    完整性 核实后 经核 核 实 误 本年 上年 年度 年 件 个 项 元 万元 次 条 此数 该数
"""
_BOILERPLATE_WORDS = sorted(set(_BOILERPLATE_TEXT.split()), key=len, reverse=True)
_BOILERPLATE_RE = re.compile("|".join(map(re.escape, _BOILERPLATE_WORDS)) + r"|[0-9.]+")
_NON_WORD = re.compile(r"[\W_]+")
_A1 = re.compile(r"([A-Z]{1,3})([0-9]{1,5})")
_TABLE_NUMBER = re.compile(r"表?([一二三四五六七八九])")


def _normal(text: str) -> str:
    """Full-width to half-width, no spaces or punctuation, upper case: ``表三 Ｊ６。`` -> ``表三J6``."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text)).upper()


def judge_text(text: str) -> str | None:
    """Why an explanation is not acceptable (Chinese), or None when it gives a reason."""
    core = _normal(text)
    if not core:
        return piece("judge-empty")
    if len(_BOILERPLATE_RE.sub("", core)) < 4:
        return piece("judge-boilerplate")
    if len(core) < MIN_CHARS:
        return piece("judge-short")
    return None


def _table_of_sheet(spec: FormatSpec) -> dict[str, str]:
    """Sheet name -> the table's number (二/三/四)."""
    return {table.sheet: table.number for table in spec.tables}


def _cell_matches(spec: FormatSpec, finding: Finding, wording: str) -> bool:
    """Does the clerk's wording of a cell name the query's cell?"""
    norm = _normal(wording)
    if not norm:
        return False
    if any(_normal(cid) == norm for cid in finding.cell_ids):
        return True
    a1 = _A1.search(norm)
    if a1 and finding.cell:
        if a1.group(0) != finding.cell:
            return False
        number = _TABLE_NUMBER.search(norm[: a1.start()])
        return number is None or _table_of_sheet(spec).get(finding.sheet or "") == number.group(1)
    # the cell's label, as the clerk remembers it
    for cid in finding.cell_ids[:1]:
        cell = spec.cells.get(cid)
        if cell is None:
            continue
        label = _normal(cell.row_label + cell.column_label)
        row = _normal(cell.row_label)
        if norm in label or row in norm:
            return True
        if SequenceMatcher(None, norm, label).ratio() >= 0.6:
            return True
    return False


def _rule_matches(finding: Finding, wording: str, titles: dict[str, str]) -> bool:
    norm = _normal(wording)
    if not norm or not finding.rule:
        return False
    rule = _normal(finding.rule)
    key = _normal(str(finding.args.get("rule_key", "")))
    if norm in (rule, key) or norm == _normal(finding.rule.split("_")[0]):  # the id, or just "Y1"
        return True
    title = _normal(titles.get(finding.rule, ""))
    return bool(title) and (norm in title or title in norm or SequenceMatcher(None, norm, title).ratio() >= 0.8)


def _rule_titles(spec: FormatSpec) -> dict[str, str]:
    titles = {rule.id: rule.title for rule in spec.cross_year_rules}
    titles.update({rule.id: rule.title for rule in spec.plausibility_rules})
    return titles


def matches(spec: FormatSpec, finding: Finding, explanation: Explanation) -> bool:
    """Whether an explanation answers a finding: by rule and cell when both are given, else by
    the one given."""
    titles = _rule_titles(spec)
    by_rule = _rule_matches(finding, explanation.rule, titles) if explanation.rule.strip() else None
    by_cell = _cell_matches(spec, finding, explanation.cell) if explanation.cell.strip() else None
    if by_rule is None and by_cell is None:
        return False
    return by_rule is not False and by_cell is not False


def example_for(spec: FormatSpec, rule_id: str | None) -> str:
    """An example of a good explanation for a rule's queries."""
    return spec.explanation_examples.get(rule_id or "", GENERIC_EXAMPLE)


def _describe(explanation: Explanation) -> str:
    named = " ".join(part.strip() for part in (explanation.rule, explanation.cell) if part.strip())
    return piece("named", named=named) if named else ""


def judge(spec: FormatSpec, findings: Sequence[Finding], explanations: Sequence[Explanation]) -> list[Finding]:
    """The findings with the unit's explanations taken into account.

    - A query answered by an acceptable explanation keeps its place and severity, with
      ``explanation`` set (it passes and the text goes to the summary).
    - An explanation that is too short or boilerplate leaves its query open and adds an
      ``explanation-rejected`` finding saying what a good explanation contains.
    - An explanation that answers no query is reported as ``explanation-unmatched`` (info);
      one that names an error says errors must be corrected.
    - With one query and an explanation naming neither rule nor cell, the explanation answers it.
    """
    out = list(findings)
    queries = [i for i, f in enumerate(out) if f.severity == "query"]
    extra: list[Finding] = []
    for explanation in explanations:
        if not explanation.text.strip() and not explanation.rule.strip() and not explanation.cell.strip():
            continue  # an empty row of the sheet
        targets = [i for i in queries if matches(spec, out[i], explanation)]
        if not targets and not explanation.rule.strip() and not explanation.cell.strip() and len(queries) == 1:
            targets = queries
        if not targets:
            errors = [f for f in out if f.severity == "error" and matches(spec, f, explanation)]
            params = {"named": _describe(explanation), "where": errors[0].where or errors[0].title if errors else ""}
            variant = "error" if errors else ""
            extra.append(finding("explanation-unmatched", variant, params, args={"text": explanation.text}))
            continue
        reason = judge_text(explanation.text)
        if reason is None:
            for i in targets:
                if out[i].explanation is None:
                    out[i] = replace(out[i], explanation=explanation.text.strip())
            continue
        first = out[targets[0]]
        shown = explanation.text.strip()
        shown = shown if len(shown) <= 30 else shown[:30] + "…"
        params = {
            "where": first.where or CODES[first.code][1],
            "text": shown,
            "reason": reason,
            "example": example_for(spec, first.rule),
        }
        extra.append(
            finding(
                "explanation-rejected",
                "",
                params,
                sheet=first.sheet,
                cell=first.cell,
                cell_ids=first.cell_ids,
                rule=first.rule,
                args={"text": explanation.text, "reason": reason},
            )
        )
    # a later acceptable explanation settles a query an earlier refused one did not
    settled = {(f.rule, f.cell) for f in out if f.severity == "query" and f.explanation}
    extra = [f for f in extra if f.code != "explanation-rejected" or (f.rule, f.cell) not in settled]
    return out + extra
