"""The resume cursor: replays recognised with and without event ids, drops at every byte."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_cli.api.events import parse_event, text_delta_of
from gemini_cli.api.resume import Admission, ResumeCursor
from gemini_cli.api.sse import SSEDecoder

from .streams import T06, T07, assemble, delta, events_of, start, stop

NEW, REPLAY, DIVERGED = Admission.NEW, Admission.REPLAY, Admission.DIVERGED


def admit_all(cursor: ResumeCursor, events: list[dict[str, Any]]) -> list[Admission]:
    return [cursor.admit(e) for e in events]


def test_cursor_with_event_ids() -> None:
    cursor = ResumeCursor()
    assert cursor.last_event_id is None
    seen = [{"n": 1}, {"n": 2, "event_id": "E"}, {"n": 3}, {"n": 4}]
    assert admit_all(cursor, seen) == [NEW] * 4
    assert (cursor.last_event_id, cursor.consumed) == ("E", 4)
    cursor.reattached()  # the server replays after E: n3 and n4 are known
    assert admit_all(cursor, [{"n": 3}, {"n": 4}, {"n": 5}]) == [REPLAY, REPLAY, NEW]
    cursor.reattached()
    cursor.reattached()  # a connection that failed before any event changes nothing
    assert admit_all(cursor, seen[2:]) == [REPLAY, REPLAY]


def test_cursor_without_event_ids_replays_from_the_start() -> None:
    cursor = ResumeCursor()
    seen = [{"n": 1}, {"n": 2}, {"n": 3}]
    assert admit_all(cursor, seen) == [NEW] * 3
    cursor.reattached()
    assert admit_all(cursor, [*seen, {"n": 4}]) == [REPLAY] * 3 + [NEW]


def test_cursor_drops_an_inclusive_replay_and_a_server_ignoring_the_id() -> None:
    cursor = ResumeCursor()
    seen = [{"n": 1}, {"n": 2, "event_id": "E"}, {"n": 3}]
    admit_all(cursor, seen)
    cursor.reattached()  # inclusive: starts at E itself
    assert admit_all(cursor, [seen[1], seen[2], {"n": 4}]) == [REPLAY, REPLAY, NEW]
    cursor.reattached()  # ignores last_event_id: everything again
    assert admit_all(cursor, [*seen, {"n": 4}, {"n": 5}]) == [REPLAY] * 4 + [NEW]


def test_cursor_ignores_a_renumbered_event_id_and_key_order() -> None:
    cursor = ResumeCursor()
    admit_all(cursor, [{"a": 1, "b": 2}])
    cursor.reattached()
    assert cursor.admit({"b": 2, "a": 1, "event_id": "new"}) is REPLAY


def test_cursor_a_different_replay_diverges() -> None:
    cursor = ResumeCursor()
    admit_all(cursor, [{"n": 1}, {"n": 2}])
    cursor.reattached()
    assert admit_all(cursor, [{"n": 1}, {"n": 2.5}]) == [REPLAY, DIVERGED]


def test_cursor_attached_from_an_event_id_drops_that_event() -> None:
    cursor = ResumeCursor(last_event_id="E")
    assert admit_all(cursor, [{"n": 2, "event_id": "E"}, {"n": 3}]) == [REPLAY, NEW]


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
        payload = serve_from(blocks, cursor.last_event_id)
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
            if cursor.admit(event) is Admission.NEW:
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


def test_memory_is_bounded_and_a_replay_past_the_bound_is_not_trusted() -> None:
    # A server flooding tiny events: digests are kept for the first `max_tracked` only.
    cursor = ResumeCursor(max_tracked=3)
    seen = [{"n": n} for n in range(6)]
    assert admit_all(cursor, seen) == [NEW] * 6
    assert cursor.consumed == 6 and cursor._digests.itemsize * len(cursor._digests) == 3 * 8
    cursor.reattached()  # a replay from the start: checked as far as digests were kept
    assert admit_all(cursor, seen[:4]) == [REPLAY, REPLAY, REPLAY, DIVERGED]


def test_ids_past_the_bound_still_resume_after_the_last_one() -> None:
    cursor = ResumeCursor(max_tracked=2)
    seen = [{"n": n, "event_id": f"e{n}"} for n in range(5)]
    assert admit_all(cursor, seen) == [NEW] * 5
    assert cursor.last_event_id == "e4"
    cursor.reattached()  # the server honours last_event_id: what follows is new
    assert admit_all(cursor, [{"n": 5, "event_id": "e5"}]) == [NEW]


def test_cursor_with_raw_data_recognises_the_same_bytes_and_renumbered_ids() -> None:
    cursor = ResumeCursor()
    raws = ['{"n":1}', '{"n":2,"event_id":"a"}']
    assert [cursor.admit(json.loads(r), r) for r in raws] == [NEW, NEW]
    cursor.reattached()  # same bytes without ids; the id renumbered (judged canonically)
    replay = ['{"n":1}', '{"event_id":"b", "n":2}', '{"n":3}']
    assert [cursor.admit(json.loads(r), r) for r in replay] == [REPLAY, REPLAY, NEW]
    cursor.reattached()  # other bytes for an id-less event: not trusted, never spliced
    assert cursor.admit({"n": 1}, '{"n": 1}') is DIVERGED
