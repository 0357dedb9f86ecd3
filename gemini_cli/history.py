"""Local memory of what gem created: the last interaction id (for `-c` and `last`)."""

from __future__ import annotations

from typing import Any

from gemini_cli.api.errors import UsageError
from gemini_cli.state import state_dir

LAST_FILE = "last_id"


def last_id() -> str:
    path = state_dir() / LAST_FILE
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError:
        value = ""
    if not value:
        raise UsageError("no previous interaction to continue from (gem has created none yet)")
    return value


def resolve_id(interaction_id: str) -> str:
    """`last` stands for the most recent interaction gem created."""
    return last_id() if interaction_id == "last" else interaction_id


def record(interaction: Any, body: dict[str, Any] | None = None) -> None:
    """Remember an interaction gem created (best effort: never fails the command)."""
    ident = getattr(interaction, "id", "") or ""
    if not ident:
        return
    try:
        directory = state_dir(create=True)
        tmp = directory / f".{LAST_FILE}.tmp"
        tmp.write_text(ident + "\n", encoding="utf-8")
        tmp.replace(directory / LAST_FILE)
    except OSError:
        pass
