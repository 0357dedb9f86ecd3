"""Fixtures for the Files API tests: the emulator on a loopback port, sharing the test's clock,
with every request it answers recorded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from gemini_cli.emulator import Engine
from gemini_cli.emulator.files import FilesService, service
from tests.conftest import FakeClock, Invoke


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class Emulator:
    """A running emulator, what it was asked, and its files state (to plan faults)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.url: str = handle.url
        self.seen: list[Seen] = []
        engine: Engine = handle.engine
        original = engine.handle

        def recording(
            method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
        ) -> Any:
            self.seen.append(Seen(method, path, query, dict(headers), body))
            return original(method, path, query, headers, body)

        engine.handle = recording  # type: ignore[method-assign]

    @property
    def files(self) -> FilesService:
        return service(self.handle.engine)

    def chunks(self) -> list[Seen]:
        """The byte-carrying requests to upload sessions, in order."""
        return [
            s
            for s in self.seen
            if "upload_id=" in s.query and "upload" in s.headers.get("x-goog-upload-command", "")
        ]


@pytest.fixture
def emulator(fake_clock: FakeClock, start_emulator: Any) -> Emulator:
    """The emulator whose time is the test's fake clock: a client's wait is instant, and a
    file's processing is over when the client has slept long enough."""
    engine = Engine(work_seconds=1.0, clock=fake_clock.wall, sleep=fake_clock.sleep)
    return Emulator(start_emulator(engine=engine))


@pytest.fixture
def gem(invoke: Invoke, emulator: Emulator, api_key: str) -> Any:
    """`gem(*args, input=None, env=None)` against the emulator, in-process (CliRunner)."""

    def run(*args: str, input: str | bytes | None = None, **options: Any) -> Any:
        return invoke(["--base-url", emulator.url, *args], input=input, **options)

    return run
