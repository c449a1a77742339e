"""``ogi-xlsx publish``: the official tables (or the whole report draft) as Word or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ogi_xlsx.cli.common import EXIT_FINDINGS, CommandSet, fail

commands = CommandSet()


@commands.command("publish")
def publish_command(
    source: Annotated[Path, typer.Argument(help="报表或汇总表（.xlsx 或 .json）/ a return or a summary")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="输出文件：.docx（Word）或 .html（网页）/ output .docx or .html")
    ],
    draft: Annotated[
        bool, typer.Option("--draft", help="生成完整的年度报告草稿（含文字部分）/ the whole report draft")
    ] = False,
    allow_errors: Annotated[
        bool,
        typer.Option(
            "--allow-errors", help="报表未通过审核也生成（带“未通过审核”标记）/ publish a failing return, marked"
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件 / overwrite")] = False,
) -> None:
    """生成年度报告的统计表或报告草稿（Word / HTML）/ Publish the official tables or the report draft."""
    from ogi_xlsx import api
    from ogi_xlsx.model.findings import SEVERITY_LABELS
    from ogi_xlsx.publish import PublishError, PublishRefused, output_kind

    if not source.is_file():
        raise fail(
            f"找不到“{source}”。" if not source.is_dir() else f"“{source}”是文件夹；请给出一个报表或汇总表文件。"
        )
    try:
        output_kind(output)
    except PublishError as exc:
        raise fail(str(exc)) from None
    if output.exists() and output.resolve() == source.resolve():
        raise fail(f"输出文件不能是输入文件“{source.name}”本身；请换一个文件名。")
    if output.is_dir():
        raise fail(f"“{output}”是文件夹；请用 -o 指定 .docx 或 .html 文件名。")
    if output.exists() and not force:
        raise fail(f"文件“{output}”已存在；如需覆盖请加 --force。")
    if not output.parent.exists():
        raise fail(f"文件夹“{output.parent}”不存在。")
    report = api.check_file(source)
    try:
        api.publish(report, output, draft=draft, allow_errors=allow_errors)
    except PublishRefused as exc:
        typer.echo(f"错误：{exc}", err=True)
        for f in exc.findings:
            typer.echo(f"  {SEVERITY_LABELS[f.severity or 'error']}：{f.message}", err=True)
        raise typer.Exit(EXIT_FINDINGS) from None
    except PublishError as exc:
        raise fail(str(exc)) from None
    what = "年度报告草稿" if draft else "统计表"
    mark = "（报表未通过审核，已加“未通过审核”标记）" if not report.valid else ""
    typer.echo(f"已生成{what} {output}（{report.unit_name or ''} {report.year} 年度，{report.format}）{mark}")
