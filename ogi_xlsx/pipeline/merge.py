"""Consolidate many units' returns into one summary (汇总), as a pure function.

Input: one record per file (a validator ``FileReport`` or a :class:`MergeInput`), an
optional roster (unit code -> name) and options. Output: a :class:`MergeResult` with the
summed :class:`~ogi_xlsx.model.document.ReturnDocument` (identity = the summarising office),
a status for every unit, the provenance of every file and each merged unit's values.

Rules (issue 5):

- only valid returns are summed, and nothing is counted twice: files of one unit holding
  the same data (values, cover, unit, year: compared as data, not bytes, so a copy re-saved
  unchanged by Excel or LibreOffice is the same) are merged once and noted (``duplicate``);
  files with different data are a ``conflict`` and neither is summed, unless ``prefer``
  says which to take: ``"newest"`` (the most recently modified) or ``"newest-valid"`` (the
  most recently modified one that passes the checks: "the corrected one", issue 11);
- a summary (identity kind ``summary``, or ``merge --json`` output) is never summed beside
  returns of units: it is listed in :attr:`MergeResult.excluded` and does not make the
  merge incomplete. When every input is a summary (or ``include_summaries``), summaries
  are merged one level up like returns;
- files found but not read (``skipped``: PDFs, .csv …) are carried along; a missing unit
  whose code or name appears in such a file's name is told so;
- the INPUT cells are summed (ints for counts, ``Decimal`` for money) and the totals are
  recomputed with :func:`ogi_xlsx.checks.rules.with_totals`; totals are never summed;
- a blank input cell counts as 0; a cell every merged unit left blank is 0 in the summary
  and listed in :attr:`MergeResult.blank_everywhere`;
- mixed formats or report years cannot be summed: :class:`MergeError` (a usage error).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Literal

from ogi_xlsx.checks.rules import Number, with_totals
from ogi_xlsx.model.document import Explanation, ReturnDocument
from ogi_xlsx.model.findings import SEVERITY_ORDER, Finding, finding, has_errors, has_open_queries, open_queries
from ogi_xlsx.model.spec import FormatSpec, UnknownFormatError, format_for_year, load_format
from ogi_xlsx.pipeline.inbox import Skipped, skipped_for_unit

Status = Literal["merged", "duplicate", "missing", "invalid", "conflict", "unexpected"]
Prefer = Literal["newest", "newest-valid"]
PREFER_CHOICES: tuple[str, ...] = ("newest", "newest-valid")

STATUS_LABELS: dict[str, str] = {
    "merged": "已汇总",
    "duplicate": "已汇总（同一份数据重复提交，只计一次）",
    "missing": "未报送",
    "invalid": "待补正（未汇总）",
    "conflict": "提交了多个不同文件（未汇总）",
    "unexpected": "不在报送名单中（未汇总）",
    "unidentified": "无法识别单位（未汇总）",
}

# How a file was used: counted in the summary, a byte-identical copy of a counted file,
# or not counted (invalid, conflicting, superseded, unexpected, unidentified).
FileUse = Literal["counted", "copy", "not-counted"]
FILE_USE_LABELS: dict[str, str] = {
    "counted": "计入汇总",
    "copy": "数据相同的重复文件，未重复计入",
    "not-counted": "未计入",
}
SUMMARY_EXCLUDED = "这是一份汇总表（不是单位报表），与各单位报表一起汇总会重复计算，未计入"


class MergeError(Exception):
    """The inputs cannot be summed at all (mixed formats or years): a usage error."""


@dataclass(frozen=True)
class MergeInput:
    """One input file as the merge needs it (what a validator ``FileReport`` carries)."""

    path: str
    sha256: str
    size: int
    mtime: str  # ISO 8601, local time with offset
    document: ReturnDocument | None
    findings: tuple[Finding, ...] = ()
    valid: bool = True
    format: str | None = None
    format_version: str | None = None
    year: int | None = None
    unit_code: str = ""
    unit_name: str = ""
    mtime_key: float = 0.0  # for --prefer newest (seconds since the epoch)
    kind: str | None = None  # identity kind: "summary" is never summed beside returns

    @property
    def name(self) -> str:
        """The file name without folders."""
        return PurePath(self.path).name

    @classmethod
    def from_report(cls, report: Any) -> MergeInput:
        """Adapt a validator ``FileReport`` (or anything with the same attributes)."""
        if isinstance(report, MergeInput):
            return report
        doc = getattr(report, "document", None)
        mtime_iso, mtime_key = _mtime(getattr(report, "mtime", None))
        year = getattr(report, "year", None)
        if year is None and doc is not None:
            year = doc.year
        fmt = getattr(report, "format", None) or (doc.format if doc is not None else None)
        code = getattr(report, "unit_code", None) or (doc.unit_code if doc is not None else "") or ""
        name = getattr(report, "unit_name", None) or (doc.unit_name if doc is not None else "") or ""
        return cls(
            path=str(getattr(report, "path", "")),
            sha256=str(getattr(report, "sha256", "")),
            size=int(getattr(report, "size", 0) or 0),
            mtime=mtime_iso,
            mtime_key=mtime_key,
            document=doc,
            findings=tuple(getattr(report, "findings", ()) or ()),
            valid=bool(getattr(report, "valid", doc is not None)),
            format=_format_id(fmt),
            format_version=getattr(report, "format_version", None) or (doc.format_version if doc else None),
            year=int(year) if year not in (None, "") else None,
            unit_code=str(code).strip(),
            unit_name=str(name).strip(),
            kind=getattr(report, "kind", None),
        )


def carried_explanations(spec: FormatSpec, units: Iterable[UnitStatus]) -> list[Explanation]:
    """The summed units' accepted explanations, for the summary's own 情况说明 (one level up):
    ``cell`` names the unit, then its cell (``某街道（LC002）表三 J7``)."""
    out = []
    for unit in units:
        who = f"{unit.name}（{unit.code}）"
        for e in unit.explanations:
            if e["sheet"]:  # a query of the unit's own return
                short = next((t.short for t in spec.tables if t.sheet == e["sheet"]), e["sheet"])
                cell = f"{who} {short} {e['cell']}".rstrip()
            else:  # carried from the unit's own units (the unit is a summary)
                cell = f"{who} / {e['cell']}" if e["cell"] else who
            out.append(Explanation(rule=e["rule"], cell=cell, text=e["explanation"]))
    return out


def _format_id(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return load_format(str(value)).id
    except UnknownFormatError:
        return str(value)


def _mtime(value: Any) -> tuple[str, float]:
    """(ISO text, sort key) from an epoch number, a datetime or an ISO string."""
    if value is None or value == "":
        return "", 0.0
    if isinstance(value, (int, float)):
        moment = datetime.fromtimestamp(value, tz=UTC).astimezone()
    elif isinstance(value, datetime):
        moment = value if value.tzinfo else value.astimezone()
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value), 0.0
        if moment.tzinfo is None:
            moment = moment.astimezone()
    return moment.isoformat(timespec="seconds"), moment.timestamp()


@dataclass(frozen=True)
class FileEntry:
    """Provenance of one input file and how the merge used it."""

    path: str
    name: str
    sha256: str
    size: int
    mtime: str
    format_version: str | None
    unit_code: str
    unit_name: str
    use: FileUse
    valid: bool
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")


@dataclass(frozen=True)
class UnitStatus:
    """One unit's place in the summary."""

    code: str
    name: str
    status: Status
    files: tuple[FileEntry, ...] = ()
    counted: FileEntry | None = None
    on_roster: bool = True
    note: str = ""
    # files found but not read whose names point at this unit (a PDF instead of the workbook …)
    skipped: tuple[Skipped, ...] = ()

    @property
    def label(self) -> str:
        if self.status == "missing" and self.skipped:
            names = "、".join(s.name for s in self.skipped)
            return f"未报送（收到了无法读取的文件 {names}）"
        return STATUS_LABELS[self.status]

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Findings of the unit's files (the counted one first), errors first."""
        files = ([self.counted] if self.counted else []) + [f for f in self.files if f is not self.counted]
        seen: set[str] = set()
        out = []
        for f in files:
            # A byte-identical copy has the same findings: count them once. Files that were not
            # hashed (unreadable, too large) have no sha256 and are never the same file.
            if not f.sha256 or f.sha256 not in seen:
                seen.add(f.sha256)
                out += f.findings
        return tuple(sorted(out, key=lambda f: SEVERITY_ORDER.get(f.severity or "error", 0)))

    @property
    def explanations(self) -> tuple[dict[str, str], ...]:
        """The counted return's explained queries (rule, sheet, cell, title, explanation): what the
        unit wrote in its 情况说明 and the office reads in 报送情况."""
        from ogi_xlsx.pipeline.queries import explained_queries

        return tuple(explained_queries(self.counted.findings)) if self.counted is not None else ()

    @property
    def status_finding(self) -> Finding | None:
        """The merge's own finding for this unit (stable code), if its status is a problem or a note."""
        code = {
            "missing": "merge-missing",
            "conflict": "merge-conflict",
            "unexpected": "merge-unexpected",
            "duplicate": "merge-duplicate-file",
        }.get(self.status)
        if code is None:
            return None
        params = {"name": self.name, "code": self.code, "label": self.label, "note": self.note or ""}
        return finding(code, "", params, args={"code": self.code})

    def to_dict(self) -> dict[str, Any]:
        """The ``units`` entry of ``merge --json``."""
        shown = self.counted or (self.files[0] if len(self.files) == 1 else None)
        entry: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "status": self.status,
            "path": shown.path if shown else None,
            "sha256": shown.sha256 if shown else None,
            "on_roster": self.on_roster,
        }
        if self.note:
            entry["note"] = self.note
        if self.skipped:
            entry["label"] = self.label
            entry["skipped"] = [x.to_dict() for x in self.skipped]
        finding = self.status_finding
        if finding is not None:
            entry["finding"] = finding.to_dict()
        if self.counted is not None and self.explanations:
            entry["explanations"] = list(self.explanations)
        if len(self.files) > 1 or self.status in ("invalid", "conflict"):
            entry["files"] = [
                {
                    "path": f.path,
                    "sha256": f.sha256,
                    "mtime": f.mtime,
                    "use": f.use,
                    "valid": f.valid,
                    "findings": [
                        x.to_dict() for x in f.findings if x.severity == "error" or x in open_queries(f.findings)
                    ],
                }
                for f in self.files
            ]
        return entry


@dataclass(frozen=True)
class Contribution:
    """One merged unit's values (inputs as reported, totals recomputed)."""

    code: str
    name: str
    values: dict[str, Number | None] = field(hash=False)
    file: FileEntry


@dataclass(frozen=True)
class Counts:
    """The 报送情况 figures."""

    expected: int  # 应报
    submitted: int  # 已报 (expected units with at least one file)
    passed: int  # 通过 (merged)
    to_correct: int  # 待补正 (invalid or conflicting)
    missing: int  # 未报
    unexpected: int  # 名单外
    duplicates: int  # 重复提交（已合并）
    unidentified: int  # 无法识别单位的文件
    excluded: int = 0  # 未计入的汇总表（不是单位报表）
    skipped: int = 0  # 跳过的文件（不是报表或无法读取）


@dataclass(frozen=True)
class MergeResult:
    """Everything the summary workbook, the JSON and the terminal report show."""

    spec: FormatSpec
    document: ReturnDocument
    units: tuple[UnitStatus, ...]
    files: tuple[FileEntry, ...]
    contributions: tuple[Contribution, ...]
    unidentified: tuple[FileEntry, ...]
    blank_everywhere: tuple[str, ...]
    has_roster: bool
    excluded: tuple[FileEntry, ...] = ()  # summaries not summed beside returns (see SUMMARY_EXCLUDED)
    skipped: tuple[Skipped, ...] = ()  # files found but not read, with the reason

    @property
    def counts(self) -> Counts:
        on_roster = [u for u in self.units if u.on_roster]
        return Counts(
            expected=len(on_roster),
            submitted=sum(1 for u in on_roster if u.status != "missing"),
            passed=sum(1 for u in on_roster if u.status in ("merged", "duplicate")),
            to_correct=sum(1 for u in on_roster if u.status in ("invalid", "conflict")),
            missing=sum(1 for u in on_roster if u.status == "missing"),
            unexpected=sum(1 for u in self.units if u.status == "unexpected"),
            duplicates=sum(1 for u in self.units if u.status == "duplicate"),
            unidentified=len(self.unidentified),
            excluded=len(self.excluded),
            skipped=len(self.skipped),
        )

    @property
    def complete(self) -> bool:
        """True when every expected unit is summed and no file was left out for a problem."""
        return not self.problems and not self.unidentified

    @property
    def problems(self) -> tuple[UnitStatus, ...]:
        """Units that keep the summary from being complete."""
        return tuple(u for u in self.units if u.status in ("missing", "invalid", "conflict", "unexpected"))

    def units_json(self) -> list[dict[str, Any]]:
        """``units`` of ``merge --json``: one entry per unit, then unidentified files."""
        out = [u.to_dict() for u in self.units]
        for f in self.unidentified:
            out.append(
                {
                    "code": None,
                    "name": None,
                    "status": "unidentified",
                    "path": f.path,
                    "sha256": f.sha256,
                    "on_roster": False,
                    "files": [
                        {
                            "path": f.path,
                            "sha256": f.sha256,
                            "mtime": f.mtime,
                            "use": f.use,
                            "valid": f.valid,
                            "findings": [
                                x.to_dict()
                                for x in f.findings
                                if x.severity == "error" or x in open_queries(f.findings)
                            ],
                        }
                    ],
                }
            )
        return out

    def to_json(self) -> dict[str, Any]:
        """``merge --json``: the summary return document plus ``units`` and ``consolidation``.

        The whole object is valid against ``ogi-xlsx schema`` (both keys are optional there),
        so the JSON summary can itself be validated and merged one level up.
        """
        return {
            **self.document.to_json(),
            "units": self.units_json(),
            "consolidation": self._consolidation_json(),
        }

    def _consolidation_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            "counts": {
                "expected": c.expected,
                "submitted": c.submitted,
                "passed": c.passed,
                "to_correct": c.to_correct,
                "missing": c.missing,
                "unexpected": c.unexpected,
                "duplicates": c.duplicates,
                "unidentified": c.unidentified,
                "excluded": c.excluded,
                "skipped": c.skipped,
            },
            "complete": self.complete,
            "blank_everywhere": list(self.blank_everywhere),
            "excluded": [{"path": f.path, "sha256": f.sha256, "reason": SUMMARY_EXCLUDED} for f in self.excluded],
            "skipped": [x.to_dict() for x in self.skipped],
        }


# --------------------------------------------------------------------------- the merge


def _entry(item: MergeInput, use: FileUse) -> FileEntry:
    return FileEntry(
        path=item.path,
        name=item.name,
        sha256=item.sha256,
        size=item.size,
        mtime=item.mtime,
        format_version=item.format_version,
        unit_code=item.unit_code,
        unit_name=item.unit_name,
        use=use,
        valid=item.valid,
        findings=item.findings,
    )


def _file_key(item: MergeInput) -> tuple[str, str, str]:
    return (item.sha256, item.name, item.path)


def _is_valid(item: MergeInput) -> bool:
    """Passes: no error and no query (核实) left unexplained."""
    findings = list(item.findings)
    return item.valid and item.document is not None and not has_errors(findings) and not has_open_queries(findings)


def _summary_spec(items: list[MergeInput], year: int | None) -> tuple[FormatSpec, int]:
    """The one format and year of the summary; refuses mixtures (unless ``year`` decides)."""
    if year is not None:
        try:
            return format_for_year(year), year
        except UnknownFormatError:
            raise MergeError(f"报告年度 {year} 没有适用的报表格式。") from None
    known = [i for i in items if i.year is not None and i.format is not None]
    years = sorted({i.year for i in known if i.year is not None})
    formats = sorted({i.format for i in known if i.format is not None})
    if len(years) > 1 or len(formats) > 1:
        parts = []
        for y in years:
            n = sum(1 for i in known if i.year == y)
            parts.append(f"{y} 年度 {n} 个")
        detail = "、".join(parts)
        fmts = "、".join(formats)
        raise MergeError(
            f"这批报表的报告年度或格式不一致（{detail}；格式：{fmts}），不能汇总在一起。"
            "请只放同一年度的报表，或用 --year 指定本次汇总的年度（其他年度的报表将列为待补正）。"
        )
    if not known:
        raise MergeError("没有可识别报告年度的报表，无法确定汇总格式；请用 --year 指定年度。")
    return load_format(formats[0]), years[0]


def _off_year_finding(item: MergeInput, spec: FormatSpec, year: int) -> Finding | None:
    if item.year is not None and item.year != year:
        return finding(
            "year-mismatch", "merge", {"year": item.year, "expected": year}, args={"year": item.year, "expected": year}
        )
    if item.format is not None and item.format != spec.id:
        return finding("format-year-mismatch", "merge", {"format": item.format, "year": year, "expected": spec.id})
    return None


# long: the merge as one readable sequence (inputs, duplicates and conflicts, roster, sums, status); the steps it
#   calls are separate functions
def merge_returns(
    reports: Iterable[Any],
    *,
    roster: Mapping[str, str] | None = None,
    year: int | None = None,
    unit_code: str = "",
    unit_name: str = "",
    prefer: Prefer | None = None,
    cover: Mapping[str, str] | None = None,
    skipped: Iterable[Skipped] = (),
    include_summaries: bool = False,
) -> MergeResult:
    """Merge validated returns into one summary (see the module docstring for the rules).

    Args:
        reports: ``FileReport``-like records or :class:`MergeInput` objects, any order.
        roster: expected units, code -> name; without it every unit found is expected.
        year: the report year of this summary; returns of other years become invalid.
            Without it, all returns must share one year and format (else :class:`MergeError`).
        unit_code, unit_name: the summary's own identity (the district).
        prefer: how a unit's files with different data are resolved: ``"newest"`` takes the
            most recently modified, ``"newest-valid"`` the most recently modified valid one;
            None leaves them a conflict.
        cover: cover fields of the summary (preparer, phone, reviewer, date).
        skipped: files found but not read (:class:`~ogi_xlsx.pipeline.inbox.Skipped`), shown with the result.
        include_summaries: sum summaries like returns even when returns of units are present.

    Raises:
        MergeError: the returns mix formats or years and no ``year`` was given.
    """
    if prefer not in (None, *PREFER_CHOICES):
        raise MergeError(f"prefer 只能是 {'、'.join(PREFER_CHOICES)}，实际为“{prefer}”。")
    every = sorted((MergeInput.from_report(r) for r in reports), key=_file_key)
    # A summary lying among its units' returns (an earlier run's output, or a summary mailed
    # along) would count every unit twice: it is set aside unless only summaries are merged.
    summaries = [i for i in every if i.kind == "summary"]
    others = [i for i in every if i.kind != "summary"]
    summing_summaries = include_summaries or not any(i.document is not None for i in others)
    items = every if summing_summaries else others
    excluded = [] if summing_summaries else [_entry(i, "not-counted") for i in summaries]
    spec, summary_year = _summary_spec(items, year)

    # Returns of another year or format are invalid for this summary.
    checked: list[MergeInput] = []
    for item in items:
        off = _off_year_finding(item, spec, summary_year)
        if off is not None and off.code not in {f.code for f in item.findings}:
            item = MergeInput(**{**item.__dict__, "findings": (*item.findings, off), "valid": False})
        elif off is not None:
            item = MergeInput(**{**item.__dict__, "valid": False})
        checked.append(item)

    by_unit: dict[str, list[MergeInput]] = {}
    unidentified: list[FileEntry] = []
    for item in checked:
        if not item.unit_code:
            unidentified.append(_entry(item, "not-counted"))
        else:
            by_unit.setdefault(item.unit_code, []).append(item)

    skipped_files = tuple(sorted(skipped, key=lambda x: x.path))
    roster = dict(roster) if roster is not None else None
    zeros: dict[str, str] = {}  # roster code -> return code, when Excel dropped the roster's leading zeros
    if roster is not None:
        from ogi_xlsx.reading.roster import lost_leading_zeros

        zeros = lost_leading_zeros(roster, {code: _unit_name(group) for code, group in by_unit.items()})
    zero_of = {found: listed for listed, found in zeros.items()}
    codes = sorted(set(by_unit) | set(roster or {}))
    units: list[UnitStatus] = []
    contributions: list[Contribution] = []
    files: list[FileEntry] = list(unidentified)
    for code in codes:
        unit_items = by_unit.get(code, [])
        # A file carrying the summary's own code is an earlier summary lying among the returns:
        # summing it would count every unit twice.
        is_self = bool(unit_code.strip()) and code == unit_code.strip() and (roster is None or code not in roster)
        on_roster = (roster is None or code in roster) and not is_self
        name = (roster or {}).get(code) or _unit_name(unit_items)
        status, unit_files, counted, note = _unit_status(unit_items, on_roster, prefer, is_self=is_self)
        files.extend(unit_files)
        if code in zeros or code in zero_of:
            from ogi_xlsx.reading.roster import leading_zero_message

            listed, found_code = (code, zeros[code]) if code in zeros else (zero_of[code], code)
            note = (note + " " if note else "") + leading_zero_message(listed, found_code)
        unit_skipped = tuple(skipped_for_unit(skipped_files, code, name)) if status == "missing" else ()
        if unit_skipped:
            note = (
                (note + " " if note else "")
                + "收到的文件无法作为报表读取："
                + "；".join(f"{x.short}（{x.reason}）" for x in unit_skipped)
                + "。"
            )
        units.append(
            UnitStatus(
                code=code,
                name=name,
                status=status,
                files=tuple(unit_files),
                counted=counted,
                on_roster=on_roster,
                note=note,
                skipped=unit_skipped,
            )
        )
        if counted is not None:
            doc = next(i.document for i in unit_items if i.path == counted.path and i.sha256 == counted.sha256)
            assert doc is not None
            inputs = {cid: _number(doc.values.get(cid)) for cid in spec.input_ids}
            contributions.append(Contribution(code=code, name=name, values=with_totals(spec, inputs), file=counted))

    summed, blank_everywhere = _sum_inputs(spec, [c.values for c in contributions])
    document = ReturnDocument(
        format=spec.id,
        format_version=spec.version,
        year=summary_year,
        unit_code=unit_code,
        unit_name=unit_name,
        values=with_totals(spec, summed),
        cover=dict(cover or {}),
        explanations=carried_explanations(spec, units),
    )
    files.extend(excluded)
    files.sort(key=lambda f: (f.unit_code, f.name, f.path, f.sha256))
    return MergeResult(
        spec=spec,
        document=document,
        units=tuple(units),
        files=tuple(files),
        contributions=tuple(contributions),
        unidentified=tuple(sorted(unidentified, key=lambda f: (f.name, f.path, f.sha256))),
        blank_everywhere=blank_everywhere,
        has_roster=roster is not None,
        excluded=tuple(sorted(excluded, key=lambda f: (f.name, f.path, f.sha256))),
        skipped=skipped_files,
    )


def _unit_name(items: list[MergeInput]) -> str:
    names = sorted({i.unit_name for i in items if i.unit_name})
    return names[0] if names else ""


def _number(value: Any) -> Number | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    return value


def _plain(value: Any) -> Any:
    """A value compared as data: numbers by value (5 == Decimal("5.00")), text stripped."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value).normalize()
    if isinstance(value, str):
        return value.strip()
    return value


def content_key(item: MergeInput) -> tuple[Any, ...]:
    """What makes two files the same return: its data (format, year, unit, values, cover), not its bytes.

    A return re-saved unchanged (Excel, WPS, LibreOffice) has other bytes but the same key;
    a file that could not be read has only its sha256.
    """
    doc = item.document
    if doc is None:
        return ("file", item.sha256 or item.path)
    values = tuple(sorted((k, _plain(v)) for k, v in doc.values.items()))
    cover = tuple(sorted((k, _plain(v)) for k, v in (doc.cover or {}).items() if _plain(v) not in ("", None)))
    return ("data", doc.format, doc.year, doc.unit_code.strip(), doc.unit_name.strip(), values, cover)


def _when(item: MergeInput) -> str:
    """The file's modification time for messages: 2025-01-08 10:05."""
    return item.mtime[:16].replace("T", " ") if item.mtime else "时间不明"


def _describe(group: list[MergeInput]) -> str:
    """One distinct return for a conflict message: its files, their times and whether it passes."""
    head = group[0]
    errors = sum(1 for f in head.findings if f.severity == "error")
    asked = len(open_queries(head.findings))
    state = (
        "通过审核"
        if _is_valid(head)
        else f"有 {errors} 个错误"
        if errors or not asked
        else f"有 {asked} 个未说明的核实项"
    )
    names = "、".join(f"{i.name}（修改于 {_when(i)}）" for i in group)
    return f"{names}：{state}"


def _newest(groups: list[list[MergeInput]]) -> list[MergeInput] | None:
    """The group with the latest modified file; None when two share that time."""
    if not groups:
        return None
    latest = max(max(i.mtime_key for i in g) for g in groups)
    top = [g for g in groups if max(i.mtime_key for i in g) == latest]
    return top[0] if len(top) == 1 else None


# long: one unit's status decided in the order the office reads it (missing, conflict, invalid, queries, accepted)
def _unit_status(
    items: list[MergeInput], on_roster: bool, prefer: str | None, *, is_self: bool = False
) -> tuple[Status, list[FileEntry], FileEntry | None, str]:
    """Status, file entries (in a fixed order), the counted file and a note for one unit."""
    if not items:
        return "missing", [], None, ""
    # One group per distinct return (same data); a group's first file is a valid one if any.
    distinct: dict[tuple[Any, ...], list[MergeInput]] = {}
    for item in items:
        distinct.setdefault(content_key(item), []).append(item)
    groups = sorted(
        (sorted(g, key=lambda i: (not _is_valid(i), _file_key(i))) for g in distinct.values()),
        key=lambda g: _file_key(g[0]),
    )

    if not on_roster:
        entries = [_entry(i, "not-counted") for g in groups for i in g]
        if is_self:
            return (
                "unexpected",
                entries,
                None,
                "单位代码与本次汇总单位相同，应是以前生成的汇总表，未计入（以免重复计算）。",
            )
        return "unexpected", entries, None, "单位代码不在报送名单中，未计入汇总。"

    chosen_group: list[MergeInput] | None
    note = ""
    if len(groups) > 1:
        listing = "；".join(_describe(g) for g in groups)
        head = f"提交了 {len(groups)} 份数据不同的报表（{listing}）"
    if len(groups) == 1:
        chosen_group = groups[0]
    elif prefer == "newest":
        chosen_group = _newest(groups)
        if chosen_group is None:
            note = f"{head}，且修改时间相同，无法判断哪个是最新的；均未计入汇总。"
        else:
            note = f"{head}；按 --prefer newest 采用修改时间最晚的 {chosen_group[0].name}。"
    elif prefer == "newest-valid":
        passing = [g for g in groups if _is_valid(g[0])]
        chosen_group = _newest(passing)
        if not passing:
            chosen_group = _newest(groups)
            note = f"{head}；按 --prefer newest-valid 应采用通过审核的最新文件，但没有一份通过审核，均未计入汇总。"
            entries = [_entry(i, "not-counted") for g in groups for i in g]
            return "invalid", entries, None, note
        if chosen_group is None:
            note = f"{head}，通过审核的文件修改时间相同，无法判断哪个是最新的；均未计入汇总。"
        else:
            note = f"{head}；按 --prefer newest-valid 采用通过审核的最新文件 {chosen_group[0].name}。"
    else:
        chosen_group = None
        note = (
            f"{head}，无法判断以哪个为准，均未计入汇总。请单位确认后只保留一份；"
            "或加 --prefer newest（采用最新的文件）或 --prefer newest-valid（采用通过审核的最新文件）。"
        )

    if chosen_group is None:
        entries = [_entry(i, "not-counted") for g in groups for i in g]
        return "conflict", entries, None, note

    head_item = chosen_group[0]
    if not _is_valid(head_item):
        entries = [_entry(i, "not-counted") for g in groups for i in g]
        return "invalid", entries, None, note
    entries = []
    counted = None
    for g in groups:
        for i, item in enumerate(g):
            if g is chosen_group:
                entry = _entry(item, "counted" if i == 0 else "copy")
                counted = entry if i == 0 else counted
            else:
                entry = _entry(item, "not-counted")
            entries.append(entry)
    if len(chosen_group) > 1:
        copies = "、".join(i.name for i in chosen_group)
        same_bytes = len({i.sha256 for i in chosen_group}) == 1
        how = "同一文件" if same_bytes else "数据相同的文件（文件本身不同，如另存过）"
        dup = f"{how}提交了 {len(chosen_group)} 次（{copies}），只计入一次：{chosen_group[0].name}。"
        return "duplicate", entries, counted, (note + dup) if note else dup
    return "merged", entries, counted, note


def _sum_inputs(spec: FormatSpec, rows: list[Mapping[str, Number | None]]) -> tuple[dict[str, Number], tuple[str, ...]]:
    """Sum every input cell over the merged units (blank = 0); also the cells blank everywhere."""
    summed: dict[str, Number] = {}
    blank_everywhere = []
    for cid in spec.input_ids:
        total: Number = Decimal(0) if spec.cells[cid].type == "amount" else 0
        seen = False
        for row in rows:
            value = row.get(cid)
            if value is not None:
                total += value
                seen = True
        summed[cid] = total
        if rows and not seen:
            blank_everywhere.append(cid)
    return summed, tuple(blank_everywhere)


def summary_lines(result: MergeResult) -> list[str]:
    """The terminal report of a merge, in Chinese (counts, then every problem unit)."""
    c = result.counts
    lines = [
        f"应报 {c.expected} 个单位，已报 {c.submitted} 个，通过 {c.passed} 个，待补正 {c.to_correct} 个，未报 {c.missing} 个"
        + (f"；名单外 {c.unexpected} 个" if c.unexpected else "")
        + (f"；重复提交 {c.duplicates} 个（只计一次）" if c.duplicates else "")
        + (f"；无法识别单位的文件 {c.unidentified} 个" if c.unidentified else "")
        + "。"
    ]
    if result.excluded:
        lines.append(
            f"未计入 {len(result.excluded)} 个汇总表（{SUMMARY_EXCLUDED}；如确要逐级汇总，请加 --include-summaries）："
        )
        lines += [f"  {f.path}（{f.unit_name or f.unit_code or '汇总'}）" for f in result.excluded]
    if not result.has_roster:
        lines.append("（未提供报送名单：应报单位按收到的报表计算，无法发现未报单位。）")
    for unit in result.units:
        # a merged unit is shown only when a rule chose between its files (--prefer)
        if unit.status not in ("missing", "invalid", "conflict", "unexpected", "duplicate") and not unit.note:
            continue
        title = f"  {unit.code} {unit.name}：{unit.label}"
        detail = [unit.note] if unit.note else []
        if unit.status in ("invalid", "unexpected", "conflict"):
            errors = [f.message for f in unit.findings if f.severity == "error"]
            detail += errors[:3] + ([f"……共 {len(errors)} 个错误"] if len(errors) > 3 else [])
            asked = [f"核实（未说明）：{f.message}" for f in open_queries(unit.findings)]
            detail += asked[:3] + ([f"……共 {len(asked)} 个未说明的核实项"] if len(asked) > 3 else [])
        lines.append(title)
        lines += [f"      {d}" for d in detail]
    for entry in result.unidentified:
        errors = [f.message for f in entry.findings if f.severity == "error"]
        lines.append(f"  {entry.path}：{STATUS_LABELS['unidentified']}")
        lines += [f"      {d}" for d in errors[:3]]
    from ogi_xlsx.pipeline.inbox import name_mismatches, skipped_lines

    known = {u.code: u.name for u in result.units}
    lines += name_mismatches([(f.path, f.unit_code, f.unit_name) for f in result.files], known)
    lines += skipped_lines(result.skipped)
    if result.blank_everywhere:
        lines.append(f"注意：有 {len(result.blank_everywhere)} 个填报项所有已汇总单位均未填写，汇总表按 0 计。")
    lines.append("汇总完整。" if result.complete else "汇总不完整：未报、待补正、冲突或名单外的单位未计入汇总。")
    return lines
