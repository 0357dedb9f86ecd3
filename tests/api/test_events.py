"""Tests for event parsing, interaction assembly and stream resumption."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_cli.api.events import (
    UNPARSEABLE,
    InteractionAssembler,
    ResumeCursor,
    is_unparseable,
    output_text,
    parse_event,
    text_delta_of,
    thought_text_of,
)
from gemini_cli.api.sse import ServerSentEvent, SSEDecoder

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
T06 = (FIXTURES / "06-stream-text.sse").read_bytes()
T07 = (FIXTURES / "07-stream-function-call.sse").read_bytes()


def events_of(raw: bytes) -> list[dict[str, Any]]:
    decoder = SSEDecoder()
    sses = decoder.feed(raw) + decoder.flush()
    return [e for e in map(parse_event, sses) if e is not None]


def assemble(events: list[dict[str, Any]]) -> InteractionAssembler:
    assembler = InteractionAssembler()
    for event in events:
        assembler.add(event)
    return assembler


def mo(text: str) -> dict[str, Any]:
    return {"type": "model_output", "content": [{"type": "text", "text": text}]}


THOUGHT = {"type": "thought", "signature": "c2ln"}
CALL = {"type": "function_call", "id": "c1", "name": "f", "arguments": {}}
RESULT = {"type": "function_result", "call_id": "c1", "result": "ok"}


def delta(index: int, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"event_type": "step.delta", "index": index, "delta": body, **extra}


def start(index: int, step: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": "step.start", "index": index, "step": step}


def stop(index: int, **extra: Any) -> dict[str, Any]:
    return {"event_type": "step.stop", "index": index, **extra}


# -- parse_event ------------------------------------------------------------------------------


def test_parse_event_keeps_payload_exactly() -> None:
    sse = ServerSentEvent(event="x", data='{"z":1,"a":{"b":[1,2]},"event_type":"x","new":null}')
    event = parse_event(sse)
    assert event == {"z": 1, "a": {"b": [1, 2]}, "event_type": "x", "new": None}
    assert json.dumps(event, separators=(",", ":")) == sse.data  # key order preserved


def test_parse_event_done() -> None:
    assert parse_event(ServerSentEvent(data="[DONE]")) is None


@pytest.mark.parametrize("data", ["{not json", '[{"error":{"code":503}}]', "42", ""])
def test_parse_event_unparseable(data: str) -> None:
    reported: list[str] = []
    event = parse_event(ServerSentEvent(data=data), on_garbage=reported.append)
    assert event == {"event_type": UNPARSEABLE, "raw": data}
    assert is_unparseable(event)
    assert reported == [data]


# -- output_text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (
            [THOUGHT, mo("First part. "), THOUGHT, mo("Second part. "), {"type": "model_output"}]
            + [mo("Third part."), THOUGHT],
            "First part. Second part. Third part.",
        ),
        (
            [mo("Before tool call. "), CALL, RESULT, THOUGHT, mo("Final part 1. "), THOUGHT]
            + [mo("Final part 2."), CALL],
            "Final part 1. Final part 2.",
        ),
        ([mo("Previous turn. "), {"type": "user_input"}, THOUGHT, mo("A"), THOUGHT, mo("B")], "AB"),
        (
            [
                {
                    "type": "model_output",
                    "content": [{"type": "text", "text": "X"}, {"type": "image", "data": "AA=="}],
                },
                THOUGHT,
                mo("Y"),
            ],
            "Y",
        ),
        ([], ""),
        ([mo("only"), {"type": "user_input", "content": [{"type": "text", "text": "q"}]}], ""),
        ([CALL], ""),
    ],
)
def test_output_text_sdk_rule(steps: list[dict[str, Any]], expected: str) -> None:
    assert output_text(steps) == expected


# -- assembler on the transcripts -------------------------------------------------------------


def test_assemble_transcript_06() -> None:
    events = events_of(T06)
    pristine = copy.deepcopy(events)
    assembler = assemble(events)
    assert events == pristine  # the assembler never mutates what it is fed
    interaction = assembler.interaction()
    assert assembler.output_text() == "1, 2, 3, 4, 5, 6, 7, 8, 9, 10."
    assert assembler.is_finished and assembler.error is None
    assert interaction["status"] == "completed"
    assert interaction["id"].startswith("v1_ChdTVFJx")
    assert interaction["model"] == "gemini-3.8-flash"
    assert interaction["object"] == "interaction"
    assert interaction["created"] == "2026-08-20T14:10:00Z"
    assert interaction["updated"] == "2026-08-20T14:10:02Z"
    assert interaction["usage"]["total_tokens"] == 80
    assert interaction["usage"]["total_thought_tokens"] == 45
    assert interaction["steps"] == [
        {"type": "thought", "signature": "EpoGCpcGAXLI2nx"},
        {
            "type": "model_output",
            "content": [{"type": "text", "text": "1, 2, 3, 4, 5, 6, 7, 8, 9, 10."}],
        },
    ]
    texts = [t for t in map(text_delta_of, events) if t is not None]
    assert "".join(texts) == assembler.output_text()


def test_assemble_transcript_07() -> None:
    events = events_of(T07)
    assembler = assemble(events)
    interaction = assembler.interaction()
    assert interaction["status"] == "requires_action"
    assert interaction["usage"]["total_tokens"] == 145
    call = {
        "type": "function_call",
        "id": "un6k8t18",
        "name": "get_weather",
        "arguments": {"location": "Boston, MA"},
    }
    assert interaction["steps"][1] == call
    assert assembler.function_calls() == [call]
    assert assembler.output_text() == ""
    assert assembler.is_finished
    assert assembler.warnings == []


def test_function_call_of_reports_completion_per_event() -> None:
    assembler = InteractionAssembler()
    completed = []
    for event in events_of(T07):
        assembler.add(event)
        call = assembler.function_call_of(event)
        if call is not None:
            completed.append(call)
    assert [c["arguments"] for c in completed] == [{"location": "Boston, MA"}]


def test_partial_stream_gives_partial_interaction() -> None:
    events = events_of(T07)
    assembler = assemble(events[:7])  # stopped between the two arguments fragments
    assert not assembler.is_finished
    step = assembler.interaction()["steps"][1]
    assert step["arguments"] == '{"location": '  # not JSON yet: raw string
    assert assembler.interaction()["status"] == "in_progress"


# -- assembler details ------------------------------------------------------------------------


def test_text_blocks_annotations_and_media() -> None:
    cite = {"type": "url_citation", "url": "https://e.x", "start_index": 0, "end_index": 2}
    assembler = assemble(
        [
            start(0, {"type": "model_output"}),
            delta(0, {"type": "text", "text": "Hi "}),
            delta(0, {"type": "text_annotation_delta", "annotations": [cite]}),
            delta(0, {"type": "text", "text": "there"}),
            delta(0, {"type": "image", "mime_type": "image/png", "data": "iVBORw0KGg"}),
            delta(0, {"type": "image", "data": "oAAAANSUhEUg=="}),  # len 10: a continuation
            delta(0, {"type": "image", "mime_type": "image/png", "data": "AAAA"}),  # padded before
            delta(0, {"type": "image", "mime_type": "image/png", "data": "BBBB"}),  # own block
            delta(0, {"type": "audio", "uri": "files/a", "mime_type": "audio/wav"}),
            delta(0, {"type": "text", "text": "bye"}),
            stop(0),
        ]
    )
    assert assembler.interaction()["steps"][0]["content"] == [
        {"type": "text", "text": "Hi there", "annotations": [cite]},
        {"type": "image", "mime_type": "image/png", "data": "iVBORw0KGgoAAAANSUhEUg=="},
        {"type": "image", "mime_type": "image/png", "data": "AAAA"},
        {"type": "image", "mime_type": "image/png", "data": "BBBB"},
        {"type": "audio", "uri": "files/a", "mime_type": "audio/wav"},
        {"type": "text", "text": "bye"},
    ]
    assert assembler.output_text() == "bye"


def test_media_fragment_with_only_data_continues_block() -> None:
    assembler = assemble(
        [
            start(0, {"type": "model_output"}),
            delta(0, {"type": "audio", "mime_type": "audio/wav", "data": "AAAA"}),
            delta(0, {"type": "audio", "data": "BBBB"}),
            delta(0, {"type": "audio", "mime_type": "audio/ogg", "data": "CC"}),
            delta(0, {"type": "audio", "mime_type": "audio/ogg", "data": "CC"}),
        ]
    )
    assert assembler.interaction()["steps"][0]["content"] == [
        {"type": "audio", "mime_type": "audio/wav", "data": "AAAABBBB"},
        {"type": "audio", "mime_type": "audio/ogg", "data": "CCCC"},
    ]


def test_annotation_without_text_block_creates_one() -> None:
    assembler = assemble([delta(2, {"type": "text_annotation_delta", "annotations": [{"x": 1}]})])
    assert assembler.interaction()["steps"] == [
        {
            "type": "model_output",
            "content": [{"type": "text", "text": "", "annotations": [{"x": 1}]}],
        }
    ]


def test_thought_summary_and_signature() -> None:
    events = [
        start(0, {"type": "thought"}),
        delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "Plan: "}}),
        delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "count."}}),
        delta(0, {"type": "thought_signature", "signature": "c2ln"}),
        stop(0),
    ]
    assembler = assemble(events)
    assert assembler.interaction()["steps"] == [
        {
            "type": "thought",
            "summary": [{"type": "text", "text": "Plan: "}, {"type": "text", "text": "count."}],
            "signature": "c2ln",
        }
    ]
    assert [thought_text_of(e) for e in events] == [None, "Plan: ", "count.", None, None]
    assert [text_delta_of(e) for e in events] == [None] * 5


@pytest.mark.parametrize(
    ("fragments", "expected"),
    [([], {}), (["", "  "], {}), (['{"a"', ": [1, ", "2]}"], {"a": [1, 2]}), (["{oops"], "{oops")],
)
def test_arguments_fragments(fragments: list[str], expected: Any) -> None:
    events = [start(0, {"type": "function_call", "id": "c", "name": "f", "arguments": {}})]
    events += [delta(0, {"type": "arguments_delta", "arguments": f}) for f in fragments]
    assembler = assemble([*events, stop(0)])
    assert assembler.function_calls()[0]["arguments"] == expected
    assert bool(assembler.warnings) == isinstance(expected, str)


def test_function_result_and_builtin_tool_deltas_merge() -> None:
    assembler = assemble(
        [
            start(0, {"type": "google_search_call", "id": "s1"}),
            delta(0, {"type": "google_search_call", "arguments": {"queries": ["q"]}}),
            delta(0, {"type": "google_search_call", "signature": "c2ln"}),
            stop(0),
            start(1, {"type": "google_search_result"}),
            delta(1, {"type": "google_search_result", "call_id": "s1", "result": [{"a": 1}]}),
            stop(1),
            start(2, {"type": "function_result", "call_id": "c1"}),
            delta(2, {"type": "function_result", "result": {"t": 20}, "name": "f"}),
            stop(2),
            delta(3, {"type": "mcp_server_tool_call", "name": "n", "server_name": "s"}),
        ]
    )
    assert assembler.interaction()["steps"] == [
        {
            "type": "google_search_call",
            "id": "s1",
            "arguments": {"queries": ["q"]},
            "signature": "c2ln",
        },
        {"type": "google_search_result", "call_id": "s1", "result": [{"a": 1}]},
        {"type": "function_result", "call_id": "c1", "result": {"t": 20}, "name": "f"},
        {"type": "mcp_server_tool_call", "name": "n", "server_name": "s"},
    ]


def test_unknown_events_and_deltas_do_not_raise() -> None:
    assembler = assemble(
        [
            {"event_type": "interaction.teleported", "x": 1},
            {"no_event_type": True},
            {"event_type": UNPARSEABLE, "raw": "{"},
            start(0, {"type": "model_output"}),
            delta(0, {"type": "hologram", "content": "keep out", "beam": 3}),
            delta(0, {"no_type": 1}),
            delta(0, "not a dict"),  # type: ignore[arg-type]
            {"event_type": "step.delta", "index": "0", "delta": {"type": "text", "text": "x"}},
            {"event_type": "step.start", "index": 1},
            {"event_type": "step.stop"},
            {"event_type": "interaction.completed", "interaction": "nope"},
        ]
    )
    # Unknown deltas stay out of the rebuilt interaction (only NDJSON shows them).
    assert assembler.interaction()["steps"] == [{"type": "model_output"}]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
event_types = (
    st.sampled_from(
        ["interaction.created", "interaction.completed", "interaction.status_update", "step.start"]
        + ["step.delta", "step.stop", "error", "other"]
    )
    | json_values
)
delta_types = st.sampled_from(
    ["text", "text_annotation_delta", "image", "audio", "thought_summary", "thought_signature"]
    + ["arguments_delta", "function_result", "google_search_call", "weird"]
)
fuzzed_events = st.fixed_dictionaries(
    {"event_type": event_types},
    optional={
        "index": st.integers(0, 3) | json_values,
        "step": st.fixed_dictionaries({"type": st.text(max_size=12)}) | json_values,
        "delta": st.fixed_dictionaries(
            {"type": delta_types},
            optional={
                k: json_values
                for k in ("text", "data", "annotations", "content", "arguments", "signature", "uri")
            },
        )
        | json_values,
        "interaction": st.dictionaries(
            st.sampled_from(["id", "status", "usage", "steps"]), json_values
        )
        | json_values,
        "metadata": json_values,
        "usage": json_values,
        "error": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(events=st.lists(fuzzed_events, max_size=15))
def test_fuzzed_events_never_raise(events: list[dict[str, Any]]) -> None:
    assembler = assemble(events)
    assembler.interaction()
    assembler.output_text()
    for event in events:
        text_delta_of(event)
        thought_text_of(event)
        assembler.function_call_of(event)


def test_error_event() -> None:
    events = events_of(T06)[:7]
    events.append({"event_type": "error", "error": {"code": "gateway_timeout", "message": "slow"}})
    assembler = assemble(events)
    assert assembler.error == {"code": "gateway_timeout", "message": "slow"}
    assert assembler.is_finished
    assert assembler.output_text() == "1, 2, 3, 4, 5, "
    assert assemble([{"event_type": "error"}]).error == {}


def test_usage_fallback_and_precedence() -> None:
    first = {"total_tokens": 5}
    later = {"total_tokens": 9}
    assembler = assemble(
        [
            {
                "event_type": "interaction.created",
                "interaction": {"id": "i", "status": "in_progress"},
            },
            start(0, {"type": "model_output"}),
            delta(0, {"type": "text", "text": "a"}, metadata={"total_usage": first}),
        ]
    )
    assert assembler.interaction()["usage"] == first
    assembler.add(stop(0, usage=later, step_usage={"total_tokens": 4}))
    assert assembler.interaction()["usage"] == later
    assert assembler.step_usage == {0: {"total_tokens": 4}}
    final = {"total_tokens": 10}
    assembler.add(
        {"event_type": "interaction.completed", "interaction": {"id": "i", "usage": final}}
    )
    assembler.add(delta(0, {"type": "text", "text": "b"}, metadata={"total_usage": first}))
    assert assembler.interaction()["usage"] == final


def test_payload_fields_later_wins_and_unknown_kept() -> None:
    assembler = assemble(
        [
            {
                "event_type": "interaction.created",
                "interaction": {"id": "i", "status": "in_progress", "agent": "a", "novel": 1},
            },
            {
                "event_type": "interaction.status_update",
                "interaction_id": "i",
                "status": "requires_continuation",
                "continuation_token": "tok",
            },
            {"event_type": "interaction.completed", "interaction": {"id": "i", "status": "done"}},
        ]
    )
    assert assembler.interaction() == {
        "id": "i",
        "status": "done",
        "agent": "a",
        "novel": 1,
        "continuation_token": "tok",
        "steps": [],
    }


def test_payload_steps_used_when_no_step_events() -> None:
    steps = [mo("from payload")]
    assembler = assemble(
        [{"event_type": "interaction.completed", "interaction": {"id": "i", "steps": steps}}]
    )
    assert assembler.interaction()["steps"] == steps
    assert assembler.output_text() == "from payload"


def test_delta_before_start_and_out_of_order_indexes() -> None:
    assembler = assemble(
        [
            delta(1, {"type": "text", "text": "second"}),
            start(1, {"type": "model_output"}),
            start(0, {"type": "model_output", "content": [{"type": "text", "text": "first "}]}),
            delta(0, {"type": "text", "text": "more "}),
        ]
    )
    assert assembler.output_text() == "first more second"


# -- resumption -------------------------------------------------------------------------------


def test_cursor_basics() -> None:
    cursor = ResumeCursor()
    assert cursor.params() == {}
    seen = [{"n": 1}, {"n": 2, "event_id": "E"}, {"n": 3}, {"n": 4}]
    assert [cursor.should_skip(e) for e in seen] == [False] * 4
    assert (cursor.last_event_id, cursor.since_last_id) == ("E", 2)
    assert cursor.params() == {"last_event_id": "E"}
    cursor.reattached()
    assert [cursor.should_skip(e) for e in [{"n": 3}, {"n": 4}, {"n": 5}]] == [True, True, False]
    assert cursor.since_last_id == 3
    cursor.reattached()
    cursor.reattached()  # a connection that failed before any event changes nothing
    assert [cursor.should_skip(e) for e in seen[2:]] == [True, True]


def blocks_of(raw: bytes) -> list[bytes]:
    """The transcript as one byte string per SSE block (the server's replay granularity)."""
    return [part + b"\n\n" for part in raw.split(b"\n\n") if part]


def serve_from(blocks: list[bytes], last_event_id: str | None) -> bytes:
    """What the server sends on (re-)attach: every block after the one carrying the id."""
    begin = 0
    if last_event_id is not None:
        for i, block in enumerate(blocks):
            event = events_of(block)
            if event and event[0].get("event_id") == last_event_id:
                begin = i + 1
    return b"".join(blocks[begin:])


def run_with_drops(blocks: list[bytes], drops: list[int], chunk: int) -> list[dict[str, Any]]:
    """A client consuming the stream, reconnecting after each drop (a byte offset)."""
    cursor = ResumeCursor()
    consumed: list[dict[str, Any]] = []
    for attempt in range(len(drops) + 1):
        payload = serve_from(blocks, cursor.params().get("last_event_id"))
        final = attempt == len(drops)
        if not final:
            payload = payload[: drops[attempt]]
        decoder = SSEDecoder()  # a fresh decoder per connection; never flush a broken one
        cursor.reattached()
        sses = [
            e for i in range(0, len(payload), chunk) for e in decoder.feed(payload[i : i + chunk])
        ]
        if final:
            sses += decoder.flush()
        for event in filter(None, map(parse_event, sses)):
            if not cursor.should_skip(event):
                consumed.append(event)
    return consumed


def printed_text(events: list[dict[str, Any]]) -> str:
    return "".join(t for t in map(text_delta_of, events) if t is not None)


@pytest.mark.parametrize("raw", [T06, T07], ids=["06", "07"])
def test_every_single_drop_point(raw: bytes) -> None:
    blocks = blocks_of(raw)
    expected = events_of(raw)
    for drop in range(len(raw) + 1):
        assert run_with_drops(blocks, [drop], chunk=4096) == expected, drop


def synthetic_transcript(with_id: list[bool]) -> bytes:
    """A longer text stream where only the events flagged in `with_id` carry an event_id."""
    n = len(with_id) - 6
    events: list[dict[str, Any]] = [
        {"event_type": "interaction.created", "interaction": {"id": "i", "status": "in_progress"}},
        {"event_type": "interaction.status_update", "interaction_id": "i", "status": "in_progress"},
        start(0, {"type": "model_output"}),
        *(delta(0, {"type": "text", "text": f"w{i} "}) for i in range(n)),
        stop(0),
        {"event_type": "interaction.status_update", "interaction_id": "i", "status": "completed"},
        {"event_type": "interaction.completed", "interaction": {"id": "i", "status": "completed"}},
    ]
    blocks = []
    for i, (event, flagged) in enumerate(zip(events, with_id, strict=True)):
        if flagged:
            event["event_id"] = f"evt_{i}"
        blocks.append(f"event: {event['event_type']}\ndata: {json.dumps(event)}\n\n".encode())
    return b"".join(blocks) + b"data: [DONE]\n\n"


@settings(max_examples=300, deadline=None)
@given(
    raw=st.sampled_from([T06, T07])
    | st.lists(st.booleans(), min_size=7, max_size=60).map(synthetic_transcript),
    data=st.data(),
)
def test_resume_after_multiple_drops_no_dup_no_loss(raw: bytes, data: st.DataObject) -> None:
    drops = data.draw(st.lists(st.integers(0, len(raw)), max_size=8), label="drops")
    chunk = data.draw(st.sampled_from([1, 3, 17, 4096]), label="chunk")
    expected = events_of(raw)
    consumed = run_with_drops(blocks_of(raw), drops, chunk)
    assert consumed == expected
    assert printed_text(consumed) == printed_text(expected)
    assert assemble(consumed).interaction() == assemble(expected).interaction()


def test_synthetic_transcript_shape() -> None:
    raw = synthetic_transcript([False, True, False, False, True, False, False, True])
    events = events_of(raw)
    assert printed_text(events) == "w0 w1 "
    assert [e.get("event_id") for e in events] == [
        None,
        "evt_1",
        None,
        None,
        "evt_4",
        None,
        None,
        "evt_7",
    ]
