"""The outcome of checking one file: :class:`FileReport`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ogi_xlsx.model.findings import Finding, has_errors, has_open_queries

if TYPE_CHECKING:
    from ogi_xlsx.model.document import ReturnDocument

ANNOTATED_SUFFIX = "_审核结果"

RESULT_SHEET = "审核结果"  # the sheet validate --annotate adds (ogi_xlsx.writing.annotate)


@dataclass
class FileReport:
    """The outcome of validating one file."""

    path: Path
    sha256: str
    size: int
    mtime: float
    format: str | None = None
    format_version: str | None = None
    year: int | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    # No class-level default (a factory instead): a report served from the cache leaves both
    # unset until first use, see __getattr__.
    document: ReturnDocument | None = field(default_factory=lambda: None)
    findings: list[Finding] = field(default_factory=list)
    by_labels: bool = False
    # The workbook's identity kind ("return", "summary", "template"; None when it has none):
    # a merge never sums a summary beside its own units (issue 11).
    kind: str | None = None

    def __getattr__(self, name: str) -> Any:
        # Reached only for an attribute that is not set. A report served from the cache
        # (ogi_xlsx.pipeline.cache) decodes its findings and document on first use: printing the text
        # stored with it needs neither, and decoding 13,000 findings was a third of a warm run.
        pending = self.__dict__.get("_pending")
        if pending is None or name not in ("findings", "document"):
            raise AttributeError(name)
        del self.__dict__["_pending"]
        findings, document = pending.decode()
        self.__dict__.setdefault("findings", findings)
        self.__dict__.setdefault("document", document)
        return self.__dict__[name]

    def _as_cached(self) -> Any:
        """The cache entry's undecoded part while the findings are still the cached ones, else None."""
        return None if "findings" in self.__dict__ else self.__dict__.get("_pending")

    @property
    def valid(self) -> bool:
        """No finding of error severity and no query (核实) left unexplained (待补正 otherwise)."""
        cached = self._as_cached()
        if cached is not None:  # cached findings are the file's own checks: queries are added later
            return cached.counts["error"] == 0
        return not has_errors(self.findings) and not has_open_queries(self.findings)

    def counts(self) -> dict[str, int]:
        cached = self._as_cached()
        if cached is not None:
            return {"error": 0, "query": 0, "warning": 0, "info": 0, **cached.counts}
        counts = {"error": 0, "query": 0, "warning": 0, "info": 0}
        for f in self.findings:
            counts[f.severity or "error"] += 1
        return counts

    def stored_text(self, width: int) -> str | None:
        """The finding lines printed for this report at ``width`` when it came from the cache unchanged."""
        cached = self._as_cached()
        return cached.text if cached is not None and cached.text_width == width else None

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


def fill_report(report: FileReport, doc: ReturnDocument) -> None:
    """Set the report's document and the identity fields taken from it."""
    report.document = doc
    report.format = doc.format
    report.format_version = doc.format_version
    report.year = doc.year or None
    report.unit_code = doc.unit_code
    report.unit_name = doc.unit_name
