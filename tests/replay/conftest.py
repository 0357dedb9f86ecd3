"""Replays of recorded-shape fixtures (tests/fixtures/live/) served byte-exact on loopback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from tests.scripted_server import ScriptedServer

LIVE = Path(__file__).resolve().parent.parent / "fixtures" / "live"
SSE = {"Content-Type": "text/event-stream"}
JSON = {"Content-Type": "application/json"}

Replay = Callable[..., Result]


def fixture_bytes(name: str) -> bytes:
    return (LIVE / name).read_bytes()


@pytest.fixture
def replay(invoke: Callable[..., Result], scripted_server: ScriptedServer, api_key: str) -> Replay:
    """`replay(args, *fixtures, status=200)`: serve the fixtures in order, run `gem ARGS`."""

    def run(args: list[str], *names: str, status: int = 200) -> Result:
        for name in names:
            headers = SSE if name.endswith(".sse") else JSON
            scripted_server.reply(status, body=fixture_bytes(name), headers=headers)
        scripted_server.repeat_last = False
        return invoke([*args, "--base-url", scripted_server.url, "--max-retries", "0"])

    return run
