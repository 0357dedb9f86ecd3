"""`follow`: re-attaching after drops, stalls and early ends, with nothing lost or repeated."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from gemini_cli.api.client import InteractionsClient
from gemini_cli.api.errors import NetworkError, NotFoundError
from gemini_cli.api.streaming import follow
from tests.conftest import FakeClock
from tests.stream_fakes import (
    CALL_SSE,
    SSE_HEADERS,
    TEXT_ID,
    TEXT_SSE,
    Body,
    blocks,
    dropped,
    payloads,
    replay_after,
    sse_response,
)

Handler = Callable[[httpx.Request], httpx.Response]


class FakeServer:
    """POST answers with `first`; GET ?stream=true replays the transcript after last_event_id."""

    def __init__(
        self,
        raw: bytes,
        first: httpx.Response | None = None,
        gets: list[httpx.Response] | None = None,
    ) -> None:
        self.raw = raw
        self.first = first or sse_response(raw)
        self.gets = list(gets or [])
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST":
            assert json.loads(request.content)["stream"] is True
            return self.first
        assert request.url.params["stream"] == "true"
        if self.gets:
            return self.gets.pop(0)
        return sse_response(replay_after(self.raw, request.url.params.get("last_event_id")))

    def get_params(self) -> list[dict[str, str]]:
        return [dict(r.url.params) for r in self.requests if r.method == "GET"]


def client_for(handler: Handler, clock: FakeClock) -> InteractionsClient:
    return InteractionsClient(api_key="k", transport=httpx.MockTransport(handler), clock=clock)


def events_of(server: FakeServer, clock: FakeClock, **kwargs) -> list[dict]:
    kwargs.setdefault("body", {"input": "hi"})
    with client_for(server, clock) as client:
        return list(follow(client, **kwargs))


EXPECTED_TEXT = [json.loads(p) for p in payloads(TEXT_SSE)]
FIRST_BLOCK = len(blocks(TEXT_SSE)[0])


def test_uninterrupted_stream_yields_every_event_once(fake_clock):
    server = FakeServer(TEXT_SSE)
    assert events_of(server, fake_clock) == EXPECTED_TEXT
    assert server.get_params() == []
    assert fake_clock.sleeps == []


def test_a_drop_at_any_byte_after_the_id_loses_and_repeats_nothing(fake_clock):
    for cut in range(FIRST_BLOCK, len(TEXT_SSE)):
        server = FakeServer(TEXT_SSE, first=dropped(TEXT_SSE, cut))
        assert events_of(server, fake_clock) == EXPECTED_TEXT, f"cut at byte {cut}"


def test_a_stream_without_event_ids_replays_from_the_start(fake_clock):
    # The function-call transcript has no event_id at all: every re-attach starts over.
    expected = [json.loads(p) for p in payloads(CALL_SSE)]
    for cut in range(len(blocks(CALL_SSE)[0]), len(CALL_SSE)):
        server = FakeServer(CALL_SSE, first=dropped(CALL_SSE, cut))
        assert events_of(server, fake_clock) == expected, f"cut at byte {cut}"
        assert all(p == {"stream": "true"} for p in server.get_params())


def test_a_drop_inside_the_first_event_cannot_reattach(fake_clock):
    for cut in range(0, len(blocks(CALL_SSE)[0])):
        server = FakeServer(CALL_SSE, first=dropped(CALL_SSE, cut))
        with pytest.raises(NetworkError, match="before the interaction id was known"):
            events_of(server, fake_clock)


def test_the_reattach_carries_the_last_event_id_seen(fake_clock):
    third_text = TEXT_SSE.index(b"6, 7, 8")
    server = FakeServer(TEXT_SSE, first=dropped(TEXT_SSE, third_text))
    events_of(server, fake_clock)
    assert server.get_params() == [{"stream": "true", "last_event_id": "v1_MV90ZXh0XzE"}]
    assert server.requests[1].url.path == f"/v1/interactions/{TEXT_ID}"


def test_a_stall_reattaches(fake_clock):
    stall = sse_response(
        TEXT_SSE, cut=TEXT_SSE.index(b"6, 7, 8"), fail=httpx.ReadTimeout("timed out")
    )
    reasons = []
    server = FakeServer(TEXT_SSE, first=stall)
    events = events_of(
        server,
        fake_clock,
        idle_timeout=5,
        on_reconnect=lambda n, d, why: reasons.append((n, d, why)),
    )
    assert events == EXPECTED_TEXT
    assert reasons == [(1, 0.5, "no data for 5s (ReadTimeout)")]
    assert fake_clock.sleeps == [0.5]


def test_an_eof_before_completed_reattaches(fake_clock):
    clean_end = b"".join(blocks(TEXT_SSE)[:7])  # through the first text delta, no error
    server = FakeServer(TEXT_SSE, first=sse_response(clean_end))
    assert events_of(server, fake_clock) == EXPECTED_TEXT
    assert server.get_params() == [{"stream": "true", "last_event_id": "v1_MV90ZXh0XzE"}]


EARLY_DONE = b"".join(blocks(TEXT_SSE)[:7]) + b"data: [DONE]\n\n"


def test_done_before_completed_reattaches_like_an_eof(fake_clock):
    server = FakeServer(TEXT_SSE, first=sse_response(EARLY_DONE))
    with client_for(server, fake_clock) as client:
        stream = follow(client, body={"input": "hi"})
        assert list(stream) == EXPECTED_TEXT
    assert (stream.done_early, stream.finished) == (False, True)
    assert server.get_params() == [{"stream": "true", "last_event_id": "v1_MV90ZXh0XzE"}]


def test_done_again_with_nothing_new_ends_done_early(fake_clock):
    # The re-attach has nothing more either: asking again would only repeat that [DONE].
    server = FakeServer(
        TEXT_SSE, first=sse_response(EARLY_DONE), gets=[sse_response(b"data: [DONE]\n\n")]
    )
    with client_for(server, fake_clock) as client:
        stream = follow(client, body={"input": "hi"}, max_retries=4)
        assert list(stream) == EXPECTED_TEXT[:7]
    assert (stream.done_early, stream.finished) == (True, False)
    assert len(server.get_params()) == 1 and fake_clock.sleeps == [0.5]


@pytest.mark.parametrize("status", [502, 503, 500, 429])
def test_a_transient_error_on_reattach_uses_every_retry(fake_clock, status):
    # The client gave up on the status (max_retries=0 there): follow still re-attaches.
    refused = [
        httpx.Response(status, json={"error": {"code": status, "message": "busy"}})
        for _ in range(3)
    ]
    server = FakeServer(TEXT_SSE, first=dropped(TEXT_SSE, FIRST_BLOCK), gets=refused)
    client = InteractionsClient(
        api_key="k", transport=httpx.MockTransport(server), clock=fake_clock, max_retries=0
    )
    with client, pytest.raises(NetworkError, match="after 3 attempt.s. without progress"):
        list(follow(client, body={"input": "hi"}, max_retries=3))
    assert len(server.get_params()) == 3


def test_a_transient_error_on_reattach_then_success(fake_clock):
    refused = httpx.Response(502, text="<html>Bad Gateway</html>")
    server = FakeServer(TEXT_SSE, first=dropped(TEXT_SSE, FIRST_BLOCK), gets=[refused])
    client = InteractionsClient(
        api_key="k", transport=httpx.MockTransport(server), clock=fake_clock, max_retries=0
    )
    with client:
        assert list(follow(client, body={"input": "hi"})) == EXPECTED_TEXT


def test_a_plain_json_answer_is_the_interaction(fake_clock):
    done = {
        "id": TEXT_ID,
        "status": "completed",
        "steps": [{"type": "model_output", "content": [{"type": "text", "text": "hi"}]}],
    }
    server = FakeServer(TEXT_SSE, first=httpx.Response(200, json=done))
    with client_for(server, fake_clock) as client:
        stream = follow(client, body={"input": "hi"})
        assert list(stream) == [{"event_type": "interaction.completed", "interaction": done}]
    assert stream.finished and stream.interaction_id == TEXT_ID
    assert server.get_params() == []


def test_a_plain_json_answer_still_running_is_followed(fake_clock):
    running = {"id": TEXT_ID, "status": "in_progress"}
    server = FakeServer(TEXT_SSE, first=httpx.Response(200, json=running))
    events = events_of(server, fake_clock)
    assert events[0] == {"event_type": "interaction.created", "interaction": running}
    assert events[1:] == EXPECTED_TEXT
    assert server.get_params() == [{"stream": "true"}]


def test_attach_after_the_last_event_ends_at_once(fake_clock):
    server = FakeServer(TEXT_SSE)
    with client_for(server, fake_clock) as client:
        stream = follow(client, interaction_id=TEXT_ID, last_event_id="v1_Ml9jb21wbGV0ZWQ")
        assert list(stream) == []
    assert stream.done_early and fake_clock.sleeps == []


def test_gives_up_after_max_retries_without_progress(fake_clock):
    dead = [sse_response(b"", fail=httpx.ReadError("reset")) for _ in range(5)]
    server = FakeServer(TEXT_SSE, first=dropped(TEXT_SSE, FIRST_BLOCK), gets=dead)
    with pytest.raises(NetworkError, match="after 3 attempt.s. without progress") as caught:
        events_of(server, fake_clock, max_retries=3)
    assert caught.value.interaction_id == TEXT_ID
    assert len(server.get_params()) == 3
    assert fake_clock.sleeps == [0.5, 1.0, 2.0]


def test_progress_resets_the_retry_budget(fake_clock):
    # Each connection delivers one new event then breaks: more drops than max_retries, yet fine.
    parts = blocks(TEXT_SSE)
    calls: dict[str | None, int] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return dropped(parts[0], len(parts[0]))
        since = request.url.params.get("last_event_id")
        calls[since] = calls.get(since, 0) + 1  # replays repeat the events without an id
        rest = replay_after(TEXT_SSE, since)
        return dropped(rest, len(b"".join(blocks(rest)[: calls[since]])))

    with client_for(handler, fake_clock) as client:
        events = list(follow(client, body={"input": "hi"}, max_retries=1))
    assert events == EXPECTED_TEXT


def test_a_drop_before_the_id_is_known_fails_clearly(fake_clock):
    server = FakeServer(TEXT_SSE, first=dropped(TEXT_SSE, 40))
    with pytest.raises(NetworkError, match="cannot be re-attached") as caught:
        events_of(server, fake_clock)
    assert caught.value.exit_code == 6


def test_an_api_error_on_reattach_is_not_retried(fake_clock):
    gone = httpx.Response(404, json={"error": {"code": 404, "message": "gone"}})
    server = FakeServer(TEXT_SSE, first=dropped(TEXT_SSE, FIRST_BLOCK), gets=[gone])
    with pytest.raises(NotFoundError):
        events_of(server, fake_clock)


def test_attach_from_an_event_id(fake_clock):
    server = FakeServer(TEXT_SSE)
    events = events_of(
        server, fake_clock, body=None, interaction_id=TEXT_ID, last_event_id="v1_MV90ZXh0XzI"
    )
    assert [e["event_type"] for e in events] == ["step.stop", "interaction.completed"]
    assert server.get_params() == [{"stream": "true", "last_event_id": "v1_MV90ZXh0XzI"}]


def test_garbage_goes_to_the_callback_and_is_not_counted(fake_clock):
    junk = b'[{"error":{"code":503,"status":"UNAVAILABLE"}}]\n\ndata: not json\n\n'
    parts = blocks(TEXT_SSE)
    # Garbage, then a drop right after an event without an id: the replay must not skip more.
    first = b"".join(parts[:3]) + junk + parts[3]
    server = FakeServer(TEXT_SSE, first=dropped(first, len(first)))
    garbage: list[str] = []
    assert events_of(server, fake_clock, on_garbage=garbage.append) == EXPECTED_TEXT
    assert garbage == ['[{"error":{"code":503,"status":"UNAVAILABLE"}}]', "not json"]


def test_stops_at_the_terminal_event_without_waiting_for_eof(fake_clock):
    # The body would raise if read past interaction.completed: it must not be read further.
    upto = TEXT_SSE.index(b"data: [DONE]")
    server = FakeServer(
        TEXT_SSE, first=sse_response(TEXT_SSE, cut=upto, fail=AssertionError("read too far"))
    )
    assert events_of(server, fake_clock) == EXPECTED_TEXT


def test_exposes_where_to_reattach(fake_clock):
    with client_for(FakeServer(TEXT_SSE), fake_clock) as client:
        stream = follow(client, body={"input": "hi"})
        seen = [next(stream) for _ in range(7)]
        assert stream.interaction_id == TEXT_ID
        assert stream.last_event_id == "v1_MV90ZXh0XzE"
        assert stream.last_data == payloads(TEXT_SSE)[6]
        assert seen[-1]["event_id"] == "v1_MV90ZXh0XzE"
        stream.close()


def test_needs_exactly_one_target():
    with pytest.raises(ValueError):
        follow(object())


def test_chunked_one_byte_at_a_time(fake_clock):
    server = FakeServer(
        TEXT_SSE,
        first=httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=Body(TEXT_SSE, size=1)
        ),
    )
    assert events_of(server, fake_clock) == EXPECTED_TEXT


def test_the_wait_for_headers_is_bounded_by_the_deadline_then_only_silence(fake_clock):
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["read"] = request.extensions["timeout"]["read"]
        return sse_response(TEXT_SSE)

    client = InteractionsClient(
        api_key="k", transport=httpx.MockTransport(handler), clock=fake_clock, timeout=2
    )
    with client:
        with client.stream_get(TEXT_ID, idle_timeout=60) as resp:
            assert seen["read"] == 2  # --timeout bounds the attempt, headers included
            assert resp.request.extensions["timeout"]["read"] == 60  # then --idle-timeout
        with client.stream_get(TEXT_ID, idle_timeout=1):
            assert seen["read"] == 1


# -- live-service streams: no event ids, `event: done`, store: false ------------------------

LIVE_ID = "v1_live"
LIVE_EVENTS = [
    {"event_type": "interaction.created", "interaction": {"id": LIVE_ID, "status": "in_progress"}},
    {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
    *(
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": f"w{i} "}}
        for i in range(4)
    ),
    {"event_type": "step.stop", "index": 0},
    {"event_type": "interaction.completed", "interaction": {"id": LIVE_ID, "status": "completed"}},
]


def live_sse(events: list[dict], done: bool = True) -> bytes:
    """Framed as the live service does (§13): no event_id, compact JSON, `event: done`."""
    out = b"".join(
        f"event: {e['event_type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n".encode()
        for e in events
    )
    return out + (b"event: done\ndata: [DONE]\n\n" if done else b"")


LIVE_SSE = live_sse(LIVE_EVENTS)


def boundaries(raw: bytes) -> list[int]:
    """The byte offsets just after each block."""
    ends, total = [], 0
    for block in blocks(raw):
        total += len(block)
        ends.append(total)
    return ends


def test_a_drop_at_every_event_boundary_without_event_ids(fake_clock):
    for cut in boundaries(LIVE_SSE)[:-2]:  # the last ones end the stream anyway
        server = FakeServer(LIVE_SSE, first=dropped(LIVE_SSE, cut))
        assert events_of(server, fake_clock) == LIVE_EVENTS, f"cut at byte {cut}"
        assert server.get_params() == [{"stream": "true"}], cut  # no cursor: from the start


def test_event_done_ends_the_stream_cleanly(fake_clock):
    server = FakeServer(LIVE_SSE)
    with client_for(server, fake_clock) as client:
        events = follow(client, body={"input": "hi"})
        assert list(events) == LIVE_EVENTS
    assert events.finished and not events.done_early and server.get_params() == []


def test_a_drop_of_an_unstored_stream_fails_at_once(fake_clock):
    unstored = [
        {"event_type": "interaction.created", "interaction": {"id": "", "status": "in_progress"}},
        *LIVE_EVENTS[1:3],
    ]
    raw = live_sse(unstored, done=False)
    server = FakeServer(raw, first=dropped(raw, len(raw)))
    with pytest.raises(NetworkError, match="store: false") as caught:
        events_of(server, fake_clock, body={"input": "hi", "store": False})
    assert caught.value.exit_code == 6
    assert server.get_params() == []


def test_a_replay_that_differs_ends_with_diverged(fake_clock):
    changed = [*LIVE_EVENTS[:3], {**LIVE_EVENTS[3], "delta": {"type": "text", "text": "X"}}]
    cut = boundaries(LIVE_SSE)[3]
    server = FakeServer(
        LIVE_SSE, first=dropped(LIVE_SSE, cut), gets=[sse_response(live_sse(changed))]
    )
    with client_for(server, fake_clock) as client:
        events = follow(client, body={"input": "hi"})
        assert list(events) == LIVE_EVENTS[:4]
    assert events.diverged and not events.finished


@pytest.mark.parametrize("inclusive", [True, False], ids=["inclusive", "ignores-cursor"])
def test_a_server_replaying_then_cutting_gives_up_without_repeats(fake_clock, inclusive):
    # 17.1: every re-attach replays (after E inclusively, or from the start), then cuts at the
    # same place: nothing is yielded twice, and the retries end (replays are not progress).
    cut = boundaries(TEXT_SSE)[2]

    def replay(request: httpx.Request) -> httpx.Response:
        last = request.url.params.get("last_event_id")
        start = TEXT_SSE.index(f'"event_id":"{last}"'.encode()) if inclusive and last else 0
        start = TEXT_SSE.rindex(b"event:", 0, start) if start else 0
        return dropped(TEXT_SSE[start:cut], cut)

    server = FakeServer(TEXT_SSE, first=dropped(TEXT_SSE, cut))
    server.gets = []
    seen: list[dict] = []
    with client_for(lambda r: server.first if r.method == "POST" else replay(r), fake_clock) as c:
        events = follow(c, body={"input": "hi"}, max_retries=2)
        with pytest.raises(NetworkError, match="without progress"):
            seen.extend(events)
    assert seen == EXPECTED_TEXT[: len(payloads(TEXT_SSE[:cut]))]


class Ticking(httpx.SyncByteStream):
    """`head`, then keep-alive comments forever, each one second later on the fake clock."""

    def __init__(self, clock: FakeClock, head: bytes = b"", line: bytes = b": keep-alive\n\n"):
        self.clock, self.head, self.line = clock, head, line

    def __iter__(self):
        yield self.head
        while True:
            self.clock.advance(1)
            yield self.line


# Comments, `retry:` lines and data that is not JSON (a proxy's `data: ping`) are no sign of life.
@pytest.mark.parametrize("line", [b": keep-alive\n\n", b"retry: 100\n\n", b"data: ping\n\n"])
def test_keep_alives_are_not_progress(fake_clock, line):
    head = live_sse(LIVE_EVENTS[:2], done=False)
    gets = [
        httpx.Response(200, headers=SSE_HEADERS, stream=Ticking(fake_clock, line=line))
        for _ in range(3)
    ]
    first = httpx.Response(200, headers=SSE_HEADERS, stream=Ticking(fake_clock, head, line))
    server = FakeServer(LIVE_SSE, first=first, gets=gets)
    with client_for(server, fake_clock) as client:
        events = follow(client, body={"input": "hi"}, idle_timeout=5, max_retries=2)
        with pytest.raises(NetworkError, match="no event for 5s"):
            list(events)
    assert len(server.get_params()) == 2


@pytest.mark.parametrize("line", [b": keep-alive\n\n", b"retry: 1000\n\n", b":"])
def test_the_deadline_holds_against_keep_alives_and_trickles(fake_clock, line):
    from gemini_cli.api.deadline import Deadline, DeadlineExceeded

    first = httpx.Response(200, headers=SSE_HEADERS, stream=Ticking(fake_clock, b"", line))
    server = FakeServer(LIVE_SSE, first=first)
    start = fake_clock.now
    with client_for(server, fake_clock) as client:
        events = follow(
            client, body={"input": "hi"}, idle_timeout=60, deadline=Deadline(3, fake_clock)
        )
        with pytest.raises(DeadlineExceeded):
            list(events)
    assert fake_clock.now - start == 3


def test_the_idle_hook_is_asked_instead_of_reattaching(fake_clock):
    asked = []
    quiet = httpx.Response(200, headers=SSE_HEADERS, stream=Ticking(fake_clock))
    server = FakeServer(LIVE_SSE, gets=[quiet])
    with client_for(server, fake_clock) as client:
        events = follow(
            client,
            interaction_id=LIVE_ID,
            idle_timeout=5,
            on_idle=lambda: asked.append(1) or len(asked) == 3,
        )
        assert list(events) == []
    assert events.stopped and len(asked) == 3 and server.get_params() == [{"stream": "true"}]


def test_on_batch_runs_once_per_network_read(fake_clock):
    batches = []
    server = FakeServer(TEXT_SSE, first=sse_response(TEXT_SSE, size=len(TEXT_SSE) // 2 + 1))
    with client_for(server, fake_clock) as client:
        events = follow(client, body={"input": "hi"}, on_batch=lambda: batches.append(1))
        assert list(events) == EXPECTED_TEXT
    assert len(batches) == 1  # the second read carried the terminal event: iteration ended


def test_a_blocked_read_is_cut_at_the_deadline_by_the_watchdog(scripted_server):
    # A real socket that stays silent after one event: only the watchdog can end the read.
    import time

    from gemini_cli.api.deadline import Deadline, DeadlineExceeded
    from gemini_cli.api.retry import Clock

    def silent():
        yield live_sse(LIVE_EVENTS[:1], done=False)
        scripted_server.stopping.wait(30)
        yield b""

    scripted_server.reply(200, headers=SSE_HEADERS, body=silent())
    clock = Clock()
    with InteractionsClient(api_key="k", base_url=scripted_server.url, clock=clock) as client:
        began = time.monotonic()
        events = follow(
            client, interaction_id=LIVE_ID, idle_timeout=30, deadline=Deadline(0.5, clock)
        )
        with pytest.raises(DeadlineExceeded):
            list(events)
    assert time.monotonic() - began < 5


def test_an_unreachable_server_on_reattach_is_not_retried_twice_over(fake_clock):
    # The client already made its usual retries: following must not multiply them.
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return dropped(TEXT_SSE, FIRST_BLOCK)
        raise httpx.ConnectError("connection refused")

    transport = httpx.MockTransport(handler)
    client = InteractionsClient(api_key="k", transport=transport, clock=fake_clock, max_retries=2)
    with client, pytest.raises(NetworkError, match="cannot reach") as caught:
        list(follow(client, body={"input": "hi"}, max_retries=2))
    assert caught.value.interaction_id == TEXT_ID
    assert len(fake_clock.sleeps) == 1 + 2  # one re-attach pause, then the client's 2 retries
