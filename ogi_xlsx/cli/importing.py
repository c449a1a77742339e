"""``ogi-xlsx import``: published annual reports (PDF, .docx, web pages, text) -> return documents."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ogi_xlsx.cli.common import EXIT_FINDINGS, EXIT_OK, CommandSet, LimitsOption, fail, file_limits

commands = CommandSet()


# long: about 30 lines are typer's annotated parameters; the body is under 80
@commands.command("import")
def import_command(
    reports: Annotated[
        list[Path], typer.Argument(help="已发布的年度报告：.pdf .docx .html .htm .txt / published reports")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="输出 JSON 文件（仅一份报告时）/ output JSON")
    ] = None,
    outdir: Annotated[
        Path | None, typer.Option("--outdir", "-d", help="输出文件夹（每份报告一个 JSON）/ output folder")
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="报表格式 2019 或 2021（默认按年度和表格文字）/ format")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="报告年度（默认取自标题）/ report year")] = None,
    unit_name: Annotated[str | None, typer.Option("--unit-name", help="单位名称（默认取自标题）/ unit name")] = None,
    unit_code: Annotated[str | None, typer.Option("--unit-code", help="单位代码 / unit code")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出导入情况和问题 / print the import results as JSON")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件 / overwrite")] = False,
    limits: LimitsOption = None,
) -> None:
    """导入已发布的年度报告 / Import published annual reports as return documents.

    每份报告得到一份与 export 相同的 JSON（合计按报告所印导入，空白保持空白），并列出导入情况
    （读到多少格、哪些行未找到、各表在第几页/行）和审核结果（勾稽关系、正文与表格不一致）。

    退出码：0 无错误；1 有错误（含无法读取的报告）；2 用法错误。
    """
    from ogi_xlsx.importer import REPORT_SUFFIXES, import_report
    from ogi_xlsx.importer.checks import document_findings
    from ogi_xlsx.model.findings import SEVERITY_LABELS, has_errors, sort_findings
    from ogi_xlsx.util.atomic import atomic_write_bytes

    if not reports:
        raise fail("请给出要导入的年度报告文件。")
    if output is not None and outdir is not None:
        raise fail("-o 与 -d 只能用一个。")
    for path in reports:
        if not path.is_file():
            raise fail(f"找不到报告文件“{path}”。")
    if output is not None and len(reports) > 1:
        raise fail("-o 只能用于一份报告；多份报告请用 -d 指定输出文件夹。")
    if output is None and outdir is None and len(reports) > 1 and not as_json:
        raise fail("多份报告请用 -d 指定输出文件夹（每份报告一个 JSON），或加 --json。")
    if format is not None and format.removeprefix("ogi-") not in ("2019", "2021"):
        raise fail(f"未知的报表格式“{format}”，可用：2019、2021。")
    per_file_limits = file_limits(limits)
    inputs = {p.resolve() for p in reports}
    targets: dict[Path, Path] = {}
    if output is not None:
        if output.suffix.lower() != ".json":
            raise fail(f"输出文件应以 .json 结尾：“{output}”。")
        targets[reports[0]] = output
    elif outdir is not None:
        if outdir.exists() and not outdir.is_dir():
            raise fail(f"-d 应为文件夹，“{outdir}”是一个文件。")
        stems: dict[str, Path] = {}
        for path in reports:
            if path.stem in stems:
                raise fail(f"“{path}”与“{stems[path.stem]}”同名，输出会互相覆盖；请分两次导入。")
            stems[path.stem] = path
            targets[path] = outdir / f"{path.stem}.json"
    for target in targets.values():
        if target.resolve() in inputs:
            raise fail(f"输出文件“{target}”也是输入文件，不能覆盖输入。")
        if target.exists() and not force:
            raise fail(f"输出文件“{target}”已存在；如需覆盖请加 --force。")
        if output is not None and not target.parent.exists():
            raise fail(f"输出文件夹“{target.parent}”不存在。")
    for path in reports:
        if path.suffix.lower() not in REPORT_SUFFIXES:
            typer.echo(f"提示：“{path.name}”的扩展名不是 .pdf/.docx/.html/.txt，按内容判断文件类型。", err=True)

    any_errors = False
    results = []
    for path in reports:
        result = import_report(
            path,
            format_id=format.removeprefix("ogi-") if format else None,
            year=year,
            unit_name=unit_name,
            unit_code=unit_code,
            limits=per_file_limits,
        )
        findings = list(result.findings)
        if result.document is not None:
            findings += document_findings(result.document, result, None, None, False)
        findings = sort_findings(findings)
        any_errors = any_errors or has_errors(findings) or result.document is None
        results.append((path, result, findings))
        if not as_json:
            typer.echo(f"【{path}】", err=True)
            for f in findings:
                typer.echo(f"  {SEVERITY_LABELS[f.severity or 'error']}：{f.message}", err=True)
        if result.document is None:
            continue
        text = result.document.dumps()
        target = targets.get(path)
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, text.encode("utf-8"))
            if not as_json:
                typer.echo(f"  已写入：{target}", err=True)
        elif not as_json:
            sys.stdout.write(text)
    if as_json:
        payload = []
        for _path, result, findings in results:
            item = result.to_dict()
            item["findings"] = [f.to_dict() for f in findings]
            item["valid"] = not has_errors(findings) and result.document is not None
            payload.append(item)
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    raise typer.Exit(EXIT_FINDINGS if any_errors else EXIT_OK)
