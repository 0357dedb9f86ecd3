"""Fixtures for the emulator tests: an engine on the shared fake clock, loopback servers, an SSE
parser."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gemini_cli.emulator import Engine
from tests.conftest import FakeClock


class Sequential:
    """Deterministic replacement for secrets.token_bytes."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, size: int) -> bytes:
        self.count += 1
        return self.count.to_bytes(size, "big")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_engine(clock: FakeClock, flavor: str) -> Engine:
    return Engine(
        work_seconds=4.0,
        clock=clock,
        sleep=clock.sleep,
        token_bytes=Sequential(),
        require_api_key=False,
        flavor=flavor,
    )


@pytest.fixture
def engine(clock: FakeClock) -> Engine:
    """The sdk flavor: event ids, Google-style errors (the shapes most engine tests check)."""
    return make_engine(clock, "sdk")


@pytest.fixture
def live_engine(clock: FakeClock) -> Engine:
    return make_engine(clock, "live")


@pytest.fixture(params=["live", "sdk"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def any_engine(clock: FakeClock, flavor: str) -> Engine:
    """An engine of each flavor in turn: for behaviour both must share."""
    return make_engine(clock, flavor)


@pytest.fixture
def server(flavor: str, start_emulator: Any) -> Any:
    """A loopback server of each flavor in turn."""
    return start_emulator(work_seconds=0.4, flavor=flavor)


@pytest.fixture
def sdk_server(start_emulator: Any) -> Any:
    return start_emulator(work_seconds=0.4, flavor="sdk")


@pytest.fixture
def live_server(start_emulator: Any) -> Any:
    return start_emulator(work_seconds=0.4, flavor="live")


def error_message(payload: dict[str, Any]) -> str:
    return str(payload["error"]["message"])


def call(engine: Engine, method: str, path: str, body: Any = None, query: str = "") -> Any:
    """Run a request through the engine; returns (status, parsed JSON or raw SSE bytes)."""
    raw = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    reply = engine.handle(method, path, query, {}, raw)
    if reply.events is not None:
        return reply.status, b"".join(reply.events)
    return reply.status, json.loads(reply.body)


def parse_sse(raw: bytes) -> list[dict[str, Any] | str]:
    """Tiny strict SSE parser: `event: X\\ndata: {json}` blocks, `[DONE]` returned as a string
    (framed `data: [DONE]` by the sdk flavor, `event: done` + `data: [DONE]` by the live one)."""
    text = raw.decode("utf-8")
    assert text.endswith("\n\n"), "a stream ends with a blank line"
    items: list[dict[str, Any] | str] = []
    for block in text[:-2].split("\n\n"):
        lines = block.split("\n")
        if lines in (["data: [DONE]"], ["event: done", "data: [DONE]"]):
            items.append("[DONE]")
            continue
        assert len(lines) == 2 and lines[0].startswith("event: ") and lines[1].startswith("data: ")
        event = json.loads(lines[1][len("data: ") :])
        assert event["event_type"] == lines[0][len("event: ") :]
        items.append(event)
    return items


def events_only(items: list[dict[str, Any] | str]) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)]


def stream_text(events: list[dict[str, Any]]) -> str:
    return "".join(
        e["delta"]["text"]
        for e in events
        if e["event_type"] == "step.delta" and e["delta"]["type"] == "text"
    )
