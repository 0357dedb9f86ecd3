"""A plain JSON interaction where an event stream was asked for, as the one event it stands for."""

from __future__ import annotations

import json

import httpx

from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.core.status import is_done


def is_plain_json(resp: httpx.Response) -> bool:
    kind = str(resp.headers.get("content-type", "")).split(";")[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def as_event(text: str) -> JSONObject | None:
    """`interaction.completed` (or `interaction.created` while it runs) carrying the
    interaction; None when `text` is not one (a JSON answer may lack `id`: store: false)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id", ""), str):
        return None
    status = data.get("status")
    done = isinstance(status, str) and is_done(status)
    return {
        "event_type": "interaction.completed" if done else "interaction.created",
        "interaction": data,
    }
