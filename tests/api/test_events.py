"""Tests for event parsing and what one event says (text, thoughts, the end, legacy names)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_cli.api.events import (
    UNPARSEABLE,
    current_schema,
    event_type_of,
    is_terminal_event,
    is_unparseable,
    parse_event,
    text_delta_of,
    thought_text_of,
)
from gemini_cli.api.sse import ServerSentEvent

from .strategies import events as garbage_events
from .streams import delta, start, stop

# -- parse_event ------------------------------------------------------------------------------


def test_parse_event_keeps_payload_exactly() -> None:
    sse = ServerSentEvent(event="x", data='{"z":1,"a":{"b":[1,2]},"event_type":"x","new":null}')
    event = parse_event(sse)
    assert event == {"z": 1, "a": {"b": [1, 2]}, "event_type": "x", "new": None}
    assert json.dumps(event, separators=(",", ":")) == sse.data  # key order preserved


def test_parse_event_done() -> None:
    assert parse_event(ServerSentEvent(data="[DONE]")) is None


@pytest.mark.parametrize(
    "data", ["{not json", '[{"error":{"code":503}}]', "42", "", "[" * 100_000 + "]" * 100_000]
)
def test_parse_event_unparseable(data: str) -> None:
    reported: list[str] = []
    event = parse_event(ServerSentEvent(data=data), on_garbage=reported.append)
    assert event == {"event_type": UNPARSEABLE, "raw": data}
    assert is_unparseable(event)
    assert reported == [data]


def test_deeply_nested_object_is_unparseable_not_a_crash() -> None:
    data = '{"event_type":"step.delta","delta":' + '{"a":' * 100_000 + "1" + "}" * 100_001
    assert is_unparseable(parse_event(ServerSentEvent(data=data)))  # type: ignore[arg-type]


# -- what one event says ----------------------------------------------------------------------


def test_text_and_thought_deltas() -> None:
    events = [
        start(0, {"type": "thought"}),
        delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "Plan: "}}),
        delta(0, {"type": "thought_summary", "content": {"type": "image", "data": "AA=="}}),
        delta(0, {"type": "thought_signature", "signature": "c2ln"}),
        stop(0),
        delta(1, {"type": "text", "text": "Hi"}),
        delta(1, {"text": "typeless"}),  # Deep Research sends text deltas with no type
        delta(1, {"type": "text", "text": ["not", "a", "string"]}),
        delta(1, {"type": "image", "text": "not text"}),
    ]
    assert [thought_text_of(e) for e in events] == [None, "Plan: "] + [None] * 7
    assert [text_delta_of(e) for e in events] == [None] * 5 + ["Hi", "typeless", None, None]


def test_event_type_and_terminal_events() -> None:
    assert event_type_of({"event_type": ["step.delta"]}) == ""
    assert event_type_of({}) == ""
    for kind in ("interaction.completed", "interaction.complete", "error"):
        assert is_terminal_event({"event_type": kind})
    for kind in ("interaction.created", "step.stop", {"a": 1}):
        assert not is_terminal_event({"event_type": kind})


def test_legacy_events_in_the_current_schema() -> None:
    legacy = [
        {"event_type": "interaction.start", "interaction": {"id": "old", "status": "in_progress"}},
        {"event_type": "content.start", "index": 0, "content": {"type": "text"}},
        {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "Hi"}},
        {"event_type": "content.stop", "index": 0},
        {"event_type": "content.start", "index": 1, "content": {"type": "function_call"}},
        {"event_type": "content.delta", "index": 1, "delta": {"type": "function_call", "id": "c"}},
        {"event_type": "interaction.complete", "interaction": {"id": "old", "status": "done"}},
    ]
    assert [current_schema(e)["event_type"] for e in legacy] == [
        "interaction.created",
        "step.start",
        "step.delta",
        "step.stop",
        "step.start",
        "step.delta",
        "interaction.completed",
    ]
    assert current_schema(legacy[1])["step"] == {"type": "model_output", "content": []}
    assert current_schema(legacy[4])["step"] == {"type": "function_call"}
    assert [text_delta_of(e) for e in legacy] == [None, None, "Hi", None, None, None, None]
    assert is_terminal_event(legacy[-1])
    modern = {"event_type": "step.start", "index": 0, "step": {"type": "thought"}}
    assert current_schema(modern) is modern


@settings(max_examples=150, deadline=None)
@given(events=st.lists(garbage_events, max_size=6))
def test_garbage_events_never_raise(events: list[dict[str, Any]]) -> None:
    for event in events:
        text_delta_of(event)
        thought_text_of(event)
        is_terminal_event(event)
        current_schema(event)
