"""Batch tests talk to the emulator through real sockets (a loopback server per test)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result


@pytest.fixture
def emulator(api_key: str, start_emulator: Any) -> Any:
    return start_emulator(work_seconds=0.3)


def write_items(path: Path, count: int, prefix: str = "prompt") -> Path:
    path.write_text("".join(json.dumps(f"{prefix} {n}") + "\n" for n in range(1, count + 1)))
    return path


def lines_of(result: Result | str) -> list[dict[str, Any]]:
    text = result if isinstance(result, str) else result.stdout
    return [json.loads(line) for line in text.splitlines() if line.strip()]


Batch = Callable[..., Result]


@pytest.fixture
def batch(invoke: Any, emulator: Any) -> Batch:
    """`batch(*args, input=None)`: `gem --base-url URL batch ARGS` in-process, fake clock."""

    def run(*args: str, input: str | None = None, **kw: Any) -> Result:
        result: Result = invoke(["--base-url", emulator.url, "batch", *args], input=input, **kw)
        return result

    return run


def until(condition: Callable[[], bool], limit: float = 10.0) -> bool:
    """Wait for another thread to reach a state (polled; bounded so a bug fails, not hangs)."""
    import threading
    import time

    end = time.monotonic() + limit
    while not condition():
        if time.monotonic() > end:
            return False
        threading.Event().wait(0.005)
    return True
