"""Tests for rebuilding an interaction from its stream events (InteractionAssembler)."""

from __future__ import annotations

import base64
import copy
import sys
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_cli.api.assembler import InteractionAssembler, TextDigest
from gemini_cli.api.events import UNPARSEABLE, text_delta_of
from gemini_cli.api.steps import answer_text, function_calls

from .strategies import events as garbage_events
from .streams import T06, T07, assemble, completed, created, delta, events_of, mo, start, stop


def answer(assembler: InteractionAssembler) -> str:
    return answer_text(assembler.interaction()["steps"])


# -- the transcripts --------------------------------------------------------------------------


def test_assemble_transcript_06() -> None:
    events = events_of(T06)
    pristine = copy.deepcopy(events)
    assembler = assemble(events)
    assert events == pristine  # the assembler never mutates what it is fed
    interaction = assembler.interaction()
    assert answer(assembler) == "1, 2, 3, 4, 5, 6, 7, 8, 9, 10."
    assert assembler.error is None
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
    assert "".join(texts) == answer(assembler)
    assert assembler.streamed_answer.rest_of(answer(assembler)) == ""


def test_assemble_transcript_07() -> None:
    assembler = assemble(events_of(T07))
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
    assert function_calls(interaction["steps"]) == [call]
    assert answer(assembler) == ""


def test_partial_stream_gives_partial_interaction() -> None:
    assembler = assemble(events_of(T07)[:7])  # stopped between the two arguments fragments
    step = assembler.interaction()["steps"][1]
    assert step["arguments"] == '{"location": '  # not JSON yet: raw string
    assert assembler.interaction()["status"] == "in_progress"


# -- blocks and deltas ------------------------------------------------------------------------


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
    # Every text block of the run, media skipped (the SDK's output_text would say "bye").
    assert answer(assembler) == "Hi therebye"


def test_media_fragment_with_only_data_continues_block() -> None:
    assembler = assemble(
        [
            start(0, {"type": "model_output"}),
            delta(0, {"type": "audio", "mime_type": "audio/wav", "data": "AAAA"}),
            delta(0, {"type": "audio", "data": "BBBB"}),
            delta(0, {"type": "audio", "mime_type": "audio/ogg", "data": "CC"}),
            delta(0, {"type": "audio", "mime_type": "audio/ogg", "data": "CC"}),
            delta(0, {"type": "audio", "data": "not base64!"}),
        ]
    )
    assert assembler.interaction()["steps"][0]["content"] == [
        {"type": "audio", "mime_type": "audio/wav", "data": "AAAABBBB"},
        {"type": "audio", "mime_type": "audio/ogg", "data": "CCCC"},
        {"type": "audio", "data": "not base64!"},
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
        start(0, {"type": "thought", "signature": ""}),  # live: an empty signature at first
        delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "Plan: "}}),
        delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "count."}}),
        delta(0, {"type": "thought_signature", "signature": "c2ln"}),
        stop(0),
        start(1, {"type": "thought"}),  # or none at all
        stop(1),
    ]
    assert assemble(events).interaction()["steps"] == [
        {
            "type": "thought",
            "signature": "c2ln",
            "summary": [{"type": "text", "text": "Plan: "}, {"type": "text", "text": "count."}],
        },
        {"type": "thought"},
    ]


@pytest.mark.parametrize(
    ("fragments", "expected"),
    [
        ([], {}),
        (["", "  "], {}),
        (['{"a"', ": [1, ", "2]}"], {"a": [1, 2]}),
        (["{oops"], "{oops"),
        (["[" * 50_000], "[" * 50_000),  # too deep to decode: kept as the raw string
    ],
)
def test_arguments_fragments(fragments: list[str], expected: Any) -> None:
    events = [start(0, {"type": "function_call", "id": "c", "name": "f", "arguments": {}})]
    events += [delta(0, {"type": "arguments_delta", "arguments": f}) for f in fragments]
    steps = assemble([*events, stop(0)]).interaction()["steps"]
    assert function_calls(steps)[0]["arguments"] == expected


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
            {"event_type": ["step.delta"], "index": 0, "delta": {"text": "x"}},
            start(0, {"type": "model_output"}),
            delta(0, {"type": "hologram", "content": "keep out", "beam": 3}),
            delta(0, {"no_type": 1}),
            delta(0, "not a dict"),  # type: ignore[arg-type]
            {"event_type": "step.delta", "index": "0", "delta": {"type": "text", "text": "x"}},
            {"event_type": "step.delta", "index": True, "delta": {"type": "text", "text": "x"}},
            {"event_type": "step.start", "index": 1},
            {"event_type": "step.stop"},
            {"event_type": "interaction.completed", "interaction": "nope"},
        ]
    )
    # Unknown deltas stay out of the rebuilt interaction (only NDJSON shows them).
    assert assembler.interaction()["steps"] == [{"type": "model_output"}]


def test_error_event() -> None:
    events = events_of(T06)[:7]
    events.append({"event_type": "error", "error": {"code": "gateway_timeout", "message": "slow"}})
    assembler = assemble(events)
    assert assembler.error == {"code": "gateway_timeout", "message": "slow"}
    assert answer(assembler) == "1, 2, 3, 4, 5, "
    assert assemble([{"event_type": "error"}]).error == {}


def test_usage_fallback_and_precedence() -> None:
    first, later, final = {"total_tokens": 5}, {"total_tokens": 9}, {"total_tokens": 10}
    assembler = assemble(
        [
            created(),
            start(0, {"type": "model_output"}),
            delta(0, {"type": "text", "text": "a"}, metadata={"total_usage": first}),
        ]
    )
    assert assembler.interaction()["usage"] == first
    assembler.add(stop(0, usage=later, step_usage={"total_tokens": 4}))
    assert assembler.interaction()["usage"] == later
    assembler.add(completed(usage=final))
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
            completed(status="done"),
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
    assembler = assemble([completed(steps=steps)])
    assert assembler.interaction()["steps"] == steps
    assert answer(assembler) == "from payload"


def test_delta_before_start_and_out_of_order_indexes() -> None:
    assembler = assemble(
        [
            delta(1, {"type": "text", "text": "second"}),
            start(1, {"type": "model_output"}),
            start(0, {"type": "model_output", "content": [{"type": "text", "text": "first "}]}),
            delta(0, {"type": "text", "text": "more "}),
        ]
    )
    assert answer(assembler) == "first more second"


# -- the shapes the live service sends (interactions-api.md §13) -------------------------------


def test_store_false_stream_has_empty_ids() -> None:
    assembler = assemble(
        [
            created(ident=""),
            {"event_type": "interaction.status_update", "interaction_id": "", "status": "x"},
            start(0, {"type": "model_output"}),
            delta(0, {"type": "text", "text": "hi"}),
            stop(0),
            completed(ident="", usage={"total_tokens": 3, "raw_prompt_token": 7}),
        ]
    )
    interaction = assembler.interaction()
    assert interaction["id"] == "" and interaction["status"] == "completed"
    assert interaction["usage"] == {"total_tokens": 3, "raw_prompt_token": 7}  # passed through
    assert answer(assembler) == "hi"


def test_tool_steps_with_bare_starts_and_same_type_deltas() -> None:
    call = {"type": "google_search_call", "arguments": {"queries": ["q"]}, "signature": ""}
    result = {"type": "google_search_result", "result": [{"url": "u"}], "is_error": False}
    assembler = assemble(
        [
            start(0, {"type": "thought", "signature": ""}),
            stop(0),
            start(1, {"type": "model_output"}),
            delta(1, {"type": "text", "text": "Grounded."}),
            stop(1),
            start(2, {"type": "google_search_call", "id": "s", "signature": ""}),
            delta(2, call),
            stop(2),
            start(3, {"type": "google_search_result", "call_id": "s", "signature": ""}),
            delta(3, result),
            stop(3),
            completed(),
        ]
    )
    steps = assembler.interaction()["steps"]
    assert steps[2] == {**call, "id": "s"}
    assert steps[3] == {**result, "call_id": "s", "signature": ""}
    assert answer(assembler) == "Grounded."
    assert assembler.streamed_answer.rest_of("Grounded.") == ""  # tool steps after: same run


def test_streamed_function_call_arguments_start_empty_and_arrive_in_fragments() -> None:
    assembler = assemble(
        [
            start(
                0,
                {"type": "function_call", "id": "c", "name": "f", "arguments": {}, "signature": ""},
            ),
            *(
                delta(0, {"type": "arguments_delta", "arguments": f})
                for f in ['{"ci', 'ty":', '"X"}']
            ),
            stop(0),
            completed(status="requires_action"),
        ]
    )
    call = assembler.interaction()["steps"][0]
    assert call["arguments"] == {"city": "X"} and call["signature"] == ""


def test_completed_without_steps_and_not_completed() -> None:
    interaction = assemble([created(), completed(status="incomplete")]).interaction()
    assert interaction == {"id": "i", "status": "incomplete", "steps": []}


def test_legacy_stream() -> None:
    call = {"type": "function_call", "id": "c", "name": "f", "arguments": {"x": 1}}
    assembler = assemble(
        [
            {
                "event_type": "interaction.start",
                "interaction": {"id": "o", "status": "in_progress"},
            },
            {"event_type": "content.start", "index": 0, "content": {"type": "text"}},
            {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "Hel"}},
            {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "lo"}},
            {"event_type": "content.stop", "index": 0},
            {"event_type": "content.delta", "index": 1, "delta": call},
            {"event_type": "content.stop", "index": 1},
            {
                "event_type": "interaction.complete",
                "interaction": {"id": "o", "status": "requires_action"},
            },
        ]
    )
    interaction = assembler.interaction()
    assert answer(assembler) == "Hello"
    assert function_calls(interaction["steps"]) == [call]
    assert interaction["status"] == "requires_action"


# -- the streamed answer: what catch-up compares with ------------------------------------------


def test_streamed_answer_follows_the_answer_rule() -> None:
    assembler = assemble(
        [
            start(0, {"type": "model_output"}),
            delta(0, {"type": "text", "text": "Let me look. "}),
            start(1, {"type": "code_execution_call", "id": "x"}),
            start(2, {"type": "thought"}),
            start(3, {"type": "model_output"}),
            delta(3, {"type": "text", "text": "The answer"}),
            start(4, {"type": "thought"}),
            start(5, {"type": "model_output"}),
            delta(5, {"type": "text", "text": " is 42."}),
        ],
        keep_text=False,
    )
    digest = assembler.streamed_answer
    assert digest.length == len("The answer is 42.")
    assert digest.rest_of("The answer is 42. More.") == " More."
    assert digest.rest_of("The answer is 41. More.") is None
    assert digest.rest_of("The") is None
    # Without keep_text the text is not kept; the rest of the interaction is.
    assert [s.get("type") for s in assembler.interaction()["steps"]] == [
        "model_output",
        "code_execution_call",
        "thought",
        "model_output",
        "thought",
        "model_output",
    ]
    assert answer(assembler) == ""


def test_text_digest_handles_lone_surrogates() -> None:
    digest = TextDigest()
    digest.update("a\ud800")
    assert digest.rest_of("a\ud800b") == "b"


# -- cost: linear in the stream, flat memory when the text is not kept --------------------------


class CountingStr(str):
    """A text delta that counts the characters copied by concatenating onto it."""

    copied = 0

    def __add__(self, other: str) -> str:
        CountingStr.copied += len(self) + len(other)
        return str.__add__(self, other)

    def __radd__(self, other: str) -> str:
        CountingStr.copied += len(self) + len(other)
        return str.__add__(other, self)


def text_stream(n: int, piece: str = "x" * 100) -> Iterator[dict[str, Any]]:
    yield created()
    yield start(0, {"type": "model_output"})
    for _ in range(n):
        yield delta(0, {"type": "text", "text": piece})
    yield stop(0)
    yield completed()


def test_text_deltas_are_never_concatenated_one_by_one() -> None:
    CountingStr.copied = 0
    assembler = InteractionAssembler()
    for event in text_stream(5_000, CountingStr("y" * 100)):
        assembler.add(event)
    assert answer(assembler) == "y" * 500_000
    assert CountingStr.copied == 0  # joined once, never `text = text + delta`


def operations(n: int, kind: str = "text") -> int:
    """Python-level calls the assembler makes for a stream of n deltas of one kind."""
    body = (
        {"type": "text", "text": "x" * 100}
        if kind == "text"
        else {"type": "image", "data": "QUJD" * 25}
        if kind == "media"
        else {"type": "arguments_delta", "arguments": "a" * 100}
    )
    events = [start(0, {"type": "model_output" if kind != "args" else "function_call"})]
    events += [delta(0, body)] * n
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        calls += 1

    assembler = InteractionAssembler()
    sys.setprofile(count)
    try:
        for event in events:
            assembler.add(event)
        assembler.interaction()
    finally:
        sys.setprofile(None)
    return calls


@pytest.mark.parametrize("kind", ["text", "media", "args"])
def test_cost_per_delta_is_constant(kind: str) -> None:
    small, large = operations(1_000, kind), operations(10_000, kind)
    assert 9 <= large / small <= 11  # linear: ten times the deltas, ten times the work


def peak_bytes(n: int, keep_text: bool) -> int:
    tracemalloc.start()
    try:
        assembler = InteractionAssembler(keep_text=keep_text)
        for event in text_stream(n):
            assembler.add(event)
        assembler.interaction()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_is_flat_in_text_mode() -> None:
    small, large = peak_bytes(2_000, keep_text=False), peak_bytes(20_000, keep_text=False)
    assert large < small + 64 * 1024  # 1.8 MB more text streamed, no more memory held
    kept = peak_bytes(20_000, keep_text=True)
    assert kept > 2_000_000  # the check is not vacuous: keeping the text costs its size


# -- garbage ----------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(events=st.lists(garbage_events, max_size=12), keep_text=st.booleans())
def test_garbage_events_never_raise(events: list[dict[str, Any]], keep_text: bool) -> None:
    assembler = assemble(events, keep_text)
    steps = assembler.interaction()["steps"]
    answer_text(steps)
    function_calls(steps)
    assembler.streamed_answer.rest_of("anything")


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(
        st.tuples(st.sampled_from(["text", "thought", "tool", "image"]), st.text(max_size=4)),
        max_size=12,
    )
)
def test_streamed_answer_is_the_answer_rule(parts: list[tuple[str, str]]) -> None:
    """Whatever the mix of steps, what the stream printed of the final run is the answer."""
    events: list[dict[str, Any]] = []
    for index, (kind, text) in enumerate(parts):
        if kind == "text":
            events += [start(index, {"type": "model_output"})]
            events += [delta(index, {"type": "text", "text": text}), stop(index)]
        elif kind == "image":
            events += [delta(index, {"type": "image", "data": "AA=="})]
        else:
            step = {"type": "thought"} if kind == "thought" else {"type": "code_execution_call"}
            events += [start(index, step), stop(index)]
    assembler = assemble(events)
    assert assembler.streamed_answer.rest_of(answer(assembler)) == ""


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
PNG64 = base64.b64encode(PNG).decode()


def test_an_invalid_base64_fragment_is_not_merged_with_the_next():
    assembler = InteractionAssembler()
    assembler.add({"event_type": "step.start", "index": 0, "step": {"type": "model_output"}})
    for fragment in (
        {"type": "image", "mime_type": "image/png", "data": "!!!not base64***"},
        {"type": "image", "data": PNG64},
    ):
        assembler.add({"event_type": "step.delta", "index": 0, "delta": fragment})
    content = assembler.steps[0]["content"]
    assert [b["data"] for b in content] == ["!!!not base64***", PNG64]


def test_split_base64_fragments_are_still_merged():
    assembler = InteractionAssembler()
    for piece in (PNG64[:10], PNG64[10:]):
        assembler.add(
            {"event_type": "step.delta", "index": 0, "delta": {"type": "image", "data": piece}}
        )
    assert [b["data"] for b in assembler.steps[0]["content"]] == [PNG64]
