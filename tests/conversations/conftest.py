"""`gem` against the embedded emulator (`--base-url emulator:`), in-process, for this package."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import Result

from tests.conftest import Invoke

Gem = Callable[..., Result]


@pytest.fixture
def gem(embedded: Invoke) -> Gem:
    """`gem(*args, input=None, tty=None)`: the shared `embedded` runner (tests/conftest.py),
    taking the arguments one by one."""

    def run(*args: str, **kwargs: Any) -> Result:
        return embedded(list(args), **kwargs)

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
