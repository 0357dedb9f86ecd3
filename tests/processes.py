"""The real `gem` executable in tests: its isolated environment, running it to the end or in the
background, and scripted JSON answers for the hostile-server tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.conftest import TEST_KEY

GEM = [sys.executable, "-m", "gemini_cli.cli.main"]
JSON = {"Content-Type": "application/json"}
# Runs a command and prints its peak resident memory (KiB) as the last line of stderr.
MEASURE = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(r.returncode)"
)


def body(ident: str = "v1_x", status: str = "completed", **extra: Any) -> bytes:
    data: dict[str, Any] = {"id": ident, "status": status, **extra}
    return json.dumps(data).encode()


def calling(name: str = "work", call_id: str = "c1", arguments: Any = None) -> bytes:
    """A requires_action answer with one function call."""
    step = {"type": "function_call", "id": call_id, "name": name, "arguments": arguments or {}}
    return body(status="requires_action", steps=[step])


def gem_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a real `gem` process, isolated like the in-process tests."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("GEM_", "GEMINI_", "GOOGLE_")) and "PROXY" not in k.upper()
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_STATE_HOME=str(home / ".local/state"),
        NO_COLOR="1",
        GEMINI_API_KEY=TEST_KEY,
    )
    env.update(extra)
    return env


def run_gem(
    home: Path,
    args: Sequence[str],
    timeout: float = 60,
    env: dict[str, str] | None = None,
    measure: bool = False,
) -> subprocess.CompletedProcess[bytes]:
    """The real executable, to the end; `measure` adds its peak memory (KiB) to stderr."""
    prefix = [sys.executable, "-c", MEASURE] if measure else []
    return subprocess.run(
        [*prefix, *GEM, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        env=gem_env(home, **(env or {})),
    )


def start_gem(home: Path, args: Sequence[str], **env: str) -> subprocess.Popen[bytes]:
    """The real executable, running (stdout/stderr piped; stdin closed)."""
    return subprocess.Popen(
        [*GEM, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=gem_env(home, **env),
    )
