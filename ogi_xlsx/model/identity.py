"""The identity a workbook carries: which format, version, layout, year and unit it is for.

Stored redundantly by the writers (custom document properties, defined names holding
constants, and the very-hidden sheet ``_ogi``) so that a return stays identifiable when a
spreadsheet program drops one of them. The reader takes the first copy it finds intact
and reports disagreements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Order matters: it is the row order on the ``_ogi`` sheet (key in column A, value in B).
IDENTITY_KEYS: tuple[str, ...] = (
    "format",
    "format_version",
    "layout_hash",
    "year",
    "unit_code",
    "unit_name",
    "kind",
    "tool_version",
)

Kind = Literal["template", "return", "summary"]


def property_name(key: str) -> str:
    """Custom document property name, e.g. ``ogi.format``."""
    return f"ogi.{key}"


def defined_name(key: str) -> str:
    """Workbook defined name holding the value as a string constant, e.g. ``ogi_id_format``."""
    return f"ogi_id_{key}"


@dataclass(frozen=True)
class Identity:
    """A workbook's identity; every field is text as stored."""

    format: str
    format_version: str
    layout_hash: str
    year: str
    unit_code: str = ""
    unit_name: str = ""
    kind: str = "template"
    tool_version: str = ""

    def as_dict(self) -> dict[str, str]:
        return {key: str(getattr(self, key)) for key in IDENTITY_KEYS}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Identity | None:
        """Build from stored key/values; None when the essential keys are missing."""
        if not all(data.get(key) for key in ("format", "format_version", "layout_hash", "year")):
            return None
        return cls(**{key: str(data.get(key, "")) for key in IDENTITY_KEYS})
