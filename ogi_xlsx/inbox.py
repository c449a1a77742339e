"""What is in an inbox: every file found is read as a return, opened as an archive, or skipped with a reason.

The classification lives in one table, :data:`SUFFIX_ACTIONS` (plus a few names that are
never returns, see :func:`classify`). Turning on a new reader for a kind of file (e.g.
published reports in .pdf read by ``ogi_xlsx.importer``) is a one-line change there: its
action becomes ``"read"``.

A ``.zip`` attachment is opened with the safe reader's limits (member count, declared and
actual sizes, compression ratio); nothing is extracted to disk and member names are never
used as paths. A member is named ``archive.zip!member.xlsx`` (:func:`member_path`) and read
from memory by :func:`read_member`.
"""

from __future__ import annotations

import contextlib
import os
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ogi_xlsx.limits import Limits

Action = Literal["read", "archive", "skip"]

# Spreadsheet-like files: read (an .xls/.et/.ods gets a "save as .xlsx" finding from the reader).
_SPREADSHEETS = (".xlsx", ".xlsm", ".xltx", ".xls", ".et", ".ett", ".xlt", ".ods", ".wps")
_PUBLISHED = "已发布的年度报告或文字材料"
_NOT_READ = (
    "在文件夹中不作为本年报表读取；请单位报送下发模板填写的 .xlsx 报表"
    "（已发布的报告可用 ogi-xlsx import 导入，或在命令行直接给出该文件）"
)

# suffix -> (action, why it is skipped). The one place deciding what an inbox file is.
SUFFIX_ACTIONS: dict[str, tuple[Action, str]] = {
    **{suffix: ("read", "") for suffix in _SPREADSHEETS},
    ".zip": ("archive", ""),
    # Published reports: read by ogi_xlsx.importer when given directly or under --previous
    # (last year's figures); in this year's inbox a unit is asked for the .xlsx return.
    ".pdf": ("skip", f"PDF 文件（{_PUBLISHED}），{_NOT_READ}"),
    ".docx": ("skip", f"Word 文件（{_PUBLISHED}），{_NOT_READ}"),
    ".doc": ("skip", f"Word 文件（{_PUBLISHED}），{_NOT_READ}"),
    ".html": ("skip", f"网页文件（{_PUBLISHED}），{_NOT_READ}"),
    ".htm": ("skip", f"网页文件（{_PUBLISHED}），{_NOT_READ}"),
    ".txt": ("skip", f"文本文件（{_PUBLISHED}），{_NOT_READ}"),
    ".json": ("skip", "JSON 文件：如果是报表数据（ogi-xlsx export 导出），请在命令行直接给出该文件"),
    ".csv": ("skip", "CSV 文件不是报表；如果是报送名单，请用 --roster 给出"),
    ".rar": ("skip", "RAR 压缩包无法读取；请解压后放入文件夹，或改用 .zip 压缩"),
    ".7z": ("skip", "7z 压缩包无法读取；请解压后放入文件夹，或改用 .zip 压缩"),
    ".bak": ("skip", "备份文件，不作为报表读取"),
    ".tmp": ("skip", "临时文件，不作为报表读取"),
}
_SYSTEM_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
# Returns read from one archive at most: each is read on its own (the archive opened again), and
# an attachment holds a district's returns, not thousands.
MAX_ARCHIVE_RETURNS = 500


@dataclass(frozen=True)
class Skipped:
    """A file found but not read, and why (a Chinese reason)."""

    path: str
    reason: str

    @property
    def name(self) -> str:
        """The file name (an archive member's own name)."""
        return re.split(r"[/\\!]", self.path)[-1]

    @property
    def short(self) -> str:
        """The name without folders: ``x.pdf``, ``附件.zip!说明.txt``."""
        archive, bang, member = self.path.partition("!")
        return re.split(r"[/\\]", archive)[-1] + bang + member

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class Discovery:
    """The files to read (archive members as ``a.zip!m.xlsx``) and the files skipped."""

    files: list[Path]
    skipped: list[Skipped]


def classify(name: str) -> tuple[Action, str]:
    """What to do with a file found in a folder (or an archive), by its name."""
    lowered = name.lower()
    if name.startswith("~$"):
        return "skip", "Office/WPS 打开文件时留下的临时文件，不是报表"
    if lowered in _SYSTEM_NAMES or name.startswith("."):
        return "skip", "隐藏文件或系统文件，不是报表"
    suffix = os.path.splitext(lowered)[1]
    if suffix in SUFFIX_ACTIONS:
        return SUFFIX_ACTIONS[suffix]
    if lowered.endswith((".xlsx.bak", "~")) or suffix.startswith(".bak"):
        return "skip", "备份文件，不作为报表读取"
    shown = suffix or "（无扩展名）"
    return "skip", f"不是报表文件（扩展名 {shown}）；报表应为 .xlsx"


# --------------------------------------------------------------------------- archives

_MEMBER = re.compile(r"^(?P<archive>.+?\.zip)!(?P<member>.+)$", re.IGNORECASE)


def member_path(archive: Path, member: str) -> Path:
    """The name of an archive member in reports: ``archive.zip!folder/member.xlsx``."""
    return Path(f"{archive}!{member}")


def split_member(path: Path) -> tuple[Path, str] | None:
    """(archive, member name) for a path made by :func:`member_path`; None for an ordinary file."""
    text = str(path)
    if "!" not in text or os.path.lexists(text):
        return None
    match = _MEMBER.match(text)
    if match is None or not os.path.isfile(match["archive"]):
        return None
    return Path(match["archive"]), match["member"]


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its sender saw it: names from Chinese Windows are GBK without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("gb18030")
    return name.replace("\\", "/")


class ArchiveError(Exception):
    """An archive that cannot be opened safely; ``str(error)`` is a Chinese reason."""


def _open_archive(archive: Path, limits: Limits) -> zipfile.ZipFile:
    """The archive opened after the directory checks (count of members, declared sizes, ratios)."""
    try:
        size = archive.stat().st_size
        if size > limits.max_uncompressed_bytes:
            raise ArchiveError(f"压缩包有 {size / 1048576:.1f} MB，超过上限")
        zf = zipfile.ZipFile(archive)
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(f"压缩包已损坏或不是 .zip 文件（{type(exc).__name__}）") from None
    infos = zf.infolist()
    if len(infos) > limits.max_parts:
        zf.close()
        raise ArchiveError(f"压缩包内文件过多（{len(infos)} 个）")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > (1 << 20) and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            zf.close()
            raise ArchiveError(f"压缩包内“{_member_name(info)}”的压缩比异常（疑似“压缩炸弹”）")
    if total > limits.max_uncompressed_bytes:
        zf.close()
        raise ArchiveError(f"压缩包解压后共 {total / 1048576:.1f} MB，超过上限")
    return zf


def _archive_entries(archive: Path, limits: Limits) -> tuple[list[Path], list[Skipped]]:
    files: list[Path] = []
    skipped: list[Skipped] = []
    try:
        zf = _open_archive(archive, limits)
    except ArchiveError as error:
        return [], [Skipped(str(archive), f"{error}，未能打开；请解压后放入文件夹，或请单位重新发送")]
    with zf:
        names: set[str] = set()
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = _member_name(info)
            shown = str(member_path(archive, name))
            base = name.rsplit("/", 1)[-1]
            action, reason = classify(base)
            if name in names:
                skipped.append(Skipped(shown, "压缩包内有同名文件，只读取第一个"))
                continue
            names.add(name)
            if action == "archive":
                action, reason = "skip", "压缩包中的压缩包不会被打开；请解压后放入文件夹"
            elif action == "read" and info.flag_bits & 0x1:
                action, reason = "skip", "压缩包内的文件已加密，无法读取；请不加密码重新压缩"
            elif action == "read" and info.file_size > limits.max_file_bytes:
                action, reason = "skip", f"解压后有 {info.file_size / 1048576:.1f} MB，超过单个文件的上限"
            if action == "read" and len(files) >= MAX_ARCHIVE_RETURNS:
                action, reason = "skip", f"压缩包内的报表超过 {MAX_ARCHIVE_RETURNS} 份，其余未读取；请解压后放入文件夹"
            if action == "read":
                files.append(member_path(archive, name))
            elif not base.startswith("._") and "__MACOSX/" not in name:  # macOS resource forks: not files
                skipped.append(Skipped(shown, reason))
    return files, skipped


def read_member(archive: Path, member: str, limits: Limits) -> tuple[bytes, float]:
    """A member's bytes (read in memory, bounded by the limits) and its modification time.

    Raises ArchiveError (Chinese reason) when it cannot be read safely.
    """
    zf = _open_archive(archive, limits)
    with zf:
        info = next((i for i in zf.infolist() if _member_name(i) == member and not i.is_dir()), None)
        if info is None:
            raise ArchiveError(f"压缩包内没有“{member}”")
        if info.flag_bits & 0x1:
            raise ArchiveError("压缩包内的文件已加密")
        cap = min(info.file_size, limits.max_file_bytes)
        try:
            with zf.open(info) as stream:
                data = stream.read(cap + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise ArchiveError(f"压缩数据损坏或不完整（{type(exc).__name__}）") from None
        if len(data) > cap:
            raise ArchiveError("解压后的大小与声明不符或超过上限")
        try:
            moment = datetime(*info.date_time).timestamp()
        except (ValueError, OverflowError):
            moment = archive.stat().st_mtime
    return data, moment


# --------------------------------------------------------------------------- discovery


def discover(paths: Sequence[Path], limits: Limits | None = None) -> Discovery:
    """Every file under ``paths``: the ones to read (sorted, no duplicates) and the ones skipped.

    Files given by name are read whatever their suffix (the reader reports what it cannot
    use), except archives, which are opened. Folders are searched recursively (not hidden
    folders); each file found is classified by :func:`classify`.
    Raises FileNotFoundError for a path that does not exist.
    """
    limits = limits or Limits()
    found: dict[str, Path] = {}
    skipped: dict[str, Skipped] = {}
    archives: dict[str, Path] = {}

    def take(candidate: Path, key: str, action: Action, reason: str) -> None:
        if action == "read":
            found.setdefault(key, candidate)
        elif action == "archive":
            archives.setdefault(key, candidate)
        else:
            skipped.setdefault(key, Skipped(str(candidate), reason))

    for given in paths:
        given = Path(given)
        if given.is_dir():
            for root, dirs, names in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                # One realpath() per folder, not per file (~40 µs each): a file's real path is
                # its real folder plus its name unless the file itself is a link.
                real_root = os.path.realpath(root)
                for name in names:
                    candidate = Path(root, name)
                    key = os.path.join(real_root, name)
                    if os.path.islink(key):
                        key = os.path.realpath(key)
                    take(candidate, key, *classify(name))
        elif given.exists():
            action: Action = "archive" if given.suffix.lower() == ".zip" else "read"
            take(given, str(given.resolve()), action, "")
        elif split_member(given) is not None:  # a member found before (a.zip!m.xlsx), given again
            found.setdefault(str(given), given)
        else:
            raise FileNotFoundError(str(given))
    for archive in archives.values():
        members, skipped_members = _archive_entries(archive, limits)
        for member in members:
            found.setdefault(str(member), member)
        for item in skipped_members:
            skipped.setdefault(item.path, item)
    return Discovery(
        files=sorted(found.values(), key=lambda p: str(p)),
        skipped=sorted(skipped.values(), key=lambda s: s.path),
    )


def mentions(file_name: str, code: str, name: str) -> bool:
    """Whether a file name names a unit (its code as a separate token, or its full name)."""
    stem = file_name.lower()
    if name and len(name) >= 2 and name.lower() in stem:
        return True
    code = code.strip().lower()
    if len(code) < 3:  # "1" or "01" would match "报表(1).xlsx"
        return False
    return re.search(rf"(?<![0-9a-z]){re.escape(code)}(?![0-9a-z])", stem) is not None


def name_mismatches(files: Iterable[tuple[str, str, str]], known: Mapping[str, str]) -> list[str]:
    """Files whose name names another unit than their content (a file sent for the wrong unit, or
    a clerk's copy of a neighbour's return). ``files``: (path, content's code, content's name);
    ``known``: every unit code -> name (roster and returns). Chinese lines."""
    lines = []
    for path, code, name in files:
        base = re.split(r"[/\\!]", path)[-1]
        if not code or mentions(base, code, name):
            continue
        others = [(c, n) for c, n in known.items() if c != code and mentions(base, c, n)]
        if others:
            named = "、".join(f"{c} {n}".strip() for c, n in others)
            lines.append(f"文件“{base}”的文件名指向 {named}，但文件内容是 {code} {name} 的报表：请核对是否发错了文件。")
    return lines


def skipped_for_unit(skipped: Sequence[Skipped], code: str, name: str) -> list[Skipped]:
    """The skipped files whose names point at a unit."""
    return [s for s in skipped if mentions(s.name, code, name)]


def skipped_lines(skipped: Sequence[Skipped], limit: int | None = None) -> list[str]:
    """The "跳过 N 个文件" block of the text reports."""
    if not skipped:
        return []
    shown = list(skipped) if limit is None else list(skipped)[:limit]
    lines = [f"跳过 {len(skipped)} 个文件（未作为报表读取）："]
    lines += [f"  {s.path}：{s.reason}。" for s in shown]
    if len(shown) < len(skipped):
        lines.append(f"  ……另有 {len(skipped) - len(shown)} 个")
    return lines


def skipped_json(skipped: Sequence[Skipped]) -> list[dict[str, Any]]:
    """The ``skipped`` list of the JSON outputs."""
    return [s.to_dict() for s in skipped]
