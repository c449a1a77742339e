"""What a check depends on besides the file itself: a frozen :class:`CheckOptions`, also the cache key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ogi_xlsx.model.limits import Limits

if TYPE_CHECKING:
    from ogi_xlsx.reading.roster import Roster


@dataclass(frozen=True)
class CheckOptions:
    """What a check depends on besides the file itself (frozen: also the cache key).

    ``roster`` is stored as sorted ``(code, name)`` pairs so the options stay hashable;
    pass any mapping to :meth:`make`.
    """

    expected_year: int | None = None
    roster: tuple[tuple[str, str], ...] | None = None
    strict_blanks: bool = False
    limits: Limits | None = None

    @classmethod
    def make(
        cls,
        *,
        expected_year: int | None = None,
        roster: Mapping[str, str] | Roster | None = None,
        strict_blanks: bool = False,
        limits: Limits | None = None,
    ) -> CheckOptions:
        """Build options from a roster mapping (or :class:`~ogi_xlsx.reading.roster.Roster`)."""
        pairs = None
        if roster is not None:
            mapping = roster.mapping() if hasattr(roster, "mapping") else roster
            pairs = tuple(sorted(dict(mapping).items()))
        return cls(expected_year=expected_year, roster=pairs, strict_blanks=strict_blanks, limits=limits)

    @cached_property  # a frozen dataclass still has a __dict__: computed once per options, not per file
    def roster_mapping(self) -> dict[str, str] | None:
        """The roster as a mapping (code -> name), or None when no roster was given."""
        return dict(self.roster) if self.roster is not None else None

    def salt(self) -> dict[str, Any]:
        """Everything in these options that decides a file's report, as JSON data (the cache key's part)."""
        from dataclasses import asdict

        return {
            "year": self.expected_year,
            "roster": [list(pair) for pair in self.roster] if self.roster is not None else None,
            "strict_blanks": self.strict_blanks,
            "limits": asdict(self.limits or Limits()),
        }


DEFAULT_OPTIONS = CheckOptions()
