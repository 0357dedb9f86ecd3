"""Tests for the incremental SSE decoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_cli.api.sse import ServerSentEvent, SSEDecoder, iter_sse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TRANSCRIPTS = {
    name: (FIXTURES / name).read_bytes()
    for name in ("06-stream-text.sse", "07-stream-function-call.sse")
}
ERROR_ARRAY = (
    b'[{"error":{"code":503,"message":"The service is currently unavailable.",'
    b'"status":"UNAVAILABLE"}}]'
)


def decode(chunks: list[bytes], garbage: list[str] | None = None) -> list[ServerSentEvent]:
    decoder = SSEDecoder(on_garbage=None if garbage is None else garbage.append)
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.flush())
    return events


def split_at(raw: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(raw)]
    return [raw[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def with_line_ends(raw: bytes, ending: bytes) -> bytes:
    return raw.replace(b"\n", ending)


@pytest.fixture(params=sorted(TRANSCRIPTS))
def transcript(request: pytest.FixtureRequest) -> bytes:
    return TRANSCRIPTS[request.param]


# -- the transcripts --------------------------------------------------------------------------


def test_transcript_06_events() -> None:
    events = decode([TRANSCRIPTS["06-stream-text.sse"]])
    assert len(events) == 11
    assert events[-1] == ServerSentEvent(event=None, data="[DONE]")
    for sse in events[:-1]:
        payload = json.loads(sse.data)
        assert payload["event_type"] == sse.event  # `event:` mirrors the JSON event_type
        assert sse.id is None and sse.retry is None
    deltas = [json.loads(e.data) for e in events if e.event == "step.delta"]
    assert [d["delta"].get("text") for d in deltas][1:] == ["1, 2, 3, 4, 5, ", "6, 7, 8, 9, 10."]


def test_transcript_07_events() -> None:
    events = decode([TRANSCRIPTS["07-stream-function-call.sse"]])
    assert [e.event for e in events] == [
        "interaction.created",
        "interaction.status_update",
        "step.start",
        "step.delta",
        "step.stop",
        "step.start",
        "step.delta",
        "step.delta",
        "step.stop",
        "interaction.status_update",
        "interaction.completed",
        None,
    ]
    assert events[-1].data == "[DONE]"


def test_every_two_way_split_gives_the_same_events(transcript: bytes) -> None:
    expected = decode([transcript])
    for cut in range(len(transcript) + 1):
        assert decode([transcript[:cut], transcript[cut:]]) == expected, cut


def test_one_byte_chunks(transcript: bytes) -> None:
    chunks = [transcript[i : i + 1] for i in range(len(transcript))]
    assert decode(chunks) == decode([transcript])


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"], ids=["crlf", "cr"])
def test_crlf_and_cr_variants_split_everywhere(transcript: bytes, ending: bytes) -> None:
    expected = decode([transcript])
    variant = with_line_ends(transcript, ending)
    assert decode([variant]) == expected
    assert decode([variant[i : i + 1] for i in range(len(variant))]) == expected
    for cut in range(len(variant) + 1):
        assert decode([variant[:cut], variant[cut:]]) == expected, cut


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(TRANSCRIPTS)), data=st.data())
def test_random_multi_splits(name: str, data: st.DataObject) -> None:
    raw = TRANSCRIPTS[name]
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=40))
    assert decode(split_at(raw, cuts)) == decode([raw])


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(sorted(TRANSCRIPTS)), data=st.data())
def test_mixed_line_endings_random_splits(name: str, data: st.DataObject) -> None:
    raw = TRANSCRIPTS[name]
    lines = raw.split(b"\n")[:-1]
    ends = data.draw(
        st.lists(st.sampled_from([b"\n", b"\r\n", b"\r"]), min_size=len(lines), max_size=len(lines))
    )
    for i in range(1, len(lines)):
        if ends[i - 1] == b"\r" and not lines[i] and ends[i].startswith(b"\n"):
            ends[i] = b"\r"  # "\r" + "\n" would be read as one CRLF terminator
    mixed = b"".join(line + end for line, end in zip(lines, ends, strict=True))
    cuts = data.draw(st.lists(st.integers(0, len(mixed)), max_size=20))
    assert decode(split_at(mixed, cuts)) == decode([raw])


def test_iter_sse_matches_decoder(transcript: bytes) -> None:
    chunks = split_at(transcript, [5, 100, 101, 700])
    assert list(iter_sse(chunks)) == decode([transcript])


# -- framing details ----------------------------------------------------------------------------


def test_bom_stripped_at_start_even_split(transcript: bytes) -> None:
    raw = b"\xef\xbb\xbf" + transcript
    expected = decode([transcript])
    assert decode([raw]) == expected
    assert decode([raw[i : i + 1] for i in range(len(raw))]) == expected


def test_bom_only_stripped_at_stream_start() -> None:
    garbage: list[str] = []
    events = decode([b"data: a\n\n\xef\xbb\xbfdata: b\n\n"], garbage)
    assert [e.data for e in events] == ["a"]
    assert garbage == ["\ufeffdata: b"]


def test_comments_are_ignored_silently(transcript: bytes) -> None:
    commented = b": hello\n" + transcript.replace(b"\n\n", b"\n: keep-alive\n\n:\n\n")
    garbage: list[str] = []
    assert decode([commented], garbage) == decode([transcript])
    assert garbage == []


def test_multi_line_data_joined_with_newline() -> None:
    events = decode([b"event: x\ndata: first\ndata:second\ndata:  third\ndata\n\n"])
    assert events == [ServerSentEvent(event="x", data="first\nsecond\n third\n")]


def test_field_without_colon_and_one_space_stripped() -> None:
    events = decode([b"event\ndata:  two spaces\n\n"])
    assert events == [ServerSentEvent(event="", data=" two spaces")]


def test_empty_data_line_still_dispatches() -> None:
    assert decode([b"data:\n\n"]) == [ServerSentEvent(data="")]


def test_blocks_without_data_are_skipped() -> None:
    assert decode([b"event: ping\n\nretry: 10\n\nid: 7\n\n"]) == []


def test_id_persists_and_retry_is_per_block() -> None:
    events = decode([b"id: 1\nretry: 1500\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"])
    assert events == [
        ServerSentEvent(data="a", id="1", retry=1500),
        ServerSentEvent(data="b", id="1"),
        ServerSentEvent(data="c", id=""),
    ]


def test_invalid_retry_and_nul_id_ignored() -> None:
    garbage: list[str] = []
    events = decode([b"id: 1\n\nid: a\x00b\nretry: soon\ndata: x\n\n"], garbage)
    assert events == [ServerSentEvent(data="x", id="1")]
    assert garbage == ["retry: soon"]


@pytest.mark.parametrize(
    "tail", [b"data: last", b"data: last\n", b"data: last\r", b"data: last\r\n"]
)
def test_unterminated_last_block_emitted_by_flush(tail: bytes) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: first\n\n" + tail) == [ServerSentEvent(data="first")]
    assert decoder.flush() == [ServerSentEvent(data="last")]
    assert decoder.flush() == []


def test_flush_without_pending_data_emits_nothing() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n\nevent: x\n")
    assert decoder.flush() == []


def test_done_is_surfaced() -> None:
    assert decode([b"data: [DONE]\n\n"]) == [ServerSentEvent(data="[DONE]")]


def test_cr_terminated_blank_line_dispatches_immediately() -> None:
    # A trailing "\r" might be half of "\r\n", but it already ends the line: no waiting.
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == [ServerSentEvent(data="a")]
    assert decoder.feed(b"\ndata: b\r\n\r\n") == [ServerSentEvent(data="b")]


# -- garbage ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [b"", b"\n", b"\r\n\r\n"])
def test_error_array_appended_is_reported_not_raised(transcript: bytes, suffix: bytes) -> None:
    cut = transcript.rindex(b"data: [DONE]")  # a stream cut before its end
    raw = transcript[:cut] + ERROR_ARRAY + suffix
    garbage: list[str] = []
    for size in (1, 7, len(raw)):
        garbage.clear()
        chunks = [raw[i : i + size] for i in range(0, len(raw), size)]
        assert decode(chunks, garbage) == decode([transcript])[:-1]
        assert garbage == [ERROR_ARRAY.decode()]


def test_garbage_between_blocks_and_unknown_fields() -> None:
    garbage: list[str] = []
    raw = b'data: a\n\n{"oops": 1}\nfoo: bar\ndata: b\n\n<html>\n\ndata: c\n\n'
    assert [e.data for e in decode([raw], garbage)] == ["a", "b", "c"]
    assert garbage == ['{"oops": 1}', "foo: bar", "<html>"]


def test_garbage_without_callback_is_silent() -> None:
    assert decode([ERROR_ARRAY + b"\ndata: x\n\n"]) == [ServerSentEvent(data="x")]


# -- UTF-8 ------------------------------------------------------------------------------------

UNICODE_TEXT = "Hello 👋🏽 世界, ça va? 🇯🇵 — 東京"


def test_multibyte_utf8_split_everywhere() -> None:
    payload = json.dumps({"text": UNICODE_TEXT}, ensure_ascii=False)
    raw = f"event: step.delta\ndata: {payload}\n\ndata: {UNICODE_TEXT}\n\n".encode()
    expected = [
        ServerSentEvent(event="step.delta", data=payload),
        ServerSentEvent(data=UNICODE_TEXT),
    ]
    assert decode([raw]) == expected
    for cut in range(len(raw) + 1):
        assert decode([raw[:cut], raw[cut:]]) == expected, cut
    assert decode([raw[i : i + 1] for i in range(len(raw))]) == expected


@settings(max_examples=100, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")))
def test_arbitrary_text_round_trips_through_random_chunks(text: str) -> None:
    raw = f"data: {text}\n\n".encode()
    expected = decode([raw])
    assert len(expected) == 1
    assert expected[0].data == text
    for size in (1, 2, 3):
        assert decode([raw[i : i + size] for i in range(0, len(raw), size)]) == expected


def test_invalid_utf8_is_replaced_not_raised() -> None:
    raw = b"data: ok \xff\xfe bad\n\ndata: truncated \xf0\x9f"
    events = decode([raw[i : i + 1] for i in range(len(raw))])
    assert events == [
        ServerSentEvent(data="ok \ufffd\ufffd bad"),
        ServerSentEvent(data="truncated \ufffd"),
    ]


@settings(max_examples=200, deadline=None)
@given(chunks=st.lists(st.binary(max_size=64), max_size=20))
def test_arbitrary_bytes_never_raise(chunks: list[bytes]) -> None:
    decode(chunks, [])


# -- speed ------------------------------------------------------------------------------------


def test_long_line_in_small_chunks_is_not_quadratic() -> None:
    payload = "x" * 2_000_000
    raw = f"data: {payload}\n\n".encode()
    chunks = [raw[i : i + 1024] for i in range(0, len(raw), 1024)]
    assert decode(chunks) == [ServerSentEvent(data=payload)]


def test_many_events_in_one_chunk() -> None:
    raw = b"".join(f"data: {i}\n\n".encode() for i in range(50_000))
    events = decode([raw])
    assert len(events) == 50_000 and events[-1].data == "49999"


# -- size caps (issue 17.2) -----------------------------------------------------------------


def test_an_endless_line_is_refused_past_the_cap() -> None:
    from gemini_cli.api.sse import EventTooLarge

    decoder = SSEDecoder(max_event_chars=1000)
    with pytest.raises(EventTooLarge) as caught:
        for _ in range(100):
            decoder.feed(b"data: " + b"x" * 100)
    assert caught.value.exit_code == 6 and "GEM_MAX_SSE_EVENT_BYTES" in (caught.value.hint or "")


def test_an_event_of_many_data_lines_is_refused_past_the_cap() -> None:
    from gemini_cli.api.sse import EventTooLarge

    decoder = SSEDecoder(max_event_chars=1000)
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: " + b"x" * 90 + b"\n" * 1 + (b"data: " + b"y" * 90 + b"\n") * 20)


def test_events_under_the_cap_pass_and_the_count_restarts_per_event() -> None:
    decoder = SSEDecoder(max_event_chars=1000)
    block = b"data: " + b"x" * 600 + b"\n\n"
    assert [len(e.data) for e in decoder.feed(block * 5)] == [600] * 5


def test_the_cap_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from gemini_cli.api.sse import EventTooLarge

    monkeypatch.setenv("GEM_MAX_SSE_EVENT_BYTES", "1K")
    with pytest.raises(EventTooLarge, match="1 KiB"):
        SSEDecoder().feed(b"data: " + b"x" * 2000)
