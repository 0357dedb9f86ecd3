"""The loopback server under hostile or careless clients: limits, refusals, no tracebacks."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gemini_cli.emulator import start_background

KEY = {"x-goog-api-key": "k"}
CREATE = {"model": "m", "input": "x"}


def raw_exchange(url: str, request: bytes, timeout: float = 5) -> bytes:
    """Send raw bytes, read until the server closes (or the status line and headers arrive)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return received


def wait_idle(server: Any, seconds: float = 5) -> None:
    """Until every handler thread has finished (what it would print, it has printed)."""
    deadline = time.monotonic() + seconds
    while server.server.active_handlers and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.server.active_handlers == 0


@pytest.fixture
def quiet_server(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """A server whose stderr output is checked to be empty once its handlers are done."""
    with start_background(work_seconds=0.6) as handle:
        yield handle
        wait_idle(handle)
    assert capsys.readouterr().err == ""


def test_a_text_plain_body_is_refused(quiet_server) -> None:
    reply = httpx.post(
        f"{quiet_server.url}/v1/interactions",
        content=b'{"model": "m", "input": "x"}',
        headers={**KEY, "content-type": "text/plain"},
    )
    assert reply.status_code == 415 and "application/json" in reply.json()["error"]["message"]


def test_the_key_must_be_in_a_header(quiet_server) -> None:
    reply = httpx.post(f"{quiet_server.url}/v1/interactions?key=k", json=CREATE)
    assert reply.status_code == 401 and "x-goog-api-key" in reply.json()["error"]["message"]
    with_header = httpx.post(f"{quiet_server.url}/v1/interactions", json=CREATE, headers=KEY)
    assert with_header.status_code == 200


def test_an_oversized_body_is_413_without_reading_it(quiet_server) -> None:
    head = (
        b"POST /v1/interactions HTTP/1.1\r\nhost: x\r\nx-goog-api-key: k\r\n"
        b"content-type: application/json\r\ncontent-length: 40000000\r\n\r\n"
    )
    reply = raw_exchange(quiet_server.url, head)
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in reply.lower()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (b"content-length: abc\r\n", b"400"),
        (b"content-length: -5\r\n", b"400"),
        (b"transfer-encoding: chunked\r\n", b"411"),
    ],
)
def test_a_bad_body_framing_is_refused(quiet_server, headers: bytes, status: bytes) -> None:
    request = b"POST /v1/interactions HTTP/1.1\r\nhost: x\r\nx-goog-api-key: k\r\n" + headers
    reply = raw_exchange(quiet_server.url, request + b"\r\n")
    assert reply.startswith(b"HTTP/1.1 " + status)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,  # a TLS hello
        b"GET\r\n\r\n",
        b"GET /v1/interactions/x HTTP/1.1\r\n" + b"x-long: " + b"a" * 70000 + b"\r\n\r\n",
        b"POST /v1/interactions HTTP/1.1\r\ncontent-length: 10\r\n\r\n{",  # then hangs up
    ],
)
def test_malformed_requests_and_early_hang_ups_leave_no_traceback(
    quiet_server, garbage: bytes
) -> None:
    host, port = quiet_server.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(garbage)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass
    reply = httpx.post(f"{quiet_server.url}/v1/interactions", json=CREATE, headers=KEY)
    assert reply.status_code == 200  # still serving


def test_a_client_leaving_mid_stream_leaves_no_traceback(quiet_server) -> None:
    body = {"model": "m", "input": "x", "background": True, "stream": True}
    with httpx.Client(base_url=quiet_server.url, headers=KEY, timeout=5) as http:
        with http.stream("POST", "/v1/interactions", json=body) as reply:
            first = next(reply.iter_raw())
        assert first.startswith(b"event: interaction.created")
    # Nobody reads the rest: the server's next writes (0.6 s of paced events) hit a closed
    # socket; the fixture waits for the handler to end and checks stderr.


def test_a_client_timing_out_during_a_stall_leaves_no_traceback(quiet_server) -> None:
    headers = {**KEY, "x-gem-emulator-fault": "stall:0.3;key=leave"}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{quiet_server.url}/v1/interactions", json=CREATE, headers=headers, timeout=0.05
        )


def test_connections_beyond_the_limit_get_a_503(capsys: pytest.CaptureFixture[str]) -> None:
    with start_background(max_handlers=2) as server:
        host, port = server.url.removeprefix("http://").rsplit(":", 1)
        idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(2)]
        time.sleep(0.2)  # both accepted, each holding a handler thread
        refused = httpx.post(f"{server.url}/v1/interactions", json=CREATE, headers=KEY)
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        for sock in idle:
            sock.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the handlers notice the hang-ups and free slots
            reply = httpx.post(f"{server.url}/v1/interactions", json=CREATE, headers=KEY)
            if reply.status_code == 200:
                break
            time.sleep(0.05)
        assert reply.status_code == 200
    assert capsys.readouterr().err == ""


def test_an_idle_connection_is_closed_after_the_idle_limit() -> None:
    with start_background() as server:
        server.server.idle_seconds = 0.2
        host, port = server.url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b"GET /v1/inter")  # a request trickled, then nothing
            began = time.monotonic()
            assert sock.recv(100) == b""  # closed by the server
        assert time.monotonic() - began < 3


def test_an_upload_chunk_is_not_held_to_the_json_rule(quiet_server) -> None:
    # x-goog-upload-* headers, like a JSON body, need a CORS preflight from a web page.
    reply = httpx.post(
        f"{quiet_server.url}/upload/v1beta/files?upload_id=nope",
        content=b"\x00\x01binary",
        headers={
            **KEY,
            "content-type": "application/octet-stream",
            "x-goog-upload-command": "upload, finalize",
            "x-goog-upload-offset": "0",
        },
    )
    assert reply.status_code != 415


def test_an_ipv6_loopback_host_works() -> None:
    try:
        handle = start_background(host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with handle as server:
        assert server.url.startswith("http://[::1]:")
        reply = httpx.post(f"{server.url}/v1/interactions", json=CREATE, headers=KEY)
        assert reply.status_code == 200


def test_an_empty_bearer_token_is_no_key(quiet_server) -> None:
    for value in (b"Bearer ", b"Bearer", b"bearer   "):  # httpx will not send these
        reply = raw_exchange(
            quiet_server.url,
            b"GET /v1/interactions/x HTTP/1.1\r\nHost: h\r\nAuthorization: "
            + value
            + b"\r\nConnection: close\r\n\r\n",
        )
        assert reply.startswith(b"HTTP/1.1 401"), value
    token = httpx.get(
        f"{quiet_server.url}/v1/interactions/x", headers={"authorization": "Bearer t"}
    )
    assert token.status_code == 404  # past the key check


def test_a_burst_of_connections_is_queued_not_dropped(quiet_server) -> None:
    """Forty clients connecting at once (below the handler limit) all get in at once: with
    socketserver's backlog of 5 the seventh waited out a 1 s SYN retransmit."""
    host, port = quiet_server.url.removeprefix("http://").rsplit(":", 1)
    burst = []
    try:
        for _ in range(40):
            burst.append(socket.create_connection((host, int(port)), timeout=0.5))
    finally:
        for sock in burst:
            sock.close()
    assert len(burst) == 40
