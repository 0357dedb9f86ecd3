"""The live flavor (the default) sends what the live service sends (API doc §13)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from gemini_cli.emulator import Engine

from .conftest import FakeClock, call, events_only, parse_sse, stream_text

V = "/v1beta/interactions"
RESEARCH = {
    "agent": "deep-research-preview-04-2026",
    "input": "TPU history",
    "background": True,
    "agent_config": {"type": "deep-research", "thinking_summaries": "auto"},
}
CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = [{"type": "function", "name": "get_weather", "parameters": CITY}]


def raw_call(engine: Engine, method: str, path: str, body: Any = None, query: str = "") -> bytes:
    raw = b"" if body is None else json.dumps(body).encode()
    reply = engine.handle(method, path, query, {}, raw)
    return b"".join(reply.events) if reply.events is not None else reply.body


def test_default_flavor_is_live() -> None:
    assert Engine().flavor == "live"


def test_plain_create_is_compact_json_with_object_and_usage_extras(live_engine: Engine) -> None:
    raw = raw_call(live_engine, "POST", V, {"model": "m", "input": "hi there"})
    assert b"\n" not in raw and b'", "' not in raw
    body = json.loads(raw)
    assert body["object"] == "interaction" and body["id"].startswith("v1_")
    assert body["usage"]["raw_prompt_token"] == body["usage"]["total_input_tokens"]
    assert {"model_invocation_token_counts", "non_grounding_model_invocation_token_counts"} <= set(
        body["usage"]
    )


def test_store_false_has_no_id(live_engine: Engine) -> None:
    status, plain = call(live_engine, "POST", V, {"model": "m", "input": "x", "store": False})
    assert status == 200 and "id" not in plain and plain["status"] == "completed"
    body = {"model": "m", "input": "x", "store": False, "stream": True}
    events = events_only(parse_sse(call(live_engine, "POST", V, body)[1]))
    assert events[0]["interaction"]["id"] == ""
    assert [e["interaction_id"] for e in events if "interaction_id" in e] == [""]
    assert events[-1]["interaction"]["id"] == ""
    assert stream_text(events) == "Echo: x (turn 1)"


def test_stream_shapes(live_engine: Engine) -> None:
    raw = call(live_engine, "POST", V, {"model": "m", "input": "a b c", "stream": True})[1]
    assert b"event_id" not in raw and raw.endswith(b"\n\nevent: done\ndata: [DONE]\n\n")
    events = events_only(parse_sse(raw))
    created = events[0]["interaction"]
    assert created == {"id": created["id"], "status": "in_progress", "object": "interaction"} | {
        "model": "m"
    }
    assert list(created) == ["id", "status", "object", "model"]
    completed = events[-1]["interaction"]
    assert completed["status"] == "completed" and "steps" not in completed
    assert completed["object"] == "interaction" and "raw_prompt_token" in completed["usage"]


def test_function_call_streams_an_empty_start_then_several_fragments(live_engine: Engine) -> None:
    body = {"model": "m", "input": "call get_weather", "tools": WEATHER, "stream": True}
    events = events_only(parse_sse(call(live_engine, "POST", V, body)[1]))
    start = next(e for e in events if e.get("step", {}).get("type") == "function_call")
    assert start["step"]["arguments"] == {} and start["step"]["signature"] == ""
    fragments = [e["delta"]["arguments"] for e in events if "arguments" in e.get("delta", {})]
    assert len(fragments) >= 3
    assert json.loads("".join(fragments)) == {"city": "call get_weather"}
    assert events[-1]["interaction"]["status"] == "requires_action"


def test_research_tool_steps_follow_the_text(live_engine: Engine, clock: FakeClock) -> None:
    _, created = call(live_engine, "POST", V, RESEARCH)
    clock.advance(10)
    _, got = call(live_engine, "GET", f"{V}/{created['id']}")
    kinds = [step["type"] for step in got["steps"]]
    assert kinds == [
        "user_input",
        "thought",
        "model_output",
        "google_search_call",
        "google_search_result",
        "url_context_call",
        "url_context_result",
    ]
    assert all(s["signature"] == "" for s in got["steps"] if s["type"].endswith("_call"))
    assert all(s["is_error"] is False for s in got["steps"] if s["type"].endswith("_result"))
    events = events_only(parse_sse(call(live_engine, "GET", f"{V}/{created['id']}", None,
                                        "stream=true")[1]))  # fmt: skip
    starts = {e["index"]: e["step"] for e in events if e["event_type"] == "step.start"}
    assert [starts[i]["type"] for i in sorted(starts)] == kinds[1:]
    assert starts[2] == {"type": "google_search_call", "id": starts[2]["id"], "signature": ""}
    assert starts[3] == {
        "type": "google_search_result",
        "call_id": starts[2]["id"],
        "signature": "",
    }
    deltas = {e["index"]: e["delta"] for e in events if e["event_type"] == "step.delta"}
    assert deltas[2]["type"] == "google_search_call" and deltas[2]["arguments"]["queries"]
    assert deltas[3]["type"] == "google_search_result" and deltas[3]["is_error"] is False


def test_a_400_has_a_string_code(live_engine: Engine) -> None:
    status, body = call(live_engine, "POST", V, {"model": "m", "agent": "a"})
    assert status == 400 and body["error"]["code"] == "invalid_request"
    assert list(body["error"]) == ["message", "code"]
    status, body = call(live_engine, "GET", f"{V}/v1_missing")
    assert status == 404 and body["error"]["status"] == "NOT_FOUND"  # Google shape otherwise


def test_last_event_id_is_ignored_live(live_engine: Engine) -> None:
    _, created = call(live_engine, "POST", V, {"model": "m", "input": "x"})
    path = f"{V}/{created['id']}"
    whole = call(live_engine, "GET", path, query="stream=true")[1]
    assert call(live_engine, "GET", path, query="stream=true&last_event_id=v1_x")[1] == whole


def test_an_agent_needs_background_in_both_flavors(any_engine: Engine) -> None:
    status, body = call(any_engine, "POST", V, {**RESEARCH, "background": False})
    assert status == 400 and "background" in body["error"]["message"]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "minItems": 20_000_000, "items": {"type": "string"}},
        {"type": "string", "minLength": 20_000_000},
        {
            "type": "array",
            "minItems": 1000,
            "items": {"type": "array", "minItems": 1000, "items": {"type": "integer"}},
        },
        {"type": "integer", "minimum": 1e400},
        {
            "type": "array",
            "minItems": 1000,
            "items": {
                "type": "array",
                "minItems": 1000,
                "items": {"type": "string", "minLength": 100_000},
            },
        },
    ],
)
def test_a_huge_schema_cannot_tie_the_engine_up(any_engine: Engine, schema: dict) -> None:
    body = {
        "model": "m",
        "input": "x",
        "response_format": {"type": "text", "mime_type": "application/json", "schema": schema},
    }
    began = time.monotonic()
    status, reply = call(any_engine, "POST", V, body)
    assert status == 200 and time.monotonic() - began < 5
    assert len(reply["steps"][-1]["content"][0]["text"]) < 200_000
    json.loads(reply["steps"][-1]["content"][0]["text"])


def test_deeply_nested_json_is_a_400(any_engine: Engine) -> None:
    body = b'{"model": "m", "input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    reply = any_engine.handle("POST", V, "", {}, body)
    assert reply.status == 400 and b"nested" in reply.body
