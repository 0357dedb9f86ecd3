"""The emulator over real loopback sockets, driven with httpx, including every fault."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gemini_cli.emulator import FaultSpecError, start_background
from gemini_cli.emulator.faults import HEADER, MALFORMED_CHUNK

from .conftest import events_only, parse_sse, stream_text

KEY = {"x-goog-api-key": "test-key"}
REPO = Path(__file__).resolve().parents[2]


def client(server, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={**KEY, **headers}, timeout=10)


def test_binds_loopback_on_a_free_port(server) -> None:
    assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")


def test_missing_api_key_is_401(server) -> None:
    reply = httpx.post(f"{server.url}/v1beta/interactions", json={"model": "m", "input": "x"})
    assert reply.status_code == 401
    assert reply.json()["error"] == {
        "code": 401,
        "status": "UNAUTHENTICATED",
        "message": reply.json()["error"]["message"],
    }


def test_create_get_cancel_delete(server) -> None:
    with client(server) as http:
        created = http.post("/v1/interactions", json={"model": "m", "input": "hi"}).json()
        assert created["steps"][-1]["content"][0]["text"] == "Echo: hi (turn 1)"
        got = http.get(f"/v1/interactions/{created['id']}", params={"stream": "false"})
        assert got.headers["content-type"].startswith("application/json")
        assert got.json()["steps"][0]["type"] == "user_input"
        cancel = http.post(f"/v1/interactions/{created['id']}/cancel")
        assert cancel.json()["status"] == "completed"
        assert http.delete(f"/v1/interactions/{created['id']}").json() == {}
        assert http.get(f"/v1/interactions/{created['id']}").status_code == 404


def test_invalid_body_is_400(server, flavor: str) -> None:
    with client(server) as http:
        reply = http.post(
            "/v1/interactions", content=b"nope", headers={"content-type": "application/json"}
        )
    assert reply.status_code == 400
    expected = {"live": {"code": "invalid_request"}, "sdk": {"status": "INVALID_ARGUMENT"}}
    assert expected[flavor].items() <= reply.json()["error"].items()


def test_live_errors_on_400_have_a_string_code_message_first(live_server) -> None:
    with client(live_server) as http:
        reply = http.post("/v1/interactions", json={"model": "m", "input": {"type": "sticker"}})
    assert reply.status_code == 400
    assert list(reply.json()["error"]) == ["message", "code"]
    assert reply.json()["error"]["code"] == "invalid_request"
    assert b"\n" not in reply.content and b'": ' not in reply.content  # compact, one line


def test_sse_framing_is_byte_exact(sdk_server) -> None:
    server = sdk_server
    with client(server) as http:
        reply = http.post(
            "/v1beta/interactions", json={"model": "m", "input": "1 2 3 4 5 6", "stream": True}
        )
    assert reply.headers["content-type"] == "text/event-stream"
    raw = reply.content
    assert raw.startswith(b"event: interaction.created\ndata: {")
    assert raw.endswith(
        b'"event_type":"interaction.completed","event_id":"v1_'
        + raw.split(b'"event_id":"v1_')[-1].split(b'"')[0]
        + b'"}\n\ndata: [DONE]\n\n'
    )
    for block in raw.split(b"\n\n")[:-2]:
        data = block.split(b"\ndata: ", 1)[1]
        compact = json.dumps(json.loads(data), separators=(",", ":"), ensure_ascii=False)
        assert compact.encode() == data
    assert stream_text(events_only(parse_sse(raw))) == "Echo: 1 2 3 4 5 6 (turn 1)"


def test_background_stream_arrives_live() -> None:
    with start_background(work_seconds=0.3) as server, client(server) as http:
        began = time.monotonic()
        body = {
            "model": "m",
            "input": "x",
            "background": True,
            "stream": True,
            "generation_config": {"thinking_summaries": "auto"},
        }
        with http.stream("POST", "/v1/interactions", json=body) as reply:
            raw = b"".join(reply.iter_bytes())
        assert time.monotonic() - began >= 0.25
    events = events_only(parse_sse(raw))
    assert events[-1]["interaction"]["status"] == "completed"


@pytest.mark.parametrize("status", [429, 503])
def test_status_fault_n_times_then_success(server, status: int) -> None:
    with client(server, **{HEADER: f"{status}:2;key=status-{status}"}) as http:
        replies = [
            http.post("/v1/interactions", json={"model": "m", "input": "x"}) for _ in range(3)
        ]
    assert [r.status_code for r in replies] == [status, status, 200]
    assert replies[0].headers["retry-after"] == "1"
    assert replies[0].headers["retry-after-ms"] == "50"
    assert replies[0].json()["error"]["code"] == status


def test_header_counters_are_keyed_by_value(server) -> None:
    with client(server) as http:

        def post(value: str) -> int:
            reply = http.post(
                "/v1/interactions", json={"model": "m", "input": "x"}, headers={HEADER: value}
            )
            return reply.status_code

        assert [post("429:1;key=a"), post("429:1;key=b"), post("429:1;key=a")] == [429, 429, 200]


def test_server_wide_fault_scoped_to_an_operation() -> None:
    with start_background(faults=["503:1@get"]) as server, client(server) as http:
        created = http.post("/v1/interactions", json={"model": "m", "input": "x"})
        assert created.status_code == 200
        path = f"/v1/interactions/{created.json()['id']}"
        assert [http.get(path).status_code for _ in range(2)] == [503, 200]


def test_502_html_is_not_json(server) -> None:
    with client(server, **{HEADER: "502-html:1;key=html"}) as http:
        first = http.post("/v1/interactions", json={"model": "m", "input": "x"})
        second = http.post("/v1/interactions", json={"model": "m", "input": "x"})
    assert first.status_code == 502 and first.headers["content-type"].startswith("text/html")
    assert first.text.startswith("<html>")
    assert second.status_code == 200


def test_stall_delays_the_first_byte_once(server) -> None:
    stalls: list[float] = []

    def recording_sleep(seconds: float) -> None:
        stalls.append(seconds)
        time.sleep(seconds)

    server.server.stall_sleep = recording_sleep
    with client(server, **{HEADER: "stall:0.3;key=stall"}) as http:
        began = time.monotonic()
        assert http.post("/v1/interactions", json={"model": "m", "input": "x"}).status_code == 200
        assert time.monotonic() - began >= 0.3
        assert http.post("/v1/interactions", json={"model": "m", "input": "x"}).status_code == 200
    assert stalls == [0.3]


def test_live_stream_framing_has_no_event_ids_and_ends_with_event_done(live_server) -> None:
    with client(live_server) as http:
        raw = http.post(
            "/v1beta/interactions", json={"model": "m", "input": "1 2 3 4 5 6", "stream": True}
        ).content
    assert raw.startswith(b"event: interaction.created\ndata: {")
    assert raw.endswith(b'"event_type":"interaction.completed"}\n\nevent: done\ndata: [DONE]\n\n')
    assert b"event_id" not in raw
    assert stream_text(events_only(parse_sse(raw))) == "Echo: 1 2 3 4 5 6 (turn 1)"


def test_live_drop_then_reattach_without_a_cursor_replays_from_the_start(live_server) -> None:
    body = {"model": "m", "input": "a b c d e f g h i j k l", "stream": True}
    seen: list[bytes] = []
    with client(live_server, **{HEADER: "drop:5;key=live-drop"}) as http:
        with pytest.raises(httpx.RemoteProtocolError):  # noqa: SIM117 - the error is mid-stream
            with http.stream("POST", "/v1/interactions", json=body) as reply:
                seen.extend(reply.iter_bytes())
        head = events_only(parse_sse(b"".join(seen)))
        path = f"/v1/interactions/{head[0]['interaction']['id']}"
        whole = events_only(parse_sse(http.get(path, params={"stream": "true"}).content))
        ignored = http.get(path, params={"stream": "true", "last_event_id": "v1_anything"})
    assert len(head) == 5 and whole[:5] == head  # the replay starts where the first run did
    assert stream_text(whole) == "Echo: a b c d e f g h i j k l (turn 1)"
    assert events_only(parse_sse(ignored.content)) == whole  # no cursor to honour


def test_drop_cuts_the_stream_and_reattach_resumes(sdk_server) -> None:
    server = sdk_server
    body = {"model": "m", "input": "a b c d e f g h i j k l", "stream": True}
    seen: list[bytes] = []
    with client(server, **{HEADER: "drop:7;key=drop"}) as http:
        with pytest.raises(httpx.RemoteProtocolError):  # noqa: SIM117 - the error is mid-stream
            with http.stream("POST", "/v1/interactions", json=body) as reply:
                for chunk in reply.iter_bytes():
                    seen.append(chunk)
        head = events_only(parse_sse(b"".join(seen)))
        assert len(head) == 7
        last_id = [e["event_id"] for e in head if "event_id" in e][-1]
        path = f"/v1/interactions/{head[0]['interaction']['id']}"
        tail = http.get(path, params={"stream": "true", "last_event_id": last_id})
    position = [e.get("event_id") for e in head].index(last_id)
    events = head[: position + 1] + events_only(parse_sse(tail.content))
    assert stream_text(events) == "Echo: a b c d e f g h i j k l (turn 1)"
    assert events[-1]["event_type"] == "interaction.completed"


def test_malformed_sse_line_then_the_stream_continues(server) -> None:
    with client(server, **{HEADER: "malformed-sse:2;key=bad"}) as http:
        raw = http.post(
            "/v1/interactions", json={"model": "m", "input": "x", "stream": True}
        ).content
    assert MALFORMED_CHUNK in raw
    before, after = raw.split(MALFORMED_CHUNK)
    assert len(events_only(parse_sse(before))) == 2
    assert after.endswith(b"data: [DONE]\n\n") and b"interaction.completed" in after


def test_bad_fault_spec_is_refused() -> None:
    with pytest.raises(FaultSpecError):
        start_background(faults=["teapot:1"])


def _serve_process(tmp_path: Path) -> subprocess.Popen[str]:
    code = (
        "import sys; from gemini_cli.emulator import serve; "
        f"sys.exit(serve(url_file={str(tmp_path / 'url')!r}))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.e2e
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_serve_prints_url_first_and_stops_cleanly(tmp_path: Path, sig: int, code: int) -> None:
    process = _serve_process(tmp_path)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert (tmp_path / "url").read_text().strip() == url
        reply = httpx.post(f"{url}/v1/interactions", json={"model": "m", "input": "x"}, headers=KEY)
        assert reply.status_code == 200
        process.send_signal(sig)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill() if process.poll() is None else None
    assert process.returncode == code
    assert "Traceback" not in err


def test_a_bad_fault_header_is_a_400_naming_it(server) -> None:
    with client(server, **{HEADER: "stall:x;key=bad"}) as http:
        reply = http.post("/v1/interactions", json={"model": "m", "input": "x"})
    with client(server) as http:
        after = http.post("/v1/interactions", json={"model": "m", "input": "x"})
    assert reply.status_code == 400
    assert "stall:x" in reply.json()["error"]["message"]
    assert after.status_code == 200  # the server is fine


def test_the_stall_is_bounded_by_the_client_timeout(server) -> None:
    # `gem stream --timeout` bounds the wait for headers: the stall ends in a ReadTimeout.
    from gemini_cli.api.client import InteractionsClient
    from gemini_cli.api.errors import TimeoutError_

    api = InteractionsClient(
        api_key="k",
        base_url=server.url,
        timeout=0.3,
        max_retries=0,
        extra_headers={HEADER: "stall:3@create;key=bounded"},
    )
    started = time.monotonic()
    with (
        api,
        pytest.raises(TimeoutError_),
        api.stream_create({"model": "m", "input": "x"}, idle_timeout=60),
    ):
        pass
    assert time.monotonic() - started < 2
