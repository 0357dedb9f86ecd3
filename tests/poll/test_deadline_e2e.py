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


def test_poll_gives_up_on_an_unreachable_server():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = gem(f"http://127.0.0.1:{port}", "poll", IID, "--max-retries", "1")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 6, err
    assert "cannot reach" in err and "Traceback" not in err


def test_sigterm_ends_a_stream_like_ctrl_c(scripted_server):
    quiet_interaction(scripted_server, lambda s: keep_alives(s, CREATED + DELTA))
    proc = gem(scripted_server.url, "stream", "--follow", IID)
    assert proc.stdout is not None
    assert proc.stdout.read(5) == "Hello"  # streaming now
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert f"gem stream --attach {IID}" in err and "Traceback" not in err
