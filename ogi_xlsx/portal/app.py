"""The portal's web application (Starlette + Jinja2, server-rendered Chinese pages, plain HTML forms).

Two kinds of visitor:

* the district office: one password, a session cookie (HttpOnly, SameSite=Strict) and a CSRF token
  in every form; pages under ``/office``;
* a unit: its own link ``/u/<token>`` (no account). The unit comes only from the token; every
  query is scoped by it, so no id in a URL reaches another unit's files.

Checks run in worker threads behind a small limiter so the event loop keeps serving. Errors are
Chinese pages, never a trace; tokens never reach the log (see :mod:`ogi_xlsx.portal.server`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import tempfile
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ogi_xlsx import api
from ogi_xlsx.model.findings import SEVERITY_LABELS
from ogi_xlsx.portal import security, service
from ogi_xlsx.portal.store import STATUS_LABELS, Collection, Store, StoreError, Unit, unit_state

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "ogi_portal_session"
CHECK_THREADS = 2  # concurrent checks (the machine has 2 cores; the event loop stays free)
FORM_OVERHEAD = 64 * 1024  # multipart headers and the small fields around the file

log = logging.getLogger("ogi_xlsx.portal")


class TooLarge(Exception):
    """The request body passed the upload limit."""


def security_headers() -> list[tuple[bytes, bytes]]:
    return [
        (b"cache-control", b"no-store"),
        (b"referrer-policy", b"same-origin"),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (
            b"content-security-policy",
            b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
    ]


class Portal:
    """The application state: the store, the templates, the limits."""

    def __init__(
        self, data_dir: str | Path, *, limits: api.Limits | None = None, login_limit: int = 5, check_processes: int = 0
    ) -> None:
        self.store = Store(data_dir)
        self.check_processes = check_processes
        self._pool: Any = None
        self.limits = limits or api.Limits()
        self.rate = security.RateLimiter(limit=login_limit, window=300.0)
        self.env = Environment(
            loader=FileSystemLoader(HERE / "pages"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(STATUS_LABELS=STATUS_LABELS, SEVERITY_LABELS=SEVERITY_LABELS)
        self.env.filters["when"] = when
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def max_upload(self) -> int:
        return self.limits.max_file_bytes

    async def in_thread(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run blocking work (a check, a summary) in a worker thread, at most CHECK_THREADS at once."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(CHECK_THREADS)
        return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs), limiter=self._limiter)

    async def receive(
        self, collection: Collection, unit: Unit, data: bytes, filename: str, *, actor: str, client: str
    ) -> Any:
        """Keep, check and record an upload. With ``check_processes`` the check runs in a process pool
        (both cores; the GIL would serialise concurrent checks in threads), else in a worker thread."""
        if not self.check_processes:
            return await self.in_thread(
                service.receive, self.store, collection, unit, data, filename, actor=actor, client=client
            )
        digest = await self.in_thread(self.store.put_blob, data)
        verdict = None
        try:
            if self._pool is None:
                self._pool = _process_pool(self.check_processes)
            verdict = await asyncio.wrap_future(
                self._pool.submit(
                    service.check_in_worker, str(self.store.data_dir), collection.id, unit.id, digest, filename
                )
            )
        except (BrokenProcessPool, OSError, RuntimeError) as exc:  # a worker died (killed, out of memory)
            self._pool = None  # a new pool next time; this upload is checked here
            log.error("审核进程出错（%s），本次改为在服务进程中审核", type(exc).__name__)
        if verdict is None:
            verdict = await self.in_thread(service.check_upload, self.store, collection, unit, digest, filename)
        return await self.in_thread(
            service.record, self.store, unit, data, digest, filename, verdict, actor=actor, client=client
        )

    def start(self) -> None:
        """Start the check processes now (they import the checker), not at the first upload."""
        if self.check_processes and self._pool is None:
            self._pool = _process_pool(self.check_processes)
            for _ in range(self.check_processes):
                self._pool.submit(service.ping)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    # ------------------------------------------------------------------ rendering

    def page(self, request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        template = self.env.get_template(name)
        ctx.setdefault("office_csrf", getattr(request.state, "csrf", None))
        return HTMLResponse(template.render(request=request, **ctx), status_code=status)

    def error(self, request: Request, status: int, title: str, message: str, **ctx: Any) -> HTMLResponse:
        return self.page(request, "error.html", status, title=title, message=message, **ctx)


def when(value: str | None) -> str:
    """An ISO time as ``2025-01-20 09:30:05`` (the server's local time)."""
    if not value:
        return ""
    return str(value)[:19].replace("T", " ")


def _process_pool(workers: int) -> Any:
    import multiprocessing
    import os

    # spawn: workers start from a clean interpreter (not a fork of this threaded server) as children
    # of the server, and watch it: they leave when it is gone (service.worker_init)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=service.worker_init,
        initargs=(os.getpid(),),
    )


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def download(data: bytes, filename: str, media_type: str) -> Response:
    """A download under a made name (RFC 5987 for Chinese names, an ASCII fallback)."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media_type, headers={"content-disposition": disposition})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def read_form(portal: Portal, request: Request, *, max_files: int = 1, max_fields: int = 50) -> FormData:
    """The posted form, refused (TooLarge) past the upload limit by Content-Length and while streaming."""
    limit = portal.max_upload * max(1, max_files) + FORM_OVERHEAD
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise TooLarge
    received = 0
    inner = request.receive

    async def receive() -> dict[str, Any]:
        nonlocal received
        message = await inner()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise TooLarge
        return message

    limited = Request(request.scope, receive)
    try:
        return await limited.form(max_files=max_files, max_fields=max_fields, max_part_size=1024 * 1024)
    except MultiPartException as exc:
        raise HTTPException(400, f"表单内容有误：{exc}") from None


def too_large(portal: Portal, request: Request) -> HTMLResponse:
    mb = portal.max_upload / (1024 * 1024)
    return portal.error(
        request,
        413,
        "文件过大",
        f"上传的文件超过了 {mb:g} MB 的上限。报表文件通常只有几十 KB，请确认选择的是填好的统计表 .xlsx 文件。",
    )


async def upload_of(portal: Portal, request: Request, form: FormData) -> tuple[bytes, str] | Response:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return portal.error(request, 400, "没有选择文件", "请先点“选择文件”，选中填好的统计表（.xlsx）后再上传。")
    data = await upload.read(portal.max_upload + 1)
    if len(data) > portal.max_upload:
        return too_large(portal, request)
    return data, upload.filename


# ====================================================================== the unit's pages


def unit_from(portal: Portal, request: Request) -> tuple[Collection, Unit]:
    found = portal.store.unit_by_token(request.path_params["token"])
    if found is None:
        raise HTTPException(404, "link")
    return found


def unit_context(portal: Portal, request: Request, collection: Collection, unit: Unit) -> dict[str, Any]:
    subs = portal.store.submissions(unit)
    state = unit_state(unit, portal.store.current(unit), _shared(portal, collection))
    return {
        "collection": collection,
        "unit": unit,
        "state": state,
        "submissions": subs,
        "token": request.path_params["token"],
        "unit_csrf": security.unit_csrf(portal.store.key, unit.token_hash or ""),
        "max_mb": portal.max_upload / (1024 * 1024),
        "overdue": bool(collection.deadline) and collection.deadline < date.today().isoformat(),
    }


def _shared(portal: Portal, collection: Collection) -> set[str]:
    return portal.store.shared_digests(collection.id)


async def unit_page(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    collection, unit = unit_from(portal, request)
    ctx = unit_context(portal, request, collection, unit)
    shown = request.query_params.get("s", "")
    verdict = None
    if shown.isdigit():
        verdict = next((s for s in ctx["submissions"] if s.id == int(shown)), None)
    elif ctx["submissions"]:
        verdict = ctx["submissions"][0]
    queries = service.query_items(portal.store, collection, ctx["state"].current)
    saved = request.query_params.get("saved", "")
    return portal.page(
        request,
        "unit.html",
        verdict=verdict,
        just_uploaded=shown.isdigit(),
        groups=service.grouped_findings(verdict.findings_list()) if verdict else [],
        queries=queries,
        carried=sum(1 for q in queries if q["carried"]),
        saved=int(saved) if saved.isdigit() else None,
        **ctx,
    )


async def unit_answers(request: Request) -> Response:
    """The unit's answers to the queries of its current return, typed in the browser (one box per query)."""
    portal: Portal = request.app.state.portal
    collection, unit = unit_from(portal, request)
    token = request.path_params["token"]
    if collection.closed:
        return portal.error(
            request, 410, "收集已结束", "本次收集已截止，不能再填写说明。如需补充，请与区政务公开办联系。"
        )
    form = await read_form(portal, request, max_files=0, max_fields=1000)
    if not security.same(str(form.get("csrf", "")), security.unit_csrf(portal.store.key, unit.token_hash or "")):
        return portal.error(request, 403, "页面已过期", "请刷新本单位的页面后重新填写。")
    current = portal.store.current(unit)
    if current is None:
        return portal.error(request, 404, "还没有报表", "请先上传本单位的报表。", back=f"/u/{token}")
    if unit.review == "accepted" and unit.review_submission == current.id:
        return portal.error(
            request, 409, "报表已确认",
            "本单位的报表已由区政务公开办确认，不能再修改说明。如需修改，请联系区政务公开办。", back=f"/u/{token}",
        )  # fmt: skip
    if str(form.get("submission", "")) != str(current.id):
        # the page was for an earlier upload: its boxes may not match the queries of the current one
        return portal.error(
            request, 409, "报表已更新",
            "本单位在打开这个页面后又上传了报表，说明没有保存。请刷新页面，按最新的核实项重新填写。",
            back=f"/u/{token}#queries",
        )  # fmt: skip
    texts = {k: str(v) for k, v in form.items() if k.startswith("a_") and isinstance(v, str)}
    saved = await portal.in_thread(
        service.record_answers, portal.store, collection, unit, current, texts, client=client_of(request)
    )
    return RedirectResponse(f"/u/{token}?saved={saved}#queries", status_code=303)


async def unit_upload(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    collection, unit = unit_from(portal, request)
    if collection.closed:
        return portal.error(request, 410, "收集已结束", "本次收集已截止，不能再上传。如需补报，请与区政务公开办联系。")
    try:
        form = await read_form(portal, request)
    except TooLarge:
        return too_large(portal, request)
    if not security.same(str(form.get("csrf", "")), security.unit_csrf(portal.store.key, unit.token_hash or "")):
        return portal.error(request, 403, "页面已过期", "请刷新本单位的页面后重新上传。")
    current = portal.store.current(unit)
    if current is not None and unit.review == "accepted" and unit.review_submission == current.id:
        # 验收: an accepted return is locked; only the office reopens it (by sending it back)
        return portal.error(
            request, 409, "报表已确认",
            "本单位的报表已由区政务公开办确认，不能再上传。如需修改，请联系区政务公开办退回后再上传。",
            back=f"/u/{request.path_params['token']}",
        )  # fmt: skip
    got = await upload_of(portal, request, form)
    if isinstance(got, Response):
        return got
    data, filename = got
    sub = await portal.receive(collection, unit, data, filename, actor="unit", client=client_of(request))
    return RedirectResponse(f"/u/{request.path_params['token']}?s={sub.id}#verdict", status_code=303)


async def unit_template(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    collection, unit = unit_from(portal, request)
    if collection.closed:
        return portal.error(request, 410, "收集已结束", "本次收集已截止。")
    data = await portal.in_thread(_template_bytes, collection, unit)
    portal.store.audit(
        "unit", "download-template", collection_id=collection.id, unit_code=unit.code, client=client_of(request)
    )
    return download(data, api.safe_filename(unit.code, unit.name, f"_{collection.year}年度模板.xlsx"), XLSX)


def _template_bytes(collection: Collection, unit: Unit) -> bytes:
    import io

    buf = io.BytesIO()
    api.write_template(buf, year=collection.year, format_id=collection.format, unit_code=unit.code, unit_name=unit.name)
    return buf.getvalue()


async def unit_draft(request: Request) -> Response:
    """The unit's own draft annual report (Word), from its current passed return."""
    portal: Portal = request.app.state.portal
    collection, unit = unit_from(portal, request)
    if collection.closed:
        return portal.error(request, 410, "收集已结束", "本次收集已截止。")
    current = portal.store.current(unit)
    if current is None:
        return portal.error(request, 404, "还没有报表", "请先上传本单位的报表，通过审核后再生成年度报告草稿。")
    return await _draft(portal, request, service.unit_draft, current, f"{unit.name}{collection.year}年度报告草稿.docx")


async def _draft(portal: Portal, request: Request, fn: Any, source: Any, filename: str) -> Response:
    from ogi_xlsx.publish import PublishError

    try:
        data = await portal.in_thread(fn, source)
    except PublishError as exc:
        return portal.error(request, 400, "不能生成报告草稿", str(exc))
    return download(data, filename, service.DOCX)


async def unit_file(request: Request) -> Response:
    """The unit's own original or annotated file; another unit's submission id is a 404."""
    portal: Portal = request.app.state.portal
    collection, unit = unit_from(portal, request)
    if collection.closed:
        return portal.error(request, 410, "收集已结束", "本次收集已截止。")
    return await _submission_file(portal, request, collection, unit, request.path_params["kind"])


async def _submission_file(
    portal: Portal, request: Request, collection: Collection, unit: Unit | None, kind: str
) -> Response:
    sub = portal.store.submission(request.path_params["sid"])
    if sub is None or sub.collection_id != collection.id or (unit is not None and sub.unit_id != unit.id):
        raise HTTPException(404, "file")
    stem = Path(sub.filename).stem or "报表"
    if kind == "original":
        data = portal.store.blob_path(sub.sha256).read_bytes()
        return download(data, sub.filename, "application/octet-stream")
    if kind == "draft":
        return await _draft(portal, request, service.unit_draft, sub, f"{stem}_年度报告草稿.docx")
    if kind == "annotated":
        digest = await portal.in_thread(service.annotated, portal.store, sub)
        if digest is None:
            return portal.error(
                request, 404, "没有批注副本", "这个文件无法读取或没有需要标注的问题，因此没有批注副本。"
            )
        return download(portal.store.blob_path(digest).read_bytes(), f"{stem}_审核结果.xlsx", XLSX)
    raise HTTPException(404, "kind")


# ====================================================================== the office's pages


def office_csrf(portal: Portal, request: Request) -> str | None:
    csrf = portal.store.session_csrf(request.cookies.get(SESSION_COOKIE))
    request.state.csrf = csrf
    return csrf


class LoginRequired(Exception):
    pass


def require_office(portal: Portal, request: Request) -> str:
    csrf = office_csrf(portal, request)
    if csrf is None:
        raise LoginRequired
    return csrf


async def office_post(portal: Portal, request: Request, *, max_files: int = 0) -> FormData:
    """The form of an office action: logged in, CSRF token right."""
    csrf = require_office(portal, request)
    form = await read_form(portal, request, max_files=max_files)
    if not security.same(str(form.get("csrf", "")), csrf):
        raise HTTPException(403, "csrf")
    return form


def collection_from(portal: Portal, request: Request) -> Collection:
    found = portal.store.collection(request.path_params["cid"])
    if found is None:
        raise HTTPException(404, "collection")
    return found


def office_unit(portal: Portal, request: Request, collection: Collection) -> Unit:
    unit = portal.store.unit(collection.id, request.path_params["code"])
    if unit is None:
        raise HTTPException(404, "unit")
    return unit


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def login_page(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    if office_csrf(portal, request):
        return RedirectResponse("/office", status_code=303)
    return portal.page(request, "login.html", no_password=portal.store.password_hash() is None)


async def login(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    client = client_of(request)
    wait = portal.rate.blocked(client)
    if wait:
        portal.store.audit("office", "login-blocked", client=client)
        return portal.error(
            request,
            429,
            "尝试次数过多",
            f"密码连续输错次数过多，请在 {int(wait // 60) + 1} 分钟后再试。",
            login_link=True,
        )
    form = await read_form(portal, request, max_files=0)
    password = str(form.get("password", ""))
    if not security.verify_password(password, portal.store.password_hash()):
        portal.rate.failed(client)
        portal.store.audit("office", "login-failed", client=client)
        return portal.page(request, "login.html", 401, failed=True, no_password=portal.store.password_hash() is None)
    portal.rate.reset(client)
    # a new session id at every login (no fixation), the old one ended
    portal.store.end_session(request.cookies.get(SESSION_COOKIE))
    sid, _csrf = portal.store.create_session()
    portal.store.audit("office", "login", client=client)
    response = RedirectResponse("/office", status_code=303)
    response.set_cookie(
        SESSION_COOKIE, sid, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
    )
    return response


async def logout(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    await office_post(portal, request)
    portal.store.end_session(request.cookies.get(SESSION_COOKIE))
    portal.store.audit("office", "logout", client=client_of(request))
    response = RedirectResponse("/office/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def office_home(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    require_office(portal, request)
    rows = []
    for c in portal.store.collections():
        states = portal.store.statuses(c.id)
        rows.append((c, service.dashboard_counts(states)))
    return portal.page(request, "office_home.html", rows=rows, this_year=date.today().year - 1)


async def create_collection(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    form = await office_post(portal, request, max_files=21)
    try:
        year = int(str(form.get("year", "")).strip())
    except ValueError:
        return portal.error(request, 400, "年度有误", "请填写报告年度，如 2024。", back="/office")
    if not 2019 <= year <= 2100:
        return portal.error(request, 400, "年度有误", f"报告年度应在 2019 年之后（实际为 {year}）。", back="/office")
    deadline = str(form.get("deadline", "")).strip()
    if deadline and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", deadline):
        return portal.error(request, 400, "截止日期有误", "截止日期应为 年-月-日，如 2025-01-20。", back="/office")
    try:
        roster = await portal.in_thread(_roster_of, form)
    except ValueError as exc:
        return portal.error(request, 400, "报送名单有问题", str(exc), back="/office")
    previous = []
    for item in form.getlist("previous"):
        if isinstance(item, UploadFile) and item.filename:
            data = await item.read(portal.max_upload + 1)
            if len(data) > portal.max_upload:
                return too_large(portal, request)
            previous.append(portal.store.put_blob(data))
    try:
        settings_text, settings_name = await settings_of_form(form)
    except ValueError as exc:
        return portal.error(request, 400, "设置文件有误", str(exc), back="/office")
    title = str(form.get("title", "")).strip()[:200] or f"{year} 年度政府信息公开工作年度报告统计表"
    cid = portal.store.create_collection(
        year=year,
        format_id=api.format_for_year(year).id,
        title=title,
        roster=roster,
        deadline=deadline,
        district_code=str(form.get("district_code", "")).strip()[:50],
        district_name=str(form.get("district_name", "")).strip()[:100],
        previous=previous,
        settings=settings_text,
        settings_name=settings_name,
        client=client_of(request),
    )
    return RedirectResponse(f"/office/c/{cid}", status_code=303)


SETTINGS_MAX_BYTES = 256 * 1024  # a settings file is a few lines


async def settings_of_form(form: FormData) -> tuple[str, str]:
    """The settings uploaded (``settings``) or pasted (``settings_text``), checked by the project's
    settings schema: ``(text, name)``, ``("", "")`` when none; ``ValueError`` with the Chinese message."""
    upload = form.get("settings")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(SETTINGS_MAX_BYTES + 1)
        if len(raw) > SETTINGS_MAX_BYTES:
            raise ValueError("设置文件过大（应只有几行）；请确认选择的是 .toml 或 .json 设置文件。")
        name = service.display_name(upload.filename)
        if PurePath(name).suffix.lower() not in (".toml", ".json"):
            raise ValueError(f"设置文件“{name}”应为 .toml 或 .json 文件。")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError(f"设置文件 {name}：不是 UTF-8 编码的文本，请用 UTF-8 编码另存。") from None
    else:
        text, name = str(form.get("settings_text", "")).strip(), "粘贴的设置"
        if len(text.encode("utf-8")) > SETTINGS_MAX_BYTES:
            raise ValueError("粘贴的设置过长（应只有几行）。")
    if not text.strip():
        return "", ""
    service.parse_settings(text, name)  # SettingsError is a ValueError with the Chinese message
    return text, name


async def collection_settings(request: Request) -> Response:
    """The office changes (or clears) a collection's settings; every current return is judged again."""
    portal: Portal = request.app.state.portal
    form = await office_post(portal, request, max_files=1)
    collection = collection_from(portal, request)
    back = f"/office/c/{collection.id}#settings"
    clear = form.get("clear") == "1"
    try:
        text, name = ("", "") if clear else await settings_of_form(form)
    except ValueError as exc:
        return portal.error(request, 400, "设置文件有误", str(exc), back=back)
    if not text and not clear:
        return portal.error(
            request, 400, "没有设置内容", "请上传 .toml / .json 设置文件或粘贴设置内容；要恢复默认设置请勾选“恢复默认”。",
            back=back,
        )  # fmt: skip
    portal.store.set_settings(collection.id, text, name, client=client_of(request))
    await portal.in_thread(service.rejudge_collection, portal.store, portal.store.collection(collection.id))
    return RedirectResponse(back, status_code=303)


def _roster_of(form: FormData) -> dict[str, str]:
    """The roster from the uploaded CSV/XLSX or the pasted text (read by the project's roster reader)."""
    from ogi_xlsx.reading.roster import RosterError

    upload = form.get("roster")
    pasted = str(form.get("roster_text", "")).strip()
    with tempfile.TemporaryDirectory(prefix="ogi-portal-") as tmp:
        if isinstance(upload, UploadFile) and upload.filename:
            suffix = ".xlsx" if upload.filename.lower().endswith(".xlsx") else ".csv"
            path = Path(tmp) / f"roster{suffix}"
            path.write_bytes(upload.file.read(20 * 1024 * 1024))
        elif pasted:
            # pasted from Excel: tab-separated; from a text: comma-separated
            lines = [re.split(r"\t|,|，", line.strip(), maxsplit=1) for line in pasted.splitlines() if line.strip()]
            header = [] if lines and lines[0][0] in ("单位代码", "code", "代码") else [["单位代码", "单位名称"]]
            path = Path(tmp) / "roster.csv"
            import csv

            with path.open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows(header + lines)
        else:
            raise ValueError("请上传报送名单（CSV 或 XLSX，列为 单位代码、单位名称），或把名单粘贴到文本框中。")
        try:
            mapping = dict(api.load_roster(path).mapping())
        except RosterError as exc:
            raise ValueError(str(exc)) from None
    if not mapping:
        raise ValueError("报送名单中没有单位。")
    return mapping


async def dashboard(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    require_office(portal, request)
    collection = collection_from(portal, request)
    states = portal.store.statuses(collection.id)
    counts = service.dashboard_counts(states)
    wanted = request.query_params.get("status", "")
    shown = [
        s
        for s in states
        if not wanted or s.status == wanted or (wanted == "done" and s.status in ("passed", "accepted"))
    ]
    summed = [s for s in states if s.status in ("passed", "accepted")]
    removed = [u for u in portal.store.units(collection.id, removed=True) if u.removed]
    return portal.page(
        request,
        "dashboard.html",
        collection=collection,
        counts=counts,
        states=shown,
        wanted=wanted,
        summed=summed,
        not_summed=[s for s in states if s.status not in ("passed", "accepted")],
        total=len(states),
        removed=removed,
        today=date.today().isoformat(),
        queries={s.unit.id: service.query_counts(s.current) for s in shown if s.current is not None},
    )


async def unit_detail(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    require_office(portal, request)
    collection = collection_from(portal, request)
    unit = office_unit(portal, request, collection)
    subs = portal.store.submissions(unit)
    state = unit_state(unit, portal.store.current(unit), _shared(portal, collection))
    token = portal.store.token(unit)
    return portal.page(
        request,
        "unit_detail.html",
        collection=collection,
        unit=unit,
        state=state,
        submissions=subs,
        link=service.unit_link(base_url(request), token),
        findings={s.id: service.grouped_findings(s.findings_list()) for s in subs},
        queries=service.query_items(portal.store, collection, state.current),
        answers=portal.store.answers(state.current.id) if state.current else [],
        rejections=portal.store.rejections(state.current.id) if state.current else [],
    )


async def unit_action(request: Request) -> Response:
    """退回 / 确认 / 代为上传 / new link / stop link / remove."""
    portal: Portal = request.app.state.portal
    action = request.path_params["action"]
    form = await office_post(portal, request, max_files=1 if action == "upload" else 0)
    collection = collection_from(portal, request)
    unit = office_unit(portal, request, collection)
    back = f"/office/c/{collection.id}/u/{quote(unit.code)}"
    client = client_of(request)
    try:
        if action in ("return", "accept"):
            comment = str(form.get("comment", "")).strip()[:2000]
            if action == "return" and not comment:
                return portal.error(
                    request, 400, "请填写退回原因", "退回时请写明原因，单位会在其页面上看到。", back=back
                )
            portal.store.review(unit, "returned" if action == "return" else "accepted", comment, client=client)
        elif action == "reject-explanation":
            reason = str(form.get("reason", "")).strip()[:2000]
            if not reason:
                return portal.error(
                    request, 400, "请填写退回原因", "退回一条情况说明时请写明原因，单位会在其页面上看到。", back=back
                )
            current = portal.store.current(unit)
            if current is None or str(form.get("submission", "")) != str(current.id):
                return portal.error(request, 409, "报表已更新", "该单位已重新上传报表，请刷新页面后再操作。", back=back)
            await portal.in_thread(
                service.reject_explanation, portal.store, collection, unit, current, str(form.get("key", "")),
                reason, client=client,
            )  # fmt: skip
            back += "#queries"
        elif action == "upload":
            got = await upload_of(portal, request, form)
            if isinstance(got, Response):
                return got
            data, filename = got
            await portal.receive(collection, unit, data, filename, actor="office", client=client)
        elif action == "reissue":
            portal.store.reissue(unit, client=client)
        elif action == "revoke":
            portal.store.revoke(unit, client=client)
        elif action == "remove":
            portal.store.remove_unit(collection.id, unit.code, client=client)
            return RedirectResponse(f"/office/c/{collection.id}", status_code=303)
        else:
            raise HTTPException(404, "action")
    except StoreError as exc:
        return portal.error(request, 400, "无法完成操作", str(exc), back=back)
    return RedirectResponse(back, status_code=303)


async def add_unit(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    form = await office_post(portal, request)
    collection = collection_from(portal, request)
    try:
        portal.store.add_unit(
            collection.id, str(form.get("code", ""))[:50], str(form.get("name", ""))[:200], client=client_of(request)
        )
    except StoreError as exc:
        return portal.error(request, 400, "无法添加单位", str(exc), back=f"/office/c/{collection.id}")
    return RedirectResponse(f"/office/c/{collection.id}", status_code=303)


async def close_or_reopen(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    form = await office_post(portal, request)
    collection = collection_from(portal, request)
    if request.path_params["action"] not in ("close", "reopen"):
        raise HTTPException(404, "action")
    close = request.path_params["action"] == "close"
    early = collection.deadline and date.today().isoformat() < collection.deadline
    if close and early and form.get("early") != "1":
        return portal.error(
            request, 400, "尚未到截止日期",
            f"截止日期是 {collection.deadline}。如确需提前截止，请勾选“提前截止”后再点“截止收集”。",
            back=f"/office/c/{collection.id}",
        )  # fmt: skip
    portal.store.set_closed(collection.id, close, client=client_of(request))
    return RedirectResponse(f"/office/c/{collection.id}", status_code=303)


async def office_file(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    require_office(portal, request)
    collection = collection_from(portal, request)
    return await _submission_file(portal, request, collection, None, request.path_params["kind"])


async def office_download(request: Request) -> Response:
    """Summary (xlsx/json), status table (csv/xlsx), all current returns (zip), links and 催报 CSV."""
    portal: Portal = request.app.state.portal
    require_office(portal, request)
    collection = collection_from(portal, request)
    what = request.path_params["what"]
    stem = f"{collection.year}年度"
    if what in ("summary.xlsx", "summary.json"):
        from ogi_xlsx.pipeline.merge import MergeError

        try:
            result = await portal.in_thread(service.build_summary, portal.store, collection)
        except MergeError as exc:
            return portal.error(request, 400, "无法汇总", str(exc), back=f"/office/c/{collection.id}")
        portal.store.audit(
            "office", "download-summary", collection_id=collection.id, client=client_of(request), object=what
        )
        if what == "summary.xlsx":
            return download(await portal.in_thread(service.summary_xlsx, result), f"{stem}汇总表.xlsx", XLSX)
        return download(await portal.in_thread(service.summary_json, result), f"{stem}汇总表.json", "application/json")
    if what == "draft.docx":
        from ogi_xlsx.pipeline.merge import MergeError

        try:
            result = await portal.in_thread(service.build_summary, portal.store, collection)
        except MergeError as exc:
            return portal.error(request, 400, "无法汇总", str(exc), back=f"/office/c/{collection.id}")
        portal.store.audit("office", "download-draft", collection_id=collection.id, client=client_of(request))
        return await _draft(portal, request, service.summary_draft, result, f"{stem}年度报告草稿（汇总）.docx")
    if what in ("status.csv", "status.xlsx"):
        rows = service.status_rows(portal.store, collection)
        if what == "status.csv":
            return download(
                service.csv_bytes(service.STATUS_HEADER, rows), f"{stem}报送情况.csv", "text/csv; charset=utf-8"
            )
        data = await portal.in_thread(service.xlsx_table, "报送情况", service.STATUS_HEADER, rows)
        return download(data, f"{stem}报送情况.xlsx", XLSX)
    if what == "returns.zip":
        data = await portal.in_thread(service.returns_zip, portal.store, collection)
        portal.store.audit("office", "download-returns", collection_id=collection.id, client=client_of(request))
        return download(data, f"{stem}各单位报表.zip", "application/zip")
    if what == "links.csv":
        rows = [[u["code"], u["name"], u["link"]] for u in service.links(portal.store, collection, base_url(request))]
        return download(
            service.csv_bytes(["单位代码", "单位名称", "链接"], rows),
            f"{stem}各单位链接.csv",
            "text/csv; charset=utf-8",
        )
    if what == "reminders.csv":
        items = service.reminders(portal.store, collection, base_url(request))
        rows = [[r["code"], r["name"], r["status"], r["link"], r["text"]] for r in items]
        return download(
            service.csv_bytes(["单位代码", "单位名称", "状态", "链接", "催报内容"], rows),
            f"{stem}催报名单.csv",
            "text/csv; charset=utf-8",
        )
    raise HTTPException(404, "download")


async def reminders_page(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    require_office(portal, request)
    collection = collection_from(portal, request)
    return portal.page(
        request,
        "reminders.html",
        collection=collection,
        items=service.reminders(portal.store, collection, base_url(request)),
    )


AUDIT_PAGE_ROWS = 1000
AUDIT_HEADER = ["时间", "操作者", "操作", "收集任务", "单位代码", "对象", "sha256", "审核结果", "客户端地址", "说明"]
AUDIT_KEYS = [
    "time",
    "actor",
    "action",
    "collection_id",
    "unit_code",
    "object",
    "sha256",
    "verdict",
    "client",
    "detail",
]
ACTIONS = {
    "set-password": "设置密码", "login": "登录", "login-failed": "登录失败", "login-blocked": "登录被限制",
    "logout": "退出", "create-collection": "建立收集任务", "add-unit": "增加单位", "remove-unit": "移除单位",
    "reissue-link": "重新生成链接", "revoke-link": "停用链接", "upload": "单位上传", "upload-for-unit": "代为上传",
    "return": "退回", "accept": "确认", "close": "截止收集", "reopen": "重新开放", "download-template": "下载模板",
    "download-summary": "下载汇总表", "download-returns": "下载全部报表", "download-draft": "下载报告草稿",
    "explain": "填写情况说明", "carry-explanation": "沿用情况说明", "reject-explanation": "退回情况说明",
    "settings": "更改核实规则设置",
}  # fmt: skip


async def audit_page(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    require_office(portal, request)
    cid = request.query_params.get("c", "")
    rows = portal.store.audit_rows(int(cid) if cid.isdigit() else None)
    if request.path_params.get("fmt") == "csv":
        data = [[r[k] if r[k] is not None else "" for k in AUDIT_KEYS] for r in rows]
        for row in data:
            row[2] = ACTIONS.get(row[2], row[2])
        return download(service.csv_bytes(AUDIT_HEADER, data), "审计日志.csv", "text/csv; charset=utf-8")
    shown = list(reversed(rows))[:AUDIT_PAGE_ROWS]  # newest first; the export has every line
    return portal.page(request, "audit.html", rows=shown, total=len(rows), actions=ACTIONS, cid=cid)


async def home(request: Request) -> Response:
    return RedirectResponse("/office", status_code=303)


# ====================================================================== errors and middleware

ERRORS = {
    "link": (
        "链接无效",
        "这个链接无效或已停用。请使用区政务公开办最新发给本单位的链接；如链接已停用，请联系区政务公开办重新获取。",
    ),
    "file": ("找不到文件", "没有这个文件，或它不属于本单位。"),
}


async def http_error(request: Request, exc: Exception) -> Response:
    portal: Portal = request.app.state.portal
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        title, message = ERRORS.get(
            str(exc.detail), ("页面不存在", "没有这个页面。请检查地址，或从区政务公开办发来的链接重新进入。")
        )
        return portal.error(request, 404, title, message)
    if exc.status_code == 403:
        return portal.error(
            request, 403, "页面已过期", "表单已过期或来源不对（防伪校验未通过）。请返回上一页，刷新后重试。"
        )
    if exc.status_code == 405:
        return portal.error(request, 405, "操作方式不对", "请从页面上的按钮进行操作。")
    message = exc.detail if isinstance(exc.detail, str) and re.search("[\u4e00-\u9fff]", exc.detail) else "请求有误。"
    return portal.error(request, exc.status_code, "请求有误", message)


async def login_required(request: Request, exc: Exception) -> Response:
    if request.method == "GET":
        return RedirectResponse("/office/login", status_code=303)
    return request.app.state.portal.error(request, 403, "请先登录", "请先登录办公室页面。", login_link=True)


async def too_large_error(request: Request, exc: Exception) -> Response:
    return too_large(request.app.state.portal, request)


async def server_error(request: Request, exc: Exception) -> Response:
    # the trace goes to the server's log (paths with tokens masked), never to the page
    log.error("内部错误 %s %s\n%s", request.method, mask(request.url.path), "".join(traceback.format_exception(exc)))
    portal: Portal = request.app.state.portal
    return portal.error(request, 500, "服务器出错", "处理请求时出错，已记录。请稍后重试；如仍出错请联系区政务公开办。")


TOKEN_IN_PATH = re.compile(r"/u/([^/?#]+)")


def mask(path: str) -> str:
    """A path with a unit token replaced by the first 8 hex digits of its SHA-256 (for logs)."""
    return TOKEN_IN_PATH.sub(lambda m: f"/u/#{security.sha256_hex(m.group(1))[:8]}", path)


class Guard:
    """ASGI middleware: security headers on every response, the Origin check on every POST, a masked access log."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        status_holder = {"status": 0}

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *security_headers()]}
            await send(message)

        if scope["method"] == "POST" and not _same_origin(headers):
            response = PlainTextResponse("请求来源不对（跨站提交已被拒绝）。请从本系统的页面上操作。", status_code=403)
            await response(scope, receive, send_with_headers)
        else:
            await self.app(scope, receive, send_with_headers)
        log.info("%s %s %s", scope["method"], mask(scope.get("path", "")), status_holder["status"])


def _same_origin(headers: dict[bytes, bytes]) -> bool:
    """No Origin header (old browsers, curl), or one naming this host."""
    origin = headers.get(b"origin")
    if origin is None:
        return True
    host = headers.get(b"host", b"").decode("latin-1")
    origin_text = origin.decode("latin-1")
    return origin_text != "null" and re.sub(r"^https?://", "", origin_text) == host


def create_app(
    data_dir: str | Path, *, limits: api.Limits | None = None, login_limit: int = 5, check_processes: int = 0
) -> Any:
    """The portal's ASGI application over the data folder ``data_dir``.

    ``check_processes``: check uploads in that many worker processes (``serve`` uses 2); 0 checks
    them in worker threads of this process (tests, small sites).
    """
    portal = Portal(data_dir, limits=limits, login_limit=login_limit, check_processes=check_processes)
    token = "{token:str}"
    routes = [
        Route("/", home),
        Route(f"/u/{token}", unit_page),
        Route(f"/u/{token}/upload", unit_upload, methods=["POST"]),
        Route(f"/u/{token}/answers", unit_answers, methods=["POST"]),
        Route(f"/u/{token}/template.xlsx", unit_template),
        Route(f"/u/{token}/draft.docx", unit_draft),
        Route(f"/u/{token}/s/{{sid:int}}/{{kind:str}}", unit_file),
        Route("/office/login", login_page),
        Route("/office/login", login, methods=["POST"]),
        Route("/office/logout", logout, methods=["POST"]),
        Route("/office", office_home),
        Route("/office/collections", create_collection, methods=["POST"]),
        Route("/office/audit", audit_page),
        Route("/office/audit.{fmt:str}", audit_page),
        Route("/office/c/{cid:int}", dashboard),
        Route("/office/c/{cid:int}/reminders", reminders_page),
        Route("/office/c/{cid:int}/units", add_unit, methods=["POST"]),
        Route("/office/c/{cid:int}/settings", collection_settings, methods=["POST"]),
        Route("/office/c/{cid:int}/{action:str}", close_or_reopen, methods=["POST"]),
        Route("/office/c/{cid:int}/download/{what:str}", office_download),
        Route("/office/c/{cid:int}/u/{code:str}", unit_detail),
        Route("/office/c/{cid:int}/u/{code:str}/{action:str}", unit_action, methods=["POST"]),
        Route("/office/c/{cid:int}/s/{sid:int}/{kind:str}", office_file),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        portal.start()
        yield
        portal.shutdown()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: http_error,
            LoginRequired: login_required,
            TooLarge: too_large_error,
            Exception: server_error,
        },
    )
    app.state.portal = portal
    return _wrap(app)


def _wrap(app: Starlette) -> Any:
    guarded = Guard(app)
    guarded.state = app.state  # tests reach the store through app.state.portal
    return guarded


__all__ = ["create_app", "mask"]
