"""The outcome of checking one file: :class:`FileReport`."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ogi_xlsx.model.findings import Finding, has_errors, has_open_queries

if TYPE_CHECKING:
    from ogi_xlsx.model.document import ReturnDocument

ANNOTATED_SUFFIX = "_审核结果"

RESULT_SHEET = "审核结果"  # the sheet validate --annotate adds (ogi_xlsx.writing.annotate)


@dataclass(eq=False)
class FileReport:
    """The outcome of checking one file: plain data (what was read, and the findings)."""

    path: Path
    sha256: str
    size: int
    mtime: float
    format: str | None = None
    format_version: str | None = None
    year: int | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    document: ReturnDocument | None = None
    findings: list[Finding] = field(default_factory=list)
    by_labels: bool = False
    # The workbook's identity kind ("return", "summary", "template"; None when it has none):
    # a merge never sums a summary beside its own units (issue 11).
    kind: str | None = None

    def __eq__(self, other: object) -> bool:
        # by value, whatever the class: a report served from the cache equals the one computed again
        if not isinstance(other, FileReport):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(FileReport))

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq

    @property
    def valid(self) -> bool:
        """No finding of error severity and no query (核实) left unexplained (待补正 otherwise)."""
        return not has_errors(self.findings) and not has_open_queries(self.findings)

    def counts(self) -> dict[str, int]:
        """Findings by severity (error, query, warning, info)."""
        counts = {"error": 0, "query": 0, "warning": 0, "info": 0}
        for f in self.findings:
            counts[f.severity or "error"] += 1
        return counts

    def stored_text(self, width: int) -> str | None:
        """Lines a front end stored for this report at ``width`` (see :class:`CachedFileReport`); None here."""
        return None

    def to_dict(self) -> dict[str, Any]:
        """The per-file object of ``validate --json``."""
        return {
            "path": str(self.path),
            "valid": self.valid,
            "format": self.format,
            "format_version": self.format_version,
            "year": self.year,
            "unit": {"code": self.unit_code, "name": self.unit_name},
            "sha256": self.sha256,
            "size": self.size,
            "recognised_by_labels": self.by_labels,
            "kind": self.kind,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
            "explanations": [e.to_json() for e in self.document.explanations] if self.document is not None else [],
        }


class CachedEntry(Protocol):
    """What :class:`CachedFileReport` needs of a cache entry (``pipeline.cache``)."""

    counts: dict[str, int]
    text: str | None
    text_width: int | None

    def decode(self) -> tuple[list[Finding], ReturnDocument | None]: ...


class CachedFileReport(FileReport):
    """A report served from the result cache: ``findings`` and ``document`` are decoded on first use.

    Printing a warm folder needs neither (the counts and the front end's lines are stored with the
    entry), and decoding 13,000 findings was a third of a warm run. Until the findings are decoded or
    replaced, ``valid``, ``counts()`` and ``stored_text()`` answer from the entry.
    """

    def __init__(self, path: Path, sha256: str, size: int, mtime: float, entry: CachedEntry, **header: Any) -> None:
        self._entry: CachedEntry | None = entry
        self._findings: list[Finding] = []
        self._document: ReturnDocument | None = None
        # set after loading (cross-year findings, queries): kept when the entry is decoded later
        self._own_findings = self._own_document = False
        self._loading = True  # the dataclass __init__ below assigns the defaults: not the report's data
        super().__init__(path=path, sha256=sha256, size=size, mtime=mtime, **header)
        self._loading = False

    @property
    def decoded(self) -> bool:
        """Whether the entry's findings and document have been decoded."""
        return self._entry is None

    def _decode(self) -> None:
        if self._entry is not None:
            findings, document = self._entry.decode()
            if not self._own_findings:
                self._findings = findings
            if not self._own_document:
                self._document = document
            self._entry = None

    @property  # type: ignore[override]
    def findings(self) -> list[Finding]:
        self._decode()
        return self._findings

    @findings.setter
    def findings(self, value: list[Finding]) -> None:
        if not self._loading:
            self._findings, self._own_findings = value, True

    @property  # type: ignore[override]
    def document(self) -> ReturnDocument | None:
        self._decode()
        return self._document

    @document.setter
    def document(self, value: ReturnDocument | None) -> None:
        if not self._loading:
            self._document, self._own_document = value, True

    def _cached(self) -> CachedEntry | None:
        """The entry while the findings are still the cached ones, else None."""
        return None if self._own_findings else self._entry

    @property
    def valid(self) -> bool:
        entry = self._cached()
        if entry is not None:  # cached findings are the file's own checks: queries are added later
            return entry.counts["error"] == 0
        return super().valid

    def counts(self) -> dict[str, int]:
        entry = self._cached()
        if entry is not None:
            return {"error": 0, "query": 0, "warning": 0, "info": 0, **entry.counts}
        return super().counts()

    def stored_text(self, width: int) -> str | None:
        """The lines printed for this report at ``width`` when it came from the cache unchanged."""
        entry = self._cached()
        return entry.text if entry is not None and entry.text_width == width else None


def fill_report(report: FileReport, doc: ReturnDocument) -> None:
    """Set the report's document and the identity fields taken from it."""
    report.document = doc
    report.format = doc.format
    report.format_version = doc.format_version
    report.year = doc.year or None
    report.unit_code = doc.unit_code
    report.unit_name = doc.unit_name
