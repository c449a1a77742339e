"""The collection portal through the ASGI client: the CLI surface, every unit and office page and action."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile

import portal_kit as K
import pytest
from portal_kit import TestClient
from typer.testing import CliRunner

from ogi_xlsx import api
from ogi_xlsx.cli.main import app as cli_app
from ogi_xlsx.portal.app import create_app
from ogi_xlsx.portal.store import Store

runner = CliRunner()


@pytest.fixture
def env(tmp_path):
    return K.make_env(tmp_path / "data")


@pytest.fixture
def client(env):
    with TestClient(create_app(env.data)) as c:
        yield c


def status_of(env: K.Env, code: str) -> str:
    return {s.unit.code: s.status for s in env.store.statuses(env.cid)}[code]


# --------------------------------------------------------------------------- the CLI surface


def test_cli_set_password_create_and_links(tmp_path):
    data = tmp_path / "d"
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称\nA1,甲单位\nA2,乙单位\n", encoding="utf-8")
    short = runner.invoke(cli_app, ["portal", "set-password", "--data", str(data)], input="short\n")
    assert short.exit_code == 2 and "至少" in short.output
    ok = runner.invoke(cli_app, ["portal", "set-password", "--data", str(data)], input=K.PASSWORD + "\n")
    assert ok.exit_code == 0, ok.output
    stored = Store(data).password_hash()
    assert stored.startswith("scrypt$") and K.PASSWORD not in stored

    created = runner.invoke(
        cli_app,
        [
            "portal",
            "create",
            "--data",
            str(data),
            "--year",
            "2024",
            "--roster",
            str(roster),
            "--title",
            "测试",
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    payload = json.loads(created.output)
    assert payload["dashboard"] == f"/office/c/{payload['collection']}"
    assert [(u["code"], u["name"]) for u in payload["units"]] == [("A1", "甲单位"), ("A2", "乙单位")]
    tokens = [u["link"].removeprefix("/u/") for u in payload["units"]]
    assert all(len(t) >= 43 for t in tokens) and len(set(tokens)) == 2  # 256-bit tokens

    listed = runner.invoke(
        cli_app, ["portal", "links", "--data", str(data), "--collection", str(payload["collection"]), "--json"]
    )
    assert json.loads(listed.output)["units"] == payload["units"]
    as_csv = runner.invoke(
        cli_app,
        [
            "portal",
            "links",
            "--data",
            str(data),
            "--collection",
            str(payload["collection"]),
            "--csv",
            "--base-url",
            "http://x:8000",
        ],
    )
    rows = list(csv.reader(io.StringIO(as_csv.output.lstrip("\ufeff"))))
    assert rows[0] == ["单位代码", "单位名称", "链接"]
    assert rows[1] == ["A1", "甲单位", "http://x:8000" + payload["units"][0]["link"]]

    # the tokens are not in the database, only their hashes
    db = sqlite3.connect(data / "portal.sqlite3")
    dump = "\n".join(db.iterdump())
    assert not any(t in dump for t in tokens)
    # and the links open the units' pages
    with TestClient(create_app(data)) as c:
        assert "乙单位" in c.get(payload["units"][1]["link"]).text

    missing = runner.invoke(cli_app, ["portal", "links", "--data", str(data), "--collection", "99"])
    assert missing.exit_code == 2 and "没有编号为 99" in missing.output
    bad_roster = runner.invoke(
        cli_app, ["portal", "create", "--data", str(data), "--year", "2024", "--roster", "nope.csv"]
    )
    assert bad_roster.exit_code == 2 and "找不到报送名单" in bad_roster.output


# --------------------------------------------------------------------------- the unit's page


def test_unit_page_template_and_a_passing_upload(env, client):
    token = env.tokens["U01"]
    page = client.get(f"/u/{token}")
    assert page.status_code == 200
    assert "甲街道办事处" in page.text and "2099-01-20" in page.text and "未报" in page.text

    template = client.get(f"/u/{token}/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert "U01" in template.headers["content-disposition"]

    response = K.upload(client, token, K.return_bytes("U01"), "海滨 报表.xlsx", follow=False)
    assert response.status_code == 303 and response.headers["location"].startswith(f"/u/{token}?s=")
    page = client.get(response.headers["location"])
    assert "审核结果" in page.text and "通过" in page.text and "海滨 报表.xlsx" in page.text
    assert status_of(env, "U01") == "passed"
    sub = env.store.current(env.store.unit(env.cid, "U01"))
    assert sub.actor == "unit" and sub.valid and sub.size == len(K.return_bytes("U01"))
    assert env.store.blob_path(sub.sha256).read_bytes() == K.return_bytes("U01")
    audit = [r for r in env.store.audit_rows(env.cid) if r["action"] == "upload"]
    assert audit[-1]["sha256"] == sub.sha256 and audit[-1]["verdict"].startswith("通过")


def test_findings_grouped_by_table_annotated_copy_and_a_correction(env, client, tmp_path):
    token = env.tokens["U02"]
    page = K.upload(client, token, K.invalid_bytes(tmp_path, "U02"), "乙.xlsx")
    assert "待补正" in page.text
    t3 = K.H.t3_sheet()
    assert f"<h4>{t3}</h4>" in page.text  # grouped under the table's name
    assert "数量不能为负数" in page.text and "-3" in page.text
    sub = env.store.current(env.store.unit(env.cid, "U02"))
    copy = client.get(f"/u/{token}/s/{sub.id}/annotated")
    assert copy.status_code == 200
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(copy.content))
    assert "审核结果" in wb.sheetnames
    original = client.get(f"/u/{token}/s/{sub.id}/original")
    assert original.content == env.store.blob_path(sub.sha256).read_bytes()

    # corrected: the latest upload counts, the history keeps both
    page = K.upload(client, token, K.return_bytes("U02"), "乙（改）.xlsx")
    assert status_of(env, "U02") == "passed"
    history = page.text[page.text.index('id="history"') :]
    assert history.count("<tr>") == 3 and "乙（改）.xlsx" in history and "乙.xlsx" in history


def test_another_units_or_years_file_is_refused_with_the_reason(env, client):
    unit = env.store.unit(env.cid, "U01")
    page = K.upload(client, env.tokens["U01"], K.return_bytes("U02"))
    assert "拒收" in page.text and "没有采用" in page.text
    assert "不是本单位的报表" in page.text and "乙街道办事处" in page.text
    assert status_of(env, "U01") == "missing"  # kept and recorded, but not U01's return
    assert len(env.store.submissions(unit)) == 1 and env.store.submissions(unit)[0].refused
    K.upload(client, env.tokens["U01"], K.return_bytes("U01"))
    page = K.upload(client, env.tokens["U01"], K.return_bytes("U01", year=2023))
    assert "拒收" in page.text and "报告年度" in page.text
    assert status_of(env, "U01") == "passed"  # the refused file does not replace the good one
    assert env.store.current(unit).year == K.YEAR
    audit = [a["verdict"] for a in env.store.audit_rows(env.cid) if a["action"] == "upload"]
    assert [v[:2] for v in audit] == ["拒收", "通过", "拒收"]
    page = K.upload(client, env.tokens["U01"], b"%PDF-1.7 not a workbook", "报表.pdf")
    assert "待补正" in page.text and "upload-" not in page.text  # the user's file name, never the server's
    assert "“报表.pdf”" in page.text  # the finding itself was made with it (not edited afterwards)
    assert status_of(env, "U01") == "invalid"  # an unreadable file is the unit's (latest) return to correct


def test_upload_without_a_file_and_unknown_pages(env, client):
    token = env.tokens["U01"]
    csrf = K.csrf_of(client.get(f"/u/{token}").text)
    empty = client.post(f"/u/{token}/upload", data={"csrf": csrf})
    assert empty.status_code == 400 and "请先点" in empty.text
    assert "页面不存在" in client.get("/nothing-here").text
    wrong = client.get("/u/not-a-real-token")
    assert wrong.status_code == 404 and "链接无效" in wrong.text


# --------------------------------------------------------------------------- the office


def test_office_login_dashboard_review_upload_for_unit_and_downloads(env, client, tmp_path):
    assert client.get("/office", follow_redirects=False).headers["location"] == "/office/login"
    bad = client.post("/office/login", data={"password": "wrong password"})
    assert bad.status_code == 401 and "密码不对" in bad.text
    csrf = K.login(client)
    K.upload(client, env.tokens["U01"], K.return_bytes("U01"))
    K.upload(client, env.tokens["U02"], K.invalid_bytes(tmp_path, "U02"))

    dash = client.get(f"/office/c/{env.cid}")
    counts = dict(
        zip(
            *[__import__("re").findall(p, dash.text) for p in (r'data-count="([^"]+)"', r'data-count="[^"]+">(\d+)<')],
            strict=True,
        )
    )
    assert counts == {"应报": "3", "已报": "2", "通过": "1", "待补正": "1", "未报": "1", "已退回": "0", "冲突": "0"}
    only_missing = client.get(f"/office/c/{env.cid}?status=missing").text
    assert "U03" in only_missing and ">U01<" not in only_missing

    detail = client.get(f"/office/c/{env.cid}/u/U02")
    assert "sha256" in detail.text and "数量不能为负数" in detail.text and "/u/" + env.tokens["U02"] in detail.text

    # 代为上传 for U03 (recorded as the office's)
    r = client.post(
        f"/office/c/{env.cid}/u/U03/upload",
        data={"csrf": csrf},
        files={"file": ("邮件.xlsx", K.return_bytes("U03", bump=5))},
    )
    assert r.status_code == 200
    sub3 = env.store.current(env.store.unit(env.cid, "U03"))
    assert sub3.actor == "office" and sub3.valid
    assert any(a["action"] == "upload-for-unit" and a["unit_code"] == "U03" for a in env.store.audit_rows(env.cid))

    # 退回 U01 with a reason the unit sees; 确认 U03
    assert "请写明原因" in client.post(f"/office/c/{env.cid}/u/U01/return", data={"csrf": csrf, "comment": ""}).text
    client.post(f"/office/c/{env.cid}/u/U01/return", data={"csrf": csrf, "comment": "请核对第三项数字"})
    client.post(f"/office/c/{env.cid}/u/U03/accept", data={"csrf": csrf, "comment": ""})
    assert status_of(env, "U01") == "returned" and status_of(env, "U03") == "accepted"
    unit_page = client.get(f"/u/{env.tokens['U01']}").text
    assert "已退回" in unit_page and "请核对第三项数字" in unit_page

    # the summary covers U03 only (U01 returned, U02 invalid) and its sums are U03's numbers
    summary = json.loads(client.get(f"/office/c/{env.cid}/download/summary.json").content)
    by_code = {u["code"]: u for u in summary["units"]}
    assert {c: u["status"] for c, u in by_code.items()} == {"U01": "invalid", "U02": "invalid", "U03": "merged"}
    assert "请核对第三项数字" in json.dumps(by_code["U01"], ensure_ascii=False)  # the office's reason travels along
    values = summary["values"] if "values" in summary else summary["summary"]["values"]
    doc = api.document_from_json(json.loads(sub3.document))
    spec = api.format_for_year(K.YEAR)
    for cid_ in spec.input_ids:
        assert str(values[cid_] or 0) == str(doc.values.get(cid_) or 0), cid_
    xlsx = client.get(f"/office/c/{env.cid}/download/summary.xlsx")
    summary_path = tmp_path / "汇总.xlsx"
    summary_path.write_bytes(xlsx.content)
    report = api.check_file(summary_path, api.CheckOptions(expected_year=K.YEAR))
    assert report.valid, [f.message for f in report.findings]
    coverage = client.get(f"/office/c/{env.cid}").text.split('id="coverage"', 1)[1].split("</p>", 1)[0]
    assert "1 / 3" in coverage and "甲街道办事处（已退回）" in coverage and "乙街道办事处（待补正）" in coverage

    status_csv = client.get(f"/office/c/{env.cid}/download/status.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(status_csv)))
    assert rows[0][:3] == ["单位代码", "单位名称", "状态"]
    assert {r[0]: r[2] for r in rows[1:]} == {"U01": "已退回", "U02": "待补正", "U03": "已确认"}
    status_xlsx = client.get(f"/office/c/{env.cid}/download/status.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(status_xlsx.content)).active
    assert [c.value for c in ws["C"]][1:] == ["已退回", "待补正", "已确认"]
    with zipfile.ZipFile(io.BytesIO(client.get(f"/office/c/{env.cid}/download/returns.zip").content)) as zf:
        names = zf.namelist()
        assert len(names) == 3 and all(n.endswith(".xlsx") for n in names)
        assert zf.read(next(n for n in names if n.startswith("U03"))) == env.store.blob_path(sub3.sha256).read_bytes()


def test_reminders_list_and_csv(env, client):
    K.login(client)
    K.upload(client, env.tokens["U01"], K.return_bytes("U01"))
    page = client.get(f"/office/c/{env.cid}/reminders").text
    assert "U02" in page and "U03" in page and "甲街道办事处" not in page
    assert f"/u/{env.tokens['U02']}" in page and "请于 2099-01-20 前" in page and "data-copy" in page
    rows = list(
        csv.reader(io.StringIO(client.get(f"/office/c/{env.cid}/download/reminders.csv").content.decode("utf-8-sig")))
    )
    assert [r[0] for r in rows[1:]] == ["U02", "U03"] and rows[1][3].endswith(env.tokens["U02"])


def test_create_collection_in_the_office_pages(env, client):
    csrf = K.login(client)
    r = client.post(
        "/office/collections",
        data={
            "csrf": csrf,
            "year": "2024",
            "title": "网页建立",
            "deadline": "2099-02-01",
            "roster_text": "P1\t一号单位\nP2\t二号单位",
        },
    )
    assert r.status_code == 200 and "网页建立" in r.text
    created = env.store.collections()[0]
    assert created.title == "网页建立" and created.format == "ogi-2021"
    assert [u.code for u in env.store.units(created.id)] == ["P1", "P2"]
    with_file = client.post(
        "/office/collections",
        data={"csrf": csrf, "year": "2020"},
        files=[("roster", ("名单.csv", "单位代码,单位名称\nQ1,甲\n".encode("gbk"), "text/csv"))],
    )
    assert with_file.status_code == 200
    assert env.store.collections()[0].format == "ogi-2019"  # 2020 uses the 2019 format
    no_roster = client.post("/office/collections", data={"csrf": csrf, "year": "2024"})
    assert no_roster.status_code == 400 and "报送名单" in no_roster.text


def test_units_added_removed_links_reissued_and_revoked(env, client):
    csrf = K.login(client)
    client.post(f"/office/c/{env.cid}/units", data={"csrf": csrf, "code": "U04", "name": "丁单位"})
    new = env.store.unit(env.cid, "U04")
    assert new is not None and client.get(f"/u/{env.store.token(new)}").status_code == 200
    dup = client.post(f"/office/c/{env.cid}/units", data={"csrf": csrf, "code": "U04", "name": "丁单位"})
    assert dup.status_code == 400 and "已在名单中" in dup.text

    old = env.tokens["U01"]
    client.post(f"/office/c/{env.cid}/u/U01/reissue", data={"csrf": csrf})
    assert client.get(f"/u/{old}").status_code == 404
    fresh = env.store.token(env.store.unit(env.cid, "U01"))
    assert fresh != old and client.get(f"/u/{fresh}").status_code == 200
    client.post(f"/office/c/{env.cid}/u/U01/revoke", data={"csrf": csrf})
    assert client.get(f"/u/{fresh}").status_code == 404

    client.post(f"/office/c/{env.cid}/u/U02/remove", data={"csrf": csrf})
    assert client.get(f"/u/{env.tokens['U02']}").status_code == 404
    assert [u.code for u in env.store.units(env.cid)] == ["U01", "U03", "U04"]
    actions = [a["action"] for a in env.store.audit_rows(env.cid)]
    assert {"add-unit", "reissue-link", "revoke-link", "remove-unit"} <= set(actions)
    assert "已移除的单位" in client.get(f"/office/c/{env.cid}").text


def test_close_and_reopen(tmp_path):
    env = K.make_env(tmp_path / "d", deadline="2000-01-01")
    with TestClient(create_app(env.data)) as client:
        csrf = K.login(client)
        token = env.tokens["U01"]
        page_csrf = K.csrf_of(client.get(f"/u/{token}").text)
        client.post(f"/office/c/{env.cid}/close", data={"csrf": csrf})
        assert env.store.collection(env.cid).closed
        page = client.get(f"/u/{token}").text
        assert "本次收集已截止" in page and "template.xlsx" not in page
        refused = client.post(
            f"/u/{token}/upload", data={"csrf": page_csrf}, files={"file": ("a.xlsx", K.return_bytes("U01"))}
        )
        assert refused.status_code == 410 and "已截止" in refused.text
        assert client.get(f"/u/{token}/template.xlsx").status_code == 410
        assert env.store.submissions(env.store.unit(env.cid, "U01")) == []
        client.post(f"/office/c/{env.cid}/reopen", data={"csrf": csrf})
        assert K.upload(client, token, K.return_bytes("U01")).status_code == 200


def test_closing_before_the_deadline_needs_a_tick(env, client):
    csrf = K.login(client)
    r = client.post(f"/office/c/{env.cid}/close", data={"csrf": csrf})
    assert r.status_code == 400 and "提前截止" in r.text and not env.store.collection(env.cid).closed
    client.post(f"/office/c/{env.cid}/close", data={"csrf": csrf, "early": "1"})
    assert env.store.collection(env.cid).closed


def test_audit_log_view_export_and_append_only(env, client):
    K.login(client)
    K.upload(client, env.tokens["U01"], K.return_bytes("U01"))
    page = client.get("/office/audit").text
    assert "单位上传" in page and "登录" in page
    rows = list(csv.reader(io.StringIO(client.get(f"/office/audit.csv?c={env.cid}").content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间", "操作者", "操作"]
    assert any(r[2] == "单位上传" and r[4] == "U01" for r in rows[1:])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        env.store.db.execute("UPDATE audit SET verdict = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        env.store.db.execute("DELETE FROM audit")
    with pytest.raises(sqlite3.DatabaseError, match="kept"):
        env.store.db.execute("DELETE FROM submissions")


def test_same_file_from_two_units_is_a_conflict(tmp_path):
    env = K.make_env(tmp_path / "d", {"U01": "甲", "U02": "乙"})
    store = env.store
    with TestClient(create_app(env.data)) as client:
        # the office uploads U01's file for U02 by mistake: refused as another unit's
        K.upload(client, env.tokens["U01"], K.return_bytes("U01", "甲"))
        K.login(client)
        csrf = K.csrf_of(client.get(f"/office/c/{env.cid}").text)
        client.post(
            f"/office/c/{env.cid}/u/U02/upload",
            data={"csrf": csrf},
            files={"file": ("x.xlsx", K.return_bytes("U01", "甲"))},
        )
        assert {s.unit.code: s.status for s in store.statuses(env.cid)} == {"U01": "passed", "U02": "missing"}
        # both send the same return without a unit code: flagged on both
        nameless = K.return_bytes("", "")
        K.upload(client, env.tokens["U01"], nameless)
        K.upload(client, env.tokens["U02"], nameless)
    assert {s.unit.code: s.status for s in store.statuses(env.cid)} == {"U01": "conflict", "U02": "conflict"}
    assert "冲突" in TestClient(create_app(env.data)).get(f"/u/{env.tokens['U01']}").text


# --------------------------------------------------------------------------- the demo


@pytest.mark.slow
def test_demo_serve_fills_the_portal_with_the_demo(tmp_path, monkeypatch):
    from ogi_xlsx.portal import server

    served = {}
    monkeypatch.setattr(server, "run", lambda data, host, port: served.update(data=data, host=host, port=port))
    out = tmp_path / "demo"
    result = runner.invoke(cli_app, ["demo", str(out), "--serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served == {"data": out / "portal-data", "host": "127.0.0.1", "port": 8123}
    password = result.output.split("密码：", 1)[1].split()[0]
    store = Store(out / "portal-data")
    cid = store.collections()[0].id
    states = {s.unit.code: s for s in store.statuses(cid)}
    roster = dict(api.load_roster(K.ROOT / "examples" / "demo" / "roster.csv").mapping())
    assert set(states) == set(roster)
    # as the demo is designed: one unit never answers, one return has errors, one unit sent its file twice
    assert [c for c, s in states.items() if s.status == "missing"] == ["LC007"]
    assert any(s.status == "invalid" for s in states.values())
    assert len(store.submissions(states["LC004"].unit)) == 2
    assert any(s.status == "accepted" for s in states.values())
    # and one unit's second file has two queries, one explained in the browser, one open
    queries = [f for f in states["LC006"].current.findings_list() if f["severity"] == "query"]
    assert len(queries) == 2 and sum(1 for f in queries if f.get("explanation")) == 1
    assert states["LC006"].status == "invalid" and len(store.answers(states["LC006"].current.id)) == 1
    for code in roster:
        assert f"/u/{store.token(states[code].unit)}" in result.output
    with TestClient(create_app(out / "portal-data")) as client:
        K.login(client, password)
        assert client.get(f"/office/c/{cid}").status_code == 200
    # run again into the same folder: a fresh portal, not a second collection
    again = runner.invoke(cli_app, ["demo", str(out), "--serve"])
    assert again.exit_code == 0 and len(Store(out / "portal-data").collections()) == 1


def test_previous_year_returns_give_the_cross_year_checks(tmp_path):
    data = tmp_path / "d"
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称\nU01,甲街道办事处\nU02,乙街道办事处\n", encoding="utf-8")
    previous = tmp_path / "上年"
    previous.mkdir()
    # last year U01 carried 5 more requests over than this year's return says it took over
    (previous / "U01-2023.xlsx").write_bytes(K.return_bytes("U01", year=2023, bump=5))
    created = runner.invoke(
        cli_app,
        [
            "portal",
            "create",
            "--data",
            str(data),
            "--year",
            "2024",
            "--roster",
            str(roster),
            "--previous",
            str(previous),
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    links = {u["code"]: u["link"] for u in json.loads(created.output)["units"]}
    with TestClient(create_app(data)) as client:
        page = client.post(
            links["U01"] + "/upload",
            data={"csrf": K.csrf_of(client.get(links["U01"]).text)},
            files={"file": ("a.xlsx", K.return_bytes("U01"))},
        )
        # a query (核实): unexplained, the return is to correct or explain, as `validate --previous` says
        assert "与上年度报表不衔接" in page.text and "待补正" in page.text
        page = client.post(
            links["U02"] + "/upload",
            data={"csrf": K.csrf_of(client.get(links["U02"]).text)},
            files={"file": ("b.xlsx", K.return_bytes("U02"))},
        )
        assert "未找到上年度报表" in page.text
    store = Store(data)
    codes = {
        u.code: {f["code"] for f in store.current(u).findings_list()} for u in store.units(store.collections()[0].id)
    }
    assert "cross-year-mismatch" in codes["U01"] and "cross-year-mismatch" not in codes["U02"]
    assert "cross-year-missing" in codes["U02"]
    assert {s.unit.code: s.status for s in store.statuses(store.collections()[0].id)} == {
        "U01": "invalid",
        "U02": "passed",
    }


def test_a_returned_unit_uploads_again_and_still_sees_the_comment(env, client):
    csrf = K.login(client)
    K.upload(client, env.tokens["U01"], K.return_bytes("U01"))
    client.post(f"/office/c/{env.cid}/u/U01/return", data={"csrf": csrf, "comment": "封面电话有误"})
    assert status_of(env, "U01") == "returned"
    page = K.upload(client, env.tokens["U01"], K.return_bytes("U01", bump=1))
    assert status_of(env, "U01") == "passed"  # a new upload is judged afresh
    assert "封面电话有误" in page.text and "针对此前的一次提交" in page.text


def test_an_accepted_return_is_locked_until_the_office_sends_it_back(env, client):
    csrf = K.login(client)
    K.upload(client, env.tokens["U01"], K.return_bytes("U01"))
    client.post(f"/office/c/{env.cid}/u/U01/accept", data={"csrf": csrf, "comment": "好"})
    page = client.get(f"/u/{env.tokens['U01']}").text
    assert "报表已确认" in page and 'name="file"' not in page
    page_csrf = K.csrf_of(page) if 'name="csrf"' in page else "x"
    refused = client.post(
        f"/u/{env.tokens['U01']}/upload",
        data={"csrf": page_csrf},
        files={"file": ("b.xlsx", K.return_bytes("U01", bump=2))},
    )
    assert refused.status_code in (403, 409) and len(env.store.submissions(env.store.unit(env.cid, "U01"))) == 1
    client.post(f"/office/c/{env.cid}/u/U01/return", data={"csrf": csrf, "comment": "请补充封面"})
    assert K.upload(client, env.tokens["U01"], K.return_bytes("U01", bump=2)).status_code == 200
    assert status_of(env, "U01") == "passed" and len(env.store.submissions(env.store.unit(env.cid, "U01"))) == 2


def test_serve_refuses_a_port_in_use(tmp_path):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = runner.invoke(cli_app, ["serve", "--data", str(tmp_path / "d"), "--port", str(port)])
    assert result.exit_code == 2 and "无法在 127.0.0.1" in result.output and "--port" in result.output


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.mark.slow  # renders Word documents (python-docx, lxml)
def test_draft_reports_for_a_unit_and_the_district(env, client, tmp_path):
    token = env.tokens["U01"]
    K.upload(client, token, K.invalid_bytes(tmp_path, "U01"))
    assert 'id="draft"' not in client.get(f"/u/{token}").text
    refused = client.get(f"/u/{token}/draft.docx")
    assert refused.status_code == 400 and "通过审核后才能生成" in refused.text
    page = K.upload(client, token, K.return_bytes("U01", bump=7))
    assert 'id="draft"' in page.text
    draft = client.get(f"/u/{token}/draft.docx")
    assert draft.status_code == 200 and draft.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    text = docx_text(draft.content)
    assert "甲街道办事处" in text and str(K.YEAR) in text
    new_requests = int(K.H.example_doc("U01").values["t3.r_new.c_natural"]) + 7
    assert str(new_requests) in text
    # another unit cannot fetch it, and the office gets the district's draft from the summary
    assert client.get(f"/u/{env.tokens['U02']}/draft.docx").status_code == 404
    K.login(client)
    district = client.get(f"/office/c/{env.cid}/download/draft.docx")
    assert district.status_code == 200
    text = docx_text(district.content)
    assert "测试区" in text and str(new_requests) in text
    sub = env.store.current(env.store.unit(env.cid, "U01"))
    assert docx_text(client.get(f"/office/c/{env.cid}/s/{sub.id}/draft").content) == docx_text(draft.content)
    assert any(a["action"] == "download-draft" for a in env.store.audit_rows(env.cid))


def test_queries_are_judged_as_validate_judges_them(env, client, tmp_path):
    """An implausible figure is a 核实 query: unexplained, the return is 待补正 (as `ogi-xlsx validate` says)."""
    data = K.return_bytes("U01", bump=20000)  # more than 10,000 new requests
    page = K.upload(client, env.tokens["U01"], data)
    assert "待补正" in page.text and "核实" in page.text and "远超常见范围" in page.text
    sub = env.store.current(env.store.unit(env.cid, "U01"))
    assert sub.queries == 2 and sub.errors == 0 and not sub.valid
    assert status_of(env, "U01") == "invalid"
    path = tmp_path / "U01.xlsx"
    path.write_bytes(data)
    cli = runner.invoke(cli_app, ["validate", str(path), "--year", str(K.YEAR), "--json", "--no-cache"])
    assert cli.exit_code == 1 and json.loads(cli.output)["files"][0]["valid"] is False
