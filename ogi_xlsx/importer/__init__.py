"""Reading published annual reports (PDF, Word, HTML, plain text) into return documents (issue 15).

Entry point: :func:`import_report` -> :class:`ImportResult` (never raises for bad input). Its
document holds the values as printed (totals included, blanks kept blank) so that validation
judges the report as published; its findings say how sure the import is: cells read and
missing, rows not found, where each table was found, and where the text contradicts a table.

Heavy libraries (lxml, python-docx, pdfplumber, charset-normalizer) are imported by the readers
only when a file of that kind is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ogi_xlsx.findings import Finding, format_number, sort_findings
from ogi_xlsx.limits import Limits

if TYPE_CHECKING:
    from ogi_xlsx.document import ReturnDocument
    from ogi_xlsx.importer.grid import Source
    from ogi_xlsx.importer.reader import Reading, Unplaced
    from ogi_xlsx.importer.values import Token
    from ogi_xlsx.spec import FormatSpec
    from ogi_xlsx.validate import FileReport

__all__ = ["REPORT_SUFFIXES", "ImportResult", "check_report", "collect_report_paths", "import_report"]

# Published-report files read by `import` and by validate; .doc/.wps get a "另存为 .docx" finding.
REPORT_SUFFIXES = frozenset({".pdf", ".docx", ".html", ".htm", ".txt", ".doc", ".wps"})
TABLE_NAMES = {"t2": "表二", "t3": "表三", "t4": "表四"}
_LIST = 8  # items named in one finding before "等 N 项"

_TITLE = re.compile(
    r"^(?:关于)?(?P<unit>[^\d，。：:]{2,60}?)\s*(?P<year>(?:19|20)\d{2})\s*年度?\s*(?:的)?\s*政府信息公开(?:工作)?\s*年度?\s*报告"
)
_TITLE_YEAR_FIRST = re.compile(
    r"^(?P<year>(?:19|20)\d{2})\s*年度?\s*(?P<unit>[^\d，。：:]{2,60}?)\s*政府信息公开(?:工作)?\s*年度?\s*报告"
)
_PERIOD = re.compile(r"统计(?:时限|期限|时间)[^\d]{0,6}(?P<year>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")


@dataclass
class ImportResult:
    """One report read: the document (values as printed), the import's findings and statistics."""

    path: Path
    document: ReturnDocument | None = None
    findings: list[Finding] = field(default_factory=list)
    kind: str | None = None  # pdf / docx / html / text
    cells_total: int = 0
    cells_read: int = 0  # cells with a number
    cells_blank: int = 0
    cells_not_applicable: int = 0  # "/", "—", "无"
    cells_missing: int = 0  # rows not found, or numbers that could not be placed
    rows_missing: list[str] = field(default_factory=list)
    tables: dict[str, str] = field(default_factory=dict)  # 表二 -> where it was found
    format_source: str = ""  # how the format was chosen
    not_applicable: dict[str, str] = field(default_factory=dict)  # cell id -> printed mark
    text_lines: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``import --json``)."""
        return {
            "path": str(self.path),
            "kind": self.kind,
            "format_source": self.format_source,
            "tables": self.tables,
            "cells": {
                "total": self.cells_total,
                "read": self.cells_read,
                "blank": self.cells_blank,
                "not_applicable": self.cells_not_applicable,
                "missing": self.cells_missing,
            },
            "rows_missing": self.rows_missing,
            "document": self.document.to_json() if self.document is not None else None,
            "findings": [f.to_dict() for f in self.findings],
        }


def _names(items: Sequence[str]) -> str:
    shown = "、".join(items[:_LIST])
    return shown + (f" 等 {len(items)} 项" if len(items) > _LIST else "")


def _refuse(result: ImportResult, code: str, message: str) -> ImportResult:
    result.findings = [Finding(code, message)]
    return result


def _read_source(path: Path, data: bytes, limits: Limits, result: ImportResult) -> Source | None:
    """The report's items, or None with a finding in ``result``."""
    from ogi_xlsx.importer.sniff import declared_encoding, decode, sniff

    suffix = path.suffix.lower()
    kind = sniff(data[:4096], suffix)
    name = path.name
    if suffix in (".doc", ".wps") or kind == "ole":
        what = "WPS 文字（.wps）" if suffix == ".wps" else "旧版 Word（.doc）"
        _refuse(
            result,
            "report-unsupported",
            f"“{name}”是{what}文件，无法直接读取；请用 Word 或 WPS 另存为 .docx 后再导入。",
        )
        return None
    if not data.strip():
        _refuse(result, "file-empty", f"“{name}”是空文件。")
        return None
    if kind == "pdf":
        from ogi_xlsx.importer.pdf_source import PdfError, read_pdf

        result.kind = "pdf"
        try:
            return read_pdf(path)
        except PdfError as exc:
            _refuse(result, exc.code, f"“{name}”：{exc.message}。")
            return None
    if kind == "zip":
        from ogi_xlsx.importer.docx_source import DocxError, read_docx

        result.kind = "docx"
        try:
            return read_docx(path, data, limits)
        except DocxError as exc:
            _refuse(result, exc.code, f"“{name}”：{exc.message}。")
            return None
    if kind == "unknown":
        _refuse(
            result,
            "report-unsupported",
            f"“{name}”不是可读取的报告（支持 PDF、.docx、网页 .html 和 .txt）；如果是图片，请提供带文字的 PDF 或 .docx。",
        )
        return None
    if kind == "html":
        from ogi_xlsx.importer.html_source import read_html

        result.kind = "html"
        lowered = data.lower()
        if lowered.count(b"<td") + lowered.count(b"<th") > limits.max_cells:
            # counted before parsing: a page of a million cells would take the memory budget to build
            _refuse(result, "file-too-large", f"“{name}”的表格过大（超过 {limits.max_cells} 个单元格）。")
            return None
        text, _encoding = decode(data, declared_encoding(data))
        try:
            return read_html(text, limits.max_cells)
        except ValueError:
            _refuse(result, "file-too-large", f"“{name}”的表格过大（超过 {limits.max_cells} 个单元格）。")
            return None
    from ogi_xlsx.importer.text_source import read_text

    result.kind = "text"
    text, _encoding = decode(data)
    return read_text(text)


def _identity(source: Source) -> tuple[str | None, int | None, str]:
    """(unit name, year, where) from the report's title, or the statistics period for the year."""
    from ogi_xlsx.importer.grid import Line

    lines = [item for item in source.items if isinstance(item, Line)]
    for line in lines[:60]:
        text = re.sub(r"\s+", " ", line.text.strip())[:200]
        m = _TITLE.search(text) or _TITLE_YEAR_FIRST.search(text)
        if m:
            unit = re.sub(r"\s+", "", m.group("unit")).strip("《》“”\"' ")
            return unit or None, int(m.group("year")), line.where
    for line in lines[:200]:
        m = _PERIOD.search(re.sub(r"\s+", " ", line.text[:500]))
        if m:
            return None, int(m.group("year")), line.where
    return None, None, ""


def _format_votes(reading: Reading) -> dict[str, list[str]]:
    """Which format each table's labels speak for: {"2019": [reasons], "2021": [reasons]}."""
    votes: dict[str, list[str]] = {"2019": [], "2021": []}
    cols = {cid.split(".")[2] for cid in reading.cells if cid.startswith("t2.")}
    rows = {row.split(".")[1] for row in reading.rows}
    if cols & {"c_issued", "c_repealed", "c_valid", "c_fee_amount"}:
        votes["2021"].append("表二（本年制发件数/本年收费金额）")
    if (
        cols & {"c_new_made", "c_new_public", "c_public_total", "c_prev_items", "c_proc_count"}
        or "r_procurement" in rows
    ):
        votes["2019"].append("表二（本年新制作数量/政府集中采购）")
    if rows & {"r_other_nocorrect", "r_other_nofee", "r_other_other"}:
        votes["2021"].append("表三（（六）分三项）")
    if "r_other" in rows:
        votes["2019"].append("表三（（六）其他处理为一行）")
    return votes


def _choose_format(
    reading: Reading, format_id: str | None, year: int | None
) -> tuple[FormatSpec | None, str, list[Finding]]:
    from ogi_xlsx.spec import UnknownFormatError, format_for_year, load_format

    votes = _format_votes(reading)
    findings: list[Finding] = []
    if format_id:
        try:
            return load_format(format_id), "按 --format 指定", findings
        except UnknownFormatError:
            return None, "", [Finding("format-unknown", f"未知的报表格式“{format_id}”，可用：2019、2021。")]
    labelled = None
    if votes["2021"] and not votes["2019"]:
        labelled = "2021"
    elif votes["2019"] and not votes["2021"]:
        labelled = "2019"
    if year is not None:
        try:
            spec = format_for_year(year)
        except UnknownFormatError:
            spec = load_format("2021")
        how = f"按报告年度 {year}"
        if labelled and labelled != str(spec.year_format):
            reasons = "、".join(votes[labelled])
            findings.append(
                Finding(
                    "import-format-mixed",
                    f"报告年度 {year} 应使用{spec.notice}格式，但报告的{reasons}是 {labelled} 年格式；"
                    f"已按 {spec.year_format} 年格式导入，两种格式共有的格照常读取。",
                )
            )
        return spec, how, findings
    spec = load_format(labelled or "2021")
    how = f"按表格文字（{'、'.join(votes[labelled])}）" if labelled else "表格文字不能确定格式，按 2021 年格式"
    findings.append(Finding("import-format", f"报表格式{how}判断为 {spec.year_format} 年格式（{spec.notice}）。"))
    return spec, how, findings


def _values(
    spec: FormatSpec, reading: Reading, result: ImportResult, findings: list[Finding]
) -> dict[str, int | Decimal | None]:
    """The printed cells in ``spec``'s ids (other-format cells mapped or reported), converted by type."""
    from ogi_xlsx.importer.values import Token, convert_amount
    from ogi_xlsx.layout import workbook_layout
    from ogi_xlsx.spec import load_format

    values: dict[str, int | Decimal | None] = dict.fromkeys(spec.cell_ids)
    tokens: dict[str, Token] = {}
    dropped: list[str] = []
    other_single = [cid for cid in reading.cells if cid.startswith("t3.r_other.")]
    for cid, token in reading.cells.items():
        target = cid
        if cid not in spec.cells:
            row = cid.split(".")[1]
            if row == "r_other" and "t3.r_other_other.c_total" in spec.cells:
                target = cid.replace("t3.r_other.", "t3.r_other_other.")
            elif row in ("r_other_nocorrect", "r_other_nofee", "r_other_other") and "t3.r_other.c_total" in spec.cells:
                target = "t3.r_other." + cid.split(".")[2]
                prior = tokens.get(target)
                if prior is not None and prior.kind == "number" and token.kind == "number":
                    # the three 2021 sub-items printed, the 2019 format has their sum
                    token = Token("number", f"{prior.raw}+{token.raw}", prior.value + token.value, where=token.where)
                elif prior is not None and prior.kind == "number":
                    token = prior
            else:
                dropped.append(cid)
                continue
        tokens[target] = token
    if other_single and "t3.r_other_other.c_total" in spec.cells:
        findings.append(
            Finding(
                "import-format-mixed",
                "表三的（六）其他处理是 2019 年格式的一行（不分三项）：已导入为（六）3.其他，"
                "1、2 两项按空白处理；请核对原报告。",
                severity="info",
                # the 1、2 rows the report does not have
                cell_ids=tuple(
                    c.replace("t3.r_other.", f"t3.r_other_{sub}.")
                    for c in other_single
                    for sub in ("nocorrect", "nofee")
                ),
            )
        )
    elif "t3.r_other.c_total" in spec.cells and any(c.startswith("t3.r_other_") for c in reading.cells):
        findings.append(
            Finding(
                "import-format-mixed",
                "表三的（六）其他处理分三项（2021 年格式）：已合计为 2019 年格式的（六）其他处理一行。",
                severity="info",
            )
        )
    if dropped:
        labels = []
        other = load_format("2019" if spec.year_format == 2021 else "2021")
        for cid in dropped:
            cell = other.cells.get(cid)
            labels.append(f"{TABLE_NAMES[cid[:2]]}“{cell.label}”" if cell else cid)
        findings.append(
            Finding(
                "import-format-mixed",
                f"报告中有 {len(dropped)} 格是另一种格式才有的（{_names(labels)}），"
                f"{spec.year_format} 年格式没有对应的格，未导入；请按{spec.notice}格式核对。",
                args={"cells": dropped},
            )
        )
    converted: list[str] = []
    unreadable: list[Finding] = []
    layout = workbook_layout(spec)
    for cid, token in tokens.items():
        cell = spec.cells[cid]
        sheet, address = layout.locate(cid)
        where = f"{TABLE_NAMES[cid[:2]]} {address}（{cell.label}）"
        if token.kind == "blank":
            continue
        if token.kind == "na":
            result.not_applicable[cid] = token.raw.strip()
            continue
        if token.kind == "bad":
            unreadable.append(
                Finding(
                    "import-value-unreadable",
                    f"{where}：报告中印的是“{token.raw.strip()[:40]}”（{token.where}），不是数字，未导入；请核对原报告。",
                    sheet=sheet,
                    cell=address,
                    cell_ids=(cid,),
                )
            )
            continue
        value = token.value
        assert value is not None
        if cell.type == "amount":
            money = token.unit if token.unit in ("元", "万元") else None
            unit_from = money or reading.header_units.get(cid) or cell.unit
            amount = convert_amount(value, unit_from, cell.unit)
            if unit_from != cell.unit or token.unit:
                converted.append(f"{where}“{token.raw.strip()}”→ {format_number(amount)} {cell.unit or ''}".rstrip())
            values[cid] = amount
            continue
        if isinstance(value, Decimal):
            unreadable.append(
                Finding(
                    "import-value-unreadable",
                    f"{where}：报告中印的是“{token.raw.strip()}”（{token.where}），数量应为整数，未导入；请核对原报告。",
                    sheet=sheet,
                    cell=address,
                    cell_ids=(cid,),
                )
            )
            continue
        if token.signed or token.unit:
            converted.append(f"{where}“{token.raw.strip()}”→ {value}")
        values[cid] = value
    if converted:
        findings.append(
            Finding(
                "import-value-converted", f"已换算或去掉符号、单位：{_names(converted)}。", args={"items": converted}
            )
        )
    findings.extend(unreadable)
    result.cells_read = sum(1 for v in values.values() if v is not None)
    return values


def _reading_findings(spec: FormatSpec, reading: Reading, result: ImportResult, findings: list[Finding]) -> None:
    """Rows not found, numbers not placed, unknown rows, approximate labels; and the statistics."""
    from ogi_xlsx.spec import all_formats

    rows_by_table: dict[str, list[tuple[str, str]]] = {}
    for cell in spec.cells.values():
        key = f"{cell.table}.{cell.row}"
        if key not in [k for k, _ in rows_by_table.setdefault(cell.table, [])]:
            rows_by_table[cell.table].append((key, cell.row_label))
    found_rows = set(reading.rows)
    if "t3.r_other" in found_rows:
        found_rows.add("t3.r_other_other")
    if found_rows & {"t3.r_other_nocorrect", "t3.r_other_nofee", "t3.r_other_other"}:
        found_rows.add("t3.r_other")
    unplaced_labels = {u.label for u in reading.unplaced}
    for table, rows in rows_by_table.items():
        if table not in reading.tables:
            continue
        missing = [(key, label) for key, label in rows if key not in found_rows]
        if table == "t3" and "t3.r_other" in reading.rows:
            missing = [(k, lb) for k, lb in missing if k not in ("t3.r_other_nocorrect", "t3.r_other_nofee")]
        if not missing:
            continue
        result.rows_missing += [f"{TABLE_NAMES[table]}“{label}”" for _, label in missing]
        cells = tuple(c.id for c in spec.cells.values() if f"{c.table}.{c.row}" in {k for k, _ in missing})
        note = (
            "（其中有的行数字无法对应到列，见下）"
            if unplaced_labels and table in {u.table for u in reading.unplaced}
            else ""
        )
        findings.append(
            Finding(
                "import-row-missing",
                f"{TABLE_NAMES[table]}中未找到 {len(missing)} 行：{_names([lb for _, lb in missing])}{note}；"
                "这些格按未填写处理，请核对原报告。",
                cell_ids=cells,
            )
        )
    for table in ("t2", "t3", "t4"):
        if table not in reading.tables:
            cells = tuple(c.id for c in spec.cells.values() if c.table == table)
            if cells:
                result.rows_missing.append(f"{TABLE_NAMES[table]}（整张表）")
                findings.append(
                    Finding(
                        "import-row-missing",
                        f"报告中未找到{spec.table(table).title}的统计表；如果这张表是图片，请提供带文字的 PDF 或 .docx。",
                        cell_ids=cells,
                    )
                )
    for u in reading.unplaced:
        findings.append(_unplaced_finding(u))
    for label, match, where in reading.approximate:
        findings.append(
            Finding(
                "import-label-approximate",
                f"“{label[:40]}”（{where}）与官方文字“{match.official}”不完全相同，已按“{match.official}”读取。",
            )
        )
    for row_id, where, extra in reading.same_values:
        findings.append(
            Finding(
                "import-value-converted",
                f"{TABLE_NAMES[row_id[:2]]}（{where}）印有的数字比格子多 {extra} 个；因各数都相同，取哪几个都一样，已照此导入。",
            )
        )
    row_labels = {f"{c.table}.{c.row}": c.row_label for s in all_formats() for c in s.cells.values()}
    for row_id, where in reading.duplicates:
        findings.append(
            Finding(
                "import-row-duplicate",
                f"{TABLE_NAMES[row_id[:2]]}“{row_labels.get(row_id, row_id)}”在{where}又出现一次且数字不同；"
                "已用第一次出现的数字，请核对原报告。",
            )
        )


def _unplaced_finding(u: Unplaced) -> Finding:
    printed = [p.strip() or "空" for p in u.printed]
    shown = "、".join(printed[:16]) + ("…" if len(printed) > 16 else "")
    table = TABLE_NAMES.get(u.table, u.table)
    label = u.label[:40] or "（无行名）"
    if u.reason == "unknown-row":
        return Finding(
            "import-row-unknown",
            f"{table}中的“{label}”（{u.where}）不是本格式的行，其数字（{shown}）未导入。",
        )
    if u.reason == "no-columns":
        why = "没有找到这一栏的表头（信息内容…），不能确定各数所在的列"
    elif u.reason == "more":
        why = "印有的数字比格子多，不能确定各数所在的列"
    else:
        why = "印有的数字比格子少（空白格在转换中丢失），不能确定各数所在的列"
    return Finding(
        "import-row-unplaced",
        f"{table}“{label}”（{u.where}）：{why}；此行未导入（印有：{shown}），请核对原报告或提供 .docx/网页版本。",
    )


def import_report(
    path: str | Path,
    *,
    format_id: str | None = None,
    year: int | None = None,
    unit_name: str | None = None,
    unit_code: str | None = None,
    limits: Limits | None = None,
) -> ImportResult:
    """Read one published report into a return document; never raises for bad input."""
    path = Path(path)
    result = ImportResult(path=path)
    try:
        return _import(path, result, format_id, year, unit_name, unit_code, limits or Limits())
    except MemoryError:
        return _refuse(result, "file-too-large", f"“{path.name}”内容过多，超出内存上限。")
    except Exception as exc:  # a bug must not stop the batch: report it on the file
        return _refuse(
            result,
            "file-unreadable",
            f"读取“{path.name}”时出错（{type(exc).__name__}: {str(exc)[:200]}），请另存为 .docx 后重试；如仍出错请联系管理员。",
        )


def _import(
    path: Path,
    result: ImportResult,
    format_id: str | None,
    year: int | None,
    unit_name: str | None,
    unit_code: str | None,
    limits: Limits,
) -> ImportResult:
    from ogi_xlsx.document import ReturnDocument
    from ogi_xlsx.importer.narrative import check_narrative
    from ogi_xlsx.importer.reader import read_tables
    from ogi_xlsx.rules import with_totals

    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            return _refuse(
                result,
                "file-too-large",
                f"“{path.name}”有 {size / 1048576:.1f} MB，超过上限 {limits.max_file_bytes / 1048576:g} MB"
                "（如需放宽，用 --limits max_file_mb=…）。",
            )
        data = path.read_bytes()
    except OSError as exc:
        return _refuse(result, "file-unreadable", f"无法读取文件“{path.name}”：{exc.strerror or exc}。")
    source = _read_source(path, data, limits, result)
    if source is None:
        return result
    if source.kind == "pdf" and source.chars == 0:
        return _refuse(
            result,
            "report-no-text",
            f"“{path.name}”没有文字层（共 {source.pages} 页，是扫描件或图片），无法读取数字；"
            "请提供带文字的 PDF（由 Word/WPS 直接导出）或 .docx。不做文字识别，以免读错数字。",
        )
    reading = read_tables(source)
    result.tables = {TABLE_NAMES[t]: w for t, w in reading.tables.items()}
    cut = []
    if source.pages_read is not None:
        cut.append(
            Finding(
                "report-truncated",
                f"“{path.name}”有 {source.pages} 页，只读取了前 {source.pages_read} 页；统计表在后面的页时请只提供报告本身。",
            )
        )
    if not reading.cells:
        if cut:
            result.findings = cut
            return result
        hint = "（报告中有图片，表格可能是图片）" if source.images else ""
        return _refuse(
            result,
            "report-no-tables",
            f"“{path.name}”中没有找到统计表（二、主动公开，三、依申请公开，四、复议诉讼）{hint}；"
            "请提供带文字的 PDF、.docx 或网页版本的年度报告。",
        )
    findings: list[Finding] = list(cut)
    title_unit, title_year, title_where = _identity(source)
    unit_name = unit_name or title_unit
    year = year or title_year
    spec, how, format_findings = _choose_format(reading, format_id, year)
    findings += format_findings
    if spec is None:
        result.findings = findings
        return result
    result.format_source = how
    if not unit_name:
        findings.append(
            Finding(
                "import-identity",
                "报告中没有找到单位名称（标题如“××街道办事处 2020 年政府信息公开工作年度报告”）；请用 --unit-name 指定。",
            )
        )
    if year is None:
        findings.append(
            Finding(
                "import-identity",
                "报告中没有找到报告年度（标题或“统计时限”）；请用 --year 指定。",
                severity="error",
            )
        )
    values = _values(spec, reading, result, findings)
    _reading_findings(spec, reading, result, findings)
    result.cells_total = len(spec.cell_ids)
    missing_rows = set()
    for f in findings:
        if f.code == "import-row-missing":
            missing_rows.update(f.cell_ids)
    result.cells_missing = len(missing_rows)
    result.cells_blank = sum(
        1
        for cid, token in reading.cells.items()
        if token.kind == "blank" and (cid in spec.cells or cid.startswith("t3.r_other"))
    )
    result.cells_not_applicable = len(result.not_applicable)
    blank_ids = [cid for cid, t in reading.cells.items() if t.kind == "blank" and cid in spec.cells]
    if blank_ids or result.not_applicable:
        parts = []
        if blank_ids:
            parts.append(f"{len(blank_ids)} 格为空白（{_names([_label(spec, c) for c in blank_ids])}）")
        if result.not_applicable:
            marks = "、".join(sorted({f"“{m}”" for m in result.not_applicable.values()}))
            parts.append(
                f"{len(result.not_applicable)} 格印的是{marks}（{_names([_label(spec, c) for c in result.not_applicable])}）"
            )
        findings.append(
            Finding(
                "import-blank",
                f"报告中{'，'.join(parts)}：空白不等于 0，这些格按未填写导入。",
                cell_ids=tuple(blank_ids) + tuple(result.not_applicable),
            )
        )
    # Text versus table: printed totals, or the sum of the printed items where a total is blank.
    computed = with_totals(spec, {k: values.get(k) for k in spec.input_ids})
    compare = {cid: (values[cid] if values[cid] is not None else computed.get(cid)) for cid in spec.cell_ids}
    labels = {cid: spec.cells[cid].row_label for cid in spec.cell_ids}
    findings += check_narrative(reading.text, compare, labels)
    where = "；".join(f"{name}见{w}" for name, w in result.tables.items())
    findings.insert(
        0,
        Finding(
            "import-summary",
            f"从{_kind_name(result.kind)}读取：{where or '未找到统计表'}。共 {result.cells_total} 格，"
            f"读到数字 {result.cells_read} 格，空白 {len(blank_ids)} 格，“/”等 {result.cells_not_applicable} 格，"
            f"未找到 {result.cells_missing} 格；格式{how}；单位“{unit_name or '未知'}”"
            f"{'（取自' + title_where + '标题）' if title_unit and unit_name == title_unit else ''}，年度 {year or '未知'}。",
            args={
                "cells_total": result.cells_total,
                "cells_read": result.cells_read,
                "cells_blank": len(blank_ids),
                "cells_not_applicable": result.cells_not_applicable,
                "cells_missing": result.cells_missing,
                "tables": result.tables,
            },
        ),
    )
    result.findings = sort_findings(findings)
    if year is not None:
        result.document = ReturnDocument(
            format=spec.id,
            year=year,
            unit_code=unit_code or "",
            unit_name=unit_name or "",
            values=values,
            cover={},
            format_version=spec.version,
        )
    return result


def _kind_name(kind: str | None) -> str:
    return {"pdf": "PDF", "docx": "Word 文件", "html": "网页", "text": "文本"}.get(kind or "", "文件")


def _label(spec: FormatSpec, cell_id: str) -> str:
    from ogi_xlsx.layout import workbook_layout

    _, address = workbook_layout(spec).locate(cell_id)
    return f"{TABLE_NAMES[cell_id[:2]]} {address}"


# --------------------------------------------------------------------------- validate integration


def _norm_name(name: str | None) -> str:
    import unicodedata

    return re.sub(r"[\s\u3000（）()·]", "", unicodedata.normalize("NFKC", name or ""))


def match_name(name: str | None, candidates: Mapping[str, str]) -> str | None:
    """The key of ``candidates`` (code -> unit name) whose name is ``name``: equal after
    normalising, else the only one where one name ends with the other ("鲤城区人民政府临江街道办事处"
    and "临江街道办事处")."""
    key = _norm_name(name)
    if len(key) < 2:
        return None
    equal = [code for code, other in candidates.items() if _norm_name(other) == key]
    if len(equal) == 1:
        return equal[0]
    if equal:
        return None
    names = {code: _norm_name(other) for code, other in candidates.items()}
    short = {code: re.sub("(办事处|人民政府)$", "", other) for code, other in names.items()}
    bare = re.sub("(办事处|人民政府)$", "", key)
    tests = (
        lambda code: len(names[code]) >= 4 and (key.endswith(names[code]) or names[code].endswith(key)),
        # "临江街道" on the roster, "…临江街道办事处" in the title
        lambda code: len(short[code]) >= 4 and (bare.endswith(short[code]) or short[code].endswith(bare)),
        lambda code: len(short[code]) >= 4 and (short[code] in key or bare in names[code]),
    )
    for test in tests:
        found = [code for code in candidates if test(code)]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def check_report(
    path: Path,
    report: FileReport,
    *,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    strict_blanks: bool = False,
    limits: Limits | None = None,
) -> FileReport:
    """A published report checked like any return: import findings, then the document checks
    (schema, identity, blanks, sum rules on the totals as printed). The report's document gets
    recomputed totals, like a .json return's."""
    result = import_report(path, limits=limits)
    report.findings, report.document = list(result.findings), None
    doc = result.document
    if doc is None:
        return report
    extra = []
    if not doc.unit_code and roster:
        code = match_name(doc.unit_name, roster)
        if code is not None:
            doc.unit_code = code
            extra.append(
                Finding(
                    "cross-year-by-name",
                    f"报告没有单位代码，按单位名称“{doc.unit_name}”对应到名单中的“{roster[code]}”（代码 {code}）。",
                    args={"code": code},
                )
            )
    checks = document_findings(doc, result, expected_year, roster, strict_blanks)
    if extra:  # the code was found by the name: the names differ by design, the match is shown
        checks = [f for f in checks if f.code != "unit-mismatch"]
    # Cells of rows the report does not have (not found, or the other format's rows) are named
    # once by the import's finding, not again one "未填写" per cell.
    absent = {
        cid for f in result.findings if f.code in ("import-row-missing", "import-format-mixed") for cid in f.cell_ids
    }
    checks = [f for f in checks if not (f.code in ("value-blank", "value-blank-strict") and set(f.cell_ids) <= absent)]
    report.findings = sort_findings(report.findings + extra + checks)
    from dataclasses import replace

    from ogi_xlsx.rules import with_totals

    report.document = replace(
        doc, values=with_totals(doc.spec, {k: doc.values.get(k) for k in doc.spec.input_ids}), cover=dict(doc.cover)
    )
    report.format, report.format_version, report.year = doc.format, doc.format_version, doc.year
    report.kind = "return"  # a unit's own report (never a summary to be kept apart in a merge)
    report.unit_code, report.unit_name = doc.unit_code or None, doc.unit_name
    return report


def document_findings(
    doc: ReturnDocument,
    result: ImportResult,
    expected_year: int | None,
    roster: Mapping[str, str] | None,
    strict_blanks: bool,
) -> list[Finding]:
    """The checks of a .json return, for a published report: schema, identity, blanks, sum rules.

    A published report has no unit code and no cover (填报人, 电话…): neither is an error here.
    Blank cells that printed "/" or "—" say so instead of "未填写".
    """
    from ogi_xlsx.document import blank_findings, check_identity, validate_document_json
    from ogi_xlsx.layout import workbook_layout
    from ogi_xlsx.rules import check_rules

    spec = doc.spec
    data = doc.to_json()
    if not data["unit"]["code"]:
        data["unit"]["code"] = "-"  # absent in published reports: reported once below, not as a schema error
    if not data["unit"]["name"]:
        data["unit"]["name"] = "-"
    findings = validate_document_json(data)
    if not doc.unit_code:
        findings.append(
            Finding(
                "import-identity",
                "发布的报告没有单位代码：跨年度核对按单位名称对应；导出的 JSON 请用 --unit-code 补上代码。",
                severity="info",
            )
        )
    if (roster is not None and doc.unit_code) or expected_year is not None:
        findings += check_identity(doc, expected_year, roster if doc.unit_code else None)
    elif not spec.applies_to(doc.year):
        findings += check_identity(doc, None, None)
    if roster is not None and not doc.unit_code:
        findings.append(
            Finding(
                "unit-not-on-roster",
                f"单位“{doc.unit_name}”在报送名单中找不到对应的名称，请核对或用 --unit-code 指定。",
            )
        )
    layout = workbook_layout(spec)
    for f in blank_findings(spec, doc.values, strict=strict_blanks):
        cid = f.cell_ids[0] if f.cell_ids else None
        if cid in result.not_applicable:
            sheet, address = layout.locate(cid)
            mark = result.not_applicable[cid]
            findings.append(
                Finding(
                    "value-not-applicable",
                    f"{TABLE_NAMES[cid[:2]]} {address}（{spec.cells[cid].label}）：报告中印的是“{mark}”，按 0 计算。",
                    sheet=sheet,
                    cell=address,
                    cell_ids=(cid,),
                )
            )
        else:
            findings.append(f)
    numbers = {
        k: v if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else None for k, v in doc.values.items()
    }
    return findings + check_rules(spec, numbers)


def collect_report_paths(paths: Sequence[Path]) -> list[Path]:
    """Published reports in ``paths``: given files as they are, folders searched recursively
    (hidden files and Office lock files ``~$…`` left out)."""
    found: dict[str, Path] = {}
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for root, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if name.startswith(("~$", ".")) or Path(name).suffix.lower() not in REPORT_SUFFIXES:
                        continue
                    candidate = Path(root, name)
                    found.setdefault(os.path.realpath(candidate), candidate)
        elif given.is_file() and given.suffix.lower() in REPORT_SUFFIXES:
            found.setdefault(os.path.realpath(given), given)
    return sorted(found.values(), key=str)


def match_previous_by_name(reports: Sequence[FileReport], previous: Sequence[FileReport]) -> list[list[Finding]]:
    """Give last year's published reports (no unit code) the code of this year's return of the same
    unit, matched by unit name; per report, an info finding showing each match made."""
    names = {}
    for report in reports:
        doc = report.document
        if doc is not None and doc.unit_code:
            names.setdefault(doc.unit_code, doc.unit_name)
    notes: dict[str, list[Finding]] = {}
    for item in previous:
        doc = item.document
        if doc is None or doc.unit_code:
            continue
        code = match_name(doc.unit_name, names)
        if code is None:
            continue
        doc.unit_code = code
        notes.setdefault(code, []).append(
            Finding(
                "cross-year-by-name",
                f"上年度报告“{item.path.name}”没有单位代码，按单位名称“{doc.unit_name}”对应到本单位"
                f"“{names[code]}”（{code}）。",
                args={"path": str(item.path), "code": code},
            )
        )
    return [notes.get(r.document.unit_code, []) if r.document is not None else [] for r in reports]
