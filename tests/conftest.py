"""Fixtures shared by every test: an isolated environment, a fake clock and a CLI runner.

Every test runs with HOME and the XDG directories in a temporary directory and with no
GEM_*, GOOGLE_*, GEMINI_* or proxy variables, so the developer's own key, config and
history never leak in. The fake clock makes backoff and deadlines instant and observable.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import respx
from typer.testing import CliRunner, Result

from gemini_cli.api.retry import Clock
from tests.fake_api import FakeAPI
from tests.helpers import API_ROOT
from tests.scripted_server import ScriptedServer

pytest_plugins = ["pytester"]  # tests/test_e2e_guard.py runs pytest on a scratch file

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

    def __call__(self) -> float:
        """The wall time, so the clock also stands in for `time.time` (the emulator's clock)."""
        return self._wall()


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
        with _through_dispatch(app):
            return runner.invoke(app, argv, input=input, obj=obj, env=env, catch_exceptions=False)

    return run


class _Dispatch:
    """What the runner calls for `gem`: gem's own dispatch (the fast parser, else Typer), as
    the console script runs it, inside the runner's isolated stdin/stdout/stderr."""

    name = "gem"

    def main(self, args: Sequence[str] = (), prog_name: str = "gem", **extra: Any) -> None:
        from gemini_cli.cli.main import dispatch

        sys.exit(dispatch(list(args), extra.get("obj")))


@contextlib.contextmanager
def _through_dispatch(app: Any) -> Iterator[None]:
    import typer.testing

    build = typer.testing._get_command
    typer.testing._get_command = lambda given: _Dispatch() if given is app else build(given)  # type: ignore[assignment]
    try:
        yield
    finally:
        typer.testing._get_command = build


@pytest.fixture(scope="session")
def gem_bin() -> Path:
    """The `gem` console script of the interpreter running the tests (else the one on PATH)."""
    beside = Path(sys.executable).parent / "gem"
    found = beside if beside.is_file() else shutil.which("gem")
    if not found:
        pytest.skip("the gem console script is not installed (pip install -e .)")
    return Path(found)


@pytest.fixture
def shell_env(isolated_env: Path, gem_bin: Path) -> dict[str, str]:
    """The isolated environment for a subprocess, with the installed gem first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{gem_bin.parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Any]]:
    """`start_emulator(**options)`: the emulator on a loopback port (`start_background` options:
    work_seconds, flavor, engine, ...), stopped when the test ends; returns its handle (`.url`)."""
    from gemini_cli.emulator import start_background

    with contextlib.ExitStack() as stack:

        def start(**options: Any) -> Any:
            return stack.enter_context(start_background(**options))

        yield start


@pytest.fixture
def embedded(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """`embedded(args, input=None, tty=None, ...)`: `gem --base-url emulator: ARGS` in-process
    (no key, no socket); background work (agents) finishes at once. Interactions persist across
    calls, as they do across processes."""
    monkeypatch.setenv("GEM_EMULATOR_WORK_SECONDS", "0")

    def run(args: str | Sequence[str], **kwargs: Any) -> Result:
        argv = args.split() if isinstance(args, str) else list(args)
        return invoke(["--base-url", "emulator:", *argv], **kwargs)

    return run


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str, str], str]:
    """`script(name, body)`: a Python script in tmp_path; returns a command line running it."""

    def make(name: str, body: str) -> str:
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return f"{shlex.quote(sys.executable)} {shlex.quote(str(path))}"

    return make


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


@pytest.fixture
def fake_api(api: respx.MockRouter, api_key: str) -> FakeAPI:
    """The scripted waiting API (tests/fake_api.py) on the shared `api` router, key set."""
    return FakeAPI(api)


@pytest.fixture(autouse=True)
def subprocesses_only_in_e2e(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fail a test that starts a process (gem, bash, python -c, a tool command) unless it is
    marked `e2e`, so `pytest -m "not e2e"` stays a fast, in-process inner loop."""
    if request.node.get_closest_marker("e2e"):
        yield
        return
    import subprocess

    spawned: list[str] = []
    real_popen_init = subprocess.Popen.__init__

    def recording_popen_init(self: Any, args: Any, *rest: Any, **kwargs: Any) -> None:
        spawned.append(str(args)[:80])
        real_popen_init(self, args, *rest, **kwargs)

    def recording(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            spawned.append(f"os.{name}")
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(subprocess.Popen, "__init__", recording_popen_init)
    for name in ("fork", "forkpty", "posix_spawn", "posix_spawnp"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, recording(name, getattr(os, name)))
    yield
    if spawned:
        pytest.fail(
            f"this test started a process ({spawned[0]}): mark it @pytest.mark.e2e",
            pytrace=False,
        )
