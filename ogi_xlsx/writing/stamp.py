"""Per-unit copies of one template: rendered once with marker strings, then stamped per unit.

For a roster of 1,000 units this is ~10x faster than rendering each workbook (see
``benchmarks/templates.py``). It works on the finished XML that xlsxwriter wrote, so it
depends on how xlsxwriter escapes text; ``tests/writing/test_template.py`` proves stamped
files byte-identical to :func:`~ogi_xlsx.writing.template.write_workbook`, and every value
xlsxwriter would store differently falls back to writing the workbook directly.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

from ogi_xlsx.model.spec import FormatSpec
from ogi_xlsx.util.atomic import atomic_write
from ogi_xlsx.writing.template import (
    DEFAULT_PASSWORD,
    DEFAULT_SEND_TO,
    MAX_CONSTANT,
    header_text,
    utf16_len,
    write_workbook,
)

# --------------------------------------------------------------------------- per-unit copies

# Private-use characters: never in a real unit name, passed through untouched by xlsxwriter.
_NAME_MARK = "\ue000unit-name\ue001"
_CODE_MARK = "\ue000unit-code\ue001"
_HEADER = re.compile(r"<oddHeader>.*?</oddHeader>", re.S)


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class TemplateStamp:
    """Per-unit copies of one template, written once with markers and then stamped.

    For a roster of many units only the unit name and code differ between files, so the
    workbook is rendered once with marker strings and each copy is that XML with the
    markers replaced, escaped as xlsxwriter escapes them in each place (cell text, page
    header, defined-name constant). A test proves stamped files byte-identical to
    :func:`write_workbook`; values that xlsxwriter would store differently (control
    characters, ``_xHHHH_`` sequences, edge whitespace, a string already in the workbook)
    fall back to writing the workbook directly.
    """

    def __init__(
        self,
        spec: FormatSpec,
        *,
        year: int,
        password: str = DEFAULT_PASSWORD,
        kind: str = "template",
        send_to: str = DEFAULT_SEND_TO,
    ):
        self.spec = spec
        self.options: dict[str, Any] = {"year": year, "password": password, "kind": kind, "send_to": send_to}
        buffer = io.BytesIO()
        write_workbook(buffer, spec, unit_code=_CODE_MARK, unit_name=_NAME_MARK, **self.options)
        with zipfile.ZipFile(buffer) as zf:
            self.parts = [(info, zf.read(info.filename).decode("utf-8")) for info in zf.infolist()]
        strings = next(text for info, text in self.parts if info.filename == "xl/sharedStrings.xml")
        self.strings = set(re.findall(r"<t(?: [^>]*)?>(.*?)</t>", strings, re.S))

    def stampable(self, unit_code: str, unit_name: str) -> bool:
        """Whether stamping gives exactly what :func:`write_workbook` writes for this unit."""
        if not unit_code or not unit_name or unit_code == unit_name:
            return False
        for value in (unit_code, unit_name):
            if utf16_len(value) > MAX_CONSTANT:  # the identity copies differ (see identity_parts)
                return False
            # "!" makes xlsxwriter list the identity name among the named ranges in app.xml
            if value != value.strip() or "_x" in value or "!" in value or value.startswith("<r>"):
                return False
            if any(ord(ch) < 32 or "\ue000" <= ch <= "\uf8ff" for ch in value):
                return False
            if _xml_text(value) in self.strings:
                return False
        return True

    def _stamp(self, name: str, text: str, unit_code: str, unit_name: str) -> str:
        if _NAME_MARK not in text and _CODE_MARK not in text:
            return text
        if name == "xl/workbook.xml":  # defined names hold "string constants" with doubled quotes
            return text.replace(_NAME_MARK, _xml_text(unit_name.replace('"', '""'))).replace(
                _CODE_MARK, _xml_text(unit_code.replace('"', '""'))
            )
        if "<oddHeader>" in text:
            header = _xml_text(header_text(unit_name))
            text = _HEADER.sub(lambda m: m.group(0).replace(_NAME_MARK, header), text)
        return text.replace(_NAME_MARK, _xml_text(unit_name)).replace(_CODE_MARK, _xml_text(unit_code))

    def write(self, target: Path | str | BinaryIO, *, unit_code: str, unit_name: str) -> None:
        """Write the copy of one unit (atomically when ``target`` is a path)."""
        if not self.stampable(unit_code, unit_name):
            write_workbook(target, self.spec, unit_code=unit_code, unit_name=unit_name, **self.options)
            return

        def write(out: str | BinaryIO) -> None:
            # the same container xlsxwriter writes: deflated parts dated 1980-01-01, in its order
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for info, text in self.parts:
                    entry = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(entry, self._stamp(info.filename, text, unit_code, unit_name).encode("utf-8"))

        if isinstance(target, (str, os.PathLike)):
            atomic_write(Path(target), write)
        else:
            write(target)
