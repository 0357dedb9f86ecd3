"""Concurrent gem processes (parallel jobs, xargs -P) all land in the history, none fail."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gemini_cli.history import store as history

JOBS = 8


@pytest.mark.e2e
def test_parallel_creates_are_all_recorded(shell_env: dict[str, str], gem_bin) -> None:
    env = {**shell_env, "GEM_BASE_URL": "emulator:"}
    procs = [
        subprocess.Popen(
            [str(gem_bin), "create", "--no-stdin", f"job {i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(JOBS)
    ]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert all(code == 0 for code, _, _ in outcomes), outcomes
    assert not any("warning" in err for _, _, err in outcomes), outcomes
    prompts = sorted(r.prompt for r in history.entries(limit=0))
    assert prompts == sorted(f"job {i}" for i in range(JOBS))


@pytest.mark.e2e
def test_xargs_parallel_pipeline(shell_env: dict[str, str]) -> None:
    script = f"set -o pipefail; seq {JOBS} | xargs -P {JOBS} -I{{}} gem create --no-stdin 'x {{}}'"
    done = subprocess.run(
        ["bash", "-c", script],
        env={**shell_env, "GEM_BASE_URL": "emulator:"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == JOBS
    assert len(history.entries(limit=0)) == JOBS


WRITER = """
import sys
from gemini_cli.history import store as history
from gemini_cli.api.models import Interaction
for n in range(int(sys.argv[2])):
    history.record(Interaction.from_dict({{"id": f"{{sys.argv[1]}}-{{n}}", "status": "completed"}}),
                   {{"input": "p"}})
"""


def test_many_writers_lose_no_rows(shell_env: dict[str, str]) -> None:
    """History writes alone, hammered by 8 processes at once: every row is kept."""
    per_proc = 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER.format(), f"w{i}", str(per_proc)],
            env=shell_env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(JOBS)
    ]
    errors = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
    assert all(code == 0 for code, _ in errors), errors
    assert len(history.entries(limit=0)) == JOBS * per_proc
