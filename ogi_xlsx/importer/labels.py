"""One label normaliser and the synonyms that map a printed row or column label to the spec's ids.

Published reports print the official labels with numbering variants (一、/（一）/1./1、), full- and
half-width brackets, spaces inserted by PDF extraction, truncations ("现行有效件"), typos ("其他法律
行政止公开") and notes added inside the cell. :func:`norm` removes what does not distinguish two
labels; :class:`Vocabulary` then matches exactly, by prefix (truncation or added note) and, last,
approximately (a typo), saying which.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

_NUMBERING = re.compile(
    r"^(?:第?[一二三四五六七八九十]+[、.．,，]|[(（][一二三四五六七八九十\d]+[)）][、.．]?|\d+[、.．,，)）]|[①-⑳])"
)
_DROP = re.compile(r"[\s\u3000\u00a0“”\"'‘’「」『』《》、，,。.:：;；·•*_|]+")
_YEAR = re.compile(r"[(（]?(?:19|20)\d{2}年?[)）]?")


# Traditional characters of the labels (mirror sites republish reports converted character by
# character): mapped to the simplified ones before matching. Only what the official labels use.
_TRADITIONAL = "開資訊處結轉請數與關規範許強費購訟議復審維糾總計權務過執詢項現製補確訪舉報類據機構組織會發廢條認獲應經決罰額單萬國產穩險護內業況統號區辦鎮徵態屬禁則義訴問題級實際當達並於為個從無對來後們這時間員門車長東書頁錄體圖點線場極傳絡導幹稱價歷屆盡僅擬檢驗證戶團勞營衛優選課銷設貨贊讓標準備調變顯雖廣歸辭鄉頒賦贈兩陳張劉蘇質觀辨沒複覆繳納繼續減採動係"
_SIMPLIFIED = "开资讯处结转请数与关规范许强费购讼议复审维纠总计权务过执询项现制补确访举报类据机构组织会发废条认获应经决罚额单万国产稳险护内业况统号区办镇征态属禁则义诉问题级实际当达并于为个从无对来后们这时间员门车长东书页录体图点线场极传络导干称价历届尽仅拟检验证户团劳营卫优选课销设货赞让标准备调变显虽广归辞乡颁赋赠两陈张刘苏质观辨没复复缴纳继续减采动系"
TRADITIONAL_TO_SIMPLIFIED = str.maketrans(_TRADITIONAL, _SIMPLIFIED)


def norm(text: str | None) -> str:
    """A label without numbering, spaces, quotes, punctuation or width differences."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text).translate(TRADITIONAL_TO_SIMPLIFIED)
    s = re.sub(r"\s+", "", s)
    for _ in range(3):  # "三、（一）1." — several levels of numbering in one cell
        stripped = _NUMBERING.sub("", s, count=1)
        if stripped == s:
            break
        s = stripped
    s = _YEAR.sub("", s)  # "本年(2023)制发件数"
    s = _DROP.sub("", s)
    return s.replace("(", "（").replace(")", "）")


def without_notes(key: str) -> str:
    """A normalised label without its bracketed notes ("规章（设区的市…应提供）" -> "规章")."""
    return re.sub(r"（[^）]*）?", "", key)


# Extra spellings seen in published reports (see shared/reference/published-reports.md), by id.
ROW_SYNONYMS: dict[str, tuple[str, ...]] = {
    "t3.r_new": ("本年新收政府信息公开申请数量", "本年新收申请数量", "本年新收"),
    "t3.r_carry": ("上年结转政府信息公开申请数量", "上年结转政府信息公开数量", "上年结转申请数量", "上年结转"),
    "t3.r_partial": ("部分公开",),
    "t3.r_deny_law": ("其他法律行政法规禁止公开",),
    "t3.r_deny_internal": ("属于三类内部事务信息",),
    "t3.r_other": ("其他处理",),
    "t3.r_done_total": ("总计", "合计"),
    "t3.r_carry_next": ("结转下年度继续办理", "结转下年度"),
    "t2.r_normdocs": ("规范性文件", "行政规范性文件"),
    "t4.r_review": ("行政复议",),
    "t4.r_lit_direct": ("未经复议直接起诉",),
    "t4.r_lit_after": ("复议后起诉",),
}
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "t2.c_issued": ("本年制发件数", "本年发件数", "本年发件"),
    "t2.c_fee_amount": ("本年收费金额", "收费金额"),
    "t2.c_decisions": ("处理决定数量", "本年处理决定数量"),
    "t3.c_natural": ("自然人",),
    "t3.c_total": ("总计", "合计"),
    "t4.c_total": ("总计", "合计"),
}

# Group labels that carry no numbers of their own (rows of these are skipped quietly).
GROUP_LABELS = frozenset(
    {
        "本年度办理结果",
        "不予公开",
        "无法提供",
        "不予处理",
        "申请人情况",
        "法人或其他组织",
        "行政诉讼",
        "信息内容",
        "本列数据的勾稽关系为第一项加第二项之和等于第三项加第四项之和",
    }
)


def numbering(text: str | None) -> str | None:
    """The item number a label starts with ("3.其他" -> "3", "（六）其他处理" -> "六"), if any."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    m = re.match(r"^[(（]?([一二三四五六七八九十]+|\d+)[)）、.．,，]", s)
    return m.group(1) if m else None


@dataclass(frozen=True)
class Match:
    """A label matched to an id: how (exact / prefix / approximate) and to which official label."""

    id: str
    how: str
    official: str


class Vocabulary:
    """Official labels (and synonyms) of one kind (rows of a table, columns of a table) -> ids."""

    def __init__(self, entries: dict[str, tuple[str, ...]]) -> None:
        self.keys: dict[str, set[str]] = {}
        self.official: dict[str, str] = {}
        for ident, labels in entries.items():
            for i, label in enumerate(labels):
                key = norm(label)
                if not key:
                    continue
                self.keys.setdefault(key, set()).add(ident)
                if i == 0:
                    self.official.setdefault(ident, label)

    def match(self, label: str | None, *, fuzzy: bool = True) -> Match | None:
        """The id a printed label stands for, or None when unknown or ambiguous."""
        key = norm(label)
        if not key:
            return None
        ids = self.keys.get(key) or self.keys.get(without_notes(key))
        if ids and len(ids) == 1:
            ident = next(iter(ids))
            # A short label is told apart by its number too: "2.其他" (the start of "2.其他法律
            # 行政法规禁止公开" cut by a line break) is not "3.其他".
            printed, official = numbering(label), numbering(self.official[ident])
            if len(key) < 4 and printed and official and printed != official:
                return None
            return Match(ident, "exact", self.official[ident])
        if ids:
            return None
        # An official label with a note added after it, or a printed label cut short.
        longer = {
            i
            for k, v in self.keys.items()
            if key.startswith(k) and (key[len(k)] == "（" or (len(k) >= 4 and len(k) >= 0.7 * len(key)))
            for i in v
        }
        if len(longer) > 1:  # "其他处理" starts with "其他": the longest official label decides
            best = max((k for k in self.keys if key.startswith(k)), key=len)
            longer = self.keys[best] if len(self.keys[best]) == 1 else longer
        if len(longer) == 1:
            ident = next(iter(longer))
            return Match(ident, "prefix", self.official[ident])
        if len(key) >= 3:
            shorter = {i for k, v in self.keys.items() if k.startswith(key) for i in v}
            if len(shorter) == 1:
                ident = next(iter(shorter))
                return Match(ident, "truncated", self.official[ident])
            if shorter:
                return None
        if fuzzy and len(key) >= 4:
            scored = sorted(
                ((difflib.SequenceMatcher(None, key, k).ratio(), k) for k in self.keys if abs(len(k) - len(key)) <= 3),
                reverse=True,
            )
            if scored and scored[0][0] >= 0.75 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
                ids = self.keys[scored[0][1]]
                if len(ids) == 1:
                    ident = next(iter(ids))
                    return Match(ident, "approximate", self.official[ident])
        return None


@cache
def vocabularies() -> tuple[dict[str, Vocabulary], dict[str, Vocabulary]]:
    """(row vocabularies, column vocabularies) per table, from both shipped formats and the synonyms.

    Ids are ``t3.r_new`` (rows) and ``t2.c_issued`` (columns); both formats share most of them, and
    a label of the other format is recognised so that mixtures can be reported, not misread.
    """
    from ogi_xlsx.model.spec import all_formats

    rows: dict[str, dict[str, list[str]]] = {}
    cols: dict[str, dict[str, list[str]]] = {}
    for spec in all_formats():
        for table in spec.tables:
            for cell in table.cells:
                rows.setdefault(table.id, {}).setdefault(f"{table.id}.{cell.row}", [])
                rows[table.id][f"{table.id}.{cell.row}"].append(cell.row_label)
                cols.setdefault(table.id, {}).setdefault(f"{table.id}.{cell.column}", [])
                cols[table.id][f"{table.id}.{cell.column}"].append(cell.column_label)
    for ident, labels in ROW_SYNONYMS.items():
        rows[ident.split(".")[0]].setdefault(ident, []).extend(labels)
    for ident, labels in COLUMN_SYNONYMS.items():
        cols[ident.split(".")[0]].setdefault(ident, []).extend(labels)

    def build(source: dict[str, dict[str, list[str]]]) -> dict[str, Vocabulary]:
        return {
            t: Vocabulary({i: tuple(dict.fromkeys(v)) for i, v in entries.items()}) for t, entries in source.items()
        }

    return build(rows), build(cols)
