"""Streamed Interactions events: parsing one SSE block, and what a single event says."""

from __future__ import annotations

import json
from collections.abc import Callable

from gemini_cli.api.sse import ServerSentEvent
from gemini_cli.api.steps import CONTENT_TYPES, type_of
from gemini_cli.core.jsontypes import JSONObject

__all__ = [
    "DONE",
    "TERMINAL_EVENTS",
    "UNPARSEABLE",
    "current_schema",
    "event_type_of",
    "is_terminal_event",
    "is_unparseable",
    "parse_event",
    "text_delta_of",
    "thought_text_of",
]

DONE = "[DONE]"
# Synthetic event_type for a `data:` payload that is not a JSON object. Chosen over raising so a
# single corrupt block never aborts a long stream; consumers ignore unknown event types anyway.
UNPARSEABLE = "gem.unparseable"
# The events after which a stream has nothing more to say (legacy `interaction.complete` too).
TERMINAL_EVENTS = frozenset({"interaction.completed", "interaction.complete", "error"})

# The legacy ("outputs") schema's stream events and their current-schema names (§10, §13.12).
_LEGACY_EVENTS = {
    "interaction.start": "interaction.created",
    "interaction.complete": "interaction.completed",
    "content.start": "step.start",
    "content.delta": "step.delta",
    "content.stop": "step.stop",
}


# -- parsing --------------------------------------------------------------------------------


def parse_event(
    sse: ServerSentEvent, on_garbage: Callable[[str], None] | None = None
) -> JSONObject | None:
    """JSON-decode an SSE block's data, unchanged; None for `[DONE]`.

    A payload that is not a JSON object (or nested too deeply to decode) yields
    `{"event_type": "gem.unparseable", "raw": data}` (also reported to `on_garbage`).
    """
    data = sse.data
    if data.strip() == DONE:
        return None
    try:
        event = json.loads(data)
    except (ValueError, RecursionError):
        event = None
    if isinstance(event, dict):
        return event
    if on_garbage is not None:
        on_garbage(data)
    return {"event_type": UNPARSEABLE, "raw": data}


def is_unparseable(event: JSONObject) -> bool:
    """True for the marker dict parse_event returns for non-JSON data."""
    return event.get("event_type") == UNPARSEABLE


def event_type_of(event: JSONObject) -> str:
    """The event's `event_type`; "" when missing or not a string (a hostile server's list)."""
    kind = event.get("event_type")
    return kind if isinstance(kind, str) else ""


def is_terminal_event(event: JSONObject) -> bool:
    """`interaction.completed` (or legacy `interaction.complete`) or `error`."""
    return event_type_of(event) in TERMINAL_EVENTS


# -- the legacy stream ----------------------------------------------------------------------


def current_schema(event: JSONObject) -> JSONObject:
    """The event in the current ("steps") schema: legacy `interaction.start`, `content.*` and
    `interaction.complete` events are translated (a new dict); others are returned as they are.

    A legacy content item becomes a step: a text or media item a model_output step holding it,
    anything else (thought, function_call, tool items) a step of its own. A legacy function
    call's delta (type `function_call`, the whole call) merges into its step like a tool delta.
    """
    kind = event.get("event_type")  # event_type_of, inlined: this runs several times per event
    kind = _LEGACY_EVENTS.get(kind) if isinstance(kind, str) else None
    if kind is None:
        return event
    new = {key: value for key, value in event.items() if key != "content"}
    new["event_type"] = kind
    if kind == "step.start":
        item = event.get("content")
        new["step"] = _legacy_step(item) if isinstance(item, dict) else {}
    return new


def _legacy_step(item: JSONObject) -> JSONObject:
    if type_of(item) in CONTENT_TYPES:
        return {"type": "model_output", "content": [item] if len(item) > 1 else []}
    return item


# -- what one event adds --------------------------------------------------------------------


def _delta_of(event: JSONObject) -> JSONObject | None:
    event = current_schema(event)
    if event.get("event_type") != "step.delta":
        return None
    delta = event.get("delta")
    return delta if isinstance(delta, dict) else None


def text_delta_of(event: JSONObject) -> str | None:
    """The output text a `step.delta` of type `text` adds, else None.

    A delta with no `type` but a string `text` is text too (Deep Research sends such deltas).
    """
    delta = _delta_of(event)
    if delta is None or delta.get("type", "text") != "text":
        return None
    text = delta.get("text")
    return text if isinstance(text, str) else None


def thought_text_of(event: JSONObject) -> str | None:
    """The thought-summary text a `thought_summary` delta adds, else None (image summaries too)."""
    delta = _delta_of(event)
    if delta is None or delta.get("type") != "thought_summary":
        return None
    content = delta.get("content")
    if isinstance(content, dict) and content.get("type") == "text":
        text = content.get("text")
        return text if isinstance(text, str) else None
    return None
