"""The scripted server itself: byte-exact replies, trickles, cuts, endless bodies, records."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.scripted_server import Reply, ScriptedServer, endless


def raw_exchange(server: ScriptedServer, request: bytes, limit: int = 1 << 20) -> bytes:
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), 5) as sock:
        sock.sendall(request)
        got = b""
        while len(got) < limit:
            piece = sock.recv(65536)
            if not piece:
                break
            got += piece
        return got


def test_bytes_body_is_sent_exactly_with_a_content_length(scripted_server: ScriptedServer) -> None:
    scripted_server.json(201, b'{"a": 1}')
    got = raw_exchange(
        scripted_server,
        b"POST /x?y=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc",
    )
    head, _, body = got.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201 Created\r\n")
    assert b"Content-Length: 8" in head
    assert body == b'{"a": 1}'
    (request,) = scripted_server.requests
    assert (request.method, request.path, request.body) == ("POST", "/x?y=1", b"abc")
    assert request.header("HOST") == "h"


def test_a_cut_bytes_body_is_a_protocol_error(scripted_server: ScriptedServer) -> None:
    scripted_server.reply(200, body=b"abcdef", close_after=3)
    with (
        httpx.Client(base_url=scripted_server.url) as client,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        client.get("/")


def test_chunks_close_after_and_raw(scripted_server: ScriptedServer) -> None:
    scripted_server.reply(200, body=[b"ab", b"cd", b"ef"], close_after=3)
    scripted_server.reply(raw=b"HTTP/1.1 204 No\r\n\r\n", chunk_size=1)
    with httpx.Client(base_url=scripted_server.url) as client:
        assert client.get("/a").content == b"abc"
        assert client.get("/b").status_code == 204


def test_queue_repeats_last_then_handler(scripted_server: ScriptedServer) -> None:
    scripted_server.reply(200, body=b"one")
    with httpx.Client(base_url=scripted_server.url) as client:
        assert [client.get("/").text for _ in range(2)] == ["one", "one"]
        scripted_server.handler = lambda r: Reply(200, body=r.path.encode())
        assert client.get("/p").text == "/p"


def test_endless_and_delayed_replies_end_on_stop() -> None:
    server = ScriptedServer().start()
    server.reply(200, body=endless(b"x" * 1024))
    with httpx.Client(base_url=server.url) as client, client.stream("GET", "/") as resp:
        got = 0
        for chunk in resp.iter_bytes():
            got += len(chunk)
            if got > 1 << 20:
                break
    server.reply(200, body=[b"late"], delay=30)
    began = time.monotonic()
    with httpx.Client(base_url=server.url, timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/")
    server.stop()
    assert time.monotonic() - began < 5
    assert got > 1 << 20
