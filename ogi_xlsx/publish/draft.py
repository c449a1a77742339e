"""The report as a sequence of blocks: headings, paragraphs (with placeholders) and the tables.

One model for both writers (Word and HTML). Sentences are written from the data wherever
the data decides them; what only a person can write is a :class:`Run` with
``placeholder=True`` (printed highlighted as 【请填写：…】), never invented text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ogi_xlsx.publish.tables import PublishedTable, format_value, tables_for

if TYPE_CHECKING:
    from ogi_xlsx.model.document import ReturnDocument

FAILED_MARK = "未通过审核"
FAILED_NOTE = "本文件依据未通过审核的报表生成，数据可能有误，请更正报表并审核通过后重新生成，不得对外公布。"
COUNTED_STATUSES = ("merged", "duplicate")

# The sub-parts of 一、总体情况 as each notice lists them (reference formats/ogi-20xx.yaml, s1.sub_items;
# the 2019 list is the one real 2019-format reports use, the notice's own text could not be read).
OVERVIEW_PARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "ogi-2019": (
        ("主动公开", ""),
        ("依申请公开", ""),
        ("政府信息管理", "政府信息管理工作情况"),
        ("平台建设", "政府信息公开平台建设情况"),
        ("监督保障", "工作考核、社会评议和责任追究等监督保障情况"),
    ),
    "ogi-2021": (
        ("主动公开", ""),
        ("依申请公开", ""),
        ("政府信息管理", "政府信息管理工作情况"),
        ("政府信息公开平台建设", "政府信息公开平台建设情况"),
        ("监督保障", "监督保障情况，含条例第五十条第四项规定的“工作考核、社会评议和责任追究结果情况”"),
    ),
}
SECTION_TITLES = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
CN_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph; ``placeholder`` runs are what a person must write."""

    text: str
    placeholder: bool = False


@dataclass(frozen=True)
class Block:
    """One block of the report: ``title``, ``heading`` (level 1/2), ``para``, ``table``, ``mark``, ``sign``."""

    kind: str
    runs: tuple[Run, ...] = ()
    level: int = 0
    table: PublishedTable | None = None

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Coverage:
    """Which sub-units a district summary covers (from the summary's own status data)."""

    counted: tuple[tuple[str, str], ...]
    excluded: tuple[tuple[str, str, str], ...]  # code, name, status label
    unidentified: int = 0


@dataclass
class Report:
    """The whole output: title, blocks, and what the writers need to know about it."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    failed: bool = False
    year: int = 0


def placeholder(what: str) -> Run:
    return Run(f"【请填写：{what}】", placeholder=True)


def para(*parts: str | Run) -> Block:
    return Block("para", tuple(p if isinstance(p, Run) else Run(p) for p in parts))


def _title(doc: ReturnDocument) -> str:
    name = doc.unit_name or "本单位"
    return f"{name}{doc.year}年政府信息公开工作年度报告"


def tables_report(doc: ReturnDocument, *, failed: bool = False) -> Report:
    """The three official tables only, under a title line naming the unit and year."""
    report = Report(title=f"{_title(doc)}（统计表）", failed=failed, year=doc.year)
    if failed:
        report.blocks.append(Block("mark", (Run(FAILED_NOTE),)))
    report.blocks.append(Block("title", (Run(report.title),)))
    for table in tables_for(doc):
        report.blocks.append(Block("table", table=table))
    return report


# --------------------------------------------------------------------------- the draft


def _v(doc: ReturnDocument, cell_id: str) -> int:
    value = doc.values.get(cell_id)
    return int(value or 0)


def _n(value: int | Decimal) -> str:
    return format_value(value)


def _share(part: int, whole: int) -> tuple[str, bool]:
    """(``62.5%``, exact?) — the share to one decimal, computed in integers (no floats)."""
    exact = Decimal(part * 100) / Decimal(whole)
    shown = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{format_value(shown)}%", shown == exact


def _strip_number(label: str) -> str:
    """``1.属于国家秘密`` -> ``属于国家秘密``; ``（一）予以公开`` -> ``予以公开``."""
    import re

    return re.sub(r"^(?:\d+\.|（[一二三四五六七八九十]+）)", "", label).split("（")[0]


def _join(items: list[str]) -> str:
    return "、".join(items)


def _t3_rows(doc: ReturnDocument) -> list[dict]:
    return doc.spec.table("t3").definition["rows"]


def application_sentences(doc: ReturnDocument) -> list[str]:
    """The 依申请公开 sentences of 一（二）, every number taken from table 三."""
    rows = _t3_rows(doc)
    legal_cols = [
        c["id"] for c in doc.spec.table("t3").definition["columns"] if "法人或其他组织" in c.get("groups", ())
    ]
    new = _v(doc, "t3.r_new.c_total")
    natural = _v(doc, "t3.r_new.c_natural")
    legal = sum(_v(doc, f"t3.r_new.{c}") for c in legal_cols)
    carry = _v(doc, "t3.r_carry.c_total")
    done = _v(doc, "t3.r_done_total.c_total")
    carry_next = _v(doc, "t3.r_carry_next.c_total")
    out: list[str] = []
    if new == 0 and carry == 0:
        out.append("本年度未收到政府信息公开申请，也没有上年结转的申请。")
        return out
    if new == 0:
        first = f"本年度未收到新的政府信息公开申请；上年结转{_n(carry)}件。"
    else:
        who = []
        if natural:
            who.append(f"自然人{_n(natural)}件")
        if legal:
            who.append(f"法人或其他组织{_n(legal)}件")
        first = f"本年新收政府信息公开申请{_n(new)}件，其中{_join(who)}"
        first += f"；上年结转{_n(carry)}件。" if carry else "；无上年结转的申请。"
    out.append(first)
    # outcomes, by the groups of 三、本年度办理结果: a group with sub-items is summed over them
    groups: list[tuple[str, int, list[tuple[str, int]]]] = []
    for row in rows:
        path = row.get("groups", [])
        if not path or row.get("computed"):
            continue
        value = _v(doc, f"t3.{row['id']}.c_total")
        if len(path) == 1:
            groups.append((row["label"], value, []))
        else:
            if not groups or groups[-1][0] != path[1]:
                groups.append((path[1], 0, []))
            name, total, items = groups[-1]
            groups[-1] = (name, total + value, [*items, (row["label"], value)])
    if done == 0:
        out.append("本年度没有办结的申请。")
    else:
        parts = []
        for label, total, items in groups:
            if not total:
                continue
            text = f"{_strip_number(label)}{_n(total)}件"
            shown = [(_strip_number(item), v) for item, v in items if v]
            if len(shown) > 1:
                # labels that hold a 、 themselves (2021 （六）) are listed with ；
                sep = "；" if any("、" in item for item, _ in shown) else "、"
                text += f"（{sep.join(f'{item}{_n(v)}件' for item, v in shown)}）"
            elif shown and len(items) > 1 and shown[0][0] != "其他":
                text += f"（均为{shown[0][0]}）"
            parts.append(text)
        sentence = f"办结{_n(done)}件，其中{'，'.join(parts)}。"
        opened = _v(doc, "t3.r_open.c_total") + _v(doc, "t3.r_partial.c_total")
        if opened:
            share, exact = _share(opened, done)
            sentence += f"予以公开和部分公开的共{_n(opened)}件，{'' if exact else '约'}占办结总数的{share}。"
        out.append(sentence)
    if carry_next:
        out.append(f"结转下年度继续办理{_n(carry_next)}件。")
    else:
        out.append("没有结转下年度继续办理的申请。")
    return out


def review_sentences(doc: ReturnDocument) -> list[str]:
    """The 行政复议 / 行政诉讼 sentences, every number taken from table 四."""
    cols = doc.spec.table("t4").definition["columns"]
    outcome_cols = [c for c in cols if not c.get("computed")]

    def breakdown(row: str) -> str:
        values = [(c["label"], _v(doc, f"t4.{row}.{c['id']}")) for c in outcome_cols]
        return _join([f"{label}{_n(n)}件" for label, n in values if n])

    review = _v(doc, "t4.r_review.c_total")
    direct = _v(doc, "t4.r_lit_direct.c_total")
    after = _v(doc, "t4.r_lit_after.c_total")
    if review + direct + after == 0:
        return ["本年度未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。"]
    out = []
    if review:
        out.append(f"本年度因政府信息公开工作被申请行政复议{_n(review)}件，其中{breakdown('r_review')}。")
    else:
        out.append("本年度未发生因政府信息公开工作被申请行政复议的情况。")
    if direct + after:
        parts = []
        if direct:
            parts.append(f"未经复议直接起诉{_n(direct)}件（{breakdown('r_lit_direct')}）")
        if after:
            parts.append(f"复议后起诉{_n(after)}件（{breakdown('r_lit_after')}）")
        out.append(f"被提起行政诉讼{_n(direct + after)}件，其中{'，'.join(parts)}。")
    else:
        out.append("未发生因政府信息公开工作被提起行政诉讼的情况。")
    return out


def proactive_sentences(doc: ReturnDocument) -> list[str]:
    """The 主动公开 sentences of 一（一）, every number taken from table 二."""
    v = doc.values
    if doc.format == "ogi-2021":
        docs = []
        for row, label in (("r_rules", "规章"), ("r_normdocs", "行政规范性文件")):
            issued, repealed, valid = (_v(doc, f"t2.{row}.{c}") for c in ("c_issued", "c_repealed", "c_valid"))
            if issued or repealed or valid:
                docs.append(f"{label}本年制发{_n(issued)}件、废止{_n(repealed)}件，现行有效{_n(valid)}件")
        out = [f"{'；'.join(docs)}。" if docs else "本年度没有制发、废止或现行有效的规章和行政规范性文件。"]
        decisions = [
            (label, _v(doc, f"t2.{row}.c_decisions"))
            for row, label in (("r_license", "行政许可"), ("r_penalty", "行政处罚"), ("r_coercion", "行政强制"))
        ]
        made = [f"{label}决定{_n(n)}件" for label, n in decisions if n]
        out.append(f"本年度作出{_join(made)}。" if made else "本年度未作出行政许可、行政处罚、行政强制决定。")
        fee = v.get("t2.r_fees.c_fee_amount") or Decimal(0)
        out.append(f"行政事业性收费本年收费金额{_n(fee)}万元。" if fee else "本年度未收取行政事业性收费。")
        return out
    docs = []
    for row, label in (("r_rules", "规章"), ("r_normdocs", "规范性文件")):
        made, public, total = (_v(doc, f"t2.{row}.{c}") for c in ("c_new_made", "c_new_public", "c_public_total"))
        if made or public or total:
            docs.append(f"{label}本年新制作{_n(made)}件、新公开{_n(public)}件，对外公开总数{_n(total)}件")
    out = [f"{'；'.join(docs)}。" if docs else "本年度没有新制作、新公开的规章和规范性文件。"]
    decisions = [
        (label, _v(doc, f"t2.{row}.c_decisions"))
        for row, label in (
            ("r_license", "行政许可"),
            ("r_other_services", "其他对外管理服务事项"),
            ("r_penalty", "行政处罚"),
            ("r_coercion", "行政强制"),
        )
    ]
    made_list = [f"{label}处理决定{_n(n)}件" for label, n in decisions if n]
    out.append(f"本年度作出{_join(made_list)}。" if made_list else "本年度没有行政许可、行政处罚、行政强制等处理决定。")
    count = _v(doc, "t2.r_procurement.c_proc_count")
    amount = v.get("t2.r_procurement.c_proc_amount") or Decimal(0)
    if count or amount:
        out.append(f"政府集中采购项目{_n(count)}个，采购总金额{_n(amount)}元。")
    return out


def _notice_title(doc: ReturnDocument) -> str:
    # a title quoted inside 《》 takes 〈〉 for its own inner title
    return doc.spec.notice_title.replace("《", "〈").replace("》", "〉")


def draft_report(doc: ReturnDocument, *, failed: bool = False, coverage: Coverage | None = None) -> Report:
    """The whole annual report: six parts, data sentences, the tables and placeholders."""
    spec = doc.spec
    name = doc.unit_name or "本单位"
    y = doc.year
    report = Report(title=_title(doc), failed=failed, year=y)
    add = report.blocks.append
    if failed:
        add(Block("mark", (Run(FAILED_NOTE),)))
    add(Block("title", (Run(report.title),)))
    add(
        para(
            "本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）和"
            f"《{_notice_title(doc)}》（{spec.notice}）编制。"
            "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
            "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项六个部分。"
            f"本报告中所列数据的统计期限为{y}年1月1日至{y}年12月31日。本报告的电子版可在",
            placeholder("发布报告的门户网站名称及网址"),
            f"下载。如对本报告有疑问，请与{name}联系（地址：",
            placeholder("地址"),
            "；电话：",
            placeholder("咨询电话"),
            "；邮编：",
            placeholder("邮编"),
            "）。",
        )
    )
    if coverage is not None:
        add(para(coverage_sentence(coverage)))
    add(Block("heading", (Run(SECTION_TITLES[0]),), level=1))
    for i, (part, hint) in enumerate(OVERVIEW_PARTS[spec.id]):
        add(Block("heading", (Run(f"（{CN_NUMBERS[i]}）{part}"),), level=2))
        if part == "主动公开":
            add(para(*proactive_sentences(doc)))
            add(
                para(
                    placeholder(
                        "通过政府网站、政务新媒体、政府公报等渠道主动公开信息的数量，政策解读、回应社会关切等情况"
                    )
                )
            )
        elif part == "依申请公开":
            add(para(*application_sentences(doc)))
            add(para(*review_sentences(doc)))
            add(para(placeholder("依申请公开工作的办理机制、答复规范等情况（可删去本句）")))
        else:
            add(para(placeholder(hint)))
    # parts 二–四 are the tables; each table's title is the part's heading
    for table in tables_for(doc):
        add(Block("table", table=table))
    add(Block("heading", (Run(SECTION_TITLES[4]),), level=1))
    add(para("（一）存在的主要问题。", placeholder("本年度政府信息公开工作存在的主要问题")))
    add(para("（二）改进情况。", placeholder("针对上述问题已采取和拟采取的改进措施")))
    add(Block("heading", (Run(SECTION_TITLES[5]),), level=1))
    if spec.id == "ogi-2021":
        nofee = _v(doc, "t3.r_other_nofee.c_total")
        fee_runs: list[str | Run] = [
            "按照《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），",
            placeholder("本年度收取信息处理费的件数和金额（万元），未收取的写“本年度未收取信息处理费”"),
            "。",
        ]
        if nofee:
            fee_runs.append(f"本年度因申请人逾期未按收费通知要求缴纳费用而不再处理的申请{_n(nofee)}件。")
        add(para(*fee_runs))
        add(
            para(
                placeholder(
                    "落实上级年度政务公开工作要点、人大代表建议和政协提案办理结果公开、政务公开工作创新等情况；没有的写“无”"
                )
            )
        )
    else:
        add(para(placeholder("其他需要报告的事项；没有的写“无”")))
    add(Block("sign", (Run(name),)))
    add(Block("sign", (placeholder("发布日期"),)))
    return report


def coverage_sentence(coverage: Coverage) -> str:
    """``本报告第二至四部分的统计数据汇总了 N 个单位…；X（未报送）的数据未计入。``"""
    n = len(coverage.counted)
    text = f"本报告第二至四部分的统计数据由{n}个单位报送并审核通过的年度报表汇总形成"
    if coverage.excluded:
        names = "、".join(f"{name or code}（{label}）" for code, name, label in coverage.excluded)
        text += f"；{names}的数据未计入"
    if coverage.unidentified:
        text += f"；另有{coverage.unidentified}个无法识别填报单位的文件未计入"
    return text + "。"
