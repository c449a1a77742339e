"""``ogi-xlsx validate`` (check returns), ``export`` (return -> JSON) and ``fill`` (JSON -> return)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ogi_xlsx.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    CommandSet,
    LimitsOption,
    NoCacheOption,
    PreviousOption,
    QueriesAsWarningsOption,
    SettingsOption,
    add_query_findings,
    check_with_progress,
    check_year,
    discover_inputs,
    fail,
    file_limits,
    load_roster_option,
    load_settings_option,
    previous_files,
    query_line,
    require_paths,
)

commands = CommandSet()


def _check_output(output: Path, force: bool, inputs: list[Path]) -> None:
    if output.exists() and output.is_dir():
        raise fail(f"输出路径“{output}”是一个文件夹，请给出文件名。")
    if any(output.resolve() == p.resolve() for p in inputs):
        raise fail(f"输出文件“{output}”就是输入文件，不能覆盖输入。")
    if output.exists() and not force:
        raise fail(f"输出文件“{output}”已存在；如需覆盖请加 --force。")
    if not output.parent.exists():
        raise fail(f"输出文件夹“{output.parent}”不存在。")


def _totals_as_written(doc):
    """(warnings for the totals the writer replaces by formulas, the document as written)."""
    from dataclasses import replace

    from ogi_xlsx.checks.rules import with_totals
    from ogi_xlsx.model.findings import finding, piece
    from ogi_xlsx.model.layout import workbook_layout

    spec = doc.spec
    written = with_totals(spec, {cid: doc.values.get(cid) for cid in spec.input_ids})
    layout = workbook_layout(spec)
    warnings = []
    for cid in spec.computed_ids:
        given, total = doc.values.get(cid), written.get(cid)
        if given is None or total is None or given == total:
            continue
        cell = spec.cells[cid]
        sheet, address = layout.locate(cid)
        where = piece("where", table=spec.table(cell.table).short, address=address, label=cell.label)
        warnings.append(
            finding(
                "fill-total-replaced",
                "",
                {"where": where, "given": given, "written": total},
                sheet=sheet,
                cell=address,
                cell_ids=(cid,),
                args={"given": given, "written": total},
            )
        )
    return warnings, replace(doc, values=written)


@commands.command("validate")
def validate_command(
    paths: Annotated[list[Path], typer.Argument(help="报表文件或文件夹（递归查找）/ returns: files or folders")],
    roster: Annotated[Path | None, typer.Option("--roster", help="报送名单 CSV/XLSX / expected units")] = None,
    year: Annotated[int | None, typer.Option("--year", help="应报送的报告年度 / expected report year")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出到标准输出 / print JSON")] = False,
    annotate: Annotated[
        Path | None, typer.Option("--annotate", help="在此文件夹生成标注问题的副本 / write annotated copies here")
    ] = None,
    strict_blanks: Annotated[
        bool, typer.Option("--strict-blanks", help="空白单元格按错误处理 / blank inputs are errors")
    ] = False,
    annotate_all: Annotated[
        bool,
        typer.Option("--annotate-all", help="为每份报表生成标注副本（默认只为需修改的）/ annotate every return"),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的标注副本 / overwrite annotated copies")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="只列出错误（不列警告和提示）/ errors only")] = False,
    previous: PreviousOption = None,
    settings: SettingsOption = None,
    queries_as_warnings: QueriesAsWarningsOption = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="并行进程数 / worker processes")] = None,
    no_cache: NoCacheOption = False,
    limits: LimitsOption = None,
) -> None:
    """审核报表 / Validate returned workbooks.

    退出码：0 全部通过（可有警告，核实项均已说明）；1 有报表需修改或有未说明的核实项（含无法读取的文件）；
    2 用法错误（含设置文件有误）。
    """
    from ogi_xlsx.cli import render
    from ogi_xlsx.pipeline.options import CheckOptions

    if not paths:
        raise fail("请给出要审核的报表文件或文件夹。")
    per_file_limits = file_limits(limits)
    check_year(year)
    require_paths(paths, "审核")
    if annotate is not None and annotate.exists() and not annotate.is_dir():
        raise fail(f"--annotate 应为文件夹，“{annotate}”是一个文件。")
    roster_map = load_roster_option(roster)
    office = load_settings_option(settings)
    found = discover_inputs(paths, per_file_limits)
    last_year_files = previous_files(previous)

    options = CheckOptions.make(
        expected_year=year, roster=roster_map, strict_blanks=strict_blanks, limits=per_file_limits
    )
    reports = check_with_progress(found.files, options, jobs=jobs, cache=not no_cache, cache_text=render.cached_text)
    _, tally = add_query_findings(
        reports,
        last_year_files,
        settings=office,
        as_warnings=queries_as_warnings,
        jobs=jobs,
        cache=not no_cache,
        limits=per_file_limits,
    )

    notes, batch = render.batch_notes(reports, roster_map, year, found.skipped)
    keep = [roster] if roster else []
    if annotate is not None:
        _refuse_existing_copies(reports, annotate, keep, annotate_all, force)
    if as_json:
        sys.stdout.write(render.dumps(reports, found.skipped, batch))
    elif sys.stdout.isatty():
        from rich.console import Console

        render.render(reports, Console(highlight=False), skipped=found.skipped, errors_only=quiet, notes=notes)
    else:  # redirected to a file or a pipe: plain text, and no time spent importing rich
        render.render_plain(reports, sys.stdout, skipped=found.skipped, errors_only=quiet, notes=notes)
    line = query_line(tally)
    if line and not as_json:
        typer.echo(line, err=True)
    if annotate is not None and not _write_copies(reports, annotate, keep, annotate_all):
        raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_OK if all(r.valid for r in reports) else EXIT_FINDINGS)


def _refuse_existing_copies(reports: list, folder: Path, keep: list[Path], include_valid: bool, force: bool) -> None:
    """Existing annotated copies are not overwritten without --force (checked before anything is written)."""
    from ogi_xlsx.writing.annotate import plan_copies

    planned = plan_copies(reports, folder, keep, include_valid=include_valid)
    existing = [target for target in planned.values() if target.exists()]
    if existing and not force:
        shown = "、".join(f"“{p.name}”" for p in existing[:3]) + ("……" if len(existing) > 3 else "")
        raise fail(f"标注副本 {shown} 已存在（共 {len(existing)} 个）；如需覆盖请加 --force。")


def _write_copies(reports: list, folder: Path, keep: list[Path], include_valid: bool) -> bool:
    """Write the annotated copies, naming each on stderr; False when one could not be written."""
    from rich.console import Console

    from ogi_xlsx.writing.annotate import annotate_all as write_copies

    err = Console(stderr=True)
    failed: list[Path] = []

    def annotate_failed(source: Path, exc: Exception) -> None:
        failed.append(source)
        err.print(f"错误：未能生成“{source}”的标注副本（{type(exc).__name__}: {exc}）。", highlight=False)

    written = write_copies(reports, folder, on_error=annotate_failed, keep=keep, include_valid=include_valid)
    for copy in written.values():
        err.print(f"已生成标注副本：{copy}", highlight=False)
    return not failed


@commands.command("export")
def export_command(
    source: Annotated[Path, typer.Argument(help="报表 .xlsx / a returned workbook")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出 JSON 文件（默认标准输出）")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件 / overwrite")] = False,
) -> None:
    """把报表导出为 JSON / Export a return as a JSON document (valid against ``ogi-xlsx schema``).

    读到的数据总会导出（合计按各项重新计算）；发现错误时退出码为 1，问题列在标准错误输出。
    """
    from ogi_xlsx.model.findings import SEVERITY_LABELS
    from ogi_xlsx.pipeline.check import check_file

    if not source.is_file():
        raise fail(f"找不到“{source}”。")
    if output is not None:
        _check_output(output, force, [source])
    report = check_file(source)
    for f in report.findings:
        typer.echo(f"{SEVERITY_LABELS[f.severity or 'error']}：{f.message}", err=True)
    if report.document is None:
        raise typer.Exit(EXIT_FINDINGS)
    text = report.document.dumps()
    if output is None:
        sys.stdout.write(text)
    else:
        from ogi_xlsx.util.atomic import atomic_write_bytes

        atomic_write_bytes(output, text.encode("utf-8"))
    raise typer.Exit(EXIT_OK if report.valid else EXIT_FINDINGS)


@commands.command("fill")
def fill_command(
    source: Annotated[Path, typer.Argument(help="报表数据 JSON / a return document")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出 .xlsx")],
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件 / overwrite")] = False,
) -> None:
    """由 JSON 数据生成已填报的报表 / Write a completed return workbook from a JSON document.

    退出码：0 已生成；1 数据不符合报表结构（未生成）或有勾稽错误（已生成）；2 用法错误（文件不存在、不是 JSON）。
    """
    from ogi_xlsx.checks.document import validate_return
    from ogi_xlsx.checks.schema import validate_document_json
    from ogi_xlsx.model.document import document_from_json, loads
    from ogi_xlsx.model.findings import SEVERITY_LABELS, has_errors

    if not source.is_file():
        raise fail(f"找不到“{source}”。")
    if output.suffix.lower() != ".xlsx":
        raise fail(f"输出文件应以 .xlsx 结尾：“{output}”。")
    _check_output(output, force, [source])
    try:
        data = loads(source.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: [[[[…]]]] nested too deep
        from ogi_xlsx.model.document import describe_json_error

        raise fail(f"“{source}”不是有效的 JSON 文件（{describe_json_error(exc)}）。") from None
    problems = validate_document_json(data)
    if problems:
        for f in problems:
            typer.echo(f"{SEVERITY_LABELS[f.severity or 'error']}：{f.message}", err=True)
        typer.echo(f"“{source}”不符合报表数据结构，未生成报表。", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    doc = document_from_json(data)
    # The workbook holds the totals as formulas over the inputs: a total given in the JSON that
    # differs is replaced. Say so, and report what the written file holds, not what was given.
    replaced, doc = _totals_as_written(doc)
    findings = replaced + validate_return(doc)
    for f in findings:
        typer.echo(f"{SEVERITY_LABELS[f.severity or 'error']}：{f.message}", err=True)

    from ogi_xlsx.writing.template import write_return

    write_return(doc, output)  # replaces a path target atomically
    typer.echo(f"已生成：{output}", err=True)
    raise typer.Exit(EXIT_FINDINGS if has_errors(findings) else EXIT_OK)
