"""Issue 16 in the portal: units answer queries (核实项) in the browser, the office reads and rejects
explanations, answers survive a re-upload, and each collection has its own settings file."""

from __future__ import annotations

import io
import json
import re
import sqlite3

import portal_kit as K
import pytest
from portal_kit import TestClient
from typer.testing import CliRunner

from ogi_xlsx import api
from ogi_xlsx.cli.main import app as cli_app
from ogi_xlsx.portal import service
from ogi_xlsx.portal.app import create_app
from ogi_xlsx.portal.store import Store

runner = CliRunner()

# more than 10,000 new requests (and carried over): two queries of rule P1, 表三 J6 and J30
IMPLAUSIBLE = 20000
GOOD = "本年辖区内一家物流企业就两万余件货运车辆登记信息逐件提出申请，均已登记办理"
GOOD_2 = "其中两万件申请在12月下旬集中收到，按规定延期答复，结转到下一年度继续办理"
P1 = "P1_t3_applications_max"


@pytest.fixture
def env(tmp_path):
    return K.make_env(tmp_path / "data")


@pytest.fixture
def client(env):
    with TestClient(create_app(env.data)) as c:
        yield c


def status_of(env: K.Env, code: str) -> str:
    return {s.unit.code: s.status for s in env.store.statuses(env.cid)}[code]


def current(env: K.Env, code: str = "U01"):
    return env.store.current(env.store.unit(env.cid, code))


def fields_of(html: str) -> list[str]:
    """The query text boxes of a unit page, in page order."""
    return re.findall(r'<textarea name="(a_[0-9a-f]{16})"', html)


def answer(client, token: str, texts: dict[str, str], *, submission: int | None = None, follow: bool = True):
    """Post the answers form of a unit page as a browser would (its CSRF and submission fields)."""
    page = client.get(f"/u/{token}").text
    sub = submission if submission is not None else int(re.search(r'name="submission" value="(\d+)"', page).group(1))
    return client.post(
        f"/u/{token}/answers",
        data={"csrf": K.csrf_of(page), "submission": str(sub), **texts},
        follow_redirects=follow,
    )


def queries_section(html: str) -> str:
    start = html.index('id="queries"')
    return html[start : html.index("</section>", start)]


def test_a_unit_answers_its_queries_in_the_browser_and_the_summary_lists_them(env, client):
    token = env.tokens["U01"]
    page = K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE))
    assert status_of(env, "U01") == "invalid"
    section = queries_section(page.text)
    # one box per open query, with what to check and an example of a good explanation
    j6, j30 = fields_of(page.text)
    assert section.count("待说明") == 2 and "J6" in section and "J30" in section
    assert "申请件数远超常见范围" in section and "好的说明写明原因，例如：" in section
    assert api.explanation_example(api.load_format("ogi-2021"), P1) in section

    # boilerplate is refused with the judge's guidance; a real reason is taken
    done = answer(client, token, {j6: "经核实，数据无误。", j30: GOOD})
    section = queries_section(done.text)
    assert "已保存 2 条说明" in section and "只说核实过、数据无误，没有说明原因" in section
    assert "已采用的说明（网页填写）" in section and GOOD in section
    assert status_of(env, "U01") == "invalid" and not current(env).valid
    # the refused text stays in its box, so the clerk can improve it
    assert "经核实，数据无误。</textarea>" in section
    # the 催报 text says what holds the return back
    reminder = next(r for r in service.reminders(env.store, env.store.collection(env.cid), "") if r["code"] == "U01")
    assert "1 个核实项待改正或说明" in reminder["text"] and "0 个错误" not in reminder["text"]

    done = answer(client, token, {j6: GOOD_2})
    assert status_of(env, "U01") == "passed" and current(env).valid
    assert queries_section(done.text).count("已说明") == 2
    # the upload's own verdict is kept as it was; the new one is the judged one
    sub = current(env)
    assert sub.upload_valid is False and sub.judged
    texts = {f["cell"]: f.get("explanation") for f in sub.findings_list() if f["severity"] == "query"}
    assert texts == {"J6": GOOD_2, "J30": GOOD}

    # every edit is audit-logged with its text
    explained = [a for a in env.store.audit_rows(env.cid) if a["action"] == "explain"]
    assert [a["detail"] for a in explained] == ["经核实，数据无误。", GOOD, GOOD_2]
    assert all(a["actor"] == "unit" and a["unit_code"] == "U01" for a in explained)

    # the explanations travel with the return: the district summary lists them, as merge does
    K.login(client)
    summary = json.loads(client.get(f"/office/c/{env.cid}/download/summary.json").content)
    text = json.dumps(summary, ensure_ascii=False)
    assert GOOD in text and GOOD_2 in text
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(f"/office/c/{env.cid}/download/summary.xlsx").content))
    cells = [str(c.value) for row in wb["报送情况"].iter_rows() for c in row if c.value is not None]
    assert any(GOOD in c for c in cells) and any(GOOD_2 in c for c in cells)
    # and in the zip of current returns (the files do not hold answers typed in the browser)
    import csv
    import zipfile

    with zipfile.ZipFile(io.BytesIO(client.get(f"/office/c/{env.cid}/download/returns.zip").content)) as zf:
        table = zf.read(service.EXPLANATIONS_CSV).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0] == service.EXPLANATION_HEADER
    assert sorted((r[0], r[3], r[6], r[7]) for r in rows[1:]) == [
        ("U01", "J30", GOOD, "网页填写"),
        ("U01", "J6", GOOD_2, "网页填写"),
    ]
    # the dashboard counts the unit's queries (none left to explain)
    row = re.search(r'<td class="queries-count">([^<]*)</td>', client.get(f"/office/c/{env.cid}").text).group(1)
    assert row.strip() == "2（0）"
    # and the office sees them on the unit's page, with where they came from
    detail = client.get(f"/office/c/{env.cid}/u/U01").text
    assert GOOD in queries_section(detail) and "来源：网页填写" in detail


def test_the_office_rejects_an_explanation_and_the_unit_answers_again(env, client):
    token = env.tokens["U01"]
    page = K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE))
    j6, j30 = fields_of(page.text)
    answer(client, token, {j6: GOOD_2, j30: GOOD})
    csrf = K.login(client)
    client.post(f"/office/c/{env.cid}/u/U01/accept", data={"csrf": csrf, "comment": ""})
    assert status_of(env, "U01") == "accepted"
    detail = client.get(f"/office/c/{env.cid}/u/U01").text
    keys = re.findall(r'name="key" value="([^"]+)"', detail)
    assert len(keys) == 2 and detail.count("退回这条说明") == 2
    key_j6 = next(k for k in keys if k.endswith("|J6"))
    sid = current(env).id

    # a reason is required; a stale page (another submission) is refused
    empty = client.post(
        f"/office/c/{env.cid}/u/U01/reject-explanation",
        data={"csrf": csrf, "submission": sid, "key": key_j6, "reason": " "},
    )
    assert empty.status_code == 400 and "请填写退回原因" in empty.text
    stale = client.post(
        f"/office/c/{env.cid}/u/U01/reject-explanation",
        data={"csrf": csrf, "submission": sid + 100, "key": key_j6, "reason": "x"},
    )
    assert stale.status_code == 409
    unknown = client.post(
        f"/office/c/{env.cid}/u/U01/reject-explanation",
        data={"csrf": csrf, "submission": sid, "key": "X9|表九|Z99", "reason": "x"},
    )
    assert unknown.status_code == 400 and "没有这条情况说明" in unknown.text
    assert status_of(env, "U01") == "accepted"

    reason = "请写明延期答复的依据和件数"
    done = client.post(
        f"/office/c/{env.cid}/u/U01/reject-explanation",
        data={"csrf": csrf, "submission": sid, "key": key_j6, "reason": reason},
    )
    assert done.status_code == 200 and "已退回" in done.text and reason in done.text
    # the query is open again, the acceptance withdrawn so that the unit can answer
    assert status_of(env, "U01") == "invalid"
    line = [a for a in env.store.audit_rows(env.cid) if a["action"] == "reject-explanation"]
    assert len(line) == 1 and reason in line[0]["detail"] and GOOD_2 in line[0]["detail"]
    assert "撤销此前的确认" in line[0]["detail"]

    unit_page = client.get(f"/u/{token}").text
    section = queries_section(unit_page)
    assert "区政务公开办退回了这条说明" in section and reason in section
    # the same text again stays rejected; a new one passes
    answer(client, token, {j6: GOOD_2})
    assert status_of(env, "U01") == "invalid"
    better = "依据条例第三十三条延期答复两万件，均为12月下旬收到，已书面告知申请人延期理由"
    answer(client, token, {j6: better})
    assert status_of(env, "U01") == "passed"
    explained = {f["cell"]: f.get("explanation") for f in current(env).findings_list() if f["severity"] == "query"}
    assert explained == {"J6": better, "J30": GOOD}


def sheet_return(explanations: list[tuple[str, str, str]], code: str = "U01") -> bytes:
    """A return with the implausible figure and rows in its 情况说明 sheet."""
    doc = K.H.example_doc(code, K.UNITS[code])
    inputs = set(doc.spec.input_ids)
    doc.values = {k: v for k, v in doc.values.items() if k in inputs}
    for cell in ("t3.r_new.c_natural", "t3.r_carry_next.c_natural"):
        doc.values[cell] = int(doc.values.get(cell) or 0) + IMPLAUSIBLE
    api.add_explanations(doc, explanations)
    buf = io.BytesIO()
    api.write_return(doc, buf)
    return buf.getvalue()


def test_explanations_from_the_sheet_are_shown_and_can_be_rejected(env, client):
    token = env.tokens["U01"]
    data = sheet_return([(P1, "表三 J6", GOOD_2), (P1, "表三 J30", GOOD)])
    page = K.upload(client, token, data)
    assert status_of(env, "U01") == "passed"
    assert queries_section(page.text).count("已采用的说明（情况说明表）") == 2
    csrf = K.login(client)
    detail = client.get(f"/office/c/{env.cid}/u/U01").text
    assert "来源：情况说明表" in detail
    key = next(k for k in re.findall(r'name="key" value="([^"]+)"', detail) if k.endswith("|J30"))
    client.post(
        f"/office/c/{env.cid}/u/U01/reject-explanation",
        data={"csrf": csrf, "submission": current(env).id, "key": key, "reason": "与上年结转数不符，请核对"},
    )
    assert status_of(env, "U01") == "invalid"
    # an answer typed in the browser then settles it, before the sheet's (rejected) row
    j30 = fields_of(client.get(f"/u/{token}").text)[1]
    answer(client, token, {j30: "结转的两万件均为12月下旬收到的批量申请，已于次年1月全部办结"})
    assert status_of(env, "U01") == "passed"


def test_a_reupload_carries_the_answers_to_queries_still_open(env, client):
    token = env.tokens["U01"]
    page = K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE))
    j6, j30 = fields_of(page.text)
    answer(client, token, {j6: GOOD_2, j30: "无"})  # J30's is refused by the judge: not carried
    first = current(env)
    # a corrected cover or another figure: the same queries are still open in the new file
    page = K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE + 1), "改过的.xlsx")
    second = current(env)
    assert second.id != first.id
    section = queries_section(page.text)
    assert "沿用了本单位上次在网页上填写的 1 条说明" in section and "网页填写，沿用" in section
    carried = env.store.answers(second.id)
    assert [(a["text"], a["carried_from"]) for a in carried] == [
        (GOOD_2, env.store.latest_answers(first.id)[carried[0]["key"]]["id"])
    ]
    assert [a["action"] for a in env.store.audit_rows(env.cid)].count("carry-explanation") == 1
    explained = {f["cell"]: f.get("explanation") for f in second.findings_list() if f["severity"] == "query"}
    assert explained == {"J6": GOOD_2, "J30": None}
    assert status_of(env, "U01") == "invalid"

    # a rejected explanation is not carried either
    csrf = K.login(client)
    key = next(a["key"] for a in carried)
    client.post(
        f"/office/c/{env.cid}/u/U01/reject-explanation",
        data={"csrf": csrf, "submission": second.id, "key": key, "reason": "不够具体"},
    )
    K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE + 2))
    assert env.store.answers(current(env).id) == []

    # a corrected figure: no query left, nothing to carry
    K.upload(client, token, K.return_bytes("U01", bump=3))
    assert status_of(env, "U01") == "passed" and env.store.answers(current(env).id) == []


def test_unit_a_cannot_answer_unit_b(env, client):
    a, b = env.tokens["U01"], env.tokens["U02"]
    page_a = K.upload(client, a, K.return_bytes("U01", bump=IMPLAUSIBLE))
    K.upload(client, b, K.return_bytes("U02"))
    fields = fields_of(page_a.text)
    sub_a = current(env, "U01").id
    page_b = client.get(f"/u/{b}").text
    assert 'id="queries"' not in page_b and "申请件数远超常见范围" not in page_b
    # B's link with A's submission id and A's field names: refused, nothing recorded for A
    refused = client.post(
        f"/u/{b}/answers",
        data={"csrf": K.csrf_of(page_b), "submission": str(sub_a), **{f: GOOD for f in fields}},
    )
    assert refused.status_code == 409
    # B's form token on A's link: refused
    forged = client.post(
        f"/u/{a}/answers", data={"csrf": K.csrf_of(page_b), "submission": str(sub_a), **{f: GOOD for f in fields}}
    )
    assert forged.status_code == 403
    assert env.store.answers(sub_a) == [] and status_of(env, "U01") == "invalid"
    # a guessed link
    assert client.post("/u/notatoken/answers", data={"csrf": "x", "submission": str(sub_a)}).status_code == 404


def test_csrf_and_login_on_the_new_forms(env, client):
    token = env.tokens["U01"]
    K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE))
    sub = current(env)
    field = fields_of(client.get(f"/u/{token}").text)[0]
    no_csrf = client.post(f"/u/{token}/answers", data={"submission": str(sub.id), field: GOOD})
    assert no_csrf.status_code == 403 and env.store.answers(sub.id) == []
    answer(client, token, {field: GOOD})
    key = env.store.answers(sub.id)[0]["key"]
    reject = {"submission": str(sub.id), "key": key, "reason": "不行"}
    settings = {"settings_text": "queries_as_warnings = true"}
    # not logged in
    assert client.post(f"/office/c/{env.cid}/u/U01/reject-explanation", data=reject).status_code == 403
    assert client.post(f"/office/c/{env.cid}/settings", data=settings).status_code == 403
    csrf = K.login(client)
    # logged in, without the token or with a wrong one
    for data in (reject, {**reject, "csrf": "wrong"}):
        assert client.post(f"/office/c/{env.cid}/u/U01/reject-explanation", data=data).status_code == 403
    for data in (settings, {**settings, "csrf": "wrong"}):
        assert client.post(f"/office/c/{env.cid}/settings", data=data).status_code == 403
    assert env.store.rejections(sub.id) == [] and env.store.collection(env.cid).settings == ""
    # a cross-site post is refused before anything else
    cross = client.post(
        f"/office/c/{env.cid}/settings", data={**settings, "csrf": csrf}, headers={"origin": "http://evil.example"}
    )
    assert cross.status_code == 403 and env.store.collection(env.cid).settings == ""


def test_explanation_text_is_escaped(env, client):
    token = env.tokens["U01"]
    K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE))
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> 本年因企业批量申请两万余件而大幅增加'
    field = fields_of(client.get(f"/u/{token}").text)[0]
    page = answer(client, token, {field: hostile}).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    csrf = K.login(client)
    detail = client.get(f"/office/c/{env.cid}/u/U01").text
    assert "<script>alert" not in detail and "&lt;script&gt;" in detail
    key = env.store.answers(current(env).id)[0]["key"]
    client.post(
        f"/office/c/{env.cid}/u/U01/reject-explanation",
        data={"csrf": csrf, "submission": current(env).id, "key": key, "reason": "<b>原因</b>"},
    )
    page = client.get(f"/u/{token}").text
    assert "<b>原因</b>" not in page and "&lt;b&gt;原因&lt;/b&gt;" in page
    audit = client.get("/office/audit").text
    assert "<script>alert" not in audit


def test_answers_are_refused_when_closed_locked_or_the_page_is_stale(env, client):
    token = env.tokens["U01"]
    K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE))
    page = client.get(f"/u/{token}").text
    old_sub = current(env).id
    field = fields_of(page)[0]
    K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE + 1))
    stale = client.post(f"/u/{token}/answers", data={"csrf": K.csrf_of(page), "submission": str(old_sub), field: GOOD})
    assert stale.status_code == 409 and "报表已更新" in stale.text
    assert env.store.answers(old_sub) == [] and env.store.answers(current(env).id) == []
    csrf = K.login(client)
    client.post(f"/office/c/{env.cid}/u/U01/accept", data={"csrf": csrf, "comment": ""})
    locked = answer(client, token, {field: GOOD})
    assert locked.status_code == 409 and "报表已确认" in locked.text
    env.store.set_closed(env.cid, True)
    closed = client.post(f"/u/{token}/answers", data={"csrf": "x", "submission": "1"})
    assert closed.status_code == 410 and env.store.answers(current(env).id) == []


def test_settings_per_collection_in_the_office_pages(env, client):
    csrf = K.login(client)
    roster = "U01\t甲街道办事处\nU02\t乙街道办事处"
    # a bad settings file: the Chinese message on the page, nothing created
    before = len(env.store.collections())
    bad = client.post(
        "/office/collections",
        data={
            "csrf": csrf,
            "year": "2024",
            "roster_text": roster,
            "settings_text": "[rules.P9_nothing]\nenabled = false",
        },
    )
    assert bad.status_code == 400 and "设置文件" in bad.text and "没有这条规则" in bad.text
    bad_toml = client.post(
        "/office/collections",
        data={"csrf": csrf, "year": "2024", "roster_text": roster},
        files={"settings": ("规则.toml", b"[rules.P1\nmax = ", "text/plain")},
    )
    assert bad_toml.status_code == 400 and "规则.toml" in bad_toml.text and "TOML 格式错误" in bad_toml.text
    wrong_kind = client.post(
        "/office/collections",
        data={"csrf": csrf, "year": "2024", "roster_text": roster},
        files={"settings": ("规则.txt", b"x = 1", "text/plain")},
    )
    assert wrong_kind.status_code == 400 and "应为 .toml 或 .json" in wrong_kind.text
    assert len(env.store.collections()) == before

    # an uploaded file switching the rule off: the implausible figure passes in that collection only
    off = f'[rules.{P1}]\nenabled = false\nreason = "本区有批量申请"\n'
    made = client.post(
        "/office/collections",
        data={"csrf": csrf, "year": "2024", "roster_text": roster},
        files={"settings": ("本区设置.toml", off.encode(), "text/plain")},
    )
    cid = int(made.url.path.rsplit("/", 1)[1])
    assert "本区设置.toml" in made.text and "enabled = false" in made.text
    store = env.store
    link = next(u["link"] for u in service.links(store, store.collection(cid)) if u["code"] == "U01")
    K.upload(client, link.removeprefix("/u/"), K.return_bytes("U01", bump=IMPLAUSIBLE))
    K.upload(client, env.tokens["U01"], K.return_bytes("U01", bump=IMPLAUSIBLE))
    assert {s.unit.code: s.status for s in store.statuses(cid)}["U01"] == "passed"
    assert status_of(env, "U01") == "invalid"  # the first collection keeps the defaults

    # changed later on the dashboard (pasted JSON, a higher threshold): current returns judged again
    raised = json.dumps({"rules": {P1: {"max": 30000}}})
    page = client.post(f"/office/c/{env.cid}/settings", data={"csrf": csrf, "settings_text": raised})
    assert page.status_code == 200 and "粘贴的设置" in page.text
    assert status_of(env, "U01") == "passed"
    lower = json.dumps({"rules": {P1: {"max": "many"}}})
    refused = client.post(f"/office/c/{env.cid}/settings", data={"csrf": csrf, "settings_text": lower})
    assert refused.status_code == 400 and "设置文件" in refused.text
    broken = client.post(f"/office/c/{env.cid}/settings", data={"csrf": csrf, "settings_text": '{"rules": '})
    assert broken.status_code == 400 and "JSON 格式错误，第 1 行" in broken.text
    assert status_of(env, "U01") == "passed" and store.collection(env.cid).settings == raised
    client.post(f"/office/c/{env.cid}/settings", data={"csrf": csrf, "clear": "1"})
    assert store.collection(env.cid).settings == "" and status_of(env, "U01") == "invalid"
    assert [a["action"] for a in store.audit_rows(env.cid)].count("settings") == 2


def test_portal_create_with_a_settings_file(tmp_path):
    data = tmp_path / "d"
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称\nU01,甲街道办事处\n", encoding="utf-8")
    bad = tmp_path / "坏.toml"
    bad.write_text("[rules.P1_t3_applications_max]\nmaxx = 5\n", encoding="utf-8")
    args = ["portal", "create", "--data", str(data), "--year", "2024", "--roster", str(roster), "--json"]
    refused = runner.invoke(cli_app, [*args, "--settings", str(bad)])
    assert refused.exit_code == 2 and "坏.toml" in refused.output and "maxx" in refused.output
    assert not (data / "portal.sqlite3").exists() or Store(data).collections() == []
    good = tmp_path / "settings.json"
    good.write_text(json.dumps({"rules": {P1: {"enabled": False}}}), encoding="utf-8")
    made = runner.invoke(cli_app, [*args, "--settings", str(good)])
    assert made.exit_code == 0, made.output
    payload = json.loads(made.output)
    store = Store(data)
    assert store.collection(payload["collection"]).settings_name == "settings.json"
    with TestClient(create_app(data)) as client:
        K.upload(client, payload["units"][0]["link"].removeprefix("/u/"), K.return_bytes("U01", bump=IMPLAUSIBLE))
    assert store.statuses(payload["collection"])[0].status == "passed"


def test_a_data_folder_from_before_the_settings_opens(tmp_path):
    env = K.make_env(tmp_path / "data")
    env.store.close()
    db = sqlite3.connect(tmp_path / "data" / "portal.sqlite3")
    db.execute("ALTER TABLE collections DROP COLUMN settings_name")
    db.execute("ALTER TABLE collections DROP COLUMN settings")
    db.commit()
    db.close()
    store = Store(tmp_path / "data")
    assert store.collection(env.cid).settings == "" and store.statuses(env.cid)[0].status == "missing"


@pytest.mark.slow  # starts a check process, as `serve` does
def test_answers_and_carry_over_with_check_processes(tmp_path):
    env = K.make_env(tmp_path / "data")
    with TestClient(create_app(env.data, check_processes=1)) as client:
        token = env.tokens["U01"]
        page = K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE))
        j6, j30 = fields_of(page.text)
        answer(client, token, {j6: GOOD_2, j30: GOOD})
        assert status_of(env, "U01") == "passed"
        page = K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE + 1))
        assert "沿用了本单位上次在网页上填写的 2 条说明" in page.text
        assert status_of(env, "U01") == "passed" and current(env).upload_valid is False


def test_answering_a_returned_return_says_the_office_will_look_again(env, client):
    token = env.tokens["U01"]
    page = K.upload(client, token, K.return_bytes("U01", bump=IMPLAUSIBLE))
    j6, j30 = fields_of(page.text)
    csrf = K.login(client)
    client.post(f"/office/c/{env.cid}/u/U01/return", data={"csrf": csrf, "comment": "请说明申请量为何大增"})
    done = answer(client, token, {j6: GOOD_2, j30: GOOD})
    assert "已保存 2 条说明" in done.text and "区政务公开办看过说明后会重新处理" in done.text
    # the office's send-back stands until it acts: the unit is still 已退回, its return now explained
    assert status_of(env, "U01") == "returned" and current(env).valid
    client.post(f"/office/c/{env.cid}/u/U01/accept", data={"csrf": csrf, "comment": "说明清楚"})
    assert status_of(env, "U01") == "accepted"
