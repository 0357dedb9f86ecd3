"""Real processes against a hostile loopback server: --timeout is a wall-clock bound while
waiting or streaming, an unreachable server ends a wait, SIGTERM ends a stream like Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.scripted_server import Reply, Request, ScriptedServer

pytestmark = pytest.mark.e2e

IID = "v1_quiet"
RUNNING = json.dumps({"id": IID, "object": "interaction", "status": "in_progress"}).encode()
SSE = {"Content-Type": "text/event-stream"}
CREATED = b'event: interaction.created\ndata: {"event_type":"interaction.created","interaction":{"id":"v1_quiet","status":"in_progress"}}\n\n'
DELTA = b'event: step.delta\ndata: {"event_type":"step.delta","index":0,"delta":{"type":"text","text":"Hello"}}\n\n'


def gem(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gemini_cli", "--base-url", url, *args],
        env={**os.environ, "GEMINI_API_KEY": "e2e-key"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def keep_alives(server: ScriptedServer, head: bytes = b"") -> Iterator[bytes]:
    yield head
    while not server.stopping.wait(0.2):
        yield b": keep-alive\n\n"


def silent(server: ScriptedServer, head: bytes) -> Iterator[bytes]:
    yield head
    server.stopping.wait(60)
    yield b""


def quiet_interaction(server: ScriptedServer, body) -> None:
    def handle(request: Request) -> Reply:
        if "stream=true" in request.path:
            return Reply(200, headers=SSE, body=body(server))
        return Reply(200, headers={"Content-Type": "application/json"}, body=RUNNING)

    server.handler = handle


@pytest.mark.parametrize("command", ["poll", "research"])
def test_keep_alives_do_not_outrun_the_timeout(scripted_server, command):
    quiet_interaction(scripted_server, keep_alives)
    args = ["poll", IID] if command == "poll" else ["research", "q"]
    began = time.monotonic()
    proc = gem(scripted_server.url, *args, "--timeout", "3")
    out, err = proc.communicate(timeout=30)
    took = time.monotonic() - began
    assert proc.returncode == 8, err
    assert out == f"{IID}\n"
    assert 2.5 < took < 8, took


def test_a_silent_socket_cannot_outrun_the_timeout(scripted_server):
    quiet_interaction(scripted_server, lambda s: silent(s, CREATED))
    began = time.monotonic()
    proc = gem(scripted_server.url, "stream", "--follow", IID, "--timeout", "2")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 8, err
    assert f"gem stream --attach {IID}" in err
    assert time.monotonic() - began < 8


@pytest.mark.parametrize("command", [["poll", IID], ["stream", "--follow", IID]])
def test_an_unreachable_server_ends_the_wait_after_the_usual_retries(command):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    began = time.monotonic()
    proc = gem(f"http://127.0.0.1:{port}", *command, "--max-retries", "1")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 6, err
    assert "cannot reach" in err and "Traceback" not in err
    assert err.count("\n") <= 2  # one retry note at most, then the error: no second round
    assert time.monotonic() - began < 4  # one request's retry (0.5 s), not three checks' worth


def test_sigterm_ends_a_stream_like_ctrl_c(scripted_server):
    quiet_interaction(scripted_server, lambda s: keep_alives(s, CREATED + DELTA))
    proc = gem(scripted_server.url, "stream", "--follow", IID)
    assert proc.stdout is not None
    assert proc.stdout.read(5) == "Hello"  # streaming now
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert f"gem stream --attach {IID}" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["stream", "hi"], ["poll", IID]])
def test_trickled_headers_end_at_the_timeout_as_given(scripted_server, command):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99\r\n\r\n"
    scripted_server.reply(raw=head, delay=0.5, chunk_size=1)
    began = time.monotonic()
    proc = gem(scripted_server.url, *command, "--timeout", "2")
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - began < 6
    if command[0] == "stream":  # nothing arrived: no id to come back with
        assert (proc.returncode, err) == (
            6,
            "gem: error: gave up after the 2s deadline (--timeout)\n",
        )
    else:
        assert (proc.returncode, out) == (8, f"{IID}\n")
        assert "gave no status after 2s (--timeout)" in err and "retrying" not in err


def test_sigterm_during_a_tool_round_names_the_waiting_turn(scripted_server, tmp_path):
    from pathlib import Path

    live = Path(__file__).resolve().parent.parent / "fixtures" / "live"
    scripted_server.reply(
        200, headers=SSE, body=(live / "stream-function-call-fragments.sse").read_bytes()
    )
    started = tmp_path / "started"
    tool = tmp_path / "tool.sh"
    tool.write_text(f"#!/bin/sh\ntouch {started}\nexec sleep 30\n")
    tool.chmod(0o755)
    proc = gem(
        scripted_server.url, "stream", "--run-tools", "--function", f"get_weather={tool}", "hi"
    )
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:  # the tool command runs
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "interaction v1_live_call is requires_action" in err
    assert "gem create --previous v1_live_call --result call_1=FILE" in err
