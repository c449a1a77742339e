"""The pipeline API: the one entry point for the CLI, the demo, the portal and other front ends.

Everything a front end needs to check, merge and write returns is importable from here::

    from ogi_xlsx.api import CheckOptions, check_paths, merge, write_summary

    options = CheckOptions(expected_year=2024)
    reports = check_paths(["returns/"], options)
    result = merge(reports, year=2024, unit_code="350502", unit_name="泉州市鲤城区")
    write_summary(result, "汇总表.xlsx")

Heavy modules (openpyxl, xlsxwriter, jsonschema) are imported inside the functions, so
importing this module stays cheap. Names exported here are the stable surface; the modules
behind them may move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from ogi_xlsx.model.findings import Finding, has_errors, has_open_queries, sort_findings
from ogi_xlsx.model.limits import Limits
from ogi_xlsx.pipeline.options import DEFAULT_OPTIONS, CheckOptions

if TYPE_CHECKING:
    from ogi_xlsx.checks.settings import Settings
    from ogi_xlsx.model.document import ReturnDocument
    from ogi_xlsx.model.spec import FormatSpec
    from ogi_xlsx.pipeline.merge import MergeResult
    from ogi_xlsx.pipeline.queries import QueryTally
    from ogi_xlsx.pipeline.report import FileReport
    from ogi_xlsx.reading.roster import Roster

__all__ = [
    "CheckOptions",
    "Finding",
    "Limits",
    "add_explanations",
    "annotate",
    "apply_queries",
    "check_file",
    "check_paths",
    "collect_paths",
    "cross_year_findings",
    "discover",
    "document_from_json",
    "explanation_example",
    "format_for_year",
    "has_errors",
    "has_open_queries",
    "load_format",
    "load_roster",
    "load_settings",
    "merge",
    "publish",
    "published_report_suffix",
    "read_return_json",
    "safe_filename",
    "settings_from_text",
    "sort_findings",
    "write_return",
    "write_summary",
    "write_summary_json",
    "write_template",
]


def check_file(path: str | Path, options: CheckOptions = DEFAULT_OPTIONS, *, name: str | None = None) -> FileReport:
    """Check one return (.xlsx, a .json return document, a published report); never raises for bad input.

    ``name``: the file's name as the user knows it, for the messages (when the file is kept under
    another name, as the portal keeps uploads).
    """
    from ogi_xlsx.pipeline import check as _check

    return _check.check_file(Path(path), options, name=name)


def check_paths(
    paths: Sequence[str | Path],
    options: CheckOptions = DEFAULT_OPTIONS,
    *,
    jobs: int | None = None,
    progress: Callable[[], None] | None = None,
    cache: bool = False,
) -> list[FileReport]:
    """Check files and folders (folders searched recursively); reports in sorted path order."""
    from ogi_xlsx.pipeline.batch import check_paths as _check_paths

    return _check_paths([Path(p) for p in paths], options, jobs=jobs, progress=progress, cache=cache)


def collect_paths(paths: Sequence[str | Path]) -> list[Path]:
    """The files :func:`check_paths` would read from ``paths``."""
    from ogi_xlsx.pipeline.files import collect_paths as _collect

    return _collect([Path(p) for p in paths])


def discover(paths: Sequence[str | Path], limits: Limits | None = None) -> Any:
    """Every file under ``paths`` accounted for: ``.files`` to read (members of .zip attachments as
    ``a.zip!m.xlsx``, accepted by :func:`check_file`) and ``.skipped`` (``path``, Chinese ``reason``)."""
    from ogi_xlsx.pipeline.files import discover_paths

    return discover_paths([Path(p) for p in paths], limits)


def apply_queries(
    reports: Sequence[FileReport],
    previous: Sequence[FileReport] = (),
    settings: Settings | None = None,
    *,
    as_warnings: bool = False,
) -> QueryTally:
    """Add the queries (核实) to checked reports, as ``validate`` and ``merge`` do: plausibility
    rules (year on year against ``previous``, last year's checked returns), the office's
    ``settings``, the units' explanations (情况说明) judged. Call it after any cross-year
    findings were added; a report with an unexplained query is then not ``valid`` (待补正)."""
    from ogi_xlsx.pipeline.queries import apply_queries as apply

    return apply(reports, previous, settings, as_warnings=as_warnings)


def load_settings(path: str | Path) -> Settings:
    """Read the office's settings file (TOML or JSON); raises ``SettingsError`` (Chinese message)."""
    from ogi_xlsx.checks.settings import load_settings as load

    return load(path)


def settings_from_text(text: str, kind: Literal["toml", "json"], source: str = "设置") -> Settings:
    """Check settings given as text (pasted into a page, or a file's content already read), as
    :func:`load_settings` checks a file; ``source`` names it in messages. Raises ``SettingsError``."""
    import json
    import re
    import tomllib

    from ogi_xlsx.checks.settings import SettingsError, settings_from_data

    text = text.lstrip("\ufeff")
    if kind == "json":
        from ogi_xlsx.model.document import describe_json_error

        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise SettingsError(f"设置文件 {source}：JSON 格式错误，{describe_json_error(exc)}。") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # tomllib's message is English: its position in Chinese, then the usual causes
            where = re.search(r"at line (\d+), column (\d+)", str(exc))
            position = f"第 {where.group(1)} 行第 {where.group(2)} 列：" if where else ""
            raise SettingsError(
                f"设置文件 {source}：TOML 格式错误，{position}请检查引号是否成对（用英文引号）、"
                f"等号两边是否齐全、[rules.规则编号] 的方括号是否完整。（{exc}）"
            ) from None
    return settings_from_data(data, source)


def explanation_example(spec: FormatSpec, rule_id: str | None) -> str:
    """An example of a good explanation (情况说明) for the queries of a rule, as the judge's guidance gives it."""
    from ogi_xlsx.checks.explanations import example_for

    return example_for(spec, rule_id)


def add_explanations(doc: ReturnDocument, items: Iterable[tuple[str, str, str]], *, first: bool = False) -> None:
    """Add the unit's explanations ``(rule, cell, text)`` to a return document, as rows of its
    情况说明 sheet would be (e.g. answers typed into the portal); ``first`` puts them before the
    sheet's rows, so they settle a query the sheet also explains. Judge them with :func:`apply_queries`."""
    from ogi_xlsx.model.document import Explanation

    added = [Explanation(rule=rule, cell=cell, text=text) for rule, cell, text in items]
    doc.explanations = [*added, *doc.explanations] if first else [*doc.explanations, *added]


def merge(
    reports: Iterable[FileReport],
    *,
    roster: Mapping[str, str] | None = None,
    year: int | None = None,
    unit_code: str = "",
    unit_name: str = "",
    prefer: Literal["newest", "newest-valid"] | None = None,
    cover: Mapping[str, str] | None = None,
    skipped: Iterable[Any] = (),
    include_summaries: bool = False,
) -> MergeResult:
    """Consolidate checked returns into one summary (raises ``MergeError`` for mixed years/formats).

    Files of one unit with the same data count once; with different data they are a conflict
    unless ``prefer`` is ``"newest"`` (latest modified) or ``"newest-valid"`` (latest modified
    that passes). Summaries among returns are set aside (``result.excluded``) unless all
    inputs are summaries or ``include_summaries``. ``skipped``: :func:`discover`'s skipped files.
    """
    from ogi_xlsx.pipeline.merge import merge_returns

    return merge_returns(
        reports,
        roster=roster,
        year=year,
        unit_code=unit_code,
        unit_name=unit_name,
        prefer=prefer,
        cover=cover,
        skipped=skipped,
        include_summaries=include_summaries,
    )


def write_summary(result: MergeResult, target: str | Path | BinaryIO) -> None:
    """Write the summary workbook (official tables + status, breakdown, sources, chart); atomic for a path."""
    from ogi_xlsx.writing.summary import write_summary as _write

    _write(target, result)


def write_summary_json(result: MergeResult, path: str | Path) -> None:
    """Write the summary's return document plus its units and consolidation status (atomic)."""
    from ogi_xlsx.writing.summary import write_summary_json as _write

    _write(path, result)


def write_template(
    target: str | Path | BinaryIO,
    *,
    year: int,
    format_id: str | None = None,
    unit_code: str = "",
    unit_name: str = "",
    **options: Any,
) -> None:
    """Write a locked template of the format of ``year`` (or ``format_id``); atomic for a path."""
    from ogi_xlsx.model.spec import format_for_year, load_format
    from ogi_xlsx.writing.template import write_workbook

    spec = load_format(format_id) if format_id else format_for_year(year)
    write_workbook(target, spec, year=year, unit_code=unit_code, unit_name=unit_name, **options)


def write_return(doc: ReturnDocument, target: str | Path | BinaryIO, **options: Any) -> None:
    """Write a filled return workbook from a return document (totals as formulas, the 情况说明 rows);
    atomic for a path."""
    from ogi_xlsx.writing.template import write_return as _write

    _write(doc, target, **options)


def annotate(report: FileReport, target: str | Path) -> Path:
    """Write the annotated copy of a checked .xlsx return (marked cells, comments, a 审核结果 sheet)."""
    from ogi_xlsx.writing.annotate import annotate as _annotate

    return _annotate(report, Path(target))


def cross_year_findings(reports: Sequence[FileReport], previous: Sequence[FileReport]) -> list[list[Finding]]:
    """Per report, its findings against the same unit's return of the year before among ``previous`` (pure)."""
    from ogi_xlsx.pipeline.cross_year import cross_year_findings as _cross

    return _cross(reports, previous)


def published_report_suffix(path: str | Path) -> str | None:
    """The suffix to read a stored file with when it is a published annual report (".pdf", ".docx",
    ".html", ".txt"; judged from the content), or None when it is not one (an .xlsx or .json return).

    For front ends that keep uploads under content names: give the file this suffix (a link or a
    copy) and :func:`check_file` reads it as a published report.
    """
    import zipfile

    from ogi_xlsx.importer.sniff import report_suffix

    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
        names = None
        if head.startswith(b"PK"):
            try:
                with zipfile.ZipFile(path) as zf:
                    names = zf.namelist()[:10000]
            except (zipfile.BadZipFile, OSError, ValueError):
                names = None
        return report_suffix(head, names)
    except OSError:
        return None


def safe_filename(code: str, name: str, suffix: str = ".xlsx") -> str:
    """``<code>_<name>.xlsx`` as one valid file name on Windows, macOS and Linux (for files handed out)."""
    from ogi_xlsx.reading.roster import safe_filename as _safe

    return _safe(code, name, suffix)


def load_roster(path: str | Path) -> Roster:
    """Read a roster (CSV in UTF-8/GBK or XLSX; columns 单位代码, 单位名称); raises ``RosterError``."""
    from ogi_xlsx.reading.roster import load_roster as _load

    return _load(Path(path))


def load_format(format_id: str | int) -> FormatSpec:
    """A format by id (``"ogi-2021"``, ``2021``)."""
    from ogi_xlsx.model.spec import load_format as _load

    return _load(format_id)


def format_for_year(year: int) -> FormatSpec:
    """The format a report year uses (2019 format up to 2020, the 2021 format from 2021)."""
    from ogi_xlsx.model.spec import format_for_year as _for_year

    return _for_year(year)


def document_from_json(data: Mapping[str, Any]) -> ReturnDocument:
    """A return document from its JSON form (numbers as int / Decimal)."""
    from ogi_xlsx.model.document import document_from_json as _from_json

    return _from_json(data)


def read_return_json(path: str | Path) -> ReturnDocument:
    """Read a return document JSON file (raises ``ValueError`` with a Chinese message if unusable)."""
    from ogi_xlsx.model.document import describe_json_error, document_from_json, loads

    try:
        data = loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(describe_json_error(exc)) from exc
    return document_from_json(data)


def publish(
    source: ReturnDocument | FileReport,
    target: str | Path | BinaryIO,
    *,
    draft: bool = False,
    allow_errors: bool = False,
    kind: Literal["docx", "html"] | None = None,
    coverage: Any = None,
) -> None:
    """Write the official tables (or with ``draft`` the whole report draft) as .docx or .html.

    ``source`` is a checked file (a return or a summary, .xlsx or .json) or a return document.
    A checked file with errors is refused (``PublishRefused`` carrying its findings) unless
    ``allow_errors``; the output then carries a visible 未通过审核 mark. The format follows the
    target's suffix (or ``kind`` for a stream). For a summary file the draft names the units
    it covers, from the summary's own status data (or pass ``coverage``, a
    :class:`ogi_xlsx.publish.draft.Coverage`). A path is written atomically and never over the
    input; the same input gives the same bytes. Raises ``PublishError`` (Chinese message).
    """
    from ogi_xlsx.publish import PublishError, PublishRefused, build_report, coverage_of, output_kind, render, write

    failed = False
    if hasattr(source, "findings"):  # a FileReport
        report = source
        if report.document is None:
            raise PublishRefused(
                f"“{Path(report.path).name}”的数据无法完整读出，不能生成报告（--allow-errors 也不行）；请先按下列问题更正。",
                [f for f in report.findings if f.severity == "error"],
            )
        if not report.valid:
            if not allow_errors:
                raise PublishRefused(
                    f"“{Path(report.path).name}”未通过审核（{report.counts()['error']} 个错误），不能生成报告；"
                    "请先更正报表（或加 --allow-errors 生成带“未通过审核”标记的草稿）。",
                    [f for f in report.findings if f.severity == "error"],
                )
            failed = True
        doc = report.document
        if isinstance(target, (str, Path)) and Path(target).resolve() == Path(report.path).resolve():
            raise PublishError(f"输出文件不能是输入文件“{Path(report.path).name}”本身；请换一个文件名。")
        if coverage is None and draft:
            coverage = coverage_of(Path(report.path))
    else:
        doc = source
    if kind is None:
        if not isinstance(target, (str, Path)):
            raise PublishError("写入数据流时请指定 kind（docx 或 html）。")
        kind = output_kind(target)
    write(render(build_report(doc, draft=draft, failed=failed, coverage=coverage), kind), target)


Number = int | Decimal
