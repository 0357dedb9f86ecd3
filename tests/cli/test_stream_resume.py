"""`gem stream` against live-service streams: drops without event ids, replays, deadlines."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.stream_fakes import SSE_HEADERS, blocks, dropped, sse_response

# Every test here talks to the respx `api` router with a key configured.
pytestmark = pytest.mark.usefixtures("api_key")

IID = "v1_live"
WORDS = [f"w{i} " for i in range(4)]
EVENTS = [
    {"event_type": "interaction.created", "interaction": {"id": IID, "status": "in_progress"}},
    {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
    *(
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": w}}
        for w in WORDS
    ),
    {"event_type": "step.stop", "index": 0},
    {"event_type": "interaction.completed", "interaction": {"id": IID, "status": "completed"}},
]
STORED = {
    "id": IID,
    "object": "interaction",
    "status": "completed",
    "steps": [{"type": "model_output", "content": [{"type": "text", "text": "".join(WORDS)}]}],
}


def live(events: list[dict], done: bool = True) -> bytes:
    """Framed as the live service does (§13): no event_id, compact JSON, `event: done`."""
    out = b"".join(
        f"event: {e['event_type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n".encode()
        for e in events
    )
    return out + (b"event: done\ndata: [DONE]\n\n" if done else b"")


RAW = live(EVENTS)
CUTS = [sum(len(b) for b in blocks(RAW)[: n + 1]) for n in range(len(EVENTS) - 1)]


@pytest.fixture
def server(api):
    """POST: the test's first response; GET ?stream=true: the test's `replays` (else RAW in
    full, the live service replaying from the start); plain GET: STORED."""

    class Server:
        first: httpx.Response = sse_response(RAW)
        replays: list[httpx.Response] = []
        stored = STORED

        def get(self, request: httpx.Request) -> httpx.Response:
            if request.url.params.get("stream") == "true":
                assert "last_event_id" not in request.url.params  # nothing to hold on to
                return self.replays.pop(0) if self.replays else sse_response(RAW)
            return httpx.Response(200, json=self.stored)

    state = Server()
    api.post("/interactions").mock(side_effect=lambda request: state.first)
    state.route = api.get(f"/interactions/{IID}").mock(side_effect=state.get)
    return state


@pytest.mark.parametrize("cut", CUTS, ids=[f"after-{n}" for n in range(len(CUTS))])
@pytest.mark.parametrize("fmt", ["text", "ndjson"])
def test_a_drop_at_every_event_boundary_gives_identical_output(invoke, server, cut, fmt):
    whole = invoke(["stream", "--format", fmt, "hi"])
    server.first = dropped(RAW, cut)
    result = invoke(["stream", "--format", fmt, "hi"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == whole.stdout
    assert "re-attaching" in result.stderr or fmt != "text"


def test_no_store_answers_exit_by_status_in_every_format(invoke, server):
    unstored = [
        {**e, "interaction": {**e["interaction"], "id": ""}} if "interaction" in e else e
        for e in EVENTS
    ]
    for fmt, expected in [("text", "".join(WORDS).rstrip() + " \n"), ("ndjson", None)]:
        server.first = sse_response(live(unstored))
        result = invoke(["stream", "--no-store", "--format", fmt, "hi"])
        assert result.exit_code == 0, result.stderr
        if expected:
            assert result.stdout == expected


def test_a_drop_of_a_no_store_stream_is_a_clear_error(invoke, server):
    unstored = [{**EVENTS[0], "interaction": {"id": "", "status": "in_progress"}}, *EVENTS[1:4]]
    raw = live(unstored, done=False)
    server.first = dropped(raw, len(raw))
    result = invoke(["stream", "--no-store", "hi"])
    assert result.exit_code == 6
    assert "store: false" in result.stderr and "Traceback" not in result.stderr
    assert server.route.call_count == 0


@pytest.mark.parametrize("fmt", ["text", "ndjson"])
def test_a_server_replaying_then_cutting_repeats_nothing_and_gives_up(invoke, server, fmt):
    # 17.1: each re-attach replays what was seen, then cuts at the same place.
    server.first = dropped(RAW, CUTS[3])
    server.replays = [dropped(RAW, CUTS[3]) for _ in range(10)]
    result = invoke(["stream", "--max-retries", "2", "--format", fmt, "hi"])
    assert result.exit_code == 6
    assert server.route.call_count == 2  # bounded by --max-retries: replays are no progress
    if fmt == "text":
        assert result.stdout == "w0 w1 "
    else:
        assert len(result.stdout.splitlines()) == 4
    assert f"gem stream --attach {IID}" in result.stderr


def test_a_different_replay_is_completed_from_the_stored_answer(invoke, server):
    server.first = dropped(RAW, CUTS[3])  # printed "w0 w1 "
    other = [*EVENTS[:2], {**EVENTS[2], "delta": {"type": "text", "text": "W0 "}}]
    server.replays = [sse_response(live(other, done=False))]
    result = invoke(["stream", "hi"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "w0 w1 w2 w3 \n"


def test_a_different_replay_and_a_different_answer_fail_with_the_id(invoke, server):
    server.first = dropped(RAW, CUTS[3])
    other = [*EVENTS[:2], {**EVENTS[2], "delta": {"type": "text", "text": "W0 "}}]
    server.replays = [sse_response(live(other, done=False))]
    server.stored = {
        **STORED,
        "steps": [{"type": "model_output", "content": [{"type": "text", "text": "Other"}]}],
    }
    result = invoke(["stream", "hi"])
    assert result.exit_code == 6
    assert result.stdout == "w0 w1 "
    assert f"gem get {IID}" in result.stderr


def test_a_different_replay_cannot_complete_an_event_log(invoke, server):
    server.first = dropped(RAW, CUTS[3])
    other = [*EVENTS[:2], {**EVENTS[2], "delta": {"type": "text", "text": "W0 "}}]
    server.replays = [sse_response(live(other, done=False))]
    result = invoke(["stream", "--format", "ndjson", "hi"])
    assert result.exit_code == 6
    assert len(result.stdout.splitlines()) == 4


class KeepAlives(httpx.SyncByteStream):
    def __init__(self, clock, head: bytes) -> None:
        self.clock, self.head = clock, head

    def __iter__(self):
        yield self.head
        while True:
            self.clock.advance(1)
            yield b": keep-alive\n\n"


def test_the_timeout_bounds_a_stream_of_keep_alives(invoke, server, fake_clock):
    server.first = httpx.Response(
        200, headers=SSE_HEADERS, stream=KeepAlives(fake_clock, live(EVENTS[:3], done=False))
    )
    start = fake_clock.now
    result = invoke(["stream", "--timeout", "3", "--idle-timeout", "60", "hi"])
    assert result.exit_code == 8, result.stderr
    assert fake_clock.now - start == pytest.approx(3)
    assert result.stdout == "w0 "
    assert f"gem stream --attach {IID}" in result.stderr


def test_the_idle_timeout_counts_only_events(invoke, server, fake_clock):
    server.first = httpx.Response(
        200, headers=SSE_HEADERS, stream=KeepAlives(fake_clock, live(EVENTS[:3], done=False))
    )
    server.replays = [
        httpx.Response(
            200, headers=SSE_HEADERS, stream=KeepAlives(fake_clock, live(EVENTS[:3], done=False))
        )
        for _ in range(3)
    ]
    result = invoke(["stream", "--idle-timeout", "5", "--max-retries", "1", "hi"])
    assert result.exit_code == 6
    assert "no event for 5s" in result.stderr


@pytest.mark.parametrize("value", ["notez.md", "dir/notes"])
def test_attach_that_looks_like_a_file_is_a_file(invoke, api, value):
    result = invoke(["stream", "-a", value])
    assert result.exit_code == 2
    assert "no such file" in result.stderr.lower() or "not found" in result.stderr.lower()


def test_attach_with_a_prompt_is_a_file(invoke, api):
    result = invoke(["stream", "-a", "v1_abc", "summarise"])
    assert result.exit_code == 2


@pytest.mark.e2e
@pytest.mark.parametrize(("stdin", "code"), [(b"hi", 2), (None, 3)])
def test_attach_with_piped_stdin_is_a_file(tmp_path, stdin, code):
    """`echo hi | gem stream -a v1_abc`: with input piped in, -a is a file to send ("no such
    file", exit 2); with nothing on stdin (/dev/null) a lone -a is an id to re-attach to (the
    emulator answers 404: exit 3)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEM_", "GEMINI_"))}
    env.update(GEM_BASE_URL="emulator:", XDG_STATE_HOME=str(tmp_path), HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "gemini_cli", "stream", "-a", "v1_abc"],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == code, done.stderr
    assert (b"no such file" in done.stderr) == (code == 2)


@pytest.mark.parametrize("command", ["stream", "create"])
def test_agent_implies_background(invoke, api_key, command):
    result = invoke([command, "--dry-run", "--agent", "deep-research-preview-04-2026", "hi"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["background"] is True


class Endless(httpx.SyncByteStream):
    def __iter__(self):
        yield b"data: "
        while True:
            yield b"x" * 65536


def test_an_endless_sse_line_ends_with_a_protocol_error(invoke, server):
    server.first = httpx.Response(200, headers=SSE_HEADERS, stream=Endless())
    result = invoke(["stream", "hi"], env={"GEM_MAX_SSE_EVENT_BYTES": "1M"})
    assert result.exit_code == 6
    assert "protocol error" in result.stderr and "GEM_MAX_SSE_EVENT_BYTES" in result.stderr
    assert server.route.call_count == 0  # a replay would send the same event: no re-attach
