"""Cache of validation results, so that re-validating a folder where nothing changed is cheap.

One small JSON file per entry in the user's cache folder (``$OGI_XLSX_CACHE_DIR``, else
``$XDG_CACHE_HOME/ogi-xlsx``, else ``~/.cache/ogi-xlsx``; on Windows ``%LOCALAPPDATA%\\ogi-xlsx``).
The key is content-based: the file's sha256 and name (messages quote the name), and a salt made
of the tool version, a hash of the package's code and format definitions, and every option
that changes a result (expected year, roster content, strict blanks, reader limits). Files are
always re-hashed; nothing is trusted from size or modification time.

An entry holds the report's header fields and counts, the lines ``validate`` prints for it
(plain output, at the width of the run that stored it) and, as a JSON text checked by its
sha256, the findings and document, which a loaded report decodes only when they are used.

Entries are written to a temporary file and moved into place (``os.replace``), so concurrent
runs never see half an entry; an entry that cannot be read or decoded (truncated, corrupted,
another version) is ignored and rewritten. Failing to write (read-only folder, full disk) only
loses the speed-up. Entries are JSON, not pickle: a cache folder shared with others cannot run
code.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ogi_xlsx.util.atomic import atomic_write_text

if TYPE_CHECKING:
    from ogi_xlsx.pipeline.options import CheckOptions

if TYPE_CHECKING:
    from ogi_xlsx.pipeline.options import CheckOptions

ENTRY_VERSION = 4
ENV_DIR = "OGI_XLSX_CACHE_DIR"
# Outcomes that may change without the file changing (permissions, a bug fixed by reinstalling,
# a published PDF that ran out of time on a busy machine).
_UNCACHED_CODES = frozenset({"file-unreadable", "report-too-slow"})


def default_cache_dir() -> Path:
    """Where entries live: ``$OGI_XLSX_CACHE_DIR``, else the platform's user cache folder."""
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        if base:
            return Path(base) / "ogi-xlsx" / "Cache"
    elif sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ogi-xlsx"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "ogi-xlsx"


@cache
def code_fingerprint() -> str:
    """Tool version plus a hash of every module and format file of the package (~1 ms)."""
    import ogi_xlsx

    package = Path(ogi_xlsx.__file__).parent
    digest = hashlib.sha256(ogi_xlsx.__version__.encode())
    for path in sorted([*package.rglob("*.py"), *package.glob("formats/*.json")]):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return f"{ogi_xlsx.__version__}-{digest.hexdigest()[:16]}"


def options_salt(options: CheckOptions) -> str:
    """Everything besides the file that decides its report: the code and the options."""
    payload = {"entry": ENTRY_VERSION, "code": code_fingerprint(), **options.salt()}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """The sha256 of a file's content (streamed)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- exact JSON form

# Values keep their Python type: Decimal and tuple are tagged, so a cached report equals a fresh one.


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise TypeError("non-finite float")
        return value
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, tuple):
        return {"$t": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$m": [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            tag, inner = next(iter(value.items()))
            if tag == "$d":
                return Decimal(inner)
            if tag == "$t":
                return tuple(_decode(v) for v in inner)
            if tag == "$m":
                return {_decode(k): _decode(v) for k, v in inner}
        return {k: _decode(v) for k, v in value.items()}
    return value


def _encode_values(format_id: str, values: dict[str, Any]) -> Any:
    """Values as a list when their keys are the format's cells in order (halves the entry).

    ``$tagged`` lists the positions of values that are not plain JSON (money as Decimal),
    so that decoding is one ``dict(zip(…))`` plus a few fixes instead of a call per cell.
    """
    from ogi_xlsx.model.spec import UnknownFormatError, load_format

    try:
        cell_ids = load_format(format_id).cell_ids
    except UnknownFormatError:
        cell_ids = ()
    if tuple(values) == tuple(cell_ids):
        cells = [_encode(v) for v in values.values()]
        tagged = [i for i, v in enumerate(cells) if isinstance(v, (dict, list))]
        return {"$cells": cells, "$tagged": tagged}
    return _encode(values)


def _decode_values(format_id: str, data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and set(data) == {"$cells", "$tagged"}:
        from ogi_xlsx.model.spec import load_format

        cell_ids = load_format(format_id).cell_ids
        cells = data["$cells"]
        if len(cell_ids) != len(cells):
            raise ValueError("cache entry does not fit the format")
        values = dict(zip(cell_ids, cells, strict=True))
        for index in data["$tagged"]:
            values[cell_ids[index]] = _decode(cells[index])
        return values
    return _decode(data)


_PLAIN = (str, int, type(None))


def _decode_args(args: Any) -> Any:
    """A finding's arguments: usually a flat dict of strings and ints, returned as it is."""
    if type(args) is dict and all(type(v) in _PLAIN for v in args.values()):
        return args
    return _decode(args)


def report_to_json(report: Any) -> dict[str, Any]:
    """The cacheable part of a ``FileReport`` (not its path, size or time: those come from the file)."""
    doc = report.document
    return {
        "format": report.format,
        "format_version": report.format_version,
        "year": report.year,
        "unit_code": report.unit_code,
        "unit_name": report.unit_name,
        "by_labels": report.by_labels,
        "kind": getattr(report, "kind", None),
        "document": None
        if doc is None
        else {
            "format": doc.format,
            "year": doc.year,
            "unit_code": doc.unit_code,
            "unit_name": doc.unit_name,
            "values": _encode_values(doc.format, doc.values),
            "cover": _encode(doc.cover),
            "format_version": doc.format_version,
            "explanations": [e.to_json() for e in doc.explanations],
            "reported_totals": _encode(doc.reported_totals),
        },
        "findings": [
            [f.code, f.message, f.severity, f.sheet, f.cell, list(f.cell_ids), f.rule, _encode(f.args)]
            for f in report.findings
        ],
    }


def _header(data: Mapping[str, Any]) -> dict[str, Any]:
    """The header fields of :func:`report_to_json` (path, sha256, size and time come from the file)."""
    return {
        "format": data["format"],
        "format_version": data["format_version"],
        "year": data["year"],
        "unit_code": data["unit_code"],
        "unit_name": data["unit_name"],
        "by_labels": bool(data["by_labels"]),
        "kind": data.get("kind"),
    }


def _decode_body(data: Mapping[str, Any]) -> tuple[list[Any], Any]:
    """(findings, document) from the ``findings`` and ``document`` of :func:`report_to_json`."""
    from ogi_xlsx.model.document import Explanation, ReturnDocument

    doc = data["document"]
    document = (
        None
        if doc is None
        else ReturnDocument(
            format=doc["format"],
            year=doc["year"],
            unit_code=doc["unit_code"],
            unit_name=doc["unit_name"],
            values=_decode_values(doc["format"], doc["values"]),
            cover=_decode(doc["cover"]),
            format_version=doc["format_version"],
            explanations=[Explanation(**e) for e in doc.get("explanations", [])],
            reported_totals=_decode(doc.get("reported_totals", {})),
        )
    )
    findings = [
        _finding(code, message, severity, sheet, cell, tuple(cell_ids), rule, _decode_args(args))
        for code, message, severity, sheet, cell, cell_ids, rule, args in data["findings"]
    ]
    return findings, document


class _Pending:
    """The part of a cache entry a report decodes on first use (:class:`~ogi_xlsx.pipeline.report.CachedFileReport`)."""

    __slots__ = ("body", "counts", "text", "text_width")

    def __init__(self, body: str, counts: dict[str, int], text: str | None, text_width: int | None) -> None:
        self.body, self.counts, self.text, self.text_width = body, counts, text, text_width

    def decode(self) -> tuple[list[Any], Any]:
        return _decode_body(json.loads(self.body))


def _finding(code: str, message: str, severity: Any, sheet: Any, cell: Any, cell_ids: tuple, rule: Any, args: Any):
    """A cached Finding without the frozen dataclass's ``__init__`` (one ``object.__setattr__`` per
    field: half the cost of loading a warm folder's 13,000 findings). The entry was written from a
    valid Finding; the code and severity are still checked, so a foreign entry is refused."""
    from ogi_xlsx.model.findings import CODES, Finding

    if code not in CODES or severity not in ("error", "query", "warning", "info") or type(message) is not str:
        raise ValueError("not a finding")
    finding = object.__new__(Finding)
    finding.__dict__.update(
        code=code, message=message, severity=severity, sheet=sheet, cell=cell, cell_ids=cell_ids, rule=rule, args=args
    )
    return finding


# --------------------------------------------------------------------------- the store


class ResultCache:
    """Validation results by (file sha256, file name, options); picklable for worker processes."""

    def __init__(
        self, salt: str, root: Path | None = None, text_for: Callable[[Any], tuple[str, int]] | None = None
    ) -> None:
        # ``text_for(report) -> (text, width)``: what the front end prints for a report, stored beside
        # the data so that a warm re-validation prints it without decoding the findings. Given by the
        # caller (the CLI passes ``cli.render.cached_text``): the cache itself knows nothing of rendering.
        # A module-level function, so that the cache still pickles for the worker processes.
        self.salt = salt
        self.root = Path(root) if root is not None else default_cache_dir()
        self.text_for = text_for

    def key(self, sha256: str, name: str) -> str:
        return hashlib.sha256(f"{self.salt}\0{sha256}\0{name}".encode("utf-8", "surrogateescape")).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.root / f"v{ENTRY_VERSION}" / key[:2] / f"{key}.json"

    def load(self, report: Any) -> Any:
        """The cached report of the file ``report`` describes (path, sha256, size and time set), as a
        :class:`~ogi_xlsx.pipeline.report.CachedFileReport`; None when there is no usable entry.

        The header is checked and read now; findings and document are decoded on first use
        (their text is checked against the sha256 stored with it, so a damaged entry is refused
        here, not later).
        """
        from ogi_xlsx.pipeline.report import CachedFileReport

        key = self.key(report.sha256, report.path.name)
        try:
            with open(self._entry(key), "rb") as fh:
                data = json.loads(fh.read())
            if data.get("key") != key:
                return None
            body = data["body"]
            if hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest() != data["body_sha256"]:
                return None
            counts = {k: int(data["counts"][k]) for k in ("error", "warning", "info")}
            text, width = data.get("text"), data.get("text_width")
            if not (isinstance(text, str) and isinstance(width, int)):
                text = width = None
            header = _header(data["report"])
        except Exception:  # missing, truncated, corrupted or foreign: recompute (and rewrite)
            return None
        entry = _Pending(body, counts, text, width)
        return CachedFileReport(report.path, report.sha256, report.size, report.mtime, entry, **header)

    def store(self, report: Any) -> bool:
        """Write the entry of ``report`` atomically; False when it is not cacheable or cannot be written."""
        if not report.sha256 or any(f.code in _UNCACHED_CODES for f in report.findings):
            return False
        key = self.key(report.sha256, report.path.name)
        try:
            full = report_to_json(report)
            body = json.dumps({"findings": full.pop("findings"), "document": full.pop("document")}, ensure_ascii=False)
            entry = {
                "key": key,
                "report": full,
                "counts": report.counts(),
                "body": body,
                "body_sha256": hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest(),
            }
            if self.text_for is not None:
                # the lines `validate` prints for this file when its output is not a terminal
                entry["text"], entry["text_width"] = self.text_for(report)
            text = json.dumps(entry, ensure_ascii=False)
        except (TypeError, ValueError):
            return False
        target = self._entry(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, text)
        except (OSError, ValueError):  # ValueError: a name that is not UTF-8 (surrogates) in a message
            return False
        return True
