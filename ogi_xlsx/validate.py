"""Validate returned files: read, extract, check, and report per file.

:func:`check_file` never raises for bad input: an unreadable file becomes a file-level
finding. :func:`check_paths` walks folders and uses a process pool for many files,
keeping results in a stable (sorted) order.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any

from ogi_xlsx.findings import Finding, has_errors, has_open_queries, sort_findings
from ogi_xlsx.limits import Limits

if TYPE_CHECKING:  # the document module (and jsonschema behind it) is imported only to check a file
    from ogi_xlsx.document import ReturnDocument

# Spreadsheet-like files picked up from folders; .xls/.et get a "save as .xlsx" finding.
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xls", ".et", ".ett", ".xlt", ".ods", ".wps"})
ANNOTATED_SUFFIX = "_审核结果"
RESULT_SHEET = "审核结果"  # the sheet validate --annotate adds (ogi_xlsx.annotate)
PARALLEL_THRESHOLD = 8
# Codes about one cell that the document checks repeat when normalisation already reported the cell.
_REPEATED = frozenset({"value-blank", "value-blank-strict", "schema"})


@dataclass
class FileReport:
    """The outcome of validating one file."""

    path: Path
    sha256: str
    size: int
    mtime: float
    format: str | None = None
    format_version: str | None = None
    year: int | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    # No class-level default (a factory instead): a report served from the cache leaves both
    # unset until first use, see __getattr__.
    document: ReturnDocument | None = field(default_factory=lambda: None)
    findings: list[Finding] = field(default_factory=list)
    by_labels: bool = False
    # The workbook's identity kind ("return", "summary", "template"; None when it has none):
    # a merge never sums a summary beside its own units (issue 11).
    kind: str | None = None

    def __getattr__(self, name: str) -> Any:
        # Reached only for an attribute that is not set. A report served from the cache
        # (ogi_xlsx.cache) decodes its findings and document on first use: printing the text
        # stored with it needs neither, and decoding 13,000 findings was a third of a warm run.
        pending = self.__dict__.get("_pending")
        if pending is None or name not in ("findings", "document"):
            raise AttributeError(name)
        del self.__dict__["_pending"]
        findings, document = pending.decode()
        self.__dict__.setdefault("findings", findings)
        self.__dict__.setdefault("document", document)
        return self.__dict__[name]

    def _as_cached(self) -> Any:
        """The cache entry's undecoded part while the findings are still the cached ones, else None."""
        return None if "findings" in self.__dict__ else self.__dict__.get("_pending")

    @property
    def valid(self) -> bool:
        """No finding of error severity and no query (核实) left unexplained (待补正 otherwise)."""
        cached = self._as_cached()
        if cached is not None:  # cached findings are the file's own checks: queries are added later
            return cached.counts["error"] == 0
        return not has_errors(self.findings) and not has_open_queries(self.findings)

    def counts(self) -> dict[str, int]:
        cached = self._as_cached()
        if cached is not None:
            return {"error": 0, "query": 0, "warning": 0, "info": 0, **cached.counts}
        counts = {"error": 0, "query": 0, "warning": 0, "info": 0}
        for f in self.findings:
            counts[f.severity or "error"] += 1
        return counts

    def stored_text(self, width: int) -> str | None:
        """The finding lines printed for this report at ``width`` when it came from the cache unchanged."""
        cached = self._as_cached()
        return cached.text if cached is not None and cached.text_width == width else None

    def to_dict(self) -> dict[str, Any]:
        """The per-file object of ``validate --json``."""
        return {
            "path": str(self.path),
            "valid": self.valid,
            "format": self.format,
            "format_version": self.format_version,
            "year": self.year,
            "unit": {"code": self.unit_code, "name": self.unit_name},
            "sha256": self.sha256,
            "size": self.size,
            "recognised_by_labels": self.by_labels,
            "kind": self.kind,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
            "explanations": [e.to_json() for e in self.document.explanations] if self.document is not None else [],
        }


def _file_finding(code: str, message: str) -> Finding:
    return Finding(code, message)


def _suffix_finding(path: Path) -> Finding | None:
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlt"):
        return _file_finding(
            "file-xls", f"“{path.name}”是旧版 Excel（.xls）文件，请用 Excel 或 WPS 另存为 .xlsx 后重新提交。"
        )
    if suffix in (".et", ".ett", ".wps"):
        return _file_finding("file-et", f"“{path.name}”是 WPS 表格（.et）文件，请在 WPS 中另存为 .xlsx 后重新提交。")
    if suffix == ".ods":
        return _file_finding("file-not-xlsx", f"“{path.name}”是 .ods 文件，请另存为 .xlsx 后重新提交。")
    return None


def _stat(path: Path, limits: Limits) -> tuple[bool, FileReport]:
    """Size, modification time and sha256 (streamed); False when the file cannot be read."""
    try:
        stat = path.stat()
        if not S_ISREG(stat.st_mode):  # a FIFO or device named *.xlsx would block open() forever
            report = FileReport(path=path, sha256="", size=0, mtime=0.0)
            message = f"“{path.name}”不是普通文件（可能是管道、设备或文件夹的链接），无法作为报表读取。"
            report.findings.append(_file_finding("file-unreadable", message))
            return False, report
        if stat.st_size > limits.max_file_bytes:
            # Not even hashed: a multi-gigabyte file would take longer than a file's time budget.
            report = FileReport(path=path, sha256="", size=stat.st_size, mtime=stat.st_mtime)
            mb, limit_mb = stat.st_size / 1048576, limits.max_file_bytes / 1048576
            message = (
                f"“{path.name}”有 {mb:.1f} MB，超过上限 {limit_mb:g} MB，不像是一份年度报表统计表；"
                "请检查是否发错了文件（如需放宽上限，用 --limits max_file_mb=…）。"
            )
            report.findings.append(_file_finding("file-too-large", message))
            return False, report
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        report = FileReport(path=path, sha256="", size=0, mtime=0.0)
        report.findings.append(_file_finding("file-unreadable", f"无法读取文件“{path.name}”：{exc.strerror or exc}。"))
        return False, report
    return True, FileReport(path=path, sha256=digest.hexdigest(), size=stat.st_size, mtime=stat.st_mtime)


# A quoted value longer than this is shortened in messages (a 32,767-character unit name
# must not turn one finding into pages of text); the full value stays in the document.
MAX_QUOTED = 80
_QUOTED = re.compile("“([^”]{" + str(MAX_QUOTED + 1) + ",})”")


def shorten_quotes(findings: list[Finding]) -> list[Finding]:
    """Findings whose quoted values (“…”) are cut to ``MAX_QUOTED`` characters, saying how long they were."""

    def cut(m: re.Match) -> str:
        text = m.group(1)
        return f"“{text[:MAX_QUOTED]}…”（共 {len(text)} 字）"

    return [replace(f, message=_QUOTED.sub(cut, f.message)) if _QUOTED.search(f.message) else f for f in findings]


def _finish(
    report: FileReport,
    doc_findings: list[Finding],
    pre: list[Finding],
    skip_cells: set[str],
) -> None:
    kept = [
        f for f in doc_findings if not (f.code in _REPEATED and len(f.cell_ids) == 1 and f.cell_ids[0] in skip_cells)
    ]
    report.findings = sort_findings(shorten_quotes(pre + kept))


def check_document_json(
    path: Path,
    data: bytes,
    report: FileReport,
    *,
    expected_year: int | None,
    roster: Mapping[str, str] | None,
    strict_blanks: bool,
) -> FileReport:
    """A ``*.json`` return document: schema first, then the document checks."""
    from ogi_xlsx.document import (
        describe_json_error,
        document_from_json,
        loads,
        validate_document_json,
        validate_return,
    )
    from ogi_xlsx.rules import with_totals

    try:
        parsed = loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: [[[[…]]]] nested too deep
        message = f"“{path.name}”不是有效的 JSON 文件（{describe_json_error(exc)}）。"
        report.findings = [_file_finding("file-unreadable", message)]
        return report
    schema_findings = validate_document_json(parsed)
    if schema_findings:
        report.findings = sort_findings(schema_findings)
        if isinstance(parsed, dict):
            report.format = str(parsed.get("format")) if parsed.get("format") else None
            report.year = parsed.get("year") if isinstance(parsed.get("year"), int) else None
        return report
    doc = document_from_json(parsed)
    # ``merge --json`` writes the summary with its units and consolidation status.
    report.kind = "summary" if isinstance(parsed, dict) and "consolidation" in parsed else "return"
    findings = validate_return(doc, expected_year=expected_year, roster=roster, strict_blanks=strict_blanks)
    findings = shorten_quotes(findings)
    spec = doc.spec
    doc.values = with_totals(spec, {k: doc.values.get(k) for k in spec.input_ids})
    _fill_report(report, doc)
    report.findings = sort_findings(findings)
    return report


def _fill_report(report: FileReport, doc: ReturnDocument) -> None:
    report.document = doc
    report.format = doc.format
    report.format_version = doc.format_version
    report.year = doc.year or None
    report.unit_code = doc.unit_code
    report.unit_name = doc.unit_name


_ANNOTATIONS = frozenset({"title", "description"})


def _simple_check(subschema: Any) -> tuple[bool, bool, Any] | None:
    """(allows null, allows integer, minimum) when a subschema asks only for a type and a minimum; else None."""
    if not isinstance(subschema, dict) or not set(subschema) - _ANNOTATIONS <= {"type", "minimum"}:
        return None
    types = subschema.get("type", ["integer", "null"])
    types = [types] if isinstance(types, str) else types
    minimum = subschema.get("minimum")
    if minimum is not None and (type(minimum) is not int):
        return None
    return "null" in types, "integer" in types or "number" in types, minimum


@cache
def _validator(format_id: str) -> Any:
    """Draft 2020-12 validator of the format's schema, built once per format.

    Its ``properties`` keyword skips the generic descent for a value that plainly meets a
    type-and-minimum subschema (a count that is a non-negative int or null: ~200 per return,
    ~1 ms a file); any other value, and every failing one, is validated by jsonschema itself,
    so the errors are the same.
    """
    import jsonschema
    from jsonschema import _keywords, validators

    from ogi_xlsx.document import return_schema
    from ogi_xlsx.spec import load_format

    base = jsonschema.Draft202012Validator
    plans: dict[int, tuple[Any, dict[str, Any]]] = {}

    def properties(validator: Any, props: Any, instance: Any, schema: Any) -> Any:
        plan = plans.get(id(props))
        if plan is None or plan[0] is not props:
            plan = plans[id(props)] = (props, {k: _simple_check(v) for k, v in props.items()})
        if not isinstance(instance, dict):
            yield from _keywords.properties(validator, props, instance, schema)
            return
        checks = plan[1]
        for name, subschema in props.items():
            if name not in instance:
                continue
            value = instance[name]
            check = checks.get(name)
            if check is not None:
                if value is None and check[0]:
                    continue
                if type(value) is int and check[1] and (check[2] is None or value >= check[2]):
                    continue
            yield from validator.descend(value, subschema, path=name, schema_path=name)

    cls = validators.extend(base, {"properties": properties})
    return cls(return_schema(load_format(format_id)))


def _schema_findings(doc: ReturnDocument) -> list[Finding]:
    """``document.validate_document_json`` with the validator built once per format (saves ~4 ms a file)."""
    from ogi_xlsx.document import _schema_finding

    errors = sorted(_validator(doc.format).iter_errors(doc.to_json()), key=lambda e: [str(p) for p in e.absolute_path])
    return [_schema_finding(doc.spec, e) for e in errors]


def _document_findings(
    doc: ReturnDocument, expected_year: int | None, roster: Mapping[str, str] | None, strict_blanks: bool
) -> list[Finding]:
    """``document.validate_return`` for an extracted document.

    Same checks, but a report year outside the format's years is reported once as
    format-year-mismatch (not also as a schema error) and does not stop the other checks.
    """
    from ogi_xlsx.document import blank_findings, check_cover, check_identity
    from ogi_xlsx.rules import check_rules

    spec = doc.spec
    findings = [f for f in _schema_findings(doc) if f.args.get("path") != ["year"]]
    findings += check_identity(doc, expected_year, roster)
    findings += check_cover(doc)
    findings += blank_findings(spec, doc.values, strict=strict_blanks)
    numbers = {
        k: v if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else None for k, v in doc.values.items()
    }
    return findings + check_rules(spec, numbers)


def _unit_finding(spec: Any, f: Finding) -> Finding:
    """An empty unit code or name on the cover: say which cover cell to fill (not a schema path)."""
    path = f.args.get("path")
    if f.code != "schema" or path not in (["unit", "code"], ["unit", "name"]):
        return f
    from ogi_xlsx.layout import COVER_SHEET, a1, workbook_layout

    key = "unit_code" if path[1] == "code" else "unit_name"
    address = a1(*workbook_layout(spec).cover.fields[key])
    label = next(fld.label for fld in spec.cover if fld.id == key)
    message = f"封面 {address}：“{label}”未填写，请填写" + (
        "区信息公开办分配的单位代码。" if key == "unit_code" else "单位全称。"
    )
    code = "unit-code-missing" if key == "unit_code" else "cover-missing"
    return Finding(code, message, severity="error", sheet=COVER_SHEET, cell=address, args={"path": path})


def _typed_total_findings(
    spec: Any,
    findings: list[Finding],
    typed: Mapping[str, Any],
    following: Mapping[str, Any],
    true_values: Mapping[str, Any],
) -> list[Finding]:
    """Rule findings after a total was typed over (formula-overwritten says what, once).

    The rule defining that total repeats the same fact: dropped. A rule the typed number (or a
    total summing it, ``following``) takes part in follows from it: its message says so, and
    when the rule holds with the totals recomputed it is only that consequence (info, not a
    second error): one typed-over cell, one error.
    """
    from ogi_xlsx.findings import format_number
    from ogi_xlsx.layout import workbook_layout
    from ogi_xlsx.rules import check_rule

    rules = {(r.id, r.key): r for r in spec.rules}
    layout = workbook_layout(spec)
    out = []
    for f in findings:
        if f.code not in ("sum-mismatch", "sum-blank") or not f.rule:
            out.append(f)
            continue
        rule = rules.get((f.rule, f.args.get("rule_key")))
        if rule is not None and rule.defines and rule.lhs[0] in typed:
            continue
        involved = [cid for cid in f.cell_ids if cid in typed]
        follows = [cid for cid in f.cell_ids if cid in following]
        if involved or follows:
            cause = "、".join(f"{layout.locate(cid)[1]}={format_number(typed[cid])}" for cid in typed)
            parts = [f"{cause} 是合计格中手填的数（见该格的提示）"]
            if follows:
                shown = "、".join(f"{layout.locate(cid)[1]}={format_number(following[cid])}" for cid in follows)
                parts.append(f"{shown} 随之变化")
            consequence_only = rule is not None and check_rule(spec, rule, true_values) is None
            if consequence_only:
                parts.append("恢复公式后此项即平衡")
                f = replace(f, severity="info", message=f"{f.message}（其中 {'，'.join(parts)}。）")
            else:
                f = replace(f, message=f"{f.message}（其中 {'，'.join(parts)}；恢复公式后请重新核对。）")
        out.append(f)
    return out


def check_workbook(
    raw: Any,
    report: FileReport,
    *,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    strict_blanks: bool = False,
) -> FileReport:
    """Validate an already-read :class:`~ogi_xlsx.xlsx.RawWorkbook` into ``report``."""
    from ogi_xlsx.document import ReturnDocument
    from ogi_xlsx.extract import extract, remap
    from ogi_xlsx.rules import with_totals

    ex = extract(raw)
    report.by_labels = ex.by_labels
    if ex.identity is not None:
        report.kind = ex.identity.kind or None
    # The 审核结果 sheet of an annotated copy (validate --annotate) is ours: a corrected copy
    # mailed back is an ordinary return.
    ex.findings = [f for f in ex.findings if not (f.code == "sheet-extra" and f.sheet == RESULT_SHEET)]
    if ex.spec is None:
        report.findings = sort_findings(ex.findings)
        return report
    spec = ex.spec
    version = ex.identity.format_version if ex.identity is not None else spec.version
    reported_doc = ReturnDocument(
        format=spec.id,
        format_version=version if version in (spec.version, *spec.retired_versions) else spec.version,
        year=ex.year or 0,
        unit_code=ex.unit_code,
        unit_name=ex.unit_name,
        values={cid: ex.reported.get(cid) for cid in spec.cell_ids},
        cover=ex.cover,
    )
    doc_findings = _document_findings(reported_doc, expected_year, roster, strict_blanks)
    if ex.year is None:
        # already reported as an empty cover field
        doc_findings = [f for f in doc_findings if f.args.get("path") != ["year"] and f.code != "format-year-mismatch"]
    if ex.typed_totals:
        true_values = with_totals(spec, ex.inputs)
        doc_findings = _typed_total_findings(spec, doc_findings, ex.typed_totals, ex.following_totals, true_values)
    doc_findings = remap([_unit_finding(spec, f) for f in doc_findings], ex.moved, ex.sheet_names)
    doc = ReturnDocument(
        format=spec.id,
        format_version=reported_doc.format_version,
        year=ex.year or 0,
        unit_code=ex.unit_code,
        unit_name=ex.unit_name,
        values=with_totals(spec, ex.inputs),
        cover=ex.cover,
        explanations=ex.explanations,
    )
    if report.kind == "summary":
        # a summary is not one of the roster's units: say what it is instead of an error
        doc_findings = [
            replace(f, severity="info", message=f.message + "（这是一份汇总表，不是单位报表。）")
            if f.code == "unit-not-on-roster"
            else f
            for f in doc_findings
        ]
    _fill_report(report, doc)
    if ex.identity is not None:
        report.format_version = ex.identity.format_version
    _finish(report, doc_findings, ex.findings, ex.reported_cells)
    return report


def check_file(
    path: Path,
    *,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    strict_blanks: bool = False,
    limits: Limits | None = None,
) -> FileReport:
    """Validate one returned file (.xlsx or a .json return document); never raises for bad input."""
    path = Path(path)
    limits = limits or Limits()
    from ogi_xlsx.inbox import split_member

    member = split_member(path)
    if member is not None:
        return _check_member(
            path, *member, expected_year=expected_year, roster=roster, strict_blanks=strict_blanks, limits=limits
        )
    ok, report = _stat(path, limits)
    if not ok:
        return report
    try:
        from ogi_xlsx.importer import REPORT_SUFFIXES  # published reports (issue 15): read by the importer

        if path.suffix.lower() in REPORT_SUFFIXES:
            from ogi_xlsx.importer import check_report

            return check_report(
                path, report, expected_year=expected_year, roster=roster, strict_blanks=strict_blanks, limits=limits
            )
        if path.suffix.lower() == ".json":
            if report.size > limits.max_file_bytes:
                report.findings = [_file_finding("file-too-large", f"“{path.name}”过大（{report.size} 字节）。")]
                return report
            return check_document_json(
                path, path.read_bytes(), report, expected_year=expected_year, roster=roster, strict_blanks=strict_blanks
            )
        from ogi_xlsx.xlsx import XlsxError, read_xlsx

        try:
            raw = read_xlsx(path, limits, skip_sheets=_summary_sheets)
        except XlsxError as exc:
            suffix = _suffix_finding(path)
            if suffix is not None and exc.code in ("file-not-xlsx", "file-corrupt", "file-unreadable"):
                report.findings = [suffix]
            else:
                report.findings = [_file_finding(exc.code, exc.message)]
            return report
        return check_workbook(raw, report, expected_year=expected_year, roster=roster, strict_blanks=strict_blanks)
    except Exception as exc:  # a bug must not stop the batch: report it on the file
        report.findings = [
            _file_finding(
                "file-unreadable",
                f"读取“{path.name}”时出错（{type(exc).__name__}: {exc}），请另存为 .xlsx 后重新提交；如仍出错请联系管理员。",
            )
        ]
        report.document = None
        return report


def _check_member(
    path: Path,
    archive: Path,
    member: str,
    *,
    expected_year: int | None,
    roster: Mapping[str, str] | None,
    strict_blanks: bool,
    limits: Limits,
) -> FileReport:
    """A return inside a .zip attachment (``a.zip!m.xlsx``), read from memory, never extracted."""
    from ogi_xlsx.inbox import ArchiveError, read_member

    try:
        data, mtime = read_member(archive, member, limits)
    except ArchiveError as error:
        report = FileReport(path=path, sha256="", size=0, mtime=0.0)
        report.findings = [_file_finding("file-unreadable", f"无法读取压缩包内的“{member}”：{error}。")]
        return report
    report = FileReport(path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data), mtime=mtime)
    try:
        if member.lower().endswith(".json"):
            return check_document_json(
                path, data, report, expected_year=expected_year, roster=roster, strict_blanks=strict_blanks
            )
        from ogi_xlsx.xlsx import XlsxError, read_xlsx

        try:
            raw = read_xlsx(data, limits, skip_sheets=_summary_sheets)
        except XlsxError as exc:
            suffix = _suffix_finding(Path(member))
            if suffix is not None and exc.code in ("file-not-xlsx", "file-corrupt", "file-unreadable"):
                report.findings = [suffix]
            else:
                report.findings = [_file_finding(exc.code, exc.message)]
            return report
        return check_workbook(raw, report, expected_year=expected_year, roster=roster, strict_blanks=strict_blanks)
    except Exception as exc:  # a bug must not stop the batch: report it on the file
        report.findings = [
            _file_finding("file-unreadable", f"读取“{path.name}”时出错（{type(exc).__name__}: {exc}）。")
        ]
        report.document = None
        return report


def _summary_sheets(properties: dict[str, str]) -> tuple[str, ...]:
    """A summary's own sheets (status, per-unit breakdown, sources, chart) are not read: only its
    official tables are the return one level up, and the breakdown grows with the units summed."""
    from ogi_xlsx.identity import property_name
    from ogi_xlsx.layout import SUMMARY_SHEETS

    return SUMMARY_SHEETS if properties.get(property_name("kind")) == "summary" else ()


def collect_paths(paths: Sequence[Path]) -> list[Path]:
    """Files to check: given files as they are, folders searched recursively; sorted, no duplicates.

    In folders only the files :func:`ogi_xlsx.inbox.classify` reads are taken (spreadsheets,
    including annotated copies ``…_审核结果.xlsx`` mailed back corrected), and the workbooks
    inside .zip attachments (``a.zip!m.xlsx``). :func:`discover_paths` also says which files
    were skipped and why. Raises FileNotFoundError for a path that does not exist.
    """
    return discover_paths(paths).files


def discover_paths(paths: Sequence[Path], limits: Limits | None = None) -> Any:
    """:class:`ogi_xlsx.inbox.Discovery` of ``paths``: the files to read and the files skipped (with reasons)."""
    from ogi_xlsx.inbox import discover

    return discover([Path(p) for p in paths], limits)


def _is_member(path: Path) -> bool:
    from ogi_xlsx.inbox import split_member

    return "!" in str(path) and split_member(path) is not None


def _check_one(args: tuple[Path, dict[str, Any], Any]) -> FileReport:
    path, options, store = args
    report = check_file(path, **options)
    if store is not None:
        store.store(report)
    return report


def _cached(store: Any, path: Path, limits: Limits | None) -> FileReport | None:
    """The cached report of ``path`` (hashed again every time), or None."""
    ok, report = _stat(path, limits or Limits())
    return report if ok and store.load(report) else None


def check_paths(
    paths: Sequence[Path],
    *,
    expected_year: int | None = None,
    roster: Mapping[str, str] | None = None,
    strict_blanks: bool = False,
    limits: Limits | None = None,
    jobs: int | None = None,
    progress: Any = None,
    cache: bool = False,
    collected: bool = False,
) -> list[FileReport]:
    """Validate files and folders; results in sorted path order.

    ``collected``: ``paths`` is already the output of :func:`collect_paths` (not walked again).

    ``jobs``: worker processes (default: all cores when there are many files; 1 = serial).
    ``progress``: optional callable invoked once per finished file.
    ``cache``: reuse and store results in the user's cache (see :mod:`ogi_xlsx.cache`).
    """
    files = list(paths) if collected else collect_paths(paths)
    options = {
        "expected_year": expected_year,
        "roster": dict(roster) if roster is not None else None,
        "strict_blanks": strict_blanks,
        "limits": limits,
    }
    store = None
    if cache:
        from ogi_xlsx.cache import ResultCache, options_salt

        store = ResultCache(options_salt(**options))
    results: list[FileReport | None] = [None] * len(files)
    todo: list[int] = []
    # Cached reports are acyclic data, freed by reference counting; the cyclic GC would only
    # rescan the growing list of them (~10% of a warm re-validation of 1,000 files).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for index, path in enumerate(files):
            # members of a .zip attachment are read from memory each time (they have no file to stat)
            hit = _cached(store, path, limits) if store is not None and not _is_member(path) else None
            if hit is None:
                todo.append(index)
                continue
            results[index] = hit
            if progress is not None:
                progress()
    finally:
        if collecting:
            gc.enable()
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    done = 0
    if workers > 1 and len(todo) >= PARALLEL_THRESHOLD:
        # Imported here: multiprocessing costs ~15 ms of start-up that a warm cache never needs.
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        try:
            with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
                chunk = max(1, min(32, len(todo) // (workers * 4)))
                work = [(files[i], options, store) for i in todo]
                for report in pool.map(_check_one, work, chunksize=chunk):
                    results[todo[done]] = report
                    done += 1
                    if progress is not None:
                        progress()
        except BrokenProcessPool:
            pass  # a worker died (out of memory, killed): finish the batch in this process
    for index in todo[done:]:
        results[index] = _check_one((files[index], options, store))
        if progress is not None:
            progress()
    return [r for r in results if r is not None]


def cross_year_findings(reports: Sequence[FileReport], previous: Sequence[FileReport]) -> list[list[Finding]]:
    """For each report, the findings of checking it against the same unit's return of the year
    before, found among ``previous`` by unit code and report year (rules X1 … of the format).

    Pure: nothing is read or changed. A report without a document, unit code or year gets none;
    one without a previous return, or with several that differ, gets an info finding.
    """
    from ogi_xlsx.rules import check_cross_year

    by_unit: dict[tuple[str, int], list[FileReport]] = {}
    for item in previous:
        doc = item.document
        if doc is not None and doc.unit_code and doc.year:
            by_unit.setdefault((doc.unit_code, doc.year), []).append(item)
    out: list[list[Finding]] = []
    for report in reports:
        doc = report.document
        if doc is None or not doc.unit_code or not doc.year:
            out.append([])
            continue
        year = doc.year - 1
        distinct: list[FileReport] = []
        for item in by_unit.get((doc.unit_code, year), []):
            if not any(document_values_equal(item.document, kept.document) for kept in distinct):  # type: ignore[arg-type]
                distinct.append(item)
        if not distinct:
            message = f"没有找到本单位（{doc.unit_code}）{year} 年度的报表，未与上年度核对。"
            out.append([Finding("cross-year-missing", message, args={"previous_year": year})])
        elif len(distinct) > 1:
            names = "、".join(item.path.name for item in distinct)
            message = f"本单位（{doc.unit_code}）{year} 年度的报表有 {len(distinct)} 份且数据不同（{names}），未与上年度核对。"
            out.append([Finding("cross-year-ambiguous", message, args={"previous_year": year})])
        else:
            last = distinct[0].document
            assert last is not None
            out.append(check_cross_year(doc.spec, doc.values, last.values, previous_year=year))
    return out


def document_values_equal(a: ReturnDocument, b: ReturnDocument) -> bool:
    """Two documents hold the same numbers (Decimal compared by value)."""

    def norm(v: Any) -> Any:
        return Decimal(v) if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else v

    return {k: norm(v) for k, v in a.values.items()} == {k: norm(v) for k, v in b.values.items()}


LIMITS_ENV = "OGI_XLSX_LIMITS"
# Names accepted by --limits / OGI_XLSX_LIMITS: the Limits fields, and *_mb for the byte sizes.
_MB_LIMITS = {
    "max_file_mb": "max_file_bytes",
    "max_uncompressed_mb": "max_uncompressed_bytes",
    "max_part_mb": "max_part_bytes",
}


def parse_limits(text: str | None, base: Limits | None = None) -> Limits:
    """``"max_file_mb=50, max_cells=500000"`` -> :class:`Limits` (unnamed fields from ``base``).

    Raises ValueError with a Chinese message for an unknown name or a value that is not a
    positive number.
    """
    from dataclasses import fields

    base = base or Limits()
    names = {f.name for f in fields(Limits)}
    changes: dict[str, int] = {}
    for item in (text or "").replace("，", ",").split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name = name.strip().lower().replace("-", "_")
        try:
            number = Decimal(value.strip()) if sep else Decimal(-1)
        except ArithmeticError:
            number = Decimal(-1)
        if name not in names and name not in _MB_LIMITS:
            known = "、".join(sorted(names | set(_MB_LIMITS)))
            raise ValueError(f"未知的限制“{name}”，可用：{known}。")
        if not number.is_finite() or number <= 0:
            raise ValueError(f"限制“{item.strip()}”的值应为正数。")
        if name in _MB_LIMITS:
            changes[_MB_LIMITS[name]] = int(number * 1024 * 1024)
        else:
            changes[name] = int(number)
    return replace(base, **changes)


def limits_from_env(option: str | None = None) -> Limits:
    """Limits from the ``OGI_XLSX_LIMITS`` environment variable, then ``option`` (the CLI's --limits)."""
    return parse_limits(option, parse_limits(os.environ.get(LIMITS_ENV)))
