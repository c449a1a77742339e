"""The ``ogi-xlsx`` command line: a thin typer layer over the Python API.

Heavy modules (openpyxl, xlsxwriter, jsonschema) are imported inside the commands that
need them so that ``ogi-xlsx --help`` starts fast. Exit codes: 0 ok, 1 findings of error
severity (or an incomplete summary), 2 usage errors.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # imported by the commands that need them (``--help`` stays light)
    from ogi_xlsx.limits import Limits
    from ogi_xlsx.queries import QueryTally
    from ogi_xlsx.settings import Settings
    from ogi_xlsx.validate import FileReport

app = typer.Typer(
    name="ogi-xlsx",
    help="政府信息公开工作年度报告统计表：生成模板、审核报表、汇总数据。"
    " Government information disclosure annual statistics: templates, validation, consolidation.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


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
    from ogi_xlsx.settings import SettingsError, load_settings

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
    from ogi_xlsx.queries import apply_queries
    from ogi_xlsx.validate import check_paths

    last_year: list[FileReport] = []
    mismatched = 0
    if files:
        # Last year's returns are read like this year's (and cached alike), for their numbers only:
        # their own findings are not reported.
        last_year = check_paths(files, jobs=jobs, cache=cache, limits=limits, collected=True)
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
    from ogi_xlsx.validate import collect_paths

    for path in previous:
        if not path.exists():
            raise fail(f"找不到 --previous 给出的“{path}”。")
    from ogi_xlsx.importer import collect_report_paths

    # Last year's returns may also be the units' published reports (PDF, .docx, web pages, text).
    files = sorted(set(collect_paths(previous)) | set(collect_report_paths(previous)), key=str)
    if not files:
        raise fail("在 --previous 给出的位置没有找到上年度的报表。")
    return files


def add_cross_year_findings(reports: list[FileReport], last_year: list[FileReport]) -> int:
    """Check ``reports`` against last year's checked returns; returns how many got a mismatch."""
    from ogi_xlsx.findings import sort_findings
    from ogi_xlsx.importer import match_previous_by_name
    from ogi_xlsx.validate import cross_year_findings

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
    """``--limits`` (or ``OGI_XLSX_LIMITS``) as a :class:`~ogi_xlsx.xlsx.Limits`; a usage error when malformed."""
    from ogi_xlsx.validate import limits_from_env

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


def _resolve_format(value: str):
    from ogi_xlsx.spec import UnknownFormatError, all_formats, load_format

    try:
        return load_format(value)
    except UnknownFormatError:
        known = "、".join(f"{s.year_format}（{s.id}）" for s in all_formats())
        raise fail(f"未知的报表格式“{value}”，可用：{known}。") from None


@app.command("formats")
def formats_command(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    """列出支持的报表格式 / List the supported report formats."""
    from ogi_xlsx.layout import layout_hash
    from ogi_xlsx.plausibility import describe_rules
    from ogi_xlsx.spec import all_formats

    specs = all_formats()
    if as_json:
        payload = [
            {
                "id": s.id,
                "version": s.version,
                "alias": str(s.year_format),
                "status": s.status,
                "title": s.title,
                "notice": s.notice,
                "notice_title": s.notice_title,
                "notice_date": s.notice_date,
                "report_years": {"first": s.first_year, "last": s.last_year},
                "tables": [{"id": t.id, "title": t.title, "sheet": t.sheet} for t in s.tables],
                "cells": {"input": len(s.input_ids), "computed": len(s.computed_ids)},
                "rules": sorted({r.id for r in s.rules}),
                "cross_year_rules": sorted({r.id for r in s.cross_year_rules}),
                "plausibility_rules": describe_rules(s),
                "layout_hash": layout_hash(s),
            }
            for s in specs
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for s in specs:
        status = "现行" if s.status == "current" else "已被取代（仍用于其适用年度）"
        typer.echo(f"{s.year_format}  {s.id} v{s.version}  {s.notice}  适用：{s.years_label}  [{status}]")
        typer.echo(f"      {s.title}")
        typer.echo(
            f"      表：{'、'.join(t.title for t in s.tables)}；填报项 {len(s.input_ids)} 个，合计项 {len(s.computed_ids)} 个"
        )
        typer.echo(
            f"      勾稽关系 {len({r.id for r in s.rules})} 条（{'、'.join(sorted({r.id for r in s.rules}))}）；"
            f"跨年度核对 {len({r.id for r in s.cross_year_rules})} 条（validate --previous）"
        )
        typer.echo("      合理性规则（核实项；阈值可在 --settings 设置文件中修改）：")
        for rule in describe_rules(s):
            limits = "，".join(f"{k}={v}" for k, v in rule["thresholds"].items())
            state = "" if rule["enabled"] else "（默认关闭）"
            typer.echo(f"        {rule['id']}  {rule['title']}{state}" + (f"  [{limits}]" if limits else ""))


@app.command("schema")
def schema_command(
    format: Annotated[str, typer.Option("--format", "-f", help="报表格式：2019 或 2021 / format")] = "2021",
) -> None:
    """输出报表数据的 JSON Schema / Print the JSON Schema of a return document."""
    from ogi_xlsx.document import schema_text

    sys.stdout.write(schema_text(_resolve_format(format)))


def main() -> None:
    """Console-script entry point."""
    for stream in (sys.stdout, sys.stderr):
        # a file name that is not valid in the file-system encoding reaches us as lone
        # surrogates: print its original bytes (or "?"), never die with UnicodeEncodeError
        utf8 = (getattr(stream, "encoding", "") or "").lower().replace("-", "") == "utf8"
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape" if utf8 else "replace")
    try:
        # standalone_mode=False: usage errors come back as exceptions, to be told in Chinese
        # (typer's own messages are English: "Missing argument 'paths'.").
        result = app(standalone_mode=False)
    except typer.Abort:
        typer.echo("已中止。", err=True)
        sys.exit(EXIT_FINDINGS)
    except typer.TyperException as exc:  # click's UsageError, BadParameter, NoSuchOption …
        typer.echo(f"错误：{usage_message(exc)}", err=True)
        command = getattr(getattr(exc, "ctx", None), "command_path", None) or "ogi-xlsx"
        typer.echo(f"查看用法：{command} --help", err=True)
        code = getattr(exc, "exit_code", EXIT_USAGE)
        sys.exit(code if isinstance(code, int) and code else EXIT_USAGE)
    except OSError as exc:  # an output path that cannot be written (not a folder, too long, no space…)
        import errno

        reasons = {
            errno.ENOTDIR: "路径中有一部分不是文件夹",
            errno.ENAMETOOLONG: "文件名太长",
            errno.ENOENT: "文件夹不存在",
            errno.EACCES: "没有权限",
            errno.EPERM: "没有权限",
            errno.ENOSPC: "磁盘空间不足",
            errno.EROFS: "只读的磁盘或文件夹",
            errno.EISDIR: "这是一个文件夹",
        }
        reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
        where = f"“{exc.filename}”" if exc.filename else ""
        typer.echo(f"错误：无法读写{where}：{reason}。请检查输出位置后重试。", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(result if isinstance(result, int) else EXIT_OK)


# click's English messages -> Chinese (patterns of the messages the vendored click produces).
_MESSAGE_PATTERNS = [
    (r"'(.*)' is not a valid (?:int|integer)\.?", "“{0}”不是整数"),
    (r"'(.*)' is not a valid float\.?", "“{0}”不是数字"),
    (r"'(.*)' is not a valid boolean\.?", "“{0}”不是是/否值"),
    (r"(.*) is not in the range (.*)\.", "{0} 不在允许的范围（{1}）内"),
    (r"'(.*)' is not one of (.*)\.", "“{0}”不是可选的值（{1}）"),
    (r"No such command '(.*)'\.", "没有“{0}”这个命令"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", "多余的参数：{0}"),
    (r"Option '(.*)' requires an argument\.", "选项 {0} 后面需要给出一个值"),
    (r"Option '(.*)' does not take a value\.", "选项 {0} 后面不能带值"),
    (r"(?:File|Path|Directory) '(.*)' does not exist\.", "“{0}”不存在"),
    (r"(?:File|Path) '(.*)' is a directory\.", "“{0}”是文件夹，应为文件"),
    (r"Directory '(.*)' is a file\.", "“{0}”是文件，应为文件夹"),
]


def _chinese_help(param) -> str | None:
    """The Chinese half of a parameter's bilingual help ("中文说明 / English")."""
    import re

    help_text = getattr(param, "help", None) or ""
    chinese = re.split(r"\s*/\s+(?=[A-Za-z])", help_text, maxsplit=1)[0].strip()
    return chinese or None


def usage_message(exc: Exception) -> str:
    """A usage error of the command line (typer/click exception) as one Chinese sentence."""
    import re

    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    if param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
        name = "/".join(opts) if opts else (getattr(param, "human_readable_name", None) or getattr(param, "name", ""))
        label = _chinese_help(param)
        what = f"{name}（{label}）" if label and opts else (label or name)
    else:
        what = ""
    if kind == "MissingParameter":
        noun = "选项" if param is not None and getattr(param, "param_type_name", "") == "option" else "参数"
        return f"缺少{noun}：{what or exc}。"
    if kind == "NoSuchOption":
        option = getattr(exc, "option_name", "") or ""
        near = getattr(exc, "possibilities", None) or []
        hint = f"；是否想用 {'、'.join(sorted(near))}？" if near else ""
        return f"没有 {option} 这个选项{hint}。" if not hint else f"没有 {option} 这个选项{hint}"
    message = getattr(exc, "message", None) or str(exc)
    for pattern, chinese in _MESSAGE_PATTERNS:
        match = re.fullmatch(pattern, message.strip())
        if match:
            message = chinese.format(*match.groups())
            break
    else:
        if re.search("[A-Za-z]{3,}", message):
            message = f"命令行用法有误（{message}）"
    if kind == "BadParameter" and what:
        return f"{what}{'' if what.endswith('）') else ' '}的值有误：{message}。"
    return f"{message}。"


# Commands living in their own modules register themselves on ``app`` when imported.
# Each module imports only typer at the top; its heavy imports stay inside the commands.
for _module in ("merge", "validate", "template", "publish", "importing", "portal"):
    __import__(f"ogi_xlsx.commands.{_module}")


if __name__ == "__main__":  # pragma: no cover
    # run as ``python -m ogi_xlsx.cli``: the commands registered on the imported module's app
    from ogi_xlsx.cli import main as _main

    _main()
