"""`gem` against the embedded emulator (`--base-url emulator:`), in-process, for this package."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import Result

Gem = Callable[..., Result]


@pytest.fixture
def gem(invoke: Any, monkeypatch: pytest.MonkeyPatch) -> Gem:
    """`gem(*args, input=None, tty=None)`: gem ARGS on the embedded emulator; background work
    (agents) finishes at once. Interactions persist across calls, as they do across processes."""
    monkeypatch.setenv("GEM_EMULATOR_WORK_SECONDS", "0")

    def run(*args: str, **kwargs: Any) -> Result:
        return invoke(["--base-url", "emulator:", *args], **kwargs)

    return run


def body_of(result: Result) -> dict[str, Any]:
    """The request body a `--dry-run` printed."""
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)["body"]
    assert isinstance(body, dict)
    return body


def last_id(gem: Gem) -> str:
    """The id `last` stands for (the newest interaction gem created on the emulator); the
    exit code follows its status."""
    result = gem("get", "last", "--format", "id")
    assert result.stdout.strip(), result.stderr
    return result.stdout.strip()
