"""A conversation as a user has it: the installed `gem` against `gem emulator` on a real port
(both flavors), the request on the wire read from --debug, the plan's commands run as printed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

GEM = str(Path(sys.executable).parent / "gem")


@pytest.fixture(params=["live", "sdk"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """`gem emulator` in a process; the environment a user's shell would have for it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEM_", "XDG_"))}
    env.update(HOME=str(tmp_path), GEMINI_API_KEY="test-key", NO_COLOR="1")
    env["PATH"] = f"{Path(GEM).parent}{os.pathsep}{env.get('PATH', '')}"  # the printed commands
    server = subprocess.Popen(
        [GEM, "emulator", "--port", "0", "--work-seconds", "0", "--flavor", request.param],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert server.stdout is not None
    env["GEM_BASE_URL"] = server.stdout.readline().strip()
    try:
        yield env
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=10)


def gem(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GEM, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def sent_body(stderr: str) -> Any:
    """The JSON body of the last POST --debug traced (`> {...}`)."""
    bodies = [line[2:] for line in stderr.splitlines() if line.startswith("> {")]
    return json.loads(bodies[-1])


@pytest.mark.e2e
def test_a_follow_up_sends_the_settings_again_and_flags_override(served: dict[str, str]) -> None:
    first = gem(served, "create", "-m", "gemini-3.1-pro-preview", "-s", "Be terse", "--search",
                "--thinking", "high", "List three primes")  # fmt: skip
    assert first.returncode == 0, first.stderr
    follow = gem(served, "--debug", "create", "-c", "Now multiply them")
    assert follow.returncode == 0 and "Now multiply them (turn 2)" in follow.stdout
    body = sent_body(follow.stderr)
    assert body["model"] == "gemini-3.1-pro-preview" and body["system_instruction"] == "Be terse"
    assert body["tools"] == [{"type": "google_search"}]
    assert body["generation_config"] == {"thinking_level": "high"}
    override = gem(
        served, "--debug", "create", "-c", "--thinking", "low", "-m", "gemini-2.5-pro", "x"
    )
    assert sent_body(override.stderr)["generation_config"] == {"thinking_level": "low"}
    assert sent_body(override.stderr)["model"] == "gemini-2.5-pro"
    fresh = gem(served, "--debug", "create", "-c", "--fresh", "y")
    assert set(sent_body(fresh.stderr)) == {"model", "input", "previous_interaction_id"}


@pytest.mark.e2e
def test_the_printed_plan_commands_work(served: dict[str, str], tmp_path: Path) -> None:
    plan = gem(served, "research", "--max", "--plan", "Battery chemistry trends")
    assert plan.returncode == 9 and plan.stdout.startswith("Research plan for:")
    message = plan.stderr.strip().splitlines()[-1]
    revise = message.split("or revise it with: ")[1].replace("CHANGES TO THE PLAN", "Add Na")
    revised = subprocess.run(["bash", "-c", revise], env=served, capture_output=True, text=True,
                             timeout=60, check=False)  # fmt: skip
    assert revised.returncode == 9 and "Research plan for: Add Na" in revised.stdout
    approve = revised.stderr.split("approve with: ")[1].split("; or revise")[0]
    done = subprocess.run(["bash", "-c", approve], env=served, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "# Research report" in done.stdout and "\nSources:\n[1] " in done.stdout
    shown = gem(served, "get", "last", "--json")
    assert json.loads(shown.stdout)["agent"] == "deep-research-max-preview-04-2026"
    kept = gem(served, "get", "last", "-f", "markdown", cwd=tmp_path)
    assert kept.returncode == 0 and "[^1]: [Emulated source](" in kept.stdout
