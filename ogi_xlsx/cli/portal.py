"""``ogi-xlsx serve`` (the collection portal) and ``ogi-xlsx portal …`` (its scriptable surface for IT).

Only typer at the top: the web stack (Starlette, Jinja2, uvicorn) is imported inside ``serve``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from ogi_xlsx.cli.common import CommandSet, fail

commands = CommandSet()

portal_app = typer.Typer(
    help="网上收集的管理命令（设置密码、建立收集任务、列出各单位链接）/ portal administration",
    no_args_is_help=True,
    rich_markup_mode=None,
)
commands.group(portal_app, "portal")

DataOption = Annotated[Path, typer.Option("--data", help="数据文件夹（数据库和上传的文件）/ data folder")]
DEFAULT_DATA = Path("ogi-portal-data")


def _store(data: Path, *, must_exist: bool = True):
    from ogi_xlsx.portal.store import Store

    if must_exist and not (data / "portal.sqlite3").is_file():
        raise fail(
            f"“{data}”不是网上收集的数据文件夹（找不到 portal.sqlite3）；请先运行 ogi-xlsx portal set-password --data {data}。"
        )
    if data.exists() and not data.is_dir():
        raise fail(f"“{data}”不是文件夹。")
    return Store(data)


@portal_app.command("set-password")
def set_password_command(data: DataOption = DEFAULT_DATA) -> None:
    """设置办公室登录密码（从标准输入读取，至少 8 个字符）/ set the office password (read from stdin)."""
    from ogi_xlsx.portal.store import StoreError

    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("新密码：")
        if getpass.getpass("再输入一次：") != password:
            raise fail("两次输入的密码不一致。")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    store = _store(data, must_exist=False)
    try:
        store.set_password(password)
    except StoreError as error:
        raise fail(str(error)) from None
    typer.echo(f"已设置办公室密码（数据文件夹：{data}）。")


@portal_app.command("create")
def create_command(
    year: Annotated[int, typer.Option("--year", help="报告年度 / report year")],
    roster: Annotated[Path, typer.Option("--roster", help="报送名单 CSV/XLSX / roster")],
    data: DataOption = DEFAULT_DATA,
    title: Annotated[str | None, typer.Option("--title", help="收集任务名称 / title")] = None,
    deadline: Annotated[str, typer.Option("--deadline", help="截止日期 YYYY-MM-DD / deadline")] = "",
    previous: Annotated[
        list[Path] | None,
        typer.Option("--previous", help="上年度报表或汇总（可重复），用于跨年度核对 / last year's returns"),
    ] = None,
    district_code: Annotated[str, typer.Option("--district-code", help="汇总单位代码 / summary unit code")] = "",
    district_name: Annotated[str, typer.Option("--district-name", help="汇总单位名称 / summary unit name")] = "",
    base_url: Annotated[str, typer.Option("--base-url", help="链接前缀，如 http://10.0.0.5:8000 / link prefix")] = "",
    settings: Annotated[
        Path | None,
        typer.Option("--settings", help="核实规则设置文件（.toml 或 .json）/ settings file for the queries"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    """建立一个收集任务，为名单中每个单位生成专用链接 / Create a collection with one link per unit."""
    from ogi_xlsx.cli.common import previous_files
    from ogi_xlsx.portal import service
    from ogi_xlsx.portal.store import StoreError

    if not 2000 <= year <= 2100:
        raise fail(f"--year 应为报告年度（如 2024），实际为 {year}。")
    if deadline and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", deadline):
        raise fail(f"--deadline 应为 YYYY-MM-DD，实际为“{deadline}”。")
    mapping = _roster(roster)
    settings_text, settings_name = _settings(settings) if settings is not None else ("", "")
    last_year = previous_files(previous)
    from ogi_xlsx import api

    spec = api.format_for_year(year)
    store = _store(data, must_exist=False)
    digests = [store.put_blob_file(p) for p in last_year]
    try:
        cid = store.create_collection(
            year=year,
            format_id=spec.id,
            title=title or f"{year} 年度政府信息公开工作年度报告统计表",
            roster=mapping,
            deadline=deadline,
            district_code=district_code,
            district_name=district_name,
            previous=digests,
            settings=settings_text,
            settings_name=settings_name,
            actor="office-cli",
        )
    except StoreError as error:
        raise fail(str(error)) from None
    collection = store.collection(cid)
    units = service.links(store, collection, base_url)
    if as_json:
        payload = {"collection": cid, "dashboard": f"{base_url.rstrip('/')}/office/c/{cid}", "units": units}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    typer.echo(f"已建立收集任务 {cid}：{collection.title}，{len(units)} 个单位。办公室页面：/office/c/{cid}")
    for u in units:
        typer.echo(f"{u['code']}\t{u['name']}\t{u['link']}")


def _settings(path: Path) -> tuple[str, str]:
    """The settings file's text and name, checked as ``validate --settings`` checks it (exit 2 if unusable)."""
    from ogi_xlsx import api

    try:
        api.load_settings(path)  # SettingsError (a ValueError): the Chinese message names the file
    except ValueError as error:
        raise fail(str(error)) from None
    return path.read_bytes().decode("utf-8-sig"), path.name


def _roster(path: Path) -> dict[str, str]:
    from ogi_xlsx import api
    from ogi_xlsx.reading.roster import RosterError

    if not path.is_file():
        raise fail(f"找不到报送名单“{path}”。")
    try:
        return dict(api.load_roster(path).mapping())
    except RosterError as error:
        raise fail(f"报送名单“{path}”有问题：{error}") from None


@portal_app.command("links")
def links_command(
    collection: Annotated[int, typer.Option("--collection", help="收集任务编号 / collection id")],
    data: DataOption = DEFAULT_DATA,
    base_url: Annotated[str, typer.Option("--base-url", help="链接前缀 / link prefix")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="以 CSV 输出（可用于邮件合并）/ print CSV")] = False,
) -> None:
    """再次列出各单位的专用链接 / List the units' links again."""
    from ogi_xlsx.portal import service

    store = _store(data)
    found = store.collection(collection)
    if found is None:
        raise fail(f"没有编号为 {collection} 的收集任务。")
    units = service.links(store, found, base_url)
    if as_json and as_csv:
        raise fail("--json 与 --csv 只能选一个。")
    if as_json:
        typer.echo(json.dumps({"collection": collection, "units": units}, ensure_ascii=False, indent=2))
    elif as_csv:
        rows = [[u["code"], u["name"], u["link"]] for u in units]
        sys.stdout.write(service.csv_bytes(["单位代码", "单位名称", "链接"], rows).decode("utf-8"))
    else:
        for u in units:
            typer.echo(f"{u['code']}\t{u['name']}\t{u['link'] or '（链接已停用）'}")


@commands.command("serve")
def serve_command(
    data: DataOption = DEFAULT_DATA,
    host: Annotated[str, typer.Option("--host", help="监听地址（默认只允许本机访问）/ bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口 / port")] = 8000,
) -> None:
    """启动网上收集（办公室与各单位在浏览器中报送、审核、汇总）/ Run the collection portal."""
    import socket

    from ogi_xlsx.portal.server import run

    if not 0 < port < 65536:
        raise fail(f"--port 应在 1—65535 之间，实际为 {port}。")
    try:  # a clear message instead of uvicorn's "[Errno 98] address already in use"
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise fail(
            f"无法在 {host}:{port} 上启动：{error.strerror or error}。请换一个端口（--port）或地址（--host）。"
        ) from None
    store = _store(data, must_exist=False)
    if store.password_hash() is None:
        typer.echo(
            f"提示：尚未设置办公室密码，请先运行 ogi-xlsx portal set-password --data {data}（单位链接仍可使用）。"
        )
    store.close()
    typer.echo(f"网上收集已启动：http://{host}:{port}/office （按 Ctrl+C 停止）")
    run(data, host=host, port=port)
