"""Hostile answers to create/get/cancel/delete: bounded memory, a real wall-clock deadline,
ids that cannot climb the URL path, and no key for an HTTP proxy (issue 17.2, .3, .7, .9)."""

from __future__ import annotations

import json
import socket
import time

import pytest

from gemini_cli.api.retry import Clock
from gemini_cli.api.wire import is_loopback
from tests.processes import JSON, body
from tests.scripted_server import ScriptedServer, endless

pytestmark = pytest.mark.usefixtures("api_key")


def gem(server: ScriptedServer, *args: str) -> list[str]:
    return [*args, "--base-url", server.url, "--max-retries", "0"]


# -- 17.2: the response cap ------------------------------------------------------------------


def test_an_endless_body_stops_at_the_cap(invoke, scripted_server):
    scripted_server.reply(200, headers=JSON, body=endless(b'{"a": "' + b"x" * 65536))
    result = invoke(gem(scripted_server, "get", "v1_x"), env={"GEM_MAX_RESPONSE_BYTES": "1M"})
    assert result.exit_code == 6
    assert result.stdout == ""
    assert "gem: error: the API's answer is larger than 1 MiB" in result.stderr
    assert "GEM_MAX_RESPONSE_BYTES" in result.stderr


def test_a_declared_length_over_the_cap_is_refused_before_reading(invoke, scripted_server):
    scripted_server.reply(200, headers={**JSON, "Content-Length": str(2**40)}, body=[b"{"])
    result = invoke(gem(scripted_server, "create", "hi"), env={"GEM_MAX_RESPONSE_BYTES": "64k"})
    assert result.exit_code == 6
    assert "larger than 64 KiB" in result.stderr


def test_an_endless_error_body_is_capped_too(invoke, scripted_server):
    scripted_server.reply(500, headers=JSON, body=endless(b"x" * 65536))
    result = invoke(gem(scripted_server, "delete", "v1_x"), env={"GEM_MAX_RESPONSE_BYTES": "1M"})
    assert result.exit_code == 6
    assert "larger than 1 MiB" in result.stderr


@pytest.mark.parametrize("value", ["0", "lots", "-5", "1T"])
def test_a_bad_cap_is_a_usage_error(invoke, scripted_server, value):
    result = invoke(gem(scripted_server, "get", "v1_x"), env={"GEM_MAX_RESPONSE_BYTES": value})
    assert result.exit_code == 2
    assert f"GEM_MAX_RESPONSE_BYTES={value!r}" in result.stderr
    assert scripted_server.requests == []


# -- 17.3: --timeout is a wall-clock bound ---------------------------------------------------

TRICKLE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n"
    b'{"id":"v1_x","a":1}\n'
)


@pytest.mark.parametrize("command", [["get", "v1_x"], ["create", "hi"], ["cancel", "v1_x"]])
def test_headers_trickled_a_byte_at_a_time_end_at_the_deadline(invoke, scripted_server, command):
    scripted_server.reply(raw=TRICKLE, chunk_size=1, delay=0.3)  # each read gets a byte: no
    began = time.monotonic()  # per-read timeout ever fires
    result = invoke([*gem(scripted_server, *command), "--timeout", "1"], clock=Clock())
    took = time.monotonic() - began
    assert result.exit_code == 6, result.stderr
    assert "gave up after the 1s deadline (--timeout)" in result.stderr
    assert took < 3.5  # the trickle alone would take 30 s


def test_a_trickled_body_ends_at_the_deadline(invoke, scripted_server):
    scripted_server.reply(200, headers=JSON, body=endless(b" "), delay=0.2)
    began = time.monotonic()
    result = invoke([*gem(scripted_server, "get", "v1_x"), "--timeout", "1"], clock=Clock())
    assert result.exit_code == 6
    assert "(--timeout)" in result.stderr
    assert time.monotonic() - began < 3.5


# -- 17.9: ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ident", [".", "..", "a\x00b", "a\x1b[2Jb"])
@pytest.mark.parametrize("command", ["get", "cancel", "delete", "poll"])
def test_a_user_id_that_would_climb_the_path_is_refused(invoke, scripted_server, ident, command):
    result = invoke(gem(scripted_server, command, ident))
    assert result.exit_code == 2, result.stderr
    assert "is not an interaction id" in result.stderr or "control character" in result.stderr
    assert "\x1b" not in result.stderr and "\x00" not in result.stderr
    assert scripted_server.requests == []


@pytest.mark.parametrize("ident", ["..", ".", "\\ud800", "x" * 1025])
def test_a_server_id_that_would_climb_the_path_is_a_protocol_error(invoke, scripted_server, ident):
    answer = b'{"id": "' + ident.encode() + b'", "status": "in_progress"}'
    scripted_server.reply(200, headers=JSON, body=answer)
    result = invoke(gem(scripted_server, "create", "--background", "hi"))
    assert result.exit_code == 6, result.stderr
    assert "protocol error: the API returned an unusable interaction id" in result.stderr
    assert [r.method for r in scripted_server.requests] == ["POST"]  # no follow-up to /v1


def test_a_slash_in_an_id_stays_inside_its_segment(invoke, scripted_server):
    scripted_server.reply(200, headers=JSON, body=body("a/b"))
    result = invoke(gem(scripted_server, "get", "a/../b"))
    assert result.exit_code == 0, result.stderr
    assert scripted_server.requests[0].path.startswith("/v1/interactions/a%2F..%2Fb?")


# -- 17.7: proxies and loopback ----------------------------------------------------------------


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
def test_the_key_never_goes_to_a_proxy_over_plain_http(
    invoke, scripted_server, monkeypatch, variable
):
    proxy = ScriptedServer().start()
    try:
        proxy.reply(200, headers=JSON, body=body())
        scripted_server.reply(200, headers=JSON, body=body())
        monkeypatch.setenv(variable, proxy.url)
        result = invoke(gem(scripted_server, "get", "v1_x"))
        assert result.exit_code == 0, result.stderr
        assert proxy.requests == []  # bypassed: the loopback server got the request directly
        assert scripted_server.requests[0].header("x-goog-api-key")
    finally:
        proxy.stop()


def test_a_localhost_name_counts_as_loopback_only_if_it_resolves_there(monkeypatch):
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "evil.localhost":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.9", 0))]
        if host == "gone.localhost":
            raise socket.gaierror("no such name")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert not is_loopback("evil.localhost")
    assert not is_loopback("gone.localhost")
    assert is_loopback("127.0.0.2") and is_loopback("[::1]")


def test_a_localhost_name_elsewhere_is_refused_before_the_key_is_read(invoke, monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.9", 0))],
    )
    result = invoke(["get", "v1_x", "--base-url", "http://evil.localhost:9"])
    assert result.exit_code == 2
    assert "refusing to send the API key over plain http:// to evil.localhost" in result.stderr


def test_a_streamed_id_that_would_climb_the_path_is_a_protocol_error(invoke, scripted_server):
    event = {"event_type": "interaction.created", "interaction": {"id": "..", "status": "x"}}
    sse = f"event: interaction.created\ndata: {json.dumps(event)}\n\n".encode()
    scripted_server.reply(200, headers={"Content-Type": "text/event-stream"}, body=sse)
    result = invoke([*gem(scripted_server, "stream", "hi"), "--no-log"])
    assert result.exit_code == 6, result.stderr
    assert "protocol error: the API returned an unusable interaction id" in result.stderr
    assert [r.method for r in scripted_server.requests] == ["POST"]  # never re-attached to /v1
