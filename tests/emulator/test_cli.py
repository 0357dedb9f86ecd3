"""`gem emulator` itself: flag validation (exit 2) and, as a real process, both flavors, quietly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

KEY = {"x-goog-api-key": "k"}
STREAM = {"model": "m", "input": "a b c d e", "stream": True}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--port", "99999"], "--port"),
        (["--port", "-1"], "--port"),
        (["--work-seconds", "-1"], "--work-seconds"),
        (["--work-seconds", "nan"], "--work-seconds"),
        (["--work-seconds", "inf"], "--work-seconds"),
        (["--flavor", "beta"], "--flavor"),
    ],
)
def test_bad_values_are_exit_2(invoke, args: list[str], fragment: str) -> None:
    result = invoke(["emulator", *args])
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_bad_flavor_variable_is_exit_2(invoke) -> None:
    result = invoke(["emulator"], env={"GEM_EMULATOR_FLAVOR": "beta"})
    assert result.exit_code == 2 and "GEM_EMULATOR_FLAVOR" in result.stderr


def test_embedded_mode_refuses_a_bad_flavor_variable(invoke) -> None:
    result = invoke(["--base-url", "emulator:", "create", "hi"], env={"GEM_EMULATOR_FLAVOR": "x"})
    assert result.exit_code == 2 and "GEM_EMULATOR_FLAVOR" in result.stderr


def test_embedded_mode_answers_in_both_flavors(invoke) -> None:
    for flavor in ("live", "sdk"):
        result = invoke(
            ["--base-url", "emulator:", "create", "hi"], env={"GEM_EMULATOR_FLAVOR": flavor}
        )
        assert (result.exit_code, result.stdout) == (0, "Echo: hi (turn 1)\n"), result.stderr


class Emulator:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process, self.url = process, url

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=10)
        return self.process.returncode, err


def start(*args: str) -> Emulator:
    process = subprocess.Popen(
        [sys.executable, "-m", "gemini_cli", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GEM_")},
    )
    assert process.stdout is not None
    return Emulator(process, process.stdout.readline().strip())


@pytest.fixture
def emulators() -> Iterator[list[Emulator]]:
    started: list[Emulator] = []
    yield started
    for emulator in started:
        if emulator.process.poll() is None:
            emulator.process.kill()
            emulator.process.communicate()


@pytest.mark.e2e
@pytest.mark.parametrize("flavor", ["live", "sdk"])
def test_serves_its_flavor_and_stays_quiet_when_clients_leave(emulators, flavor: str) -> None:
    emulator = start("--flavor", flavor, "--work-seconds", "0.5")
    emulators.append(emulator)
    assert emulator.url.startswith("http://127.0.0.1:")
    raw = httpx.post(f"{emulator.url}/v1/interactions", json=STREAM, headers=KEY).content
    assert (b"event_id" in raw) == (flavor == "sdk")
    assert raw.endswith(b"event: done\ndata: [DONE]\n\n") == (flavor == "live")
    stalled = {**KEY, "x-gem-emulator-fault": "stall:0.3"}
    with pytest.raises(httpx.ReadTimeout):  # the client gives up before the answer comes
        httpx.post(f"{emulator.url}/v1/interactions", json=STREAM, headers=stalled, timeout=0.05)
    background = {**STREAM, "background": True}
    with httpx.stream(
        "POST", f"{emulator.url}/v1/interactions", json=background, headers=KEY
    ) as reply:
        next(reply.iter_raw())  # then hangs up mid-stream
    # A later request is served once the abandoned handlers have run into the closed sockets.
    after = httpx.post(
        f"{emulator.url}/v1/interactions",
        json={"model": "m", "input": "x", "background": True, "stream": True},
        headers=KEY,
    )
    assert after.status_code == 200
    code, err = emulator.stop()
    assert (code, err) == (0, "")


@pytest.mark.e2e
def test_the_state_of_the_embedded_mode_is_private(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GEM_")},
        "GEM_STATE_DIR": str(tmp_path),
        "GEM_BASE_URL": "emulator:",
    }
    result = subprocess.run(
        [sys.executable, "-m", "gemini_cli", "create", "a private prompt"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    files = list(tmp_path.rglob("emulator.sqlite3*"))
    assert files and all(path.stat().st_mode & 0o777 == 0o600 for path in files)


@pytest.mark.e2e
def test_the_url_file_never_follows_a_planted_symlink(emulators, tmp_path: Path) -> None:
    """--url-file in a shared folder such as /tmp: a symlink planted where the temporary file
    used to go (`URLFILE.partial`) must not make gem overwrite the file it points at."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    url_file = tmp_path / "emu.url"
    (tmp_path / "emu.url.partial").symlink_to(victim)
    emulator = start("--url-file", str(url_file))
    emulators.append(emulator)
    assert victim.read_text() == "precious\n"
    assert url_file.read_text() == emulator.url + "\n" and not url_file.is_symlink()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == [
        "emu.url.partial"
    ]  # only the planted link: gem's own temporary file is gone
    assert emulator.stop() == (0, "")


def test_emulator_url_file_in_a_missing_folder(invoke, tmp_path) -> None:
    result = invoke(["emulator", "--url-file", str(tmp_path / "no" / "such" / "x")])
    assert result.exit_code == 2
    assert "url file" in result.stderr and "cannot listen" not in result.stderr
