"""Findings: problems in a return, as data (never raised).

Every finding has a stable ``code`` (listed in :data:`CODES` with its default severity
and a short Chinese title), a ``severity`` (error / query / warning / info), where it is
(``sheet``, ``cell`` in A1 notation, ``cell_ids``), the ``rule`` it comes from, and a
Chinese ``message`` a clerk can act on. ``args`` keeps the message's numbers for machines.

Severities, most serious first:

- ``error`` (错误): must be fixed; the return is not accepted.
- ``query`` (核实): a figure that may be right but must be checked. The unit either corrects it
  or explains it (情况说明); an unexplained query keeps the return 待补正, an explained one
  passes and carries its ``explanation`` to the summary.
- ``warning`` (警告) and ``info`` (提示): shown, never block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "query", "warning", "info"]
SEVERITY_LABELS: dict[str, str] = {"error": "错误", "query": "核实", "warning": "警告", "info": "提示"}
SEVERITY_ORDER: dict[str, int] = {"error": 0, "query": 1, "warning": 2, "info": 3}

# code -> (default severity, short Chinese title). Codes are stable: tools and tests rely on them.
CODES: dict[str, tuple[Severity, str]] = {
    # sum rules (勾稽关系)
    "sum-mismatch": ("error", "勾稽关系不平衡"),
    "sum-blank": ("warning", "合计项未填写"),
    # against the same unit's return of the previous year (validate --previous)
    "cross-year-mismatch": ("query", "与上年度报表不衔接"),
    "cross-year-missing": ("info", "未找到上年度报表"),
    "cross-year-ambiguous": ("info", "上年度报表不止一份"),
    # values
    "return-empty": ("error", "报表未填写"),
    "value-blank": ("warning", "单元格未填写（按 0 计算）"),
    "value-blank-strict": ("error", "单元格未填写"),
    "value-not-applicable": ("warning", "填写了“/”“—”等符号（按 0 计算）"),
    "value-text-number": ("warning", "数字以文本形式存储"),
    "value-fullwidth": ("warning", "使用了全角数字"),
    "value-unit-suffix": ("warning", "数字后带单位"),
    "value-plus-sign": ("info", "数字前带“+”号"),
    "value-negative": ("error", "数量不能为负数"),
    "value-not-integer": ("error", "数量必须为整数"),
    "value-not-number": ("error", "不是数字"),
    "value-error": ("error", "单元格为 Excel 错误值"),
    "value-date": ("error", "数字单元格中填写了日期"),
    "value-bool": ("error", "数字单元格中填写了逻辑值"),
    "value-formula": ("error", "填报单元格中填写了公式"),
    "value-too-precise": ("warning", "金额小数位过多"),
    # cover (封面)
    "cover-missing": ("warning", "封面信息未填写"),
    "cover-invalid": ("warning", "封面信息格式不正确"),
    # identity
    "year-mismatch": ("error", "报告年度不符"),
    "format-year-mismatch": ("error", "报表格式与报告年度不符"),
    "unit-mismatch": ("error", "单位信息前后不一致"),
    "unit-not-on-roster": ("error", "单位不在报送名单中"),
    "unit-code-missing": ("error", "缺少单位代码"),
    # document schema
    "schema": ("error", "数据不符合报表结构"),
    # workbook structure (reader)
    "format-unknown": ("error", "无法识别的报表格式"),
    "format-retired": ("error", "模板版本已停用"),
    "format-by-labels": ("info", "模板标识缺失，已按表格文字识别格式"),
    "fingerprint-mismatch": ("warning", "模板标识不一致"),
    "sheet-missing": ("error", "缺少工作表"),
    "sheet-renamed": ("warning", "工作表被改名"),
    "sheet-extra": ("info", "多出工作表"),
    "label-changed": ("error", "表格文字被修改"),
    "layout-shifted": ("error", "表格行列被插入或删除"),
    "formula-overwritten": ("error", "合计公式被改为数值"),
    "formula-changed": ("error", "合计公式被修改"),
    "cached-stale": ("warning", "合计未重新计算或被改动"),
    "protection-removed": ("warning", "工作表保护被取消"),
    "structure-unlocked": ("info", "工作簿结构未锁定"),
    "unexpected-value": ("warning", "表格外填写了内容"),
    # the January inbox (issue 11): data nobody sees
    "sheet-hidden": ("warning", "工作表被隐藏"),
    "rows-hidden": ("warning", "有数据的行被隐藏"),
    "fill-total-replaced": ("warning", "给出的合计已按各项重新计算"),
    # files
    "file-empty": ("error", "文件为空"),
    "file-not-xlsx": ("error", "不是 .xlsx 文件"),
    "file-xls": ("error", "旧版 .xls 文件"),
    "file-et": ("error", "WPS .et 文件"),
    "file-encrypted": ("error", "文件设置了打开密码"),
    "file-corrupt": ("error", "文件已损坏"),
    "file-too-large": ("error", "文件过大"),
    "file-unsafe": ("error", "文件内容不安全"),
    "file-unreadable": ("error", "无法读取文件"),
    # merge
    "merge-duplicate-file": ("info", "同一文件重复提交"),
    "merge-conflict": ("error", "同一单位提交了不同文件"),
    "merge-missing": ("error", "单位未报送"),
    "merge-unexpected": ("error", "单位不在报送名单中"),
    # queries (核实): plausibility rules (合理性, ogi_xlsx/plausibility.py) and the unit's
    # explanations of queries (情况说明, ogi_xlsx/explanations.py)
    "implausible-value": ("query", "数值超出常见范围"),
    "implausible-change": ("query", "与上年度相比变化异常"),
    "implausible-shape": ("query", "数据组合不常见"),
    "explanation-rejected": ("warning", "情况说明未说明原因"),
    "explanation-unmatched": ("info", "情况说明未对应任何核实项"),
    "explanation-carried": ("info", "下级单位的情况说明"),
    "explanation-too-many": ("warning", "情况说明行数过多"),
    # published annual reports read by `import` / validate (issue 15)
    "report-unsupported": ("error", "报告文件类型无法读取"),
    "report-no-text": ("error", "报告没有文字层（扫描件或图片）"),
    "report-no-tables": ("error", "报告中未找到统计表"),
    "report-too-slow": ("error", "报告读取超时"),
    "report-truncated": ("warning", "报告页数过多，只读取了前面的页"),
    "import-summary": ("info", "导入情况"),
    "import-identity": ("warning", "未能从报告中读出单位或年度"),
    "import-format": ("info", "报表格式按表格文字判断"),
    "import-format-mixed": ("warning", "报告混用了两种格式"),
    "import-row-missing": ("warning", "报告中未找到该行"),
    "import-row-unplaced": ("warning", "该行数字无法对应到列"),
    "import-row-unknown": ("info", "报告中有格式以外的行"),
    "import-row-duplicate": ("warning", "同一行出现两次且数字不同"),
    "import-label-approximate": ("info", "标签与官方文字近似"),
    "import-value-converted": ("info", "数值已换算或去掉符号"),
    "import-value-unreadable": ("error", "单元格内容不是数字"),
    "import-blank": ("info", "报告中的空白格"),
    "narrative-mismatch": ("warning", "正文与表格数字不一致"),
    "cross-year-by-name": ("info", "上年度报表按单位名称匹配"),
    # collection portal (ogi-xlsx serve): a return uploaded through another unit's link
    "portal-wrong-unit": ("error", "不是本单位的报表"),
    "portal-returned": ("error", "已被退回"),
}


@dataclass(frozen=True)
class Finding:
    """One problem found in a return."""

    code: str
    message: str
    severity: Severity | None = None
    sheet: str | None = None
    cell: str | None = None
    cell_ids: tuple[str, ...] = ()
    rule: str | None = None
    args: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # For a query the unit has explained acceptably (情况说明): the explanation's text.
    explanation: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")
        if self.severity is None:
            object.__setattr__(self, "severity", CODES[self.code][0])

    @property
    def title(self) -> str:
        return CODES[self.code][1]

    @property
    def where(self) -> str:
        """``表三 D12`` style location, or empty for file-level findings."""
        return " ".join(part for part in (self.sheet, self.cell) if part)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``findings`` entries of ``validate --json``)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "cell_ids": list(self.cell_ids),
            "rule": self.rule,
            "title": self.title,
            "message": self.message,
            "args": {k: _jsonable(v) for k, v in self.args.items()},
            **({"explanation": self.explanation} if self.explanation is not None else {}),
        }


def _jsonable(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def format_number(value: object) -> str:
    """A number as a clerk writes it: ``12``, ``43.788`` (no exponent, no trailing zeros)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return format(value.normalize(), "f")
    return str(value)


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    """True when any finding has error severity (the return cannot be accepted)."""
    return any(f.severity == "error" for f in findings)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then queries, warnings, infos; stable otherwise."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity or "error"])


def open_queries(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    """The queries (核实) the unit has neither corrected nor explained acceptably."""
    return [f for f in findings if f.severity == "query" and not f.explanation]


def has_open_queries(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    """True when a query is left unexplained: the return is 待补正 (not passed), like an error."""
    return any(f.severity == "query" and not f.explanation for f in findings)


def queries_as_warnings(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    """The old behaviour (``--queries-as-warnings``, setting ``queries_as_warnings``): every
    query shown as a warning, which nobody has to answer."""
    from dataclasses import replace

    return [replace(f, severity="warning") if f.severity == "query" else f for f in findings]
