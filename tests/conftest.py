"""Fixtures shared by every test: an isolated environment, a fake clock and a CLI runner.

Every test runs with HOME and the XDG directories in a temporary directory and with no
GEM_*, GOOGLE_*, GEMINI_* or proxy variables, so the developer's own key, config and
history never leak in. The fake clock makes backoff and deadlines instant and observable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import respx
from typer.testing import CliRunner, Result

from gemini_cli.api.retry import Clock
from tests.helpers import API_ROOT
from tests.scripted_server import ScriptedServer

TEST_KEY = "test-key-123"
ISOLATED_PREFIXES = ("GEM_", "GOOGLE_", "GEMINI_")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


class FakeClock(Clock):
    """A `Clock` whose sleeps are recorded and advance time at once (never really sleeps).

    `random()` returns `jitter` (default 0.0, i.e. the undiminished backoff) so delays are exact.
    """

    def __init__(
        self, start: float = 1_000.0, wall_start: float = 1_790_000_000.0, jitter: float = 0.0
    ) -> None:
        self.now = start
        self.wall_offset = wall_start - start
        self.jitter = jitter
        self.sleeps: list[float] = []
        super().__init__(
            monotonic=self._monotonic, sleep=self._sleep, wall=self._wall, random=self._random
        )

    def _monotonic(self) -> float:
        return self.now

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)

    def _wall(self) -> float:
        return self.now + self.wall_offset

    def _random(self) -> float:
        return self.jitter

    def advance(self, seconds: float) -> None:
        """Let time pass without a sleep (e.g. a slow request)."""
        self.now += seconds


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME, XDG_CONFIG_HOME and XDG_STATE_HOME under tmp_path; no GEM_/GOOGLE_/GEMINI_ vars."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(ISOLATED_PREFIXES) or upper in PROXY_VARS:
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    for sub in ("", ".config", ".local/state"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return home


@pytest.fixture
def config_file(isolated_env: Path) -> Path:
    """Where gem looks for its config in this test ($XDG_CONFIG_HOME/gem/config.yaml)."""
    path = isolated_env / ".config" / "gem" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """GEMINI_API_KEY=test-key-123."""
    monkeypatch.setenv("GEMINI_API_KEY", TEST_KEY)
    return TEST_KEY


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


Invoke = Callable[..., Result]


@pytest.fixture
def invoke(runner: CliRunner, fake_clock: FakeClock) -> Invoke:
    """`invoke(args, input=None, tty=None, clock=None)`: run `gem ARGS` in-process.

    `tty` flips TTY flags ({"stdin_isatty": True, "stdout_isatty": True, ...}); without it
    every stream is a pipe. `clock` defaults to the test's `fake_clock`, so nothing sleeps.
    """
    from gemini_cli.cli.app import app

    def run(
        args: str | Sequence[str],
        input: str | bytes | None = None,
        tty: dict[str, Any] | None = None,
        clock: Clock | None = None,
        env: dict[str, str] | None = None,
    ) -> Result:
        argv = args.split() if isinstance(args, str) else list(args)
        obj = {"tty": dict(tty or {}), "clock": clock or fake_clock}
        return runner.invoke(app, argv, input=input, obj=obj, env=env, catch_exceptions=False)

    return run


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    """A scriptable HTTP server on 127.0.0.1 (tests/scripted_server.py); stopped afterwards."""
    server = ScriptedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """The API as a respx router: routes are relative to API_ROOT (.../v1); nothing leaves the
    process, and a request no route matches fails the test."""
    with respx.mock(base_url=API_ROOT, assert_all_called=False) as router:
        yield router
