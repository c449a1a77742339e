"""Shared pieces of the commands: exit codes, common options, ``fail`` and the option helpers.

Imports only typer at the top (``ogi-xlsx --help`` stays light); everything else inside the helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:  # imported by the commands that need them (``--help`` stays light)
    from ogi_xlsx.checks.settings import Settings
    from ogi_xlsx.model.limits import Limits
    from ogi_xlsx.pipeline.queries import QueryTally
    from ogi_xlsx.pipeline.report import FileReport


class CommandSet:
    """The commands a module declares; :mod:`ogi_xlsx.cli.main` registers them on the app.

    Registration runs downward: the app imports the command modules, never the reverse.
    """

    def __init__(self) -> None:
        self._commands: list[tuple[tuple[Any, ...], dict[str, Any], Callable[..., Any]]] = []
        self._groups: list[tuple[typer.Typer, str]] = []

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a command, with the arguments of ``typer.Typer.command``."""

        def declare(function: Callable[..., Any]) -> Callable[..., Any]:
            self._commands.append((args, kwargs, function))
            return function

        return declare

    def group(self, sub_app: typer.Typer, name: str) -> None:
        """Declare a group of sub-commands (``ogi-xlsx portal …``)."""
        self._groups.append((sub_app, name))

    def register(self, app: typer.Typer) -> None:
        """Add the declared commands and groups to ``app``."""
        for args, kwargs, function in self._commands:
            app.command(*args, **kwargs)(function)
        for sub_app, name in self._groups:
            app.add_typer(sub_app, name=name)


EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
# A bug of ours (not bad input): told in Chinese, traceback only with OGI_XLSX_DEBUG=1.
EXIT_INTERNAL = 3


# Options shared by the commands that read returns (validate, merge).
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", help="不使用也不写入审核缓存 / neither use nor fill the result cache")
]
LimitsOption = Annotated[
    str | None,
    typer.Option(
        "--limits",
        help="每个文件的处理上限，如 max_file_mb=50,max_cells=500000（见 README；也可用环境变量 OGI_XLSX_LIMITS）"
        " / per-file limits",
    ),
]


PreviousOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--previous",
        help="上年度的报表（文件或文件夹，可重复），逐单位做跨年度核对（如本年“上年结转”应等于上年“结转下年度”）"
        " / last year's returns, for the cross-year checks",
    ),
]


SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        help="审核设置文件（TOML 或 JSON）：关闭核实规则、修改阈值（见 README“核实项与情况说明”）"
        " / the office's settings: switch query rules off, change thresholds",
    ),
]
QueriesAsWarningsOption = Annotated[
    bool,
    typer.Option(
        "--queries-as-warnings",
        help="核实项只作警告，不要求单位说明（旧做法）/ queries are warnings nobody has to answer",
    ),
]


def load_settings_option(path: Path | None) -> Settings | None:
    """``--settings`` read and checked; a usage error (exit 2) with the Chinese reason when unusable."""
    if path is None:
        return None
    from ogi_xlsx.checks.settings import SettingsError, load_settings

    try:
        return load_settings(path)
    except SettingsError as error:
        raise fail(str(error)) from None


def add_query_findings(
    reports: list[FileReport],
    files: list[Path],
    *,
    settings: Settings | None,
    as_warnings: bool,
    jobs: int | None,
    cache: bool,
    limits: Limits | None,
) -> tuple[int, QueryTally]:
    """Cross-year checks against last year's returns in ``files`` (when given), then the queries:
    plausibility, the office's settings, the units' explanations (情况说明).

    Returns how many reports got a cross-year mismatch and the query tally.
    """
    from ogi_xlsx.pipeline.batch import check_paths
    from ogi_xlsx.pipeline.options import CheckOptions
    from ogi_xlsx.pipeline.queries import apply_queries

    last_year: list[FileReport] = []
    mismatched = 0
    if files:
        # Last year's returns are read like this year's (and cached alike), for their numbers only:
        # their own findings are not reported.
        last_year = check_paths(files, CheckOptions(limits=limits), jobs=jobs, cache=cache, collected=True)
        mismatched = add_cross_year_findings(reports, last_year)
    tally = apply_queries(reports, last_year, settings, as_warnings=as_warnings)
    return mismatched, tally


def query_line(tally: QueryTally) -> str | None:
    """One terminal line on the queries (核实项), or None when there were none."""
    if not tally.queries:
        return None
    line = f"核实项 {tally.queries} 个，已说明 {tally.explained} 个"
    if tally.returns_with_open_queries:
        line += f"；{tally.returns_with_open_queries} 份报表有未说明的核实项（待补正）"
    if tally.rejected:
        line += f"；{tally.rejected} 条说明未被接受（只写了“核实无误”之类或过短）"
    return line + "。"


def previous_files(previous: list[Path] | None) -> list[Path]:
    """The files of ``--previous`` (none when not given); a usage error when a path is missing or holds none."""
    if not previous:
        return []
    from ogi_xlsx.pipeline.files import collect_paths

    for path in previous:
        if not path.exists():
            raise fail(f"找不到 --previous 给出的“{path}”。")
    from ogi_xlsx.importer.checks import collect_report_paths

    # Last year's returns may also be the units' published reports (PDF, .docx, web pages, text).
    files = sorted(set(collect_paths(previous)) | set(collect_report_paths(previous)), key=str)
    if not files:
        raise fail("在 --previous 给出的位置没有找到上年度的报表。")
    return files


def add_cross_year_findings(reports: list[FileReport], last_year: list[FileReport]) -> int:
    """Check ``reports`` against last year's checked returns; returns how many got a mismatch."""
    from ogi_xlsx.importer.checks import match_previous_by_name
    from ogi_xlsx.model.findings import sort_findings
    from ogi_xlsx.pipeline.cross_year import cross_year_findings

    # A published report has no unit code: matched to this year's return by unit name (shown).
    by_name = match_previous_by_name(reports, last_year)
    mismatched = 0
    for report, extra, named in zip(reports, cross_year_findings(reports, last_year), by_name, strict=True):
        extra = [*named, *extra]
        if extra:
            report.findings = sort_findings([*report.findings, *extra])
            mismatched += any(f.code == "cross-year-mismatch" for f in extra)
    return mismatched


def file_limits(option: str | None) -> Limits:
    """``--limits`` (or ``OGI_XLSX_LIMITS``) as a :class:`~ogi_xlsx.reading.xlsx.Limits`; a usage error when malformed."""
    try:
        return limits_from_env(option)
    except ValueError as error:
        raise fail(f"--limits / OGI_XLSX_LIMITS：{error}") from None


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print a Chinese error message to stderr and return the exit to raise."""
    typer.echo(f"错误：{message}", err=True)
    return typer.Exit(code)


FIRST_REPORT_YEAR = 2008  # 《政府信息公开条例》施行之年


def default_year(today=None) -> int:
    """The report year a command means without --year: last year, but this year in December
    (offices prepare the templates for the year that is ending)."""
    from datetime import date

    today = today or date.today()
    return today.year if today.month == 12 else today.year - 1


def check_year(year: int | None) -> int | None:
    """``--year`` as given, or a usage error when it is outside 2008 … next year."""
    if year is None:
        return None
    from datetime import date

    last = date.today().year + 1
    if not FIRST_REPORT_YEAR <= year <= last:
        raise fail(
            f"报告年度 {year} 不合理：应在 {FIRST_REPORT_YEAR}—{last} 之间（请用四位数年份，如 --year {default_year()}）。"
        )
    return year


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
    from dataclasses import fields, replace
    from decimal import Decimal

    from ogi_xlsx.model.limits import Limits

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
    import os

    return parse_limits(option, parse_limits(os.environ.get(LIMITS_ENV)))


def load_roster_option(path: Path | None) -> dict[str, str] | None:
    """``--roster`` read as a mapping (code -> name); None when not given; a usage error when unusable."""
    if path is None:
        return None
    from ogi_xlsx.reading.roster import RosterError, load_roster

    if not path.is_file():
        raise fail(f"找不到报送名单“{path}”。")
    try:
        return dict(load_roster(path).mapping())
    except RosterError as error:
        raise fail(f"报送名单“{path}”有问题：{error}") from None


def require_paths(paths: list[Path], what: str) -> None:
    """A usage error when no path is given (``what``: 审核 or 汇总) or one does not exist."""
    if not paths:
        raise fail(f"请给出要{what}的报表文件或文件夹。")
    for path in paths:
        if not path.exists():
            raise fail(f"找不到“{path}”。")


def discover_inputs(paths: list[Path], limits: Limits) -> Any:
    """The files to read under ``paths`` (a :class:`~ogi_xlsx.pipeline.inbox.Discovery`); a usage error,
    after the skipped files and why, when there is none."""
    from ogi_xlsx.pipeline.files import discover_paths
    from ogi_xlsx.pipeline.inbox import skipped_lines

    found = discover_paths(paths, limits)
    if not found.files:
        for line in skipped_lines(found.skipped):
            typer.echo(line, err=True)
        raise fail("在给出的位置没有找到 .xlsx 报表文件。")
    return found


def check_with_progress(files: list[Path], options: Any, **run: Any) -> list[FileReport]:
    """``pipeline.batch.check_paths`` over collected ``files``, with a progress bar on a terminal."""
    import sys

    from ogi_xlsx.pipeline.batch import check_paths

    if len(files) > 1 and sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("审核中", total=len(files))
            return check_paths(files, options, collected=True, progress=lambda: progress.advance(task), **run)
    return check_paths(files, options, collected=True, **run)
