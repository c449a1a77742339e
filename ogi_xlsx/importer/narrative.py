"""Text versus table: the numbers the report's text restates ("共收到政府信息公开申请 56 件")
compared with the printed tables. A mismatch is a warning naming the sentence and the cell."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ogi_xlsx.importer.grid import Line
from ogi_xlsx.model.findings import Finding, finding, piece

# Between the words and the number: no digit, no punctuation and no "和/及/与" (a number after
# "予以公开和部分公开的共" is the sum of both, not either).
_GAP = r"[^\d，。；,;！？!?和及与、]{0,10}?"
_NOT_JOINED = r"(?<![和及与、])"
_COUNT = r"(\d+)\s*(?:件|起|宗|个)"

_T3 = "t3.r_{}.c_total"
_DENY = tuple(
    _T3.format(r)
    for r in (
        "deny_secret",
        "deny_law",
        "deny_safety",
        "deny_third",
        "deny_internal",
        "deny_process",
        "deny_enforce",
        "deny_query",
    )
)
_NONE = tuple(_T3.format(r) for r in ("none_nothold", "none_create", "none_unclear"))
_NOPROC = tuple(
    _T3.format(r)
    for r in ("noproc_petition", "noproc_repeat", "noproc_publication", "noproc_massive", "noproc_confirm")
)

# (pattern, cells whose sum the number restates, what the text speaks of)
CLAIMS: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = tuple(
    (re.compile(p), cells, what)
    for p, cells, what in (
        (r"(?:新收|收到|受理)" + _GAP + r"申请" + _GAP + _COUNT, (_T3.format("new"),), "收到申请"),
        (_NOT_JOINED + r"上年结转" + _GAP + _COUNT, (_T3.format("carry"),), "上年结转"),
        (_NOT_JOINED + r"(?<!部分)予以公开" + _GAP + _COUNT, (_T3.format("open"),), "予以公开"),
        (_NOT_JOINED + r"部分公开" + _GAP + _COUNT, (_T3.format("partial"),), "部分公开"),
        (_NOT_JOINED + r"不予公开" + _GAP + _COUNT, _DENY, "不予公开"),
        (_NOT_JOINED + r"无法提供" + _GAP + _COUNT, _NONE, "无法提供"),
        (_NOT_JOINED + r"不予处理" + _GAP + _COUNT, _NOPROC, "不予处理"),
        (r"结转(?:至)?下(?:一)?年度" + _GAP + _COUNT, (_T3.format("carry_next"),), "结转下年度"),
        (_NOT_JOINED + r"行政复议" + _GAP + _COUNT, ("t4.r_review.c_total",), "行政复议"),
        (_NOT_JOINED + r"行政诉讼" + _GAP + _COUNT, ("t4.r_lit_direct.c_total", "t4.r_lit_after.c_total"), "行政诉讼"),
    )
)
_NONE_RECEIVED = re.compile(r"未(?:接|收)到(?:任何)?(?:公开政府信息|政府信息公开)?(?:公开)?申请")
_SENTENCES = re.compile(r"[^。；;！!？?]+[。；;！!？?]?")


@dataclass(frozen=True)
class Claim:
    """A number the text states, and the table cells it restates."""

    sentence: str
    where: str
    number: int
    cells: tuple[str, ...]
    what: str


def claims(lines: list[Line]) -> list[Claim]:
    """The numbers restated in the report's text."""
    found: list[Claim] = []
    for line in lines:
        for sentence in _SENTENCES.findall(line.text):
            text = sentence.strip()
            if not text:
                continue
            for pattern, cells, what in CLAIMS:
                for m in pattern.finditer(text):
                    found.append(Claim(text, line.where, int(m.group(1)), cells, what))
            if _NONE_RECEIVED.search(text):
                found.append(Claim(text, line.where, 0, (_T3.format("new"),), "收到申请"))
    return found


def check_narrative(
    lines: list[Line], values: Mapping[str, int | None], labels: Mapping[str, str], *, limit: int = 20
) -> list[Finding]:
    """A warning for each number of the text that differs from the table (``values``: printed,
    or computed where the printed total is blank)."""
    findings = []
    seen = set()
    for claim in claims(lines):
        if any(c not in values for c in claim.cells) or any(values[c] is None for c in claim.cells):
            continue
        table_value = sum(values[c] or 0 for c in claim.cells)
        if table_value == claim.number or (claim.cells, claim.number) in seen:
            continue
        seen.add((claim.cells, claim.number))
        quoted = claim.sentence if len(claim.sentence) <= 60 else claim.sentence[:60] + "…"
        names = "、".join(labels[c] for c in claim.cells[:3]) + (piece("and-more") if len(claim.cells) > 3 else "")
        params = {
            "what": claim.what,
            "number": claim.number,
            "place": claim.where,
            "quoted": quoted,
            "table": piece("table-3" if claim.cells[0].startswith("t3") else "table-4"),
            "names": names,
            "value": table_value,
        }
        findings.append(
            finding(
                "narrative-mismatch",
                "",
                params,
                cell_ids=claim.cells,
                args={"text": claim.number, "table": table_value, "where": claim.where},
            )
        )
        if len(findings) >= limit:
            break
    return findings
