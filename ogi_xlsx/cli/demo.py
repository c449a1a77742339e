"""``ogi-xlsx demo``: the whole job on the bundled example (optionally then the portal)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ogi_xlsx.cli.common import EXIT_FINDINGS, EXIT_OK, CommandSet, fail

commands = CommandSet()


@commands.command("demo")
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
