"""Signals leave nothing behind: tool commands and api_key_command helpers die with gem, and
an interrupted save leaves no partial file under the final name (issue 17.6)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.processes import JSON, body, calling, start_gem
from tests.scripted_server import ScriptedServer

# A command that records its own pid and its child's, then waits: both must die with gem.
RECORD_AND_WAIT = "echo $$ > {pids}; sleep 60 & echo $! >> {pids}; wait"


def wait_for_pids(path: Path, proc: subprocess.Popen[bytes]) -> list[int]:
    """Block until the command wrote both pids (bounded: the command starts within seconds)."""
    for _ in range(400):
        lines = path.read_text().split() if path.exists() else []
        if len(lines) == 2:
            return [int(pid) for pid in lines]
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.025)
    raise AssertionError("the command never started")


def alive(pid: int) -> bool:
    """Running, and not merely a zombie nobody has reaped yet."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def survivors(pids: list[int]) -> list[int]:
    """The pids still alive once SIGKILL had a moment to land (bounded wait)."""
    for _ in range(200):
        if not any(alive(pid) for pid in pids):
            return []
        time.sleep(0.025)
    return [pid for pid in pids if alive(pid)]


def end_of(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    _, err = proc.communicate(timeout=15)
    return proc.returncode, err.decode()


@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT])
def test_a_signal_to_gem_ends_the_tool_commands(isolated_env, scripted_server, tmp_path, signum):
    pids = tmp_path / "pids"
    scripted_server.reply(200, headers=JSON, body=calling("work"))
    tool = "sh -c " + repr(RECORD_AND_WAIT.format(pids=pids))
    args = ["create", "--base-url", scripted_server.url, "--function", f"work={tool}"]
    gem = start_gem(isolated_env, [*args, "--run-tools", "--no-log", "go"])
    tool_pids = wait_for_pids(pids, gem)
    gem.send_signal(signum)
    code, err = end_of(gem)
    assert code in (-signum, 128 + signum), err
    assert "Traceback" not in err
    assert survivors(tool_pids) == []
    assert len(scripted_server.requests) == 1  # no answer was sent for the killed call


@pytest.mark.e2e
def test_under_nohup_a_hangup_leaves_gem_and_its_tools_running(
    isolated_env, scripted_server, tmp_path
):
    """`nohup gem create --run-tools ...`: SIGHUP is ignored on purpose, so it must not kill the
    tool commands either (gem installs no handler over an ignored signal)."""
    from tests.processes import GEM, gem_env

    pids = tmp_path / "pids"
    scripted_server.reply(200, headers=JSON, body=calling("work"))
    tool = "sh -c " + repr(RECORD_AND_WAIT.format(pids=pids))
    args = ["create", "--base-url", scripted_server.url, "--function", f"work={tool}"]
    gem = subprocess.Popen(
        [*GEM, *args, "--run-tools", "--no-log", "go"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=gem_env(isolated_env),
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),  # what nohup does
    )
    tool_pids = wait_for_pids(pids, gem)
    gem.send_signal(signal.SIGHUP)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            gem.wait(timeout=0.5)  # a bounded look: gem must still be running
        assert all(alive(pid) for pid in tool_pids)
    finally:
        gem.send_signal(signal.SIGTERM)
        end_of(gem)
    assert survivors(tool_pids) == []


@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT])
def test_a_signal_during_api_key_command_ends_the_helper(
    isolated_env, config_file, scripted_server, tmp_path, signum
):
    pids = tmp_path / "pids"
    command = RECORD_AND_WAIT.format(pids=pids)
    config_file.write_text(f"api_key_command: {command!r}\n".replace("'", '"'))
    gem = start_gem(
        isolated_env, ["get", "v1_x", "--base-url", scripted_server.url], GEMINI_API_KEY=""
    )
    helper_pids = wait_for_pids(pids, gem)
    gem.send_signal(signum)
    code, err = end_of(gem)
    assert code in (-signum, 128 + signum), err
    assert "Traceback" not in err
    assert survivors(helper_pids) == []
    assert scripted_server.requests == []


def test_an_interrupted_save_leaves_no_file(
    invoke, scripted_server, tmp_path, monkeypatch, api_key
):
    """Ctrl-C while the block is written: neither the final name nor the temporary file stays."""
    from gemini_cli.turns import b64

    real = b64._decode

    def interrupted(chunk, urlsafe, write):
        real(chunk, urlsafe, write)
        raise KeyboardInterrupt

    monkeypatch.setattr(b64, "_decode", interrupted)
    block = {"type": "image", "mime_type": "image/png", "data": "QUJD" * 10}
    scripted_server.reply(
        200, headers=JSON, body=body("v1_m", steps=[{"type": "model_output", "content": [block]}])
    )
    out = tmp_path / "out"
    out.mkdir()
    for flags in (["--save", str(out)], ["-o", str(out / "a.png")]):
        result = invoke(["create", "--base-url", scripted_server.url, *flags, "Draw"])
        assert result.exit_code == 130, result.stderr
        assert list(out.iterdir()) == []


def test_scripted_server_is_reused(scripted_server: ScriptedServer) -> None:
    assert scripted_server.url.startswith("http://127.0.0.1:")
    assert os.name == "posix"
