"""The deterministic engine, driven directly (no sockets)."""

from __future__ import annotations

import json

import pytest

from gemini_cli.emulator import Engine

from .conftest import FakeClock, call, events_only, parse_sse, stream_text

V = "/v1beta/interactions"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


def create(engine: Engine, **body):
    body.setdefault("model", "gemini-3.8-flash")
    return call(engine, "POST", V, body)


def output_text(interaction: dict) -> str:
    return interaction["steps"][-1]["content"][0]["text"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"input": "hi"}, "either 'model' or 'agent'"),
        ({"model": "m", "agent": "a", "input": "hi"}, "mutually exclusive"),
        ({"model": "m", "input": "hi", "temperature": 1}, 'Unknown name "temperature"'),
        ({"model": "m", "input": 5}, "'input'"),
        ({"model": "m", "input": {"type": "sticker"}}, "unknown content type"),
        ({"model": "m", "input": {"type": "text"}}, "needs a string 'text'"),
        (
            {
                "model": "m",
                "input": [{"type": "text", "text": "a"}, {"type": "user_input", "content": []}],
            },
            "mix",
        ),
        ({"model": "m", "input": [{"type": "martian"}]}, "unknown step type"),
        ({"model": "m", "input": []}, "non-empty"),
        ({"model": "m", "input": "hi", "stream": "yes"}, "'stream' has the wrong type"),
        ({"agent": "deep-research-preview-04-2026", "input": "x"}, "require 'background'"),
        ({"model": "m", "agent_config": {"type": "deep-research"}}, "only be used with 'agent'"),
        ({"agent": "deep-research-x", "background": True, "generation_config": {}}, "'model'"),
        ({"model": "m", "input": "hi", "store": False, "background": True}, "requires 'store'"),
        (
            {"model": "m", "input": "hi", "store": False, "previous_interaction_id": "v1_x"},
            "requires 'store'",
        ),
        ([1, 2], "JSON object"),
    ],
)
def test_invalid_requests_are_400(engine: Engine, body, fragment: str) -> None:
    status, reply = call(engine, "POST", V, body)
    assert status == 400
    assert reply["error"]["code"] == 400
    assert reply["error"]["status"] == "INVALID_ARGUMENT"
    assert fragment in reply["error"]["message"]


def test_non_json_body_is_400(engine: Engine) -> None:
    status, reply = call(engine, "POST", V, b"{not json")
    assert (status, reply["error"]["status"]) == (400, "INVALID_ARGUMENT")


def test_missing_key_is_401_when_required(clock: FakeClock) -> None:
    strict = Engine(clock=clock)
    reply = strict.handle("POST", V, "", {}, b'{"model": "m", "input": "x"}')
    body = json.loads(reply.body)
    assert reply.status == 401 and body["error"]["status"] == "UNAUTHENTICATED"
    ok = strict.handle("POST", V, "", {"x-goog-api-key": "k"}, b'{"model": "m", "input": "x"}')
    assert ok.status == 200


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_unknown_id_is_404(engine: Engine, method: str) -> None:
    status, reply = call(engine, method, f"{V}/v1_nope")
    assert (status, reply["error"]["status"]) == (404, "NOT_FOUND")


def test_unknown_path_is_404_and_wrong_method_405(engine: Engine) -> None:
    assert call(engine, "GET", "/v1/models")[0] == 404
    assert call(engine, "GET", V)[0] == 405


def test_create_returns_output_steps_and_get_the_timeline(engine: Engine) -> None:
    status, created = create(engine, input="hello  brave world", system_instruction="Be short")
    assert status == 200 and created["status"] == "completed"
    assert created["id"].startswith("v1_")
    assert [s["type"] for s in created["steps"]] == ["thought", "model_output"]
    assert output_text(created) == "[system: Be short] Echo: hello  brave world (turn 1)"
    assert created["system_instruction"] == "Be short"
    assert created["usage"]["total_input_tokens"] == 3
    assert created["created"].endswith("Z") and len(created["created"]) == 20
    _, got = call(engine, "GET", f"{V}/{created['id']}")
    assert [s["type"] for s in got["steps"]] == ["user_input", "thought", "model_output"]
    assert "input" not in got
    _, with_input = call(engine, "GET", f"{V}/{created['id']}", query="include_input=true")
    assert with_input["input"] == "hello  brave world"


def test_thought_summary_only_when_asked(engine: Engine) -> None:
    _, plain = create(engine, input="x")
    assert "summary" not in plain["steps"][0] and plain["steps"][0]["signature"]
    _, auto = create(engine, input="x", generation_config={"thinking_summaries": "auto"})
    assert auto["steps"][0]["summary"][0]["type"] == "text"
    assert auto["generation_config"] == {"thinking_summaries": "auto"}


def test_media_blocks_are_acknowledged(engine: Engine) -> None:
    blocks = [
        {"type": "text", "text": "what is this?"},
        {"type": "image", "mime_type": "image/png", "data": PNG},
        {"type": "document", "mime_type": "application/pdf", "uri": "files/abc"},
    ]
    _, reply = create(engine, input=blocks)
    assert output_text(reply) == (
        "Echo: what is this? [image/png 68 bytes] [application/pdf files/abc] (turn 1)"
    )
    modalities = {m["modality"] for m in reply["usage"]["input_tokens_by_modality"]}
    assert modalities == {"text", "image", "document"}


def test_chain_counts_turns(engine: Engine) -> None:
    _, first = create(engine, input="one")
    _, second = create(engine, input="two", previous_interaction_id=first["id"])
    _, third = create(engine, input="three", previous_interaction_id=second["id"])
    assert output_text(third) == "Echo: three (turn 3)"
    assert third["previous_interaction_id"] == second["id"]
    assert third["usage"]["total_input_tokens"] > second["usage"]["total_input_tokens"]


def test_chain_to_missing_interaction_is_404(engine: Engine) -> None:
    status, _ = create(engine, input="x", previous_interaction_id="v1_missing")
    assert status == 404


def test_stateless_history_counts_user_turns(engine: Engine) -> None:
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "a"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "b"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "c"}]},
    ]
    _, reply = create(engine, input=history, store=False)
    assert output_text(reply) == "Echo: c (turn 2)"


def test_store_false_is_not_kept(engine: Engine) -> None:
    _, reply = create(engine, input="secret", store=False)
    assert reply["status"] == "completed"
    assert call(engine, "GET", f"{V}/{reply['id']}")[0] == 404
    assert create(engine, input="x", previous_interaction_id=reply["id"])[0] == 404


def test_function_call_then_result(engine: Engine) -> None:
    tool = {
        "type": "function",
        "name": "get_weather",
        "parameters": {"type": "object", "required": ["location"]},
    }
    _, first = create(engine, input="get_weather for Boston", tools=[tool])
    assert first["status"] == "requires_action"
    call_step = first["steps"][-1]
    assert call_step["type"] == "function_call" and call_step["name"] == "get_weather"
    assert set(call_step["arguments"]) == {"location"}
    result = {
        "type": "function_result",
        "call_id": call_step["id"],
        "name": "get_weather",
        "result": {"temp": 21},
    }
    _, second = create(engine, input=[result], previous_interaction_id=first["id"], tools=[tool])
    assert second["status"] == "completed"
    assert output_text(second) == 'Echo: function get_weather returned {"temp": 21} (turn 2)'


def test_json_response_format_answers_json(engine: Engine) -> None:
    fmt = {"type": "text", "mime_type": "application/json", "schema": {"type": "object"}}
    _, reply = create(engine, input="hi", response_format=fmt)
    assert json.loads(output_text(reply)) == {"echo": "hi", "turn": 1}


def test_max_output_tokens_truncates_to_incomplete(engine: Engine) -> None:
    _, reply = create(engine, input="a b c d e", generation_config={"max_output_tokens": 3})
    assert reply["status"] == "incomplete"
    assert output_text(reply) == "Echo: a b"


def test_background_completes_lazily_with_the_clock(engine: Engine, clock: FakeClock) -> None:
    _, created = create(engine, input="slow", background=True)
    assert created["status"] == "in_progress" and "steps" not in created and "usage" not in created
    path = f"{V}/{created['id']}"
    clock.advance(3.9)
    _, running = call(engine, "GET", path)
    assert running["status"] == "in_progress"
    assert [s["type"] for s in running["steps"]] == ["user_input"]
    clock.advance(0.1)
    _, done = call(engine, "GET", path)
    assert done["status"] == "completed" and output_text(done) == "Echo: slow (turn 1)"
    assert done["updated"] != done["created"]


def test_chaining_onto_a_running_interaction_is_refused(engine: Engine) -> None:
    _, running = create(engine, input="slow", background=True)
    status, reply = create(engine, input="next", previous_interaction_id=running["id"])
    assert status == 400 and reply["error"]["status"] == "FAILED_PRECONDITION"


def test_cancel_running_then_finished_is_unchanged(engine: Engine, clock: FakeClock) -> None:
    _, created = create(engine, input="slow", background=True)
    path = f"{V}/{created['id']}"
    clock.advance(1)
    status, cancelled = call(engine, "POST", f"{path}/cancel")
    assert status == 200 and cancelled["status"] == "cancelled"
    clock.advance(10)
    assert call(engine, "GET", path)[1]["status"] == "cancelled"
    _, done = create(engine, input="quick")
    assert call(engine, "POST", f"{V}/{done['id']}/cancel")[1]["status"] == "completed"
    assert call(engine, "POST", f"{V}/v1_nope/cancel")[0] == 404


def test_delete_then_get_is_404(engine: Engine) -> None:
    _, created = create(engine, input="bye")
    assert call(engine, "DELETE", f"{V}/{created['id']}") == (200, {})
    assert call(engine, "GET", f"{V}/{created['id']}")[0] == 404


def test_any_version_prefix_and_percent_encoded_id(engine: Engine) -> None:
    _, created = call(
        engine, "POST", "/proxy/gl/v1alpha/interactions", {"model": "m", "input": "x"}
    )
    encoded = created["id"].replace("_", "%5F")
    assert call(engine, "GET", f"/v1/interactions/{encoded}")[0] == 200
    vertex = "/v1beta1/projects/p/locations/global/interactions/" + created["id"]
    assert call(engine, "GET", vertex)[0] == 200


def test_deep_research_report_with_citation(engine: Engine, clock: FakeClock) -> None:
    status, created = call(
        engine,
        "POST",
        V,
        {
            "agent": "deep-research-preview-04-2026",
            "input": "TPU history",
            "background": True,
            "agent_config": {"type": "deep-research", "thinking_summaries": "auto"},
        },
    )
    assert status == 200 and created["status"] == "in_progress"
    assert created["agent_config"]["type"] == "deep-research"
    clock.advance(5)
    _, done = call(engine, "GET", f"{V}/{created['id']}")
    types = [s["type"] for s in done["steps"]]
    assert types == [
        "user_input",
        "thought",
        "google_search_call",
        "google_search_result",
        "url_context_call",
        "url_context_result",
        "model_output",
    ]
    assert len(done["steps"][1]["summary"]) == 4
    block = done["steps"][-1]["content"][0]
    assert block["text"].startswith("# Research report")
    cite = block["annotations"][0]
    cited = block["text"].encode()[cite["start_index"] : cite["end_index"]].decode()
    assert cite["type"] == "url_citation" and cited.startswith("The emulator consulted")


def test_collaborative_planning_returns_a_plan(engine: Engine, clock: FakeClock) -> None:
    _, created = call(
        engine,
        "POST",
        V,
        {
            "agent": "deep-research-max-preview-04-2026",
            "input": "chips",
            "background": True,
            "agent_config": {"type": "deep-research", "collaborative_planning": True},
        },
    )
    clock.advance(5)
    _, done = call(engine, "GET", f"{V}/{created['id']}")
    assert [s["type"] for s in done["steps"]] == ["user_input", "thought", "model_output"]
    assert output_text(done).startswith("Research plan for: chips")


# -- streaming ------------------------------------------------------------------------------


def test_stream_events_in_order_and_text_reassembles(engine: Engine) -> None:
    words = " ".join(f"w{i}" for i in range(12))
    status, raw = create(
        engine, input=words, stream=True, generation_config={"thinking_summaries": "auto"}
    )
    items = parse_sse(raw)
    assert items[-1] == "[DONE]"
    events = events_only(items)
    kinds = [e["event_type"] for e in events]
    assert kinds[:3] == ["interaction.created", "interaction.status_update", "step.start"]
    assert kinds[-1] == "interaction.completed"
    deltas = [e["delta"]["type"] for e in events if e["event_type"] == "step.delta"]
    assert deltas[:2] == ["thought_summary", "thought_signature"]
    assert deltas.count("text") >= 3
    assert stream_text(events) == f"Echo: {words} (turn 1)"
    final = events[-1]["interaction"]
    assert final["status"] == "completed" and "steps" not in final and final["usage"]


def test_event_ids_on_some_events_unique_and_stable(engine: Engine) -> None:
    _, raw = create(engine, input="a b c d e f g h i j", stream=True)
    events = events_only(parse_sse(raw))
    ids = [e["event_id"] for e in events if "event_id" in e]
    assert 0 < len(ids) < len(events) and len(set(ids)) == len(ids)
    assert events[0]["event_id"] and events[-1]["event_id"]
    interaction_id = events[0]["interaction"]["id"]
    _, replay = call(engine, "GET", f"{V}/{interaction_id}", query="stream=true")
    assert replay == raw


def test_replay_after_last_event_id(engine: Engine) -> None:
    _, raw = create(engine, input="a b c d e f g h i j", stream=True)
    events = events_only(parse_sse(raw))
    text_ids = [e["event_id"] for e in events if e.get("delta", {}).get("type") == "text"]
    path = f"{V}/{events[0]['interaction']['id']}"
    _, tail = call(engine, "GET", path, query=f"stream=true&last_event_id={text_ids[0]}")
    tail_events = events_only(parse_sse(tail))
    position = [e.get("event_id") for e in events].index(text_ids[0])
    assert tail_events == events[position + 1 :]
    status, reply = call(engine, "GET", path, query="stream=true&last_event_id=v1_bogus")
    assert status == 400


def test_store_false_stream_works_but_cannot_be_replayed(engine: Engine) -> None:
    _, raw = create(engine, input="x", stream=True, store=False)
    events = events_only(parse_sse(raw))
    assert events[-1]["interaction"]["status"] == "completed"
    assert call(engine, "GET", f"{V}/{events[0]['interaction']['id']}")[0] == 404


def test_background_stream_waits_and_shows_summaries(engine: Engine, clock: FakeClock) -> None:
    started = clock.now
    _, raw = call(
        engine,
        "POST",
        V,
        {
            "agent": "deep-research-preview-04-2026",
            "input": "q",
            "background": True,
            "stream": True,
        },
    )
    events = events_only(parse_sse(raw))
    summaries = [e for e in events if e.get("delta", {}).get("type") == "thought_summary"]
    assert len(summaries) == 4
    assert clock.now - started == pytest.approx(4.0)  # the fake sleeps covered the whole run
    assert events[-1]["interaction"]["status"] == "completed"
    assert stream_text(events).startswith("# Research report")


def test_stream_of_running_interaction_replays_then_goes_live(
    engine: Engine, clock: FakeClock
) -> None:
    _, created = create(
        engine, input="later", background=True, generation_config={"thinking_summaries": "auto"}
    )
    clock.advance(2.5)
    reply = engine.handle("GET", f"{V}/{created['id']}", "stream=true", {}, b"")
    assert reply.events is not None
    first = [next(reply.events) for _ in range(5)]  # created..third summary: all already due
    assert clock.sleeps == []
    rest = list(reply.events)
    assert clock.sleeps  # the remaining events were waited for
    events = events_only(parse_sse(b"".join(first + rest)))
    assert stream_text(events) == "Echo: later (turn 1)"


def test_cancel_during_live_stream_ends_it_cancelled(engine: Engine, clock: FakeClock) -> None:
    _, created = create(engine, input="x", background=True)
    path = f"{V}/{created['id']}"
    reply = engine.handle("GET", path, "stream=true", {}, b"")
    assert reply.events is not None
    head = [next(reply.events) for _ in range(3)]  # created, status_update, thought start
    call(engine, "POST", f"{path}/cancel")
    events = events_only(parse_sse(b"".join(head + list(reply.events))))
    assert [e["event_type"] for e in events[-3:]] == [
        "step.stop",
        "interaction.status_update",
        "interaction.completed",
    ]
    assert events[-1]["interaction"]["status"] == "cancelled"
    _, replay = call(engine, "GET", path, query="stream=true")
    assert events_only(parse_sse(replay)) == events


def test_a_long_stream_is_built_in_linear_time(engine) -> None:
    # The event plan used to be rebuilt for every event: 12k words took ~15 s.
    import time as real_time

    words = " ".join(["w"] * 12000)
    started = real_time.perf_counter()
    reply = engine.handle(
        "POST",
        "/v1/interactions",
        "",
        {},
        json.dumps({"model": "m", "input": words, "stream": True}).encode(),
    )
    frames = list(reply.events)
    assert len(frames) > 3000
    assert real_time.perf_counter() - started < 2
