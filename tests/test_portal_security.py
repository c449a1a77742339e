"""The portal's isolation and security rules: units see only their own data, office pages need the login,
CSRF, tokens out of the logs, upload limits, escaping, login rate limit, security headers."""

from __future__ import annotations

import logging
import re

import portal_kit as K
import pytest
from portal_kit import TestClient

from ogi_xlsx import api
from ogi_xlsx.portal import security
from ogi_xlsx.portal.app import create_app, mask


@pytest.fixture
def env(tmp_path):
    return K.make_env(tmp_path / "data")


@pytest.fixture
def client(env):
    with TestClient(create_app(env.data)) as c:
        yield c


def test_unit_a_cannot_reach_unit_b(env, client, tmp_path):
    a, b = env.tokens["U01"], env.tokens["U02"]
    K.upload(client, b, K.invalid_bytes(tmp_path, "U02"), "乙的秘密.xlsx")
    sub_b = env.store.current(env.store.unit(env.cid, "U02"))
    page_a = client.get(f"/u/{a}").text
    assert "乙的秘密" not in page_a and "乙街道办事处" not in page_a and sub_b.sha256 not in page_a
    for kind in ("original", "annotated"):
        r = client.get(f"/u/{a}/s/{sub_b.id}/{kind}")
        assert r.status_code == 404 and "找不到文件" in r.text
    # a submission id in the query string of A's page shows nothing of B's
    assert "乙的秘密" not in client.get(f"/u/{a}?s={sub_b.id}").text
    # guessed ids and tokens
    for sid in (0, 999, -1):
        assert client.get(f"/u/{a}/s/{sid}/original").status_code == 404
    for guess in ("", "a" * 43, a[:-1], a + "x", b.upper(), "%2e%2e"):
        r = client.get(f"/u/{guess}")
        assert r.status_code in (404, 307, 308) and "甲街道" not in r.text
    # an upload through A's link can only ever land on A
    K.upload(client, a, K.return_bytes("U01"))
    assert len(env.store.submissions(env.store.unit(env.cid, "U02"))) == 1


def test_office_pages_and_files_need_the_login(env, client, tmp_path):
    K.upload(client, env.tokens["U01"], K.return_bytes("U01"))
    sub = env.store.current(env.store.unit(env.cid, "U01"))
    cid = env.cid
    gets = [
        "/office",
        f"/office/c/{cid}",
        f"/office/c/{cid}/u/U01",
        f"/office/c/{cid}/reminders",
        f"/office/c/{cid}/download/summary.xlsx",
        f"/office/c/{cid}/download/summary.json",
        f"/office/c/{cid}/download/status.csv",
        f"/office/c/{cid}/download/returns.zip",
        f"/office/c/{cid}/download/links.csv",
        f"/office/c/{cid}/s/{sub.id}/original",
        "/office/audit",
        "/office/audit.csv",
    ]
    for url in gets:
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/office/login", url
    posts = [
        "/office/collections",
        f"/office/c/{cid}/close",
        f"/office/c/{cid}/units",
        f"/office/c/{cid}/u/U01/accept",
        f"/office/c/{cid}/u/U01/reissue",
        "/office/logout",
    ]
    for url in posts:
        r = client.post(url, data={"csrf": "x"}, follow_redirects=False)
        assert r.status_code == 403 and "请先登录" in r.text, url
    # a unit's token is no office login
    assert (
        client.get(f"/office/c/{cid}", headers={"cookie": f"ogi_portal_session={env.tokens['U01']}"}).status_code == 200
    )
    assert (
        "办公室登录"
        in client.get(f"/office/c/{cid}", headers={"cookie": f"ogi_portal_session={env.tokens['U01']}"}).text
    )
    assert env.store.collection(cid).closed is False


def test_csrf_is_required_on_every_state_change(env, client):
    csrf = K.login(client)
    cid = env.cid
    for url, data in [
        (f"/office/c/{cid}/close", {"early": "1"}),
        (f"/office/c/{cid}/units", {"code": "X1", "name": "x"}),
        (f"/office/c/{cid}/u/U01/reissue", {}),
        ("/office/collections", {"year": "2024", "roster_text": "Z1\tz"}),
    ]:
        for token in (None, "wrong", csrf[:-1]):
            body = dict(data, **({"csrf": token} if token else {}))
            r = client.post(url, data=body)
            assert r.status_code == 403 and "页面已过期" in r.text, (url, token)
    assert not env.store.collection(cid).closed and env.store.unit(cid, "X1") is None
    assert len(env.store.collections()) == 1
    # a unit's upload needs its page's token
    r = client.post(f"/u/{env.tokens['U01']}/upload", files={"file": ("a.xlsx", K.return_bytes("U01"))})
    assert r.status_code == 403
    other_units_csrf = K.csrf_of(client.get(f"/u/{env.tokens['U02']}").text)
    r = client.post(
        f"/u/{env.tokens['U01']}/upload",
        data={"csrf": other_units_csrf},
        files={"file": ("a.xlsx", K.return_bytes("U01"))},
    )
    assert r.status_code == 403 and env.store.submissions(env.store.unit(cid, "U01")) == []
    # a cross-site POST (another Origin) is refused before anything else, even with the right token
    r = client.post(
        f"/office/c/{cid}/close", data={"csrf": csrf, "early": "1"}, headers={"origin": "https://evil.example"}
    )
    assert r.status_code == 403 and "跨站" in r.text and not env.store.collection(cid).closed
    r = client.post(
        f"/office/c/{cid}/close", data={"csrf": csrf, "early": "1"}, headers={"origin": "http://testserver"}
    )
    assert r.status_code == 200 and env.store.collection(cid).closed


def test_session_cookie_flags_and_rotation(env, client):
    r = client.post("/office/login", data={"password": K.PASSWORD}, follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    first = client.cookies.get("ogi_portal_session")
    client.post("/office/login", data={"password": K.PASSWORD})
    second = client.cookies.get("ogi_portal_session")
    assert first != second and env.store.session_csrf(first) is None  # the old session ended
    # the session id is stored hashed only
    assert not env.store.db.execute("SELECT 1 FROM sessions WHERE id_hash = ?", (second,)).fetchone()
    csrf = K.csrf_of(client.get("/office").text)
    client.post("/office/logout", data={"csrf": csrf})
    assert client.get("/office", follow_redirects=False).status_code == 303


def test_login_is_rate_limited(env, client):
    for _ in range(5):
        assert client.post("/office/login", data={"password": "nope nope"}).status_code == 401
    blocked = client.post("/office/login", data={"password": K.PASSWORD})
    assert blocked.status_code == 429 and "尝试次数过多" in blocked.text
    actions = [a["action"] for a in env.store.audit_rows()]
    assert actions.count("login-failed") == 5 and "login-blocked" in actions and "login" not in actions


def test_no_password_set_means_no_login(tmp_path):
    from ogi_xlsx.portal.store import Store

    Store(tmp_path / "d")
    with TestClient(create_app(tmp_path / "d")) as client:
        page = client.get("/office/login").text
        assert "尚未设置办公室密码" in page
        assert client.post("/office/login", data={"password": ""}).status_code == 401


def test_tokens_never_reach_the_log(env, client, caplog):
    token = env.tokens["U01"]
    with caplog.at_level(logging.INFO, logger="ogi_xlsx.portal"):
        client.get(f"/u/{token}")
        K.upload(client, token, K.return_bytes("U01"))
        client.get(f"/u/{token}/template.xlsx")
        client.get(f"/u/{token}/s/999/original")
    text = caplog.text
    assert token not in text
    assert f"/u/#{security.sha256_hex(token)[:8]}" in text  # the request is still traceable
    assert mask(f"/u/{token}/upload") == f"/u/#{security.sha256_hex(token)[:8]}/upload"
    # nor the audit log
    assert not any(token in str(v) for row in env.store.audit_rows() for v in row.values())


def test_uploads_are_size_limited(tmp_path):
    env = K.make_env(tmp_path / "d")
    small = api.Limits(max_file_bytes=30_000)
    with TestClient(create_app(env.data, limits=small)) as client:
        token = env.tokens["U01"]
        csrf = K.csrf_of(client.get(f"/u/{token}").text)
        big = b"PK" + b"\0" * 200_000
        r = client.post(f"/u/{token}/upload", data={"csrf": csrf}, files={"file": ("big.xlsx", big)})
        assert r.status_code == 413 and "文件过大" in r.text and "MB" in r.text
        # by Content-Length before reading the body
        r = client.post(
            f"/u/{token}/upload",
            content=b"x" * 10,
            headers={"content-length": str(10**9), "content-type": "multipart/form-data; boundary=x"},
        )
        assert r.status_code == 413
        # and while streaming, when no length is announced (chunked)
        head = f'--x\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
        head += '--x\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n\r\n'
        chunks = iter([head.encode(), *([b"\0" * 65536] * 4), b"\r\n--x--\r\n"])
        r = client.post(
            f"/u/{token}/upload", content=chunks, headers={"content-type": "multipart/form-data; boundary=x"}
        )
        assert r.status_code == 413 and "文件过大" in r.text
        assert env.store.submissions(env.store.unit(env.cid, "U01")) == []
        # just under the limit: accepted and checked
        assert K.upload(client, token, K.return_bytes("U01")).status_code == 200
        assert len(env.store.submissions(env.store.unit(env.cid, "U01"))) == 1
        # two files in one request: refused
        r = client.post(
            f"/u/{token}/upload",
            data={"csrf": csrf},
            files=[("file", ("a.xlsx", b"a")), ("file", ("b.xlsx", b"b"))],
        )
        assert r.status_code == 400 and len(env.store.submissions(env.store.unit(env.cid, "U01"))) == 1


def test_user_text_is_escaped_everywhere(tmp_path):
    evil = '<script>alert("x")</script>'
    env = K.make_env(tmp_path / "d", {"U01": f"甲{evil}", "U02": "乙"})
    with TestClient(create_app(env.data)) as client:
        token = env.tokens["U01"]
        K.upload(client, token, K.return_bytes("U01", f"甲{evil}"), '<img src=x onerror="alert(1)">.xlsx')
        csrf = K.login(client)
        client.post(f"/office/c/{env.cid}/u/U01/return", data={"csrf": csrf, "comment": f"请改{evil}"})
        pages = [
            client.get(f"/u/{token}").text,
            client.get(f"/office/c/{env.cid}").text,
            client.get(f"/office/c/{env.cid}/u/U01").text,
            client.get(f"/office/c/{env.cid}/reminders").text,
            client.get("/office/audit").text,
        ]
        for html in pages:
            assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in pages[0] and "&lt;img src=x" in pages[0]
        # file names from users never become paths: the stored file is named by its sha256
        sub = env.store.current(env.store.unit(env.cid, "U01"))
        assert env.store.blob_path(sub.sha256).name == sub.sha256
        files = [p.name for p in (env.data / "files").rglob("*") if p.is_file()]
        assert all(re.fullmatch(r"[0-9a-f]{64}", n) for n in files)
        # a user's name in the CSV exports does not turn into a formula
        export = client.get(f"/office/c/{env.cid}/download/status.csv").content.decode("utf-8-sig")
        assert "\n=" not in export and ",=" not in export


def test_security_headers_on_every_page(env, client):
    for url in ("/office/login", f"/u/{env.tokens['U01']}", "/u/nope", "/static/portal.css"):
        headers = client.get(url).headers
        assert headers["cache-control"] == "no-store", url
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in headers["content-security-policy"]


def test_errors_are_chinese_pages_never_a_trace(env, client, monkeypatch):
    from ogi_xlsx.portal import service

    def boom(*args, **kwargs):
        raise RuntimeError("internal detail /secret/path")

    monkeypatch.setattr(service, "reminders", boom)
    K.login(client)
    with TestClient(client.app, raise_server_exceptions=False) as c2:
        c2.cookies.update(client.cookies)
        r = c2.get(f"/office/c/{env.cid}/reminders")
    assert r.status_code == 500 and "服务器出错" in r.text
    assert "Traceback" not in r.text and "/secret/path" not in r.text
    assert client.get("/office/c/999").status_code == 404
    assert "操作方式不对" in client.get(f"/u/{env.tokens['U01']}/upload").text


def test_production_scrypt_parameters():
    import subprocess
    import sys

    code = "from ogi_xlsx.portal import security as s; h = s.hash_password('x' * 12); print(h.split('$')[1], s.verify_password('x' * 12, h), s.verify_password('y' * 12, h))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.split()
    assert out == ["16384", "True", "False"]
