"""The batch flags as one value (light: the command module imports it at start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BatchOptions:
    """The options of one `gem batch` run."""

    source: str = "-"  # the input file, '-' for stdin
    jobs: int = 4
    rpm: float | None = None
    tpm: float | None = None
    unordered: bool = False
    journal: Path | None = None
    retry_failed: bool = False
    strict: bool = False
    shard: str | None = None
