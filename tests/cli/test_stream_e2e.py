"""The installed `gem stream` against the emulator on a loopback port, with injected faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from gemini_cli.emulator import start_background

pytestmark = pytest.mark.e2e

PROMPT = "Count from one to twenty: " + " ".join(str(n) for n in range(1, 21))
EXPECTED = f"Echo: {PROMPT} (turn 1)\n"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with start_background(work_seconds=0.4) as handle:
        yield handle.url


def gem(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "gemini_cli", "--base-url", url, *args]


def env_with(fault: str | None = None) -> dict[str, str]:
    env = {**os.environ, "GEMINI_API_KEY": "e2e-key"}
    if fault:
        env["GEM_EMULATOR_FAULT"] = fault
    return env


def run(url: str, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        gem(url, "stream", *args), capture_output=True, text=True, env=env_with(fault), timeout=60
    )


def test_uninterrupted(server):
    result = run(server, PROMPT)
    assert (result.returncode, result.stdout, result.stderr) == (0, EXPECTED, "")


@pytest.mark.parametrize(
    "fault",
    [
        "drop:3@create",  # before any text: re-attach from the created event's id
        "drop:8@create",  # mid-text
        "drop:7@create;drop:2@get",  # the re-attach breaks too
        "drop:8@create;stall:3@get",  # the re-attach stalls: the idle timeout ends it
        "malformed-sse:4",  # non-SSE bytes in the stream are ignored
    ],
)
def test_faults_do_not_change_the_output(server, fault):
    result = run(server, "--idle-timeout", "1", PROMPT, fault=f"{fault};key={fault}")
    assert result.returncode == 0, result.stderr
    assert result.stdout == EXPECTED


def test_ndjson_survives_a_drop(server):
    fault = "drop:9@create;key=ndjson"
    lines = run(server, "-f", "ndjson", PROMPT, fault=fault).stdout.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["event_type"] for e in events][-1] == "interaction.completed"
    text = "".join(
        e["delta"]["text"]
        for e in events
        if e["event_type"] == "step.delta" and e["delta"]["type"] == "text"
    )
    assert text + "\n" == EXPECTED
    ids = [e["event_id"] for e in events if "event_id" in e]
    assert len(ids) == len(set(ids))


def test_a_stalled_create_fails_instead_of_hanging(server):
    started = time.monotonic()
    result = run(server, "--idle-timeout", "0.5", "hi", fault="stall:3@create;key=stall-create")
    assert result.returncode == 6
    assert "timed out" in result.stderr
    assert time.monotonic() - started < 3


# A --background run is paced over the emulator's work time: the text comes at its end, so
# the tests below can act (close the pipe, press Ctrl-C) while the stream is under way.


@pytest.fixture(scope="module")
def slow_server() -> Iterator[str]:
    """Long enough background work that a loaded machine still acts mid-stream."""
    with start_background(work_seconds=4.0) as handle:
        yield handle.url


def start(url: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        gem(url, "stream", "--background", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_with(),
    )


@pytest.mark.parametrize("fmt", ["text", "ndjson"])
def test_a_closed_pipe_stops_quietly(slow_server, fmt):
    server = slow_server
    proc = start(server, "-f", fmt, PROMPT)
    assert proc.stdout is not None and proc.stderr is not None
    if fmt == "ndjson":
        assert proc.stdout.readline().startswith(b'{"interaction":')
    proc.stdout.close()  # like `| head -n 1`: every later write hits a closed pipe
    assert proc.wait(timeout=30) == 0
    assert proc.stderr.read() == b""


@pytest.fixture(scope="module")
def slow_sdk_server() -> Iterator[str]:
    """The emulator's sdk flavor: its events carry the event ids the resume hint names."""
    with start_background(work_seconds=4.0, flavor="sdk") as handle:
        yield handle.url


def test_ctrl_c_then_the_hint_resumes_the_rest(slow_sdk_server):
    server = slow_sdk_server
    proc = start(server, "-f", "ndjson", PROMPT)
    assert proc.stdout is not None
    first = proc.stdout.readline()  # interaction.created: the stream is under way
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    error = json.loads(err)["error"]  # --format ndjson: errors are JSON on stderr too
    assert error["exit_code"] == 130 and error["type"] == "interrupted"
    hint = error["message"].split("re-attach with: ")[1].split()
    assert hint[:3] == ["gem", "stream", "--attach"]
    assert hint[4:] == ["--last-event-id", json.loads(first)["event_id"]]
    resumed = run(server, *hint[2:])
    assert (resumed.returncode, resumed.stdout) == (0, EXPECTED)
