"""``ogi-xlsx merge`` (district summary) and ``ogi-xlsx demo`` (the whole job on example data)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from ogi_xlsx.cli import (
    EXIT_FINDINGS,
    EXIT_OK,
    LimitsOption,
    NoCacheOption,
    PreviousOption,
    QueriesAsWarningsOption,
    SettingsOption,
    add_query_findings,
    app,
    check_year,
    fail,
    file_limits,
    load_settings_option,
    previous_files,
    query_line,
)

DEFAULT_SUMMARY_CODE = "SUMMARY"
DEFAULT_SUMMARY_NAME = "汇总"


@app.command("merge")
def merge_command(
    paths: Annotated[list[Path], typer.Argument(help="已报送的报表文件或文件夹 / returns (files or folders)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="汇总表 .xlsx / summary workbook")],
    roster: Annotated[Path | None, typer.Option("--roster", help="报送名单 CSV/XLSX / roster")] = None,
    year: Annotated[int | None, typer.Option("--year", help="汇总的报告年度 / report year")] = None,
    unit_name: Annotated[
        str | None, typer.Option("--unit-name", help="汇总单位名称（如 鲤城区）/ summary's unit name")
    ] = None,
    unit_code: Annotated[str | None, typer.Option("--unit-code", help="汇总单位代码 / summary's unit code")] = None,
    prefer: Annotated[
        str | None,
        typer.Option(
            "--prefer",
            help="同一单位有多份数据不同的文件时：newest = 采用修改时间最晚的；newest-valid = 采用通过审核的最新文件"
            " / resolve conflicts",
        ),
    ] = None,
    include_summaries: Annotated[
        bool,
        typer.Option(
            "--include-summaries",
            help="把汇总表与单位报表一起汇总（逐级汇总时用；默认汇总表不计入）/ also sum summaries",
        ),
    ] = False,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="另存汇总数据 JSON / also write the summary as JSON")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件 / overwrite outputs")] = False,
    preparer: Annotated[str, typer.Option("--preparer", help="汇总表封面：填报人 / cover: preparer")] = "",
    phone: Annotated[str, typer.Option("--phone", help="汇总表封面：联系电话 / cover: phone")] = "",
    reviewer: Annotated[str, typer.Option("--reviewer", help="汇总表封面：审核人 / cover: reviewer")] = "",
    date: Annotated[str, typer.Option("--date", help="汇总表封面：填报日期 YYYY-MM-DD / cover: date")] = "",
    previous: PreviousOption = None,
    settings: SettingsOption = None,
    queries_as_warnings: QueriesAsWarningsOption = False,
    no_cache: NoCacheOption = False,
    limits: LimitsOption = None,
) -> None:
    """汇总各单位报表 / Merge valid returns into one summary.

    有未说明核实项的报表为待补正，不计入汇总；已说明的计入，说明列在“报送情况”中。
    退出码：0 汇总完整；1 已生成但不完整（有未报、待补正、冲突或名单外单位）；2 用法错误（含设置文件有误）。
    """
    from ogi_xlsx.merge import PREFER_CHOICES, MergeError, merge_returns, summary_lines
    from ogi_xlsx.summary import write_summary, write_summary_json

    if not paths:
        raise fail("请给出要汇总的报表文件或文件夹。")

    per_file_limits = file_limits(limits)
    check_year(year)
    if output.suffix.lower() != ".xlsx":
        raise fail(f"汇总表应保存为 .xlsx 文件（Excel 工作簿），请把 -o 改为以 .xlsx 结尾：“{output}”。")
    if date:
        from ogi_xlsx.document import parse_cover_date

        iso = parse_cover_date(date)
        if iso is None:
            raise fail(f"--date 应为实际存在的日期，如 {(year or 2024) + 1}-01-10 或 2025年1月10日，实际为“{date}”。")
        date = iso
    if prefer not in (None, *PREFER_CHOICES):
        raise fail(f"--prefer 只能是 {' 或 '.join(PREFER_CHOICES)}，实际为“{prefer}”。")
    for path in paths:
        if not path.exists():
            raise fail(f"找不到“{path}”。")
    outputs = [output] + ([json_path] if json_path else [])
    for out in outputs:
        if out.exists() and out.is_dir():
            raise fail(f"输出路径“{out}”是一个文件夹，请给出文件名。")
        if out.exists() and not force:
            raise fail(f"输出文件“{out}”已存在；如需覆盖请加 --force。")
        if out.parent.exists() and not out.parent.is_dir():
            raise fail(f"输出位置“{out.parent}”不是文件夹。")
    if json_path is not None and json_path.resolve() == output.resolve():
        raise fail("--json 与 -o 不能是同一个文件。")
    resolved_inputs = {p.resolve() for p in [*paths, *([roster] if roster else [])] if p.is_file()}
    for out in outputs:
        if out.resolve() in resolved_inputs:
            raise fail(f"输出文件“{out}”也是输入文件，不能覆盖输入。")

    roster_map = _load_roster(roster)
    office = load_settings_option(settings)
    last_year_files = previous_files(previous)

    from ogi_xlsx.inbox import skipped_lines
    from ogi_xlsx.validate import check_paths, discover_paths

    found = discover_paths(paths, per_file_limits)
    files = found.files
    if not files:
        for line in skipped_lines(found.skipped):
            typer.echo(line, err=True)
        raise fail("在给出的位置没有找到 .xlsx 报表文件。")
    targets = {os.path.realpath(o) for o in outputs}
    for candidate in files:
        if os.path.realpath(candidate) in targets:
            raise fail(f"输出文件“{candidate}”也在输入中，不能覆盖输入；请换一个输出位置。")
    if len(files) > 1 and sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("审核中", total=len(files))
            reports = check_paths(
                files,
                expected_year=year,
                roster=roster_map,
                cache=not no_cache,
                limits=per_file_limits,
                collected=True,
                progress=lambda: progress.advance(task),
            )
    else:
        reports = check_paths(
            files, expected_year=year, roster=roster_map, cache=not no_cache, limits=per_file_limits, collected=True
        )

    mismatched, tally = add_query_findings(
        reports,
        last_year_files,
        settings=office,
        as_warnings=queries_as_warnings,
        jobs=None,
        cache=not no_cache,
        limits=per_file_limits,
    )

    name = unit_name or DEFAULT_SUMMARY_NAME
    code = unit_code or DEFAULT_SUMMARY_CODE
    try:
        result = merge_returns(
            reports,
            roster=roster_map,
            year=year,
            unit_code=code,
            unit_name=name,
            prefer=prefer,  # type: ignore[arg-type]  # checked against PREFER_CHOICES above
            cover={"preparer": preparer, "phone": phone, "reviewer": reviewer, "date": date},
            skipped=found.skipped,
            include_summaries=include_summaries,
        )
    except MergeError as error:
        raise fail(str(error)) from None

    for out in outputs:  # a missing output folder is created (as template --roster does)
        out.parent.mkdir(parents=True, exist_ok=True)
    write_summary(output, result)
    if json_path is not None:
        write_summary_json(json_path, result)

    if unit_name is None or unit_code is None:
        typer.echo(f"提示：未指定 --unit-name/--unit-code，汇总表的单位记为“{name}”（代码 {code}）。")
    typer.echo(f"{result.document.year} 年度汇总（{result.spec.notice} 格式），共读取 {len(reports)} 个文件。")
    for line in summary_lines(result):
        typer.echo(line)
    if last_year_files:
        typer.echo(
            f"跨年度核对：{mismatched} 份报表与上年度报表不衔接（核实项：未说明的待补正，已说明的计入汇总），"
            "详见汇总表“报送情况”。"
            if mismatched
            else "跨年度核对：各单位与上年度报表衔接。"
        )
    line = query_line(tally)
    if line:
        typer.echo(line)
    typer.echo(f"汇总表：{output}" + (f"；JSON：{json_path}" if json_path else ""))
    raise typer.Exit(EXIT_OK if result.complete else EXIT_FINDINGS)


def _load_roster(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    from ogi_xlsx.roster import RosterError, load_roster

    if not path.is_file():
        raise fail(f"找不到报送名单“{path}”。")
    try:
        return dict(load_roster(path).mapping())
    except RosterError as error:
        raise fail(f"报送名单“{path}”有问题：{error}") from None


@app.command("demo")
def demo_command(
    outdir: Annotated[Path, typer.Argument(help="演示输出文件夹 / output folder")],
    force: Annotated[
        bool, typer.Option("--force", help="文件夹已有其他内容时仍写入 / write into a non-empty folder")
    ] = False,
    serve: Annotated[
        bool, typer.Option("--serve", help="随后用演示数据启动网上收集 / then open the portal filled with the demo")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="--serve 的端口 / port for --serve")] = 8000,
) -> None:
    """用示例数据演示整个流程 / Run the whole job on the bundled example.

    名单 → 各单位模板 → 填好的报表（有错误、未报、重复的）→ 审核及批注副本 → 区汇总表。
    文件夹不存在或是上次的演示输出时直接（重新）生成；是其他非空文件夹时需加 --force。
    """
    from ogi_xlsx.demo import DemoError, run_demo

    try:
        ok = run_demo(outdir, force=force, echo=typer.echo)
    except DemoError as error:
        raise fail(str(error)) from None
    if serve:  # the portal, filled with the demo's returns (ogi_xlsx/portal/demo.py)
        from ogi_xlsx.portal.demo import serve_demo

        serve_demo(outdir, port=port, echo=typer.echo)
    raise typer.Exit(EXIT_OK if ok else EXIT_FINDINGS)
