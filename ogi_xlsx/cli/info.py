"""``ogi-xlsx formats`` (the supported report formats) and ``schema`` (the JSON Schema of a return)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from ogi_xlsx.cli.common import CommandSet, fail

commands = CommandSet()


def _resolve_format(value: str):
    from ogi_xlsx.model.spec import UnknownFormatError, all_formats, load_format

    try:
        return load_format(value)
    except UnknownFormatError:
        known = "、".join(f"{s.year_format}（{s.id}）" for s in all_formats())
        raise fail(f"未知的报表格式“{value}”，可用：{known}。") from None


@commands.command("formats")
def formats_command(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    """列出支持的报表格式 / List the supported report formats."""
    from ogi_xlsx.checks.plausibility import describe_rules
    from ogi_xlsx.model.layout import layout_hash
    from ogi_xlsx.model.spec import all_formats

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


@commands.command("schema")
def schema_command(
    format: Annotated[str, typer.Option("--format", "-f", help="报表格式：2019 或 2021 / format")] = "2021",
) -> None:
    """输出报表数据的 JSON Schema / Print the JSON Schema of a return document."""
    from ogi_xlsx.checks.schema import schema_text

    sys.stdout.write(schema_text(_resolve_format(format)))
