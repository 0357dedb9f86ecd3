"""One history row: its fields, how it is built from an interaction, and which back-end it is of."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gemini_cli.core.jsontypes import JSONObject, JSONValue

if TYPE_CHECKING:
    from gemini_cli.api.models import Interaction

PROMPT_CHARS = 200
EMULATOR = "emulator:"
DEFAULT_PORTS = {"http": 80, "https": 443}
COLUMNS = (
    "id",
    "created",
    "updated",
    "model",
    "agent",
    "status",
    "prompt",
    "previous_id",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "stored",
    "base_url",
    "deleted",
)
TOKEN_COLUMNS = ("input_tokens", "output_tokens", "total_tokens")
Tokens = dict[str, int | None]


@dataclass
class Entry:
    """One row of the history, newest first when listed."""

    id: str
    created: str
    updated: str
    model: str | None = None
    agent: str | None = None
    status: str | None = None
    prompt: str | None = None
    previous_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    stored: bool | None = None  # False: created with store: false, cannot be continued
    base_url: str | None = None  # the back-end it lives on (None: recorded by an older gem)
    deleted: bool = False  # `gem delete` removed it from the server

    def to_dict(self) -> JSONObject:
        return asdict(self)


def backend_of(base_url: str | None) -> str | None:
    """The back-end a base URL names, spelled one way: every `emulator:...` is the embedded
    emulator; `HTTPS://Host:443/` is `https://host`."""
    text = (base_url or "").strip()
    if not text:
        return None
    if text.lower().startswith(EMULATOR):
        return EMULATOR
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text.rstrip("/")
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def entry_of(row: sqlite3.Row) -> Entry:
    present = set(row.keys())  # (`in row` would test the values; older files lack columns)
    values = {key: row[key] for key in COLUMNS if key in present}
    if values.get("stored") is not None:
        values["stored"] = bool(values["stored"])
    values["deleted"] = bool(values.get("deleted"))
    return Entry(**values)


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def row_for(
    interaction: Interaction, body: JSONObject, base_url: str | None = None
) -> dict[str, Any]:
    """The columns for one interaction, from the response and the request body that made it."""
    return {
        "id": getattr(interaction, "id", "") or "",
        "created": now(),
        "model": getattr(interaction, "model", None) or body.get("model"),
        "agent": getattr(interaction, "agent", None) or body.get("agent"),
        "status": getattr(interaction, "status", None) or None,
        "prompt": first_line(body.get("input")),
        "previous_id": body.get("previous_interaction_id")
        or getattr(interaction, "previous_interaction_id", None),
        **tokens_of_usage(getattr(interaction, "usage", None)),
        "stored": 0 if body.get("store") is False else 1,
        "base_url": backend_of(base_url),
    }


def tokens_of(interaction: Interaction) -> Tokens:
    return tokens_of_usage(getattr(interaction, "usage", None))


def add_tokens(*counts: Tokens | None) -> Tokens:
    """Token counts summed per column (None where no count has it)."""
    total: Tokens = dict.fromkeys(TOKEN_COLUMNS)
    for count in counts:
        for key in TOKEN_COLUMNS:
            value = (count or {}).get(key)
            if isinstance(value, int):
                total[key] = (total[key] or 0) + value
    return total


def tokens_of_usage(usage: JSONValue) -> Tokens:
    def get(name: str) -> int | None:
        value = usage.get(name) if isinstance(usage, dict) else getattr(usage, name, None)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return {
        "input_tokens": get("total_input_tokens"),
        "output_tokens": get("total_output_tokens"),
        "total_tokens": get("total_tokens"),
    }


def first_line(value: JSONValue) -> str | None:
    """The first non-empty line of the prompt text (a string, blocks or turns)."""
    text = _first_text(value)
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:PROMPT_CHARS]
    return None


def _first_text(value: JSONValue) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            return str(value["text"])
        return _first_text(value.get("content"))
    if isinstance(value, list):
        for item in value:
            text = _first_text(item)
            if text and text.strip():
                return text
    return None
