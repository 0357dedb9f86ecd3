"""`gem research` and `gem poll` as real processes against the emulator's background agents."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gemini_cli.emulator import start_background

pytestmark = pytest.mark.e2e

SOURCES = "\nSources:\n[1] Emulated source - https://example.com/emulated-source\n"


@pytest.fixture(scope="module")
def quick() -> Iterator[str]:
    """Background work takes a second."""
    with start_background(work_seconds=1.0) as handle:
        yield handle.url


@pytest.fixture(scope="module")
def slow() -> Iterator[str]:
    """Background work outlasts every test: there is time to interrupt it."""
    with start_background(work_seconds=120.0) as handle:
        yield handle.url


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "GEMINI_API_KEY": "e2e-key", **extra}


def gem(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "gemini_cli", "--base-url", url, *args]


def run(url: str, *args: str, fault: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    extra = {"GEM_EMULATOR_FAULT": fault} if fault else {}
    return subprocess.run(
        gem(url, *args),
        capture_output=True,
        text=True,
        timeout=60,
        env=env(**extra),
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


def status_of(url: str, interaction_id: str, **kwargs) -> str:
    done = run(url, "get", interaction_id, "--format", "json", **kwargs)
    return json.loads(done.stdout)["status"]


def test_research_waits_and_prints_the_report_with_sources(quick):
    done = run(quick, "research", "History of TPUs")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Research report\n\nEcho: History of TPUs (turn 1)")
    assert done.stdout.endswith(SOURCES)
    assert "completed" in done.stderr  # the plain progress line of a non-TTY stderr


@pytest.mark.parametrize("fault", ["drop:2@stream", "503:3@get", "drop:1@stream;503:2@stream"])
def test_faults_during_the_wait_do_not_change_the_report(quick, fault):
    done = run(quick, "research", "--no-sources", "Faulty", fault=f"{fault};key={fault}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Research report\n\nEcho: Faulty (turn 1)")


def test_no_wait_piped_into_poll(quick):
    first = subprocess.Popen(
        gem(quick, "research", "--no-wait", "Piped"),
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    second = subprocess.run(
        gem(quick, "poll", "-", "--format", "json"),
        stdin=first.stdout,
        capture_output=True,
        text=True,
        timeout=60,
        env=env(),
    )
    first.wait(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["status"] == "completed"


def test_plan_then_approve(quick):
    # A plan comes back requires_action (exit 9): it waits for the user's approval.
    plan = run(quick, "research", "--plan", "Batteries", "--format", "json")
    ident = json.loads(plan.stdout)["id"]
    assert plan.returncode == 9  # --json: stderr holds the one JSON error, with the commands
    assert f"approve with: gem research --previous {ident}" in plan.stderr
    text = run(quick, "research", "--plan", "Batteries")
    assert text.returncode == 9 and text.stdout.startswith("Research plan for: Batteries")
    assert "approve with: gem research --previous" in text.stderr
    done = run(quick, "research", "--previous", ident, "Go ahead")
    assert done.returncode == 0 and "Research report" in done.stdout


def test_poll_timeout_exits_8_with_the_id_and_the_work_goes_on(slow):
    ident = run(slow, "research", "--no-wait", "Long").stdout.strip()
    done = run(slow, "poll", ident, "--timeout", "1.5")
    assert done.returncode == 8
    assert done.stdout == f"{ident}\n" and "in_progress" in done.stderr
    assert status_of(slow, ident) == "in_progress"


def interrupt(
    url: str, *args: str, extra_env: dict[str, str] | None = None, sig: int = signal.SIGINT
) -> tuple:
    """Start gem, wait for its first progress line, send `sig`; (code, stdout, stderr)."""
    proc = subprocess.Popen(
        gem(url, *args),
        env={**env(), **(extra_env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()  # "gem: ID: in_progress (0s)": it is waiting now
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, first + err, first.split(": ")[1]


def test_ctrl_c_stops_waiting_and_leaves_the_research_running(slow):
    code, out, err, ident = interrupt(slow, "research", "Interrupted")
    assert code == 130 and out == ""
    assert f"gem poll {ident}" in err and "Traceback" not in err
    assert status_of(slow, ident) == "in_progress"


def test_ctrl_c_in_poll_cancels_nothing(slow):
    ident = run(slow, "research", "--no-wait", "Polled").stdout.strip()
    code, _, err, _ = interrupt(slow, "poll", ident)
    assert code == 130 and f"gem poll {ident}" in err
    assert status_of(slow, ident) == "in_progress"


@pytest.mark.parametrize("command", ["research", "poll"])
def test_sigterm_is_like_ctrl_c_with_exit_143(slow, command):
    # What `timeout`, CI cancellation and `kill` send: the resume hint, the work left running.
    args = ["research", "Terminated"]
    if command == "poll":
        args = ["poll", run(slow, "research", "--no-wait", "Terminated").stdout.strip()]
    code, out, err, ident = interrupt(slow, *args, sig=signal.SIGTERM)
    assert code == 143 and out == ""
    assert f"gem poll {ident}" in err and "Traceback" not in err
    assert status_of(slow, ident) == "in_progress"


def test_cancel_on_interrupt_cancels_the_research(slow):
    code, _, err, ident = interrupt(slow, "research", "--cancel-on-interrupt", "Cancelled")
    assert code == 130 and "cancelled" in err
    assert status_of(slow, ident) == "cancelled"


def test_embedded_emulator_across_processes(tmp_path: Path):
    """GEM_BASE_URL=emulator:: no server, no key; state shared through XDG_STATE_HOME."""
    embedded = {
        "GEM_BASE_URL": "emulator:",
        "XDG_STATE_HOME": str(tmp_path),
        "GEM_EMULATOR_WORK_SECONDS": "1",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GEM_", "GEMINI_"))}

    def embedded_run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "gemini_cli", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**clean, **embedded},
            stdin=subprocess.DEVNULL,
        )

    ident = embedded_run("research", "--no-wait", "Offline").stdout.strip()
    done = embedded_run("poll", "last")
    assert done.returncode == 0, done.stderr
    assert "Echo: Offline (turn 1)" in done.stdout
    slow_env = {**embedded, "GEM_EMULATOR_WORK_SECONDS": "120"}
    code, _, err, running = interrupt(
        "emulator:", "research", "Offline, slowly", extra_env={**slow_env, "GEMINI_API_KEY": ""}
    )
    assert code == 130 and f"gem poll {running}" in err
    assert json.loads(embedded_run("get", running, "--format", "json").stdout)["status"] in (
        "in_progress",
    )
    assert ident != running
