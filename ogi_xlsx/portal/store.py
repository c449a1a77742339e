"""The portal's storage: SQLite (WAL, full sync) plus uploaded files stored by sha256, and an append-only audit log.

Standard library only, so the ``portal`` commands of the IT person stay light. One connection,
guarded by a lock (the server has one process; checks run in worker threads). Uploaded bytes are
written and fsynced under ``files/<sha256[:2]>/<sha256>`` before their row is committed, so an
upload acknowledged to its sender survives a crash right after it; nothing is ever deleted.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

from ogi_xlsx.portal import security

DB_NAME = "portal.sqlite3"
SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY, csrf TEXT NOT NULL, created TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY, year INTEGER NOT NULL, format TEXT NOT NULL, title TEXT NOT NULL,
    deadline TEXT NOT NULL DEFAULT '', district_code TEXT NOT NULL DEFAULT '', district_name TEXT NOT NULL DEFAULT '',
    previous TEXT NOT NULL DEFAULT '[]', created TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY, collection_id INTEGER NOT NULL REFERENCES collections(id),
    code TEXT NOT NULL, name TEXT NOT NULL, generation INTEGER NOT NULL DEFAULT 1, token_hash TEXT UNIQUE,
    added TEXT NOT NULL, removed TEXT, review TEXT, review_comment TEXT NOT NULL DEFAULT '',
    review_submission INTEGER, review_time TEXT,
    UNIQUE (collection_id, code));
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY, collection_id INTEGER NOT NULL, unit_id INTEGER NOT NULL REFERENCES units(id),
    created TEXT NOT NULL, filename TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    actor TEXT NOT NULL, valid INTEGER NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL,
    infos INTEGER NOT NULL, format TEXT, year INTEGER, found_code TEXT, found_name TEXT,
    findings TEXT NOT NULL, document TEXT, annotated TEXT, refused INTEGER NOT NULL DEFAULT 0,
    queries INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS submissions_unit ON submissions (unit_id, id);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    collection_id INTEGER, unit_code TEXT NOT NULL DEFAULT '', object TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '', verdict TEXT NOT NULL DEFAULT '', client TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '');
-- append-only: the audit log and the submissions are never rewritten or deleted
-- issue 16 in the portal: the unit's answers to queries typed in the browser (a new row per edit; the
-- latest row of a (submission, key) is the answer), the office's rejections of explanations, and the
-- verdict of a submission judged again with them (the upload's own verdict stays as it was)
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY, collection_id INTEGER NOT NULL, unit_id INTEGER NOT NULL REFERENCES units(id),
    submission_id INTEGER NOT NULL REFERENCES submissions(id), key TEXT NOT NULL, rule TEXT NOT NULL DEFAULT '',
    cell TEXT NOT NULL DEFAULT '', text TEXT NOT NULL, created TEXT NOT NULL, actor TEXT NOT NULL,
    carried_from INTEGER);
CREATE INDEX IF NOT EXISTS answers_submission ON answers (submission_id, key, id);
CREATE TABLE IF NOT EXISTS rejections (
    id INTEGER PRIMARY KEY, collection_id INTEGER NOT NULL, unit_id INTEGER NOT NULL REFERENCES units(id),
    submission_id INTEGER NOT NULL REFERENCES submissions(id), key TEXT NOT NULL, text TEXT NOT NULL,
    reason TEXT NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rejections_submission ON rejections (submission_id, key);
CREATE TABLE IF NOT EXISTS judged (
    submission_id INTEGER PRIMARY KEY REFERENCES submissions(id), valid INTEGER NOT NULL, errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL, infos INTEGER NOT NULL, queries INTEGER NOT NULL, findings TEXT NOT NULL,
    document TEXT, updated TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS answers_no_change BEFORE UPDATE ON answers
    BEGIN SELECT RAISE(ABORT, 'answers are kept'); END;
CREATE TRIGGER IF NOT EXISTS answers_no_delete BEFORE DELETE ON answers
    BEGIN SELECT RAISE(ABORT, 'answers are kept'); END;
CREATE TRIGGER IF NOT EXISTS rejections_no_delete BEFORE DELETE ON rejections
    BEGIN SELECT RAISE(ABORT, 'rejections are kept'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS submissions_no_delete BEFORE DELETE ON submissions
    BEGIN SELECT RAISE(ABORT, 'submissions are kept'); END;
CREATE TRIGGER IF NOT EXISTS submissions_fixed BEFORE UPDATE OF sha256, size, created, unit_id, actor, valid
    ON submissions BEGIN SELECT RAISE(ABORT, 'submissions are kept'); END;
"""

# Unit statuses: key -> Chinese label shown everywhere.
STATUS_LABELS: dict[str, str] = {
    "missing": "未报",
    "passed": "通过",
    "accepted": "已确认",
    "invalid": "待补正",
    "returned": "已退回",
    "conflict": "冲突",
}
SUMMED_STATUSES = frozenset({"passed", "accepted"})
SESSION_SECONDS = 8 * 3600


# A submission as the pages and the summary see it: judged again (table ``judged``) when the unit
# answered queries in the browser, the office rejected an explanation or changed the settings.
SUBMISSION_SELECT = (
    "SELECT s.id, s.collection_id, s.unit_id, s.created, s.filename, s.sha256, s.size, s.actor,"
    " COALESCE(j.valid, s.valid) AS valid, COALESCE(j.errors, s.errors) AS errors,"
    " COALESCE(j.warnings, s.warnings) AS warnings, COALESCE(j.infos, s.infos) AS infos, s.format, s.year,"
    " s.found_code, s.found_name, COALESCE(j.findings, s.findings) AS findings,"
    " COALESCE(j.document, s.document) AS document, s.annotated, s.refused, COALESCE(j.queries, s.queries) AS queries,"
    " CASE WHEN j.submission_id IS NULL THEN NULL ELSE s.valid END AS upload_valid, j.updated AS judged"
    " FROM submissions s LEFT JOIN judged j ON j.submission_id = s.id"
)


def now_iso() -> str:
    """The current local time, ISO 8601 with offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


class StoreError(Exception):
    """A request the store refuses; ``str(error)`` is a Chinese message."""


@dataclass(frozen=True)
class Collection:
    id: int
    year: int
    format: str
    title: str
    deadline: str
    district_code: str
    district_name: str
    previous: tuple[str, ...]  # sha256 of last year's returns
    created: str
    closed: bool
    settings: str = ""  # the office's settings file (TOML or JSON text), "" for the defaults
    settings_name: str = ""  # its file name (or 粘贴的设置), for messages and the page


@dataclass(frozen=True)
class Unit:
    id: int
    collection_id: int
    code: str
    name: str
    generation: int
    token_hash: str | None
    added: str
    removed: str | None
    review: str | None
    review_comment: str
    review_submission: int | None
    review_time: str | None


@dataclass(frozen=True)
class Submission:
    id: int
    collection_id: int
    unit_id: int
    created: str
    filename: str
    sha256: str
    size: int
    actor: str
    valid: bool
    errors: int
    warnings: int
    infos: int
    format: str | None
    year: int | None
    found_code: str | None
    found_name: str | None
    findings: str
    document: str | None
    annotated: str | None
    refused: bool = False  # another unit's or year's return: kept and shown, never the unit's current one
    queries: int = 0  # 核实 findings (plausibility queries to confirm or explain)
    # the upload's own verdict when the return was judged again (answers in the browser, the office
    # rejecting an explanation, new settings); ``valid``/``findings``/``document`` are then the new one
    upload_valid: bool | None = None
    judged: str | None = None  # when it was judged again

    def findings_list(self) -> list[dict[str, Any]]:
        return json.loads(self.findings)


def _row(cls: type, row: sqlite3.Row | None) -> Any:
    if row is None:
        return None
    data = dict(row)
    if cls is Collection:
        data["previous"] = tuple(json.loads(data["previous"]))
        data["closed"] = bool(data["closed"])
    if cls is Submission:
        data["valid"] = bool(data["valid"])
        data["refused"] = bool(data["refused"])
        data["upload_valid"] = None if data.get("upload_valid") is None else bool(data["upload_valid"])
    return cls(**data)


class Store:
    """The portal's data folder: ``portal.sqlite3``, ``files/``, ``secret.key``."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "files").mkdir(exist_ok=True)
        self.key = security.load_key(self.data_dir)
        self._lock = threading.RLock()
        self.db = sqlite3.connect(self.data_dir / DB_NAME, check_same_thread=False, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed upload is on disk before the user is told (WAL's NORMAL could lose it)
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(collections)")}
        for column in ("settings", "settings_name"):  # a data folder made before the settings (version 1)
            if column not in columns:
                self.db.execute(f"ALTER TABLE collections ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
        if self.db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self.db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT), serialised with the other threads."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.db.execute(sql, args).fetchall()

    def _one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            return self.db.execute(sql, args).fetchone()

    # ------------------------------------------------------------------ files

    def blob_path(self, digest: str) -> Path:
        """Where the file with this sha256 is kept (server-made name; never a user's file name)."""
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise StoreError("文件标识无效。")
        return self.data_dir / "files" / digest[:2] / digest

    def put_blob(self, data: bytes) -> str:
        """Keep ``data`` (fsynced, atomic); returns its sha256. An existing identical file is reused."""
        digest = sha256(data).hexdigest()
        target = self.blob_path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself is durable too
        finally:
            os.close(dir_fd)
        return digest

    def put_blob_file(self, path: Path) -> str:
        return self.put_blob(Path(path).read_bytes())

    # ------------------------------------------------------------------ office password and sessions

    def password_hash(self) -> str | None:
        row = self._one("SELECT value FROM settings WHERE key = 'password'")
        return row["value"] if row else None

    def set_password(self, password: str) -> None:
        if len(password) < security.MIN_PASSWORD_CHARS:
            raise StoreError(f"密码至少需要 {security.MIN_PASSWORD_CHARS} 个字符。")
        value = security.hash_password(password)
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('password', ?)", (value,))
            # a new password ends every open office session
            db.execute("DELETE FROM sessions")
        self.audit("office", "set-password", detail="设置办公室密码")

    def create_session(self) -> tuple[str, str]:
        """A new office session: (session id for the cookie, CSRF token). Only the id's hash is kept."""
        import time

        sid, csrf = security.new_secret(), security.new_secret()
        with self.tx() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
            db.execute(
                "INSERT INTO sessions (id_hash, csrf, created, expires) VALUES (?, ?, ?, ?)",
                (security.sha256_hex(sid), csrf, now_iso(), time.time() + SESSION_SECONDS),
            )
        return sid, csrf

    def session_csrf(self, sid: str | None) -> str | None:
        """The CSRF token of a live session, or None."""
        import time

        if not sid:
            return None
        row = self._one("SELECT csrf, expires FROM sessions WHERE id_hash = ?", (security.sha256_hex(sid),))
        if row is None or row["expires"] < time.time():
            return None
        return row["csrf"]

    def end_session(self, sid: str | None) -> None:
        if sid:
            with self.tx() as db:
                db.execute("DELETE FROM sessions WHERE id_hash = ?", (security.sha256_hex(sid),))

    # ------------------------------------------------------------------ audit

    def audit(
        self,
        actor: str,
        action: str,
        *,
        collection_id: int | None = None,
        unit_code: str = "",
        object: str = "",
        sha256: str = "",
        verdict: str = "",
        client: str = "",
        detail: str = "",
        db: sqlite3.Connection | None = None,
    ) -> None:
        """Append one line to the audit log (inside the caller's transaction when ``db`` is given)."""
        row = (now_iso(), actor, action, collection_id, unit_code, object, sha256, verdict, client, detail)
        sql = (
            "INSERT INTO audit (time, actor, action, collection_id, unit_code, object, sha256, verdict, client, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        if db is not None:
            db.execute(sql, row)
        else:
            with self.tx() as conn:
                conn.execute(sql, row)

    def audit_rows(self, collection_id: int | None = None) -> list[dict[str, Any]]:
        if collection_id is None:
            rows = self._all("SELECT * FROM audit ORDER BY id")
        else:
            rows = self._all("SELECT * FROM audit WHERE collection_id = ? ORDER BY id", (collection_id,))
        return [dict(r) for r in rows]

    # ------------------------------------------------------------------ collections and units

    def create_collection(
        self,
        *,
        year: int,
        format_id: str,
        title: str,
        roster: Mapping[str, str],
        deadline: str = "",
        district_code: str = "",
        district_name: str = "",
        previous: Sequence[str] = (),
        settings: str = "",
        settings_name: str = "",
        actor: str = "office",
        client: str = "",
    ) -> int:
        """A new collection with one unit (and one link) per roster entry; returns its id."""
        if not roster:
            raise StoreError("报送名单中没有单位。")
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO collections (year, format, title, deadline, district_code, district_name, previous, created,"
                " settings, settings_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    year, format_id, title, deadline, district_code, district_name, json.dumps(list(previous)),
                    now_iso(), settings, settings_name,
                ),
            )  # fmt: skip
            cid = int(cur.lastrowid)
            for code, name in roster.items():
                self._insert_unit(db, cid, code, name)
            self.audit(
                actor, "create-collection", collection_id=cid, object=title, client=client,
                detail=f"{year} 年度，{len(roster)} 个单位" + (f"，设置 {settings_name}" if settings else ""), db=db,
            )  # fmt: skip
        return cid

    def _insert_unit(self, db: sqlite3.Connection, cid: int, code: str, name: str) -> None:
        token = security.unit_token(self.key, cid, code, 1)
        db.execute(
            "INSERT INTO units (collection_id, code, name, generation, token_hash, added) VALUES (?, ?, ?, 1, ?, ?)",
            (cid, code, name, security.sha256_hex(token), now_iso()),
        )

    def collections(self) -> list[Collection]:
        return [_row(Collection, r) for r in self._all("SELECT * FROM collections ORDER BY id DESC")]

    def collection(self, cid: int) -> Collection | None:
        return _row(Collection, self._one("SELECT * FROM collections WHERE id = ?", (cid,)))

    def set_closed(self, cid: int, closed: bool, *, client: str = "") -> None:
        with self.tx() as db:
            db.execute("UPDATE collections SET closed = ? WHERE id = ?", (int(closed), cid))
            self.audit("office", "close" if closed else "reopen", collection_id=cid, client=client, db=db)

    def units(self, cid: int, *, removed: bool = False) -> list[Unit]:
        sql = "SELECT * FROM units WHERE collection_id = ?" + ("" if removed else " AND removed IS NULL")
        return [_row(Unit, r) for r in self._all(sql + " ORDER BY code", (cid,))]

    def unit(self, cid: int, code: str) -> Unit | None:
        return _row(Unit, self._one("SELECT * FROM units WHERE collection_id = ? AND code = ?", (cid, code)))

    def unit_by_token(self, token: str) -> tuple[Collection, Unit] | None:
        """The (collection, unit) a link token opens, or None (unknown, revoked or removed)."""
        if not token or len(token) > 200:
            return None
        row = self._one("SELECT * FROM units WHERE token_hash = ?", (security.sha256_hex(token),))
        unit = _row(Unit, row)
        if unit is None or unit.removed is not None:
            return None
        # the hash matched by index; compare once more in constant time against the stored value
        if not security.same(unit.token_hash, security.sha256_hex(token)):
            return None
        return self.collection(unit.collection_id), unit

    def token(self, unit: Unit) -> str | None:
        """The unit's current link token (None when revoked)."""
        if unit.token_hash is None:
            return None
        return security.unit_token(self.key, unit.collection_id, unit.code, unit.generation)

    def add_unit(self, cid: int, code: str, name: str, *, client: str = "") -> None:
        code, name = code.strip(), name.strip()
        if not code or not name:
            raise StoreError("请填写单位代码和单位名称。")
        existing = self.unit(cid, code)
        with self.tx() as db:
            if existing is None:
                self._insert_unit(db, cid, code, name)
            elif existing.removed is not None:
                gen = existing.generation + 1
                db.execute(
                    "UPDATE units SET removed = NULL, name = ?, generation = ?, token_hash = ? WHERE id = ?",
                    (name, gen, security.sha256_hex(security.unit_token(self.key, cid, code, gen)), existing.id),
                )
            else:
                raise StoreError(f"单位代码“{code}”已在名单中。")
            self.audit("office", "add-unit", collection_id=cid, unit_code=code, object=name, client=client, db=db)

    def remove_unit(self, cid: int, code: str, *, client: str = "") -> None:
        unit = self.unit(cid, code)
        if unit is None or unit.removed is not None:
            raise StoreError(f"名单中没有单位代码“{code}”。")
        with self.tx() as db:
            # the unit's submissions stay; its link dies with it
            db.execute("UPDATE units SET removed = ?, token_hash = NULL WHERE id = ?", (now_iso(), unit.id))
            self.audit(
                "office", "remove-unit", collection_id=cid, unit_code=code, object=unit.name, client=client, db=db
            )

    def reissue(self, unit: Unit, *, client: str = "") -> None:
        """A new link for the unit; the old one stops working."""
        gen = unit.generation + 1
        token_hash = security.sha256_hex(security.unit_token(self.key, unit.collection_id, unit.code, gen))
        with self.tx() as db:
            db.execute("UPDATE units SET generation = ?, token_hash = ? WHERE id = ?", (gen, token_hash, unit.id))
            self.audit(
                "office", "reissue-link", collection_id=unit.collection_id, unit_code=unit.code, client=client, db=db
            )

    def revoke(self, unit: Unit, *, client: str = "") -> None:
        with self.tx() as db:
            db.execute("UPDATE units SET token_hash = NULL WHERE id = ?", (unit.id,))
            self.audit(
                "office", "revoke-link", collection_id=unit.collection_id, unit_code=unit.code, client=client, db=db
            )

    def review(self, unit: Unit, state: str, comment: str, *, client: str = "") -> None:
        """退回 (``returned``) or 确认 (``accepted``) the unit's current submission."""
        current = self.current(unit)
        if current is None:
            raise StoreError("该单位还没有提交报表。")
        with self.tx() as db:
            db.execute(
                "UPDATE units SET review = ?, review_comment = ?, review_submission = ?, review_time = ? WHERE id = ?",
                (state, comment, current.id, now_iso(), unit.id),
            )
            self.audit(
                "office", "return" if state == "returned" else "accept", collection_id=unit.collection_id,
                unit_code=unit.code, object=f"提交 #{current.id}", sha256=current.sha256, client=client,
                detail=comment, db=db,
            )  # fmt: skip

    # ------------------------------------------------------------------ submissions

    def add_submission(
        self,
        unit: Unit,
        *,
        filename: str,
        digest: str,
        size: int,
        actor: str,
        verdict: Mapping[str, Any],
        client: str = "",
    ) -> Submission:
        """Record one upload (its file already kept by :meth:`put_blob`) and its audit line, in one commit."""
        counts = verdict["counts"]
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO submissions (collection_id, unit_id, created, filename, sha256, size, actor, valid, errors,"
                " warnings, infos, format, year, found_code, found_name, findings, document, refused, queries)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    unit.collection_id, unit.id, now_iso(), filename, digest, size, actor, int(verdict["valid"]),
                    counts.get("error", 0), counts.get("warning", 0), counts.get("info", 0), verdict.get("format"),
                    verdict.get("year"), verdict.get("unit_code"), verdict.get("unit_name"),
                    json.dumps(verdict["findings"], ensure_ascii=False),
                    json.dumps(verdict["document"], ensure_ascii=False) if verdict.get("document") else None,
                    int(bool(verdict.get("refused"))),
                    counts.get("query", 0),
                ),
            )  # fmt: skip
            sid = int(cur.lastrowid)
            self.audit(
                actor, "upload" if actor == "unit" else "upload-for-unit", collection_id=unit.collection_id,
                unit_code=unit.code, object=f"提交 #{sid} {filename}", sha256=digest,
                verdict=("拒收" if verdict.get("refused") else "通过" if verdict["valid"] else "待补正") + f"（错误 {counts.get('error', 0)}，警告 {counts.get('warning', 0)}）",
                client=client, detail=f"{size} 字节", db=db,
            )  # fmt: skip
        return self.submission(sid)

    def submission(self, sid: int) -> Submission | None:
        return _row(Submission, self._one(f"{SUBMISSION_SELECT} WHERE s.id = ?", (sid,)))

    def submissions(self, unit: Unit) -> list[Submission]:
        """The unit's submissions, newest first."""
        rows = self._all(f"{SUBMISSION_SELECT} WHERE s.unit_id = ? ORDER BY s.id DESC", (unit.id,))
        return [_row(Submission, r) for r in rows]

    def current(self, unit: Unit) -> Submission | None:
        """The unit's latest submission that was not refused (the one that counts)."""
        return _row(
            Submission,
            self._one(
                f"{SUBMISSION_SELECT} WHERE s.unit_id = ? AND s.refused = 0 ORDER BY s.id DESC LIMIT 1", (unit.id,)
            ),
        )

    def current_by_unit(self, cid: int) -> dict[int, Submission]:
        rows = self._all(
            f"{SUBMISSION_SELECT} JOIN (SELECT unit_id, MAX(id) AS id FROM submissions WHERE collection_id = ?"
            " AND refused = 0 GROUP BY unit_id) m ON s.id = m.id",
            (cid,),
        )
        return {r["unit_id"]: _row(Submission, r) for r in rows}

    def shared_digests(self, cid: int) -> set[str]:
        """The sha256 of files that are the current return of more than one active unit (cheap: no documents read)."""
        rows = self._all(
            "SELECT s.sha256 FROM submissions s JOIN (SELECT unit_id, MAX(id) AS id FROM submissions"
            " WHERE collection_id = ? AND refused = 0 GROUP BY unit_id) m ON s.id = m.id"
            " JOIN units u ON u.id = s.unit_id AND u.removed IS NULL GROUP BY s.sha256 HAVING COUNT(*) > 1",
            (cid,),
        )
        return {r["sha256"] for r in rows}

    def set_annotated(self, sid: int, digest: str) -> None:
        with self.tx() as db:
            db.execute("UPDATE submissions SET annotated = ? WHERE id = ?", (digest, sid))

    # ------------------------------------------------------------------ answers to queries (issue 16)

    def set_settings(self, cid: int, text: str, name: str, *, client: str = "", actor: str = "office") -> None:
        """The collection's settings file (already checked); "" for the defaults."""
        with self.tx() as db:
            db.execute("UPDATE collections SET settings = ?, settings_name = ? WHERE id = ?", (text, name, cid))
            self.audit(
                actor, "settings", collection_id=cid, object=name or "默认设置", client=client,
                detail=text[:2000], db=db,
            )  # fmt: skip

    def answers(self, submission_id: int) -> list[dict[str, Any]]:
        """Every answer typed for a submission, oldest first (edits included)."""
        return [
            dict(r) for r in self._all("SELECT * FROM answers WHERE submission_id = ? ORDER BY id", (submission_id,))
        ]

    def latest_answers(self, submission_id: int) -> dict[str, dict[str, Any]]:
        """The answer in force per query key (the latest row of each key)."""
        out: dict[str, dict[str, Any]] = {}
        for row in self.answers(submission_id):
            out[row["key"]] = row
        return out

    def add_answers(
        self, unit: Unit, submission_id: int, items: Sequence[Mapping[str, Any]], *, actor: str, client: str = ""
    ) -> None:
        """Record answers ``{key, rule, cell, text[, carried_from]}`` and one audit line each, in one commit."""
        if not items:
            return
        when = now_iso()
        with self.tx() as db:
            for item in items:
                db.execute(
                    "INSERT INTO answers (collection_id, unit_id, submission_id, key, rule, cell, text, created, actor,"
                    " carried_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        unit.collection_id, unit.id, submission_id, item["key"], item.get("rule", ""),
                        item.get("cell", ""), item["text"], when, actor, item.get("carried_from"),
                    ),
                )  # fmt: skip
                carried = item.get("carried_from")
                self.audit(
                    actor if actor != "carried" else "unit",
                    "carry-explanation" if carried else "explain", collection_id=unit.collection_id,
                    unit_code=unit.code, object=f"提交 #{submission_id} {item.get('rule', '')} {item.get('cell', '')}".strip(),
                    client=client, detail=(f"沿用说明 #{carried}：" if carried else "") + item["text"], db=db,
                )  # fmt: skip

    def rejections(self, submission_id: int) -> list[dict[str, Any]]:
        return [
            dict(r) for r in self._all("SELECT * FROM rejections WHERE submission_id = ? ORDER BY id", (submission_id,))
        ]

    def reject_explanation(
        self, unit: Unit, submission_id: int, key: str, text: str, reason: str, label: str, *, client: str = ""
    ) -> None:
        """The office rejects an explanation (the query is open again); an acceptance of this submission
        is withdrawn, so that the unit can answer again."""
        with self.tx() as db:
            db.execute(
                "INSERT INTO rejections (collection_id, unit_id, submission_id, key, text, reason, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (unit.collection_id, unit.id, submission_id, key, text, reason, now_iso()),
            )
            withdrawn = unit.review == "accepted" and unit.review_submission == submission_id
            if withdrawn:
                db.execute(
                    "UPDATE units SET review = NULL, review_comment = '', review_submission = NULL, review_time = NULL"
                    " WHERE id = ?",
                    (unit.id,),
                )
            self.audit(
                "office", "reject-explanation", collection_id=unit.collection_id, unit_code=unit.code,
                object=f"提交 #{submission_id} {label}", client=client,
                detail=f"原因：{reason}；被退回的说明：{text}" + ("；已撤销此前的确认" if withdrawn else ""), db=db,
            )  # fmt: skip

    def set_judged(self, submission_id: int, verdict: Mapping[str, Any]) -> None:
        """Keep the verdict of a submission judged again (the upload's own verdict is not changed)."""
        counts = verdict["counts"]
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO judged (submission_id, valid, errors, warnings, infos, queries, findings,"
                " document, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    submission_id, int(verdict["valid"]), counts.get("error", 0), counts.get("warning", 0),
                    counts.get("info", 0), counts.get("query", 0), json.dumps(verdict["findings"], ensure_ascii=False),
                    json.dumps(verdict["document"], ensure_ascii=False) if verdict.get("document") else None, now_iso(),
                ),
            )  # fmt: skip
            # the annotated copy is made again from the new findings at the next request
            db.execute("UPDATE submissions SET annotated = NULL WHERE id = ?", (submission_id,))

    # ------------------------------------------------------------------ status

    def statuses(self, cid: int) -> list[UnitState]:
        """Every active unit of a collection with its status and current submission."""
        units = self.units(cid)
        current = self.current_by_unit(cid)
        seen: dict[str, int] = {}
        for unit in units:  # the same file (sha256) as the current return of two active units: a conflict
            sub = current.get(unit.id)
            if sub is not None:
                seen[sub.sha256] = seen.get(sub.sha256, 0) + 1
        shared = {digest for digest, n in seen.items() if n > 1}
        return [unit_state(u, current.get(u.id), shared) for u in units]


@dataclass(frozen=True)
class UnitState:
    unit: Unit
    current: Submission | None
    status: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def unit_state(unit: Unit, current: Submission | None, shared: set[str] | frozenset[str] = frozenset()) -> UnitState:
    """The status of a unit from its latest submission and the office's review of it."""
    if current is None:
        return UnitState(unit, None, "missing")
    reviewed = unit.review_submission == current.id
    if reviewed and unit.review == "returned":
        status = "returned"
    elif current.sha256 in shared:
        status = "conflict"  # the same file (byte for byte) is another unit's current return
    elif reviewed and unit.review == "accepted":
        status = "accepted"
    else:
        status = "passed" if current.valid else "invalid"
    return UnitState(unit, current, status)
