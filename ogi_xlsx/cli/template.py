"""``ogi-xlsx template``: blank locked templates, one file or one per unit of a roster."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

import typer

from ogi_xlsx.cli.common import CommandSet, check_year, default_year, fail

commands = CommandSet()

# Below this many units a process pool costs more to start than it saves.
POOL_THRESHOLD = 40


@cache
def _stamp(format_id: str, year: int, password: str, send_to: str):
    """One rendered template per process, stamped for each unit (see ``TemplateStamp``)."""
    from ogi_xlsx.model.spec import load_format
    from ogi_xlsx.writing.stamp import TemplateStamp

    return TemplateStamp(load_format(format_id), year=year, password=password, send_to=send_to)


def _write_one(job: tuple[str, int, str, str, str, str, str]) -> str:
    """Worker: write one per-unit template (module-level so a process pool can pickle it)."""
    path, year, code, name, password, format_id, send_to = job
    _stamp(format_id, year, password, send_to).write(Path(path), unit_code=code, unit_name=name)
    return path


# long: about 30 lines are typer's annotated parameters; the body is under 80
@commands.command("template")
def template_command(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="输出文件（.xlsx），使用 --roster 时为输出文件夹 / output file or folder"),
    ],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="报表格式 2019 或 2021（默认按年度）/ format")
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="报告年度（默认上一年；12 月为本年）/ report year")
    ] = None,
    unit_name: Annotated[str, typer.Option("--unit-name", help="填报单位名称 / unit name")] = "",
    unit_code: Annotated[str, typer.Option("--unit-code", help="单位代码 / unit code")] = "",
    roster: Annotated[
        Path | None,
        typer.Option("--roster", help="报送名单（CSV 或 XLSX，列：单位代码,单位名称），每个单位生成一个文件"),
    ] = None,
    password: Annotated[
        str | None, typer.Option("--password", help="工作表保护密码（默认见 README）/ sheet protection password")
    ] = None,
    send_to: Annotated[
        str | None,
        typer.Option("--send-to", help="填报说明中的报送对象，如“区信息公开办（邮箱 …）”/ whom to send the return to"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件 / overwrite existing files")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="并行进程数（0 = 按 CPU 核数）/ worker processes")] = 0,
) -> None:
    """生成带保护、公式和校验的空白报表模板 / Write locked Excel templates."""
    from ogi_xlsx.model.spec import UnknownFormatError, all_formats, format_for_year, load_format
    from ogi_xlsx.writing.template import DEFAULT_PASSWORD, DEFAULT_SEND_TO, write_workbook

    year = check_year(year) if year is not None else default_year()
    if format is None:
        try:
            spec = format_for_year(year)
        except UnknownFormatError:
            raise fail(f"没有适用于 {year} 年度的报表格式（最早支持 2019 年度）。") from None
    else:
        try:
            spec = load_format(format)
        except UnknownFormatError:
            known = "、".join(f"{s.year_format}（{s.id}）" for s in all_formats())
            raise fail(f"未知的报表格式“{format}”，可用：{known}。") from None
        if not spec.applies_to(year):
            raise fail(
                f"{spec.year_format} 格式（{spec.notice}）适用于{spec.years_label}，不能用于 {year} 年度；"
                f"请去掉 --format（自动选择）或改正 --year。"
            )
    password = DEFAULT_PASSWORD if password is None else password
    send_to = (send_to or "").strip() or DEFAULT_SEND_TO

    if roster is None:
        if output.exists() and output.is_dir():
            raise fail(f"“{output}”是文件夹；请用 -o 指定 .xlsx 文件名（按名单生成时请加 --roster）。")
        if output.suffix.lower() != ".xlsx":
            raise fail(f"输出文件“{output.name}”应以 .xlsx 结尾。")
        if output.exists() and not force:
            raise fail(f"文件“{output}”已存在；如需覆盖请加 --force。")
        if not output.parent.exists():
            raise fail(f"文件夹“{output.parent}”不存在。")
        write_workbook(
            output, spec, year=year, unit_code=unit_code, unit_name=unit_name, password=password, send_to=send_to
        )
        typer.echo(f"已生成 {output}（{spec.id}，{year} 年度）")
        return

    from ogi_xlsx.reading.roster import RosterError, load_roster, safe_filename

    if unit_name or unit_code:
        raise fail("使用 --roster 时单位来自名单，不能同时指定 --unit-name 或 --unit-code。")
    try:
        units = load_roster(roster).units
    except RosterError as exc:
        raise fail(str(exc)) from None
    if output.exists() and not output.is_dir():
        raise fail(f"“{output}”是文件；使用 --roster 时 -o 应为文件夹。")
    names = [safe_filename(u.code, u.name) for u in units]
    clashes = {n for n in names if sum(1 for m in names if m.lower() == n.lower()) > 1}
    if clashes:
        raise fail(f"名单中有单位生成的文件名相同：{'、'.join(sorted(clashes))}；请检查单位代码和名称。")
    targets = [output / n for n in names]
    if any(t.resolve() == roster.resolve() for t in targets):
        raise fail(f"报送名单“{roster}”与要生成的模板同名，不能覆盖名单；请换一个输出文件夹（-o）。")
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        shown = "、".join(t.name for t in existing[:5]) + ("等" if len(existing) > 5 else "")
        raise fail(f"{len(existing)} 个文件已存在（{shown}）；如需覆盖请加 --force。")
    output.mkdir(parents=True, exist_ok=True)
    work = [(str(t), year, u.code, u.name, password, spec.id, send_to) for t, u in zip(targets, units, strict=True)]
    write_templates(work, jobs)
    typer.echo(f"已在 {output} 生成 {len(work)} 个模板（{spec.id}，{year} 年度）")


def write_templates(work: list[tuple[str, int, str, str, str, str, str]], jobs: int) -> None:
    """Write every file; a process pool for big rosters (each file is independent and deterministic)."""
    import os

    workers = jobs or (os.cpu_count() or 1)
    if workers <= 1 or len(work) < POOL_THRESHOLD:
        for job in work:
            _write_one(job)
        return
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, len(work) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(_write_one, work, chunksize=chunk):
            pass
