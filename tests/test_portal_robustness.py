"""The portal under hostile files, 30 units uploading at once, and a server killed mid-upload (all slow)."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hostile as H
import httpx
import portal_kit as K
import pytest
from portal_kit import TestClient

from ogi_xlsx import api
from ogi_xlsx.portal.app import create_app
from ogi_xlsx.portal.store import Store

ROOT = Path(__file__).resolve().parent.parent


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.slow
def test_hostile_files_through_the_web_are_refused_with_their_findings(tmp_path):
    cases = H.build_file_cases(tmp_path / "cases")
    env = K.make_env(tmp_path / "data", {"LC002": "海滨街道"})
    token = env.tokens["LC002"]
    unit = env.store.unit(env.cid, "LC002")
    with TestClient(create_app(env.data)) as client:
        for name, path in sorted(cases.items()):
            direct = api.check_file(path, api.CheckOptions(expected_year=K.YEAR))
            expected = {f.code for f in direct.findings if f.severity == "error"}
            assert expected, name  # every case is unusable
            page = K.upload(client, token, path.read_bytes(), name)
            assert page.status_code == 200, name
            assert "待补正" in page.text, name
            sub = env.store.current(unit)
            assert not sub.valid and sub.filename == name and sub.sha256 == direct.sha256, name
            found = {f["code"] for f in sub.findings_list() if f["severity"] == "error"}
            assert expected <= found, (name, expected, found)
            for f in sub.findings_list():
                assert chinese(f["message"]) and f["message"] in page.text.replace("&#34;", '"').replace(
                    "&#39;", "'"
                ), name
            assert "Traceback" not in page.text
        # still serving, every upload kept
        assert client.get(f"/u/{token}").status_code == 200
        assert len(env.store.submissions(unit)) == len(cases)
        assert K.upload(client, token, K.return_bytes("LC002", "海滨街道")).status_code == 200
    assert env.store.current(unit).valid


@pytest.mark.slow
def test_thirty_units_upload_at_once(tmp_path):
    units = {f"C{i:02d}": f"第{i}单位" for i in range(30)}
    env = K.make_env(tmp_path / "data", units)
    payloads = {}
    for i, code in enumerate(units):
        # every third unit sends its neighbour's file (refused), the others their own
        sender = list(units)[(i + 1) % 30] if i % 3 == 0 else code
        payloads[code] = K.return_bytes(sender, units[sender], bump=i)
    with K.LiveServer(env.data, check_processes=2) as url:  # as `serve` runs: checks in two processes

        def send(code: str) -> tuple[str, int, float]:
            with httpx.Client(base_url=url, timeout=120) as c:
                csrf = K.csrf_of(c.get(f"/u/{env.tokens[code]}").text)
                start = time.perf_counter()
                r = c.post(
                    f"/u/{env.tokens[code]}/upload",
                    data={"csrf": csrf},
                    files={"file": (f"{code}.xlsx", payloads[code])},
                )
                return code, r.status_code, time.perf_counter() - start

        with ThreadPoolExecutor(30) as pool:
            results = list(pool.map(send, units))
    assert all(status == 303 for _c, status, _t in results), results  # acknowledged, verdict page next
    store = Store(env.data)
    states = {s.unit.code: s for s in store.statuses(env.cid)}
    for i, code in enumerate(units):
        state = states[code]
        assert len(store.submissions(state.unit)) == 1, code
        assert state.status == ("missing" if i % 3 == 0 else "passed"), code  # a neighbour's file is refused
        kept = store.submissions(state.unit)[0]
        assert kept.sha256 == hashlib.sha256(payloads[code]).hexdigest() and kept.refused == (i % 3 == 0), code
    uploads = [a for a in store.audit_rows(env.cid) if a["action"] == "upload"]
    assert sorted(a["unit_code"] for a in uploads) == sorted(units)


def children(pid: int) -> list[int]:
    """The PIDs of a process's children (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_server_killed_mid_upload_loses_nothing_acknowledged(tmp_path):
    env = K.make_env(tmp_path / "data", {"K1": "甲", "K2": "乙", "K3": "丙"})
    env.store.close()
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ogi_xlsx", "serve", "--data", str(env.data), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):  # bounded wait for the server
            try:
                httpx.get(url + "/office/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        acknowledged = {}
        with httpx.Client(base_url=url, timeout=60) as c:
            for code in ("K1", "K2"):
                data = K.return_bytes(code, {"K1": "甲", "K2": "乙"}[code])
                csrf = K.csrf_of(c.get(f"/u/{env.tokens[code]}").text)
                r = c.post(
                    f"/u/{env.tokens[code]}/upload",
                    data={"csrf": csrf},
                    files={"file": ("a.xlsx", data)},
                    follow_redirects=False,
                )
                assert r.status_code == 303  # acknowledged
                acknowledged[code] = hashlib.sha256(data).hexdigest()
            csrf3 = K.csrf_of(c.get(f"/u/{env.tokens['K3']}").text)
        # K3 starts an upload and the server dies half-way through the body
        body = K.return_bytes("K3", "丙")
        boundary = "xyz123"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf3}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="k3.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        total = len(head) + len(body) + len(f"\r\n--{boundary}--\r\n")
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(
            (
                f"POST /u/{env.tokens['K3']}/upload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n"
            ).encode()
            + head
            + body[: len(body) // 2]
        )
        time.sleep(0.5)
        helpers = children(proc.pid)
        assert len(helpers) >= 2  # the two check processes (and spawn's resource tracker)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        sock.close()
        # the check processes notice that their server is gone and leave (no orphans left running)
        for _ in range(100):
            if not any(running(pid) for pid in helpers):
                break
            time.sleep(0.1)
        assert not any(running(pid) for pid in helpers)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()
    server_log = (tmp_path / "server.log").read_text("utf-8", "replace")
    assert not any(t in server_log for t in env.tokens.values())

    db = sqlite3.connect(env.data / "portal.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    store = Store(env.data)
    states = {s.unit.code: s for s in store.statuses(env.cid)}
    for code, digest in acknowledged.items():
        assert states[code].current is not None and states[code].current.sha256 == digest
        kept = store.blob_path(digest).read_bytes()
        assert hashlib.sha256(kept).hexdigest() == digest
    assert states["K3"].current is None  # the unfinished upload was never acknowledged nor recorded
    assert len([a for a in store.audit_rows() if a["action"] == "upload"]) == 2
    # no half-written file left among the kept ones
    assert all(re.fullmatch(r"[0-9a-f]{64}", p.name) for p in (env.data / "files").rglob("*") if p.is_file())
