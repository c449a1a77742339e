"""What the portal does with files, on the pipeline API only: check an upload, annotate it, build the
district summary, the status table, the zip of current returns and the 催报 texts.

No web library here: the ``portal`` commands, the server and the benchmark share it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any

from ogi_xlsx import api
from ogi_xlsx.model.findings import (
    SEVERITY_LABELS,
    Finding,
    finding,
    has_errors,
    has_open_queries,
    piece,
    sort_findings,
)
from ogi_xlsx.portal.store import STATUS_LABELS, SUMMED_STATUSES, Collection, Store, Submission, Unit, UnitState

# Suffixes kept for the check (the reader tells a .xls or .et apart and asks to re-save it);
# any other name is checked as .xlsx, so that a PDF gets "不是 .xlsx 文件".
KNOWN_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xls", ".xlt", ".et", ".ett", ".wps", ".ods", ".json"})
DEFAULT_SUMMARY_CODE = "SUMMARY"
MAX_ANSWER_CHARS = 2000  # as a row of the 情况说明 sheet
REFUSING = frozenset({"portal-wrong-unit", "year-mismatch"})


def display_name(filename: str | None) -> str:
    """A user's file name as metadata only: last path part, no control characters, at most 200 characters."""
    name = PurePath(str(filename or "").replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return (name or "未命名文件")[:200]


def check_suffix(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    return suffix if suffix in KNOWN_SUFFIXES else ".xlsx"


def _finding_from_dict(data: dict[str, Any]) -> Finding:
    return Finding(
        data["code"],
        data["message"],
        severity=data.get("severity"),
        sheet=data.get("sheet"),
        cell=data.get("cell"),
        cell_ids=tuple(data.get("cell_ids") or ()),
        rule=data.get("rule"),
        args=dict(data.get("args") or {}),
        explanation=data.get("explanation"),
    )


def findings_of(submission: Submission) -> list[Finding]:
    return [_finding_from_dict(d) for d in submission.findings_list()]


class _Linked:
    """A stored file seen under a server-made name with the right suffix (a hard link, or a copy)."""

    def __init__(self, source: Path, suffix: str, stem: str) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="ogi-portal-")
        self.path = Path(self._dir.name) / f"{stem}{suffix}"
        try:
            os.link(source, self.path)
        except OSError:
            self.path.write_bytes(source.read_bytes())

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        self._dir.cleanup()


@dataclass
class PreviousCache:
    """Last year's returns of each collection, checked once per process (for the cross-year checks)."""

    reports: dict[int, list[Any]] = field(default_factory=dict)

    def get(self, store: Store, collection: Collection) -> list[Any]:
        if collection.id not in self.reports:
            # with the roster: a unit's published report (no unit code) gets its code by the unit name
            roster = {u.code: u.name for u in store.units(collection.id)}
            options = api.CheckOptions.make(expected_year=collection.year - 1, roster=roster)
            reports = []
            for digest in collection.previous:
                blob = store.blob_path(digest)
                suffix = api.published_report_suffix(blob)  # last year's published report (PDF, Word, web page)
                if suffix is None:
                    reports.append(api.check_file(blob, options))
                    continue
                with _Linked(blob, suffix, f"previous-{digest[:16]}") as path:
                    reports.append(api.check_file(path, options))
            self.reports[collection.id] = reports
        return self.reports[collection.id]


PREVIOUS = PreviousCache()


def query_key(finding: Any) -> str:
    """What identifies a query across uploads and edits: its rule, table and cell (``Y1_…|表三|J6``)."""
    get = finding.get if isinstance(finding, dict) else lambda k: getattr(finding, k, None)
    return f"{get('rule') or ''}|{get('sheet') or ''}|{get('cell') or ''}"


def field_name(key: str) -> str:
    """The form field of a query's text box (a hash: rule ids and sheet names never become field names)."""
    from hashlib import sha256

    return "a_" + sha256(key.encode("utf-8")).hexdigest()[:16]


def settings_kind(text: str, name: str = "") -> str:
    """``json`` or ``toml``: by the file name's suffix, else by the text (JSON starts with ``{``)."""
    suffix = PurePath(name).suffix.lower()
    if suffix in (".json", ".toml"):
        return suffix[1:]
    return "json" if text.lstrip("\ufeff \t\r\n").startswith("{") else "toml"


_SETTINGS: dict[tuple[str, str], Any] = {}


def settings_of(collection: Collection) -> Any:
    """The collection's checked settings (``None``: the defaults). Checked once per text and process."""
    if not collection.settings.strip():
        return None
    key = (collection.settings, collection.settings_name)
    if key not in _SETTINGS:
        _SETTINGS[key] = parse_settings(collection.settings, collection.settings_name)
    return _SETTINGS[key]


def parse_settings(text: str, name: str = "") -> Any:
    """Check the office's settings (TOML or JSON) with the project's schema; ``SettingsError`` (Chinese)."""
    shown = display_name(name) if name else "（粘贴的设置）"
    return api.settings_from_text(text, settings_kind(text, name), shown)  # type: ignore[arg-type]


def answer_cell(finding: dict[str, Any]) -> str:
    """How a browser answer names its query's cell for the judge: the cell id, else the A1 address."""
    ids = finding.get("cell_ids") or ()
    return str(ids[0]) if ids else str(finding.get("cell") or "")


def check_upload(
    store: Store,
    collection: Collection,
    unit: Unit,
    digest: str,
    filename: str,
    *,
    answers: Sequence[tuple[str, str, str]] = (),
    rejected: Mapping[tuple[str, str], str] | None = None,
) -> dict[str, Any]:
    """Check a kept upload for ``unit``: the pipeline's findings plus "not this unit's return"; JSON-ready verdict.

    ``answers``: the unit's answers typed in the browser, ``(rule, cell, text)``, judged with the file's own
    情况说明 (and before them: a browser answer settles a query the sheet also explains). ``rejected``:
    explanations the office sent back, ``(query key, text) -> reason``; their queries stay open.
    """
    roster = {u.code: u.name for u in store.units(collection.id)}
    options = api.CheckOptions.make(expected_year=collection.year, roster=roster)
    temp_stem = f"upload-{digest[:16]}"
    shown = display_name(filename)
    with _Linked(store.blob_path(digest), check_suffix(filename), temp_stem) as path:
        # messages name the file the user sent (``shown``), never the server's temporary name
        report = api.check_file(path, options, name=shown)
        # as `validate` does: the cross-year checks against last year's returns, then the queries
        # (核实: plausibility, the unit's 情况说明 judged); an unexplained query is 待补正 like an error
        previous = PREVIOUS.get(store, collection) if collection.previous else []
        if previous and report.document is not None:
            extra = api.cross_year_findings([report], previous)[0]
            # last year's published report of this unit, matched by its name: say so
            extra += [
                f
                for item in previous
                if item.document is not None and item.document.unit_code == unit.code
                for f in item.findings
                if f.code == "cross-year-by-name"
            ]
            if extra:
                report.findings = sort_findings([*report.findings, *extra])
        if answers and report.document is not None:
            api.add_explanations(report.document, answers, first=True)
        api.apply_queries([report], previous, settings_of(collection))
        findings = office_rejections(report, rejected or {})
    code = report.unit_code or (report.document.unit_code if report.document else None)
    if code and code != unit.code:
        other = report.unit_name or (report.document.unit_name if report.document else "") or ""
        findings.append(
            finding(
                "portal-wrong-unit",
                "",
                {"other": other, "code": code, "name": unit.name, "unit_code": unit.code},
                args={"found": code, "expected": unit.code},
            )
        )
    findings = sort_findings(findings)
    counts = dict.fromkeys(SEVERITY_LABELS, 0)
    for f in findings:
        counts[f.severity or "error"] = counts.get(f.severity or "error", 0) + 1
    return {
        "valid": not has_errors(findings) and not has_open_queries(findings),
        # another unit's or another year's return is refused: kept and shown, never the unit's current return
        "refused": any(f.code in REFUSING for f in findings),
        "counts": counts,
        "findings": [f.to_dict() for f in findings],
        "document": report.document.to_json() if report.document is not None else None,
        "format": report.format,
        "year": report.year,
        "unit_code": code,
        "unit_name": report.unit_name,
    }


def office_rejections(report: Any, rejected: Mapping[tuple[str, str], str]) -> list[Finding]:
    """The report's findings with the explanations the office rejected taken back: the query is open
    again, with the office's reason and an example of a good explanation."""
    if not rejected or report.document is None:
        return list(report.findings)
    out: list[Finding] = []
    for f in report.findings:
        reason = rejected.get((query_key(f), (f.explanation or "").strip())) if f.explanation else None
        if f.severity != "query" or reason is None:
            out.append(f)
            continue
        out.append(replace(f, explanation=None))
        shown = f.explanation.strip()
        shown = shown if len(shown) <= 30 else shown[:30] + "…"
        out.append(
            finding(
                "explanation-rejected",
                "office",
                {
                    "where": f.where or f.title,
                    "text": shown,
                    "reason": reason,
                    "example": api.explanation_example(report.document.spec, f.rule),
                },
                sheet=f.sheet,
                cell=f.cell,
                cell_ids=f.cell_ids,
                rule=f.rule,
                args={"text": f.explanation, "reason": reason, "by": "office"},
            )
        )
    return sort_findings(out)


def receive(
    store: Store, collection: Collection, unit: Unit, data: bytes, filename: str, *, actor: str, client: str = ""
) -> Submission:
    """Keep, check and record one upload (blocking: run it in a worker thread)."""
    digest = store.put_blob(data)  # kept before anything else: every upload is kept
    verdict = check_upload(store, collection, unit, digest, filename)
    return record(store, unit, data, digest, filename, verdict, actor=actor, client=client)


def record(
    store: Store,
    unit: Unit,
    data: bytes,
    digest: str,
    filename: str,
    verdict: dict[str, Any],
    *,
    actor: str,
    client: str = "",
) -> Submission:
    """Record a kept and checked upload (one commit: the submission and its audit line), then carry the
    unit's browser answers over from its previous return (:func:`carry_over`)."""
    previous = store.current(unit)
    sub = store.add_submission(
        unit,
        filename=display_name(filename),
        digest=digest,
        size=len(data),
        actor=actor,
        verdict=verdict,
        client=client,
    )
    if previous is not None and not sub.refused:
        collection = store.collection(unit.collection_id)
        if collection is not None and carry_over(store, collection, unit, previous, sub, client=client):
            sub = store.submission(sub.id)
    return sub


# ---------------------------------------------------------------------- answers to queries (issue 16)


def _browser_answers(store: Store, sub: Submission) -> tuple[list[tuple[str, str, str]], dict[tuple[str, str], str]]:
    """The answers in force of a submission (not rejected) and the office's rejections."""
    rejected = {(r["key"], r["text"].strip()): r["reason"] for r in store.rejections(sub.id)}
    answers = [
        (a["rule"], a["cell"], a["text"])
        for a in store.latest_answers(sub.id).values()
        if (a["key"], a["text"].strip()) not in rejected
    ]
    return answers, rejected


_JUDGE_LOCK = threading.RLock()


def rejudge(store: Store, collection: Collection, unit: Unit, sub: Submission) -> Submission:
    """Judge a submission again from its kept file, with the unit's browser answers and the office's
    rejections, by the same check as an upload (``validate``'s judge); keeps and returns the new verdict."""
    # one at a time: two answers posted at once must not end with a verdict that lacks one of them
    with _JUDGE_LOCK:
        answers, rejected = _browser_answers(store, sub)
        verdict = check_upload(store, collection, unit, sub.sha256, sub.filename, answers=answers, rejected=rejected)
        store.set_judged(sub.id, verdict)
    return store.submission(sub.id)


def carry_over(
    store: Store, collection: Collection, unit: Unit, previous: Submission, sub: Submission, *, client: str = ""
) -> int:
    """Re-uploading must not silently drop what the unit explained in the browser: each answer in force
    on the previous return (accepted by the judge, not rejected by the office) is carried to the same
    query (rule, table, cell) of the new return while that query is still open there; the new return is
    then judged with them. Returns how many were carried (each audit-logged, shown as 沿用)."""
    latest = store.latest_answers(previous.id)
    if not latest:
        return 0
    rejected = {(r["key"], r["text"].strip()) for r in store.rejections(previous.id)}
    accepted = {
        (query_key(f), (f.get("explanation") or "").strip())
        for f in previous.findings_list()
        if f.get("severity") == "query" and f.get("explanation")
    }
    open_keys = {query_key(f) for f in sub.findings_list() if f.get("severity") == "query" and not f.get("explanation")}
    items = [
        {"key": a["key"], "rule": a["rule"], "cell": a["cell"], "text": a["text"], "carried_from": a["id"]}
        for key, a in latest.items()
        if key in open_keys and (key, a["text"].strip()) in accepted and (key, a["text"].strip()) not in rejected
    ]
    if not items:
        return 0
    store.add_answers(unit, sub.id, items, actor="carried", client=client)
    rejudge(store, collection, unit, sub)
    return len(items)


def query_items(store: Store, collection: Collection, sub: Submission | None) -> list[dict[str, Any]]:
    """The queries (核实项) of a submission for the pages: what to check, the explanation in force and
    where it came from, the judge's or the office's refusal, an example of a good explanation."""
    if sub is None or sub.refused:
        return []
    findings = sub.findings_list()
    latest = store.latest_answers(sub.id)
    office = {}
    for r in store.rejections(sub.id):
        office[r["key"]] = r
    refusals = {
        query_key(f): f
        for f in findings
        if f["code"] == "explanation-rejected" and (f.get("args") or {}).get("by") != "office"
    }
    spec = api.load_format(collection.format)
    items = []
    for f in findings:
        if f.get("severity") != "query":
            continue
        key = query_key(f)
        answer = latest.get(key)
        explained = f.get("explanation")
        by_browser = bool(answer and explained and answer["text"].strip() == explained.strip())
        refusal = refusals.get(key)
        rejection = office.get(key)
        items.append(
            {
                "key": key,
                "field": field_name(key),
                "finding": f,
                "explanation": explained,
                "source": ("网页填写" if by_browser else "情况说明表") if explained else "",
                "answer": answer,
                "carried": bool(by_browser and answer and answer["carried_from"]),
                "refusal": None if explained or refusal is None else refusal["message"],
                # the office's latest rejection, while the query is open again
                "rejection": rejection if not explained and rejection is not None else None,
                "example": api.explanation_example(spec, f.get("rule")),
                # prefilled: the answer typed last (also when refused, so the clerk can improve it)
                "text": answer["text"] if answer else "",
            }
        )
    return items


def query_counts(sub: Submission) -> tuple[int, int]:
    """(queries, of which not explained) of a submission, for the dashboard."""
    asked = [f for f in sub.findings_list() if f.get("severity") == "query"]
    return len(asked), sum(1 for f in asked if not f.get("explanation"))


def record_answers(
    store: Store,
    collection: Collection,
    unit: Unit,
    sub: Submission,
    texts: Mapping[str, str],
    *,
    actor: str = "unit",
    client: str = "",
) -> int:
    """Record the texts typed for the queries of ``sub`` (by form field name; empty or unchanged ones
    are left) and judge the return again. Returns how many answers were recorded."""
    items = []
    for item in query_items(store, collection, sub):
        text = str(texts.get(item["field"], "")).strip()[:MAX_ANSWER_CHARS]
        if not text or (item["answer"] is not None and item["answer"]["text"] == text and not item["rejection"]):
            continue
        f = item["finding"]
        items.append({"key": item["key"], "rule": f.get("rule") or "", "cell": answer_cell(f), "text": text})
    if not items:
        return 0
    store.add_answers(unit, sub.id, items, actor=actor, client=client)
    rejudge(store, collection, unit, sub)
    return len(items)


def reject_explanation(
    store: Store, collection: Collection, unit: Unit, sub: Submission, key: str, reason: str, *, client: str = ""
) -> None:
    """The office sends one explanation back with a reason: kept, audit-logged, the return judged again
    (the query is open; the unit sees the reason). Raises ``StoreError`` when there is no such explanation."""
    from ogi_xlsx.portal.store import StoreError

    item = next((i for i in query_items(store, collection, sub) if i["key"] == key and i["explanation"]), None)
    if item is None:
        raise StoreError("没有这条情况说明（可能单位已重新上传或修改），请刷新页面后再操作。")
    f = item["finding"]
    label = " ".join(p for p in (f.get("sheet"), f.get("cell"), f.get("rule")) if p)
    store.reject_explanation(unit, sub.id, key, item["explanation"].strip(), reason, label, client=client)
    rejudge(store, collection, store.unit(collection.id, unit.code) or unit, sub)


def rejudge_collection(store: Store, collection: Collection) -> int:
    """Judge every unit's current return again (after the office changed the settings)."""
    count = 0
    for state in store.statuses(collection.id):
        if state.current is not None:
            rejudge(store, collection, state.unit, state.current)
            count += 1
    return count


_WORKER_STORES: dict[str, Store] = {}


def worker_init(server_pid: int) -> None:
    """Start of each check process: import the checker now, and leave as soon as the server is gone
    (killed or crashed), so that no orphaned worker is left running."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="ogi-portal-watchdog", daemon=True).start()
    from ogi_xlsx.model import document  # noqa: F401
    from ogi_xlsx.pipeline import batch, check  # noqa: F401
    from ogi_xlsx.reading import extract, xlsx  # noqa: F401

    api.load_format("ogi-2019")
    api.load_format("ogi-2021")


def ping() -> int:
    """A no-op task (starts a check process ahead of the first upload)."""
    return os.getpid()


def check_in_worker(data_dir: str, collection_id: int, unit_id: int, digest: str, filename: str) -> dict[str, Any]:
    """:func:`check_upload` in a worker process of the server (its own connection, opened once)."""
    store = _WORKER_STORES.get(data_dir)
    if store is None:
        store = _WORKER_STORES[data_dir] = Store(data_dir)
    collection = store.collection(collection_id)
    unit = next(u for u in store.units(collection_id, removed=True) if u.id == unit_id)
    return check_upload(store, collection, unit, digest, filename)


def annotated(store: Store, submission: Submission) -> str | None:
    """The sha256 of the annotated copy of a submission (made on first request); None when there can be none."""
    if submission.annotated:
        return submission.annotated
    findings = findings_of(submission)
    if not findings or check_suffix(submission.filename) not in (".xlsx", ".xlsm"):
        return None
    if any(f.code.startswith("file-") for f in findings):
        return None  # the file could not be read: there is nothing to mark
    with _Linked(store.blob_path(submission.sha256), ".xlsx", "upload") as path:
        report = api.check_file(path)
        report.findings = findings
        target = path.with_name("annotated.xlsx")
        try:
            api.annotate(report, target)
        except Exception:  # a copy that cannot be made (huge ranges…) must not break the page
            return None
        digest = store.put_blob(target.read_bytes())
    store.set_annotated(submission.id, digest)
    return digest


def grouped_findings(findings: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Findings grouped by table (sheet), file-level ones first under “整个文件”."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        groups.setdefault(f.get("sheet") or "整个文件", []).append(f)
    return list(groups.items())


@dataclass(frozen=True)
class StoredReturn:
    """A submission as the merge reads a checked file (the attributes of a ``FileReport``)."""

    path: str
    sha256: str
    size: int
    mtime: str
    document: Any
    findings: tuple[Finding, ...]
    valid: bool
    format: str | None
    year: int | None
    unit_code: str
    unit_name: str
    format_version: str | None = None


def summary_inputs(states: list[UnitState]) -> list[StoredReturn]:
    """Each unit's current return as the merge reads it: accepted or passed ones are summed; returned and
    invalid ones go in as not valid, so the summary lists them as 待补正 rather than 未报送."""
    out = []
    for state in states:
        sub = state.current
        if sub is None or not sub.document or state.status == "conflict":
            continue
        doc = api.document_from_json(json.loads(sub.document))
        findings = findings_of(sub)
        if state.status == "returned":
            reason = state.unit.review_comment or piece("returned-default")
            findings.append(finding("portal-returned", "", {"reason": reason}))
        out.append(
            StoredReturn(
                path=f"{state.unit.code}/{sub.filename}",
                sha256=sub.sha256,
                size=sub.size,
                mtime=sub.created,
                document=doc,
                findings=tuple(findings),
                valid=state.status in SUMMED_STATUSES,
                format=sub.format,
                year=sub.year,
                unit_code=doc.unit_code,
                unit_name=doc.unit_name,
                format_version=doc.format_version,
            )
        )
    return out


def build_summary(store: Store, collection: Collection) -> Any:
    """The district summary (``MergeResult``) from the current accepted or valid submissions."""
    states = store.statuses(collection.id)
    roster = {s.unit.code: s.unit.name for s in states}
    return api.merge(
        summary_inputs(states),
        roster=roster,
        year=collection.year,
        unit_code=collection.district_code or DEFAULT_SUMMARY_CODE,
        unit_name=collection.district_name or collection.title,
    )


def summary_xlsx(result: Any) -> bytes:
    buf = io.BytesIO()
    api.write_summary(result, buf)
    return buf.getvalue()


def summary_json(result: Any) -> bytes:
    with tempfile.TemporaryDirectory(prefix="ogi-portal-") as tmp:
        target = Path(tmp) / "summary.json"
        api.write_summary_json(result, target)
        return target.read_bytes()


STATUS_HEADER = ["单位代码", "单位名称", "状态", "提交次数", "最近提交时间", "文件名", "错误", "警告", "办公室意见"]


def status_rows(store: Store, collection: Collection) -> list[list[Any]]:
    rows = []
    for s in store.statuses(collection.id):
        sub = s.current
        rows.append(
            [
                s.unit.code,
                s.unit.name,
                s.label,
                len(store.submissions(s.unit)) if sub else 0,
                sub.created[:19].replace("T", " ") if sub else "",
                sub.filename if sub else "",
                sub.errors if sub else "",
                sub.warnings if sub else "",
                s.unit.review_comment if sub and s.unit.review_submission == sub.id else "",
            ]
        )
    return rows


def _csv_cell(value: Any) -> Any:
    # a text a spreadsheet would run as a formula is written with a leading apostrophe
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 CSV with a BOM (Excel in China opens it right), formula-safe."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_table(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    """A one-sheet workbook; texts written as texts (never formulas)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(title[:31])
    bold = wb.add_format({"bold": True})
    for col, text in enumerate(header):
        ws.write_string(0, col, text, bold)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, int) and not isinstance(value, bool):
                ws.write_number(r, col, value)
            else:
                ws.write_string(r, col, "" if value is None else str(value))
    widths = {
        "单位代码": 10,
        "单位名称": 30,
        "状态": 8,
        "提交次数": 8,
        "最近提交时间": 22,
        "文件名": 28,
        "错误": 6,
        "警告": 6,
    }
    for col, text in enumerate(header):
        ws.set_column(col, col, widths.get(text, 36))
    # printable: landscape, one page wide, the header row on every page
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


def returns_zip(store: Store, collection: Collection) -> bytes:
    """Every unit's current return, one file per unit under a made name (deterministic order and times)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for s in store.statuses(collection.id):
            if s.current is None:
                continue
            name = api.safe_filename(s.unit.code, s.unit.name, check_suffix(s.current.filename))
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, store.blob_path(s.current.sha256).read_bytes())
        rows = explanation_rows(store, collection)
        if rows:  # answers typed in the browser are not in the files: they travel in this table
            info = zipfile.ZipInfo(EXPLANATIONS_CSV, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, csv_bytes(EXPLANATION_HEADER, rows))
    return buf.getvalue()


EXPLANATIONS_CSV = "情况说明（各单位现行报表）.csv"
EXPLANATION_HEADER = ["单位代码", "单位名称", "表", "单元格", "规则", "核实项", "说明", "来源"]


def explanation_rows(store: Store, collection: Collection) -> list[list[Any]]:
    """Every explained query of the units' current returns, with where the explanation came from."""
    rows = []
    for s in store.statuses(collection.id):
        for q in query_items(store, collection, s.current):
            if q["explanation"]:
                f = q["finding"]
                rows.append(
                    [
                        s.unit.code, s.unit.name, f.get("sheet") or "", f.get("cell") or "", f.get("rule") or "",
                        f.get("title") or "", q["explanation"], q["source"] + ("（沿用）" if q["carried"] else ""),
                    ]
                )  # fmt: skip
    return rows


def unit_link(base: str, token: str | None) -> str:
    return f"{base.rstrip('/')}/u/{token}" if token else ""


def links(store: Store, collection: Collection, base: str = "") -> list[dict[str, str]]:
    """Every active unit with its current link (empty when revoked)."""
    return [
        {"code": u.code, "name": u.name, "link": unit_link(base, store.token(u))} for u in store.units(collection.id)
    ]


def reminder_text(collection: Collection, state: UnitState, link: str) -> str:
    """The ready-to-send 催报 message of one unit."""
    deadline = f"于 {collection.deadline} 前" if collection.deadline else "尽快"
    status = state.label
    if state.status == "returned" and state.unit.review_comment:
        status += f"（退回原因：{state.unit.review_comment}）"
    elif state.status == "invalid" and state.current is not None:
        unexplained = sum(
            1 for f in state.current.findings_list() if f.get("severity") == "query" and not f.get("explanation")
        )
        parts = [f"{state.current.errors} 个错误"] if state.current.errors or not unexplained else []
        if unexplained:  # a return held back only by queries: say what is asked (改正或说明), not "0 个错误"
            parts.append(f"{unexplained} 个核实项待改正或说明")
        status += f"（最近一次上传有 {'、'.join(parts)}）"
    return (
        f"{state.unit.name}：请{deadline}报送《{collection.year} 年度政府信息公开工作年度报告》统计表（{collection.title}）。"
        f"目前状态：{status}。请打开本单位的专用链接 {link} ，下载模板、填写后上传，页面会立即显示审核结果。"
        "链接仅供本单位使用，请勿转发。"
    )


def reminders(store: Store, collection: Collection, base: str) -> list[dict[str, str]]:
    """The units not yet passed, with their reminder texts."""
    out = []
    for s in store.statuses(collection.id):
        if s.status in SUMMED_STATUSES:
            continue
        link = unit_link(base, store.token(s.unit))
        out.append(
            {
                "code": s.unit.code,
                "name": s.unit.name,
                "status": s.label,
                "link": link,
                "text": reminder_text(collection, s, link),
            }
        )
    return out


def dashboard_counts(states: list[UnitState]) -> dict[str, int]:
    """应报 / 已报 / 通过 / 待补正 / 未报 / 已退回 / 冲突."""
    by = {key: 0 for key in STATUS_LABELS}
    for s in states:
        by[s.status] += 1
    return {
        "应报": len(states),
        "已报": sum(1 for s in states if s.current is not None),
        "通过": by["passed"] + by["accepted"],
        "待补正": by["invalid"],
        "未报": by["missing"],
        "已退回": by["returned"],
        "冲突": by["conflict"],
    }


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def unit_draft(submission: Submission) -> bytes:
    """The draft annual report (Word) of one unit from its passed return (``api.publish``, draft)."""
    if not submission.valid or not submission.document:
        from ogi_xlsx.publish import PublishError

        raise PublishError("报表通过审核后才能生成年度报告草稿；请先按审核意见修改报表。")
    buf = io.BytesIO()
    api.publish(api.document_from_json(json.loads(submission.document)), buf, draft=True, kind="docx")
    return buf.getvalue()


def summary_draft(result: Any) -> bytes:
    """The district's draft annual report (Word) from the summary: the summary workbook is written and
    checked like any return, so the draft names the units it covers from the summary's own status data."""
    with tempfile.TemporaryDirectory(prefix="ogi-portal-") as tmp:
        path = Path(tmp) / "汇总表.xlsx"
        api.write_summary(result, path)
        report = api.check_file(path)
        buf = io.BytesIO()
        api.publish(report, buf, draft=True, kind="docx")
        return buf.getvalue()
