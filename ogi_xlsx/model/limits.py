"""Resource limits for reading one file (kept apart from the reader so that a command whose
results are all cached does not import it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits for one file (configurable; documented in the README)."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_part_bytes: int = 100 * 1024 * 1024
    max_ratio: int = 200
    max_cells: int = 200_000
    max_string_chars: int = 32_767
    max_parts: int = 10_000
