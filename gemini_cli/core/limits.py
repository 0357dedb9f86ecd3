"""Size limits on what a server or a tool can make gem hold in memory, and how to raise them."""

from __future__ import annotations

import os
import re

from gemini_cli.core.errors import UsageError

MIB = 1024 * 1024
# Each limit: its environment variable and default (docs/limits.md lists them).
RESPONSE_BYTES = ("GEM_MAX_RESPONSE_BYTES", 64 * MIB)
TOOL_OUTPUT_BYTES = ("GEM_MAX_TOOL_OUTPUT_BYTES", 1 * MIB)
# A failing tool's stderr becomes its error message: a screenful is plenty.
TOOL_STDERR_BYTES = 64 * 1024

# A string: `re` compiles (and caches) it on first use, only when a limit variable is set.
_SIZE = r"\s*(\d+)\s*([kmg]i?b?)?\s*"
_UNITS = {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}


def parse_size(text: str) -> int | None:
    """`123`, `64M`, `64MiB`, `1g` (binary units) as bytes; None when it is not a size."""
    match = re.fullmatch(_SIZE, text, re.IGNORECASE)
    if not match:
        return None
    unit = (match.group(2) or "")[:1].lower()
    return int(match.group(1)) * _UNITS[unit]


def limit(spec: tuple[str, int]) -> int:
    """The limit from its environment variable, else the default; a bad value is exit 2."""
    name, default = spec
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = parse_size(raw)
    if value is None or value <= 0:
        raise UsageError(f"{name}={raw!r}: expected a size in bytes greater than 0, e.g. 64M or 1G")
    return value


def human(size: int) -> str:
    """`67108864` -> `64 MiB`, for messages."""
    for unit, scale in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"
