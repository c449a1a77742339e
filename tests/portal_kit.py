"""Shared helpers of the portal tests: a data folder with a collection, returns as bytes, logging in."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import hostile as H

from ogi_xlsx import api
from ogi_xlsx.portal import security
from ogi_xlsx.portal.store import Store

# Tests hash the office password with a cheaper scrypt (the parameters are stored with each hash, so
# verifying works the same); the server's own parameter is checked in a fresh process
# (test_portal_security.test_production_scrypt_parameters).
security.SCRYPT_N = 2**10

with warnings.catch_warnings():
    # Starlette 1.x suggests httpx2 for its TestClient; httpx (the documented client) still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: F401  (re-exported for the tests)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse 42"
YEAR = 2024  # the year of examples/haibin-2024.json
UNITS = {"U01": "甲街道办事处", "U02": "乙街道办事处", "U03": "丙<b>街道</b>&办事处"}


def return_bytes(code: str = "U01", name: str | None = None, *, year: int | None = None, bump: int = 0) -> bytes:
    """A valid filled return of ``code`` (the example's numbers; ``bump`` added to one input and its totals)."""
    doc = H.example_doc(code, name if name is not None else UNITS.get(code, code))
    if year is not None:
        doc.year = year
    if bump:
        # more new requests, all carried over to next year (the balance rule holds); only the
        # inputs are written, the totals are computed again by the writer
        inputs = set(doc.spec.input_ids)
        doc.values = {k: v for k, v in doc.values.items() if k in inputs}
        for cell in ("t3.r_new.c_natural", "t3.r_carry_next.c_natural"):
            doc.values[cell] = int(doc.values.get(cell) or 0) + bump
    buf = io.BytesIO()
    api.write_return(doc, buf)
    return buf.getvalue()


def invalid_bytes(tmp: Path, code: str = "U01") -> bytes:
    """A return of ``code`` with a negative count (an error finding in table 三)."""
    base = tmp / f"base-{code}.xlsx"
    base.write_bytes(return_bytes(code))
    out = tmp / f"bad-{code}.xlsx"
    H.set_cells(out, {"t3.r_new.c_natural": -3}, base=base)
    return out.read_bytes()


def example_values(code: str = "U01") -> dict[str, int | Decimal | None]:
    return dict(H.example_doc(code).values)


@dataclass
class Env:
    data: Path
    store: Store
    cid: int
    tokens: dict[str, str]


def make_env(data: Path, units: dict[str, str] | None = None, *, deadline: str = "2099-01-20") -> Env:
    """A data folder with the office password set and one collection of ``units``."""
    store = Store(data)
    store.set_password(PASSWORD)
    units = units or UNITS
    cid = store.create_collection(
        year=YEAR,
        format_id=api.format_for_year(YEAR).id,
        title=f"{YEAR} 年度测试收集",
        roster=units,
        deadline=deadline,
        district_code="350502",
        district_name="测试区",
    )
    tokens = {u.code: store.token(u) for u in store.units(cid)}
    return Env(data, store, cid, tokens)


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def login(client, password: str = PASSWORD) -> str:
    """Log the office in; returns the session's CSRF token (read from a page, as a browser would)."""
    response = client.post("/office/login", data={"password": password}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/office").text)


def upload(client, token: str, data: bytes, filename: str = "报表.xlsx", *, follow: bool = True):
    page = client.get(f"/u/{token}")
    csrf = csrf_of(page.text)
    return client.post(
        f"/u/{token}/upload",
        data={"csrf": csrf},
        files={"file": (filename, data, "application/octet-stream")},
        follow_redirects=follow,
    )


class LiveServer:
    """uvicorn serving the portal in a thread on 127.0.0.1 (port 0: the bound port is read back)."""

    def __init__(self, data: Path, **app_options) -> None:
        import threading

        import uvicorn

        from ogi_xlsx.portal.app import create_app

        config = uvicorn.Config(
            create_app(data, **app_options), host="127.0.0.1", port=0, access_log=False, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        import time

        self.thread.start()
        for _ in range(200):  # bounded wait for the socket
            if self.server.started:
                break
            time.sleep(0.05)
        assert self.server.started, "the portal did not start"
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def fill_template(template: Path, out: Path, code: str, *, bump: int = 0, negative: bool = False) -> Path:
    """Fill a downloaded template as a clerk would (input cells only, through openpyxl); returns ``out``."""
    doc = H.example_doc(code)
    values = {k: v for k, v in doc.values.items() if k in set(doc.spec.input_ids) and v is not None}
    for cell in ("t3.r_new.c_natural", "t3.r_carry_next.c_natural"):
        values[cell] = int(values.get(cell) or 0) + bump
    if negative:
        values["t3.r_new.c_natural"] = -3
    cover = {"preparer": "张晓", "phone": "0595-22000001", "reviewer": "李明", "date": "2025-01-15"}
    keyed: dict = {H.cover_address(field): value for field, value in cover.items()}
    return H.set_cells(out, {**values, **keyed}, base=template)


def input_values(path: Path) -> dict[str, object]:
    """The values of a checked return (its document), by cell id."""
    report = api.check_file(path)
    assert report.document is not None, [f.message for f in report.findings]
    return dict(report.document.values)
