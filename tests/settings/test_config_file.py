"""Writing the config file: clear errors for folders gem cannot write, a lock for parallel
writers, atomic replacement."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from gemini_cli.core.errors import UsageError
from gemini_cli.settings import config_file as writer


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def under_a_file(tmp_path: Path) -> Path:
    """A config path whose folder is a regular file: ENOTDIR even for root (who ignores 0555)."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    return blocker / "gem" / "config.yaml"


@pytest.mark.parametrize("args", [["set", "model", "m"], ["unset", "model"]])
def test_a_folder_gem_cannot_create_is_exit_2_naming_the_file(
    invoke, tmp_path: Path, monkeypatch, args
) -> None:
    target = under_a_file(tmp_path)
    monkeypatch.setenv("GEM_CONFIG", str(target))
    result = invoke(["config", *args])
    if args[0] == "unset":  # nothing to remove from a file that cannot exist
        assert result.exit_code == 0 and "was not set" in result.stderr
        return
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"gem: error: cannot write the config file {target}: a part of the path is not a directory"
    )
    assert "Traceback" not in result.output and "internal" not in result.output


@pytest.mark.parametrize("args", [["set", "model", "m"], ["unset", "model"]])
def test_permission_denied_is_exit_2_naming_the_file(
    invoke, config_file: Path, monkeypatch, args
) -> None:
    """As root a 0555 folder is writable, so the refusal is simulated where it happens."""
    config_file.write_text("model: a\n")

    def refused(*_args: object, **_kw: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(writer.tempfile, "mkstemp", refused)
    result = invoke(["config", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"gem: error: cannot write the config file {config_file}: permission denied"
    )
    assert config_file.read_text() == "model: a\n"
    assert not list(config_file.parent.glob(".config-*"))


@pytest.mark.e2e
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0555 folder")
def test_read_only_config_folder_through_the_real_executable(shell_env, config_file) -> None:
    config_file.write_text("model: a\n")
    config_file.parent.chmod(0o555)
    try:
        done = subprocess.run(
            ["gem", "config", "set", "model", "b"],
            env=shell_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        config_file.parent.chmod(0o700)
    assert done.returncode == 2
    assert f"cannot write the config file {config_file}: permission denied" in done.stderr


@pytest.mark.e2e
def test_config_under_a_file_through_the_real_executable(shell_env, tmp_path: Path) -> None:
    target = under_a_file(tmp_path)
    done = subprocess.run(
        ["gem", "config", "set", "timeout", "5"],
        env={**shell_env, "GEM_CONFIG": str(target)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"gem: error: cannot write the config file {target}:")
    assert "Traceback" not in done.stderr


@pytest.mark.e2e
def test_parallel_sets_never_lose_a_write(shell_env, config_file: Path) -> None:
    """20 `gem config set` at once, each a different key: all 20 are in the file."""
    procs = [
        subprocess.Popen(
            ["gem", "config", "set", f"aliases.k{n}", f"model-{n}"],
            env=shell_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(20)
    ]
    outcomes = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
    assert all(code == 0 for code, _ in outcomes), outcomes
    aliases = yaml.safe_load(config_file.read_text())["aliases"]
    assert aliases == {f"k{n}": f"model-{n}" for n in range(20)}
    assert mode(config_file) == 0o600
    assert not list(config_file.parent.glob(".config-*"))


def test_a_lock_held_too_long_is_exit_2(config_file: Path) -> None:
    config_file.write_text("model: a\n")
    lock = config_file.parent / ".config.yaml.lock"
    holder = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    try:
        with (
            pytest.raises(UsageError, match="kept it locked for 1s"),
            writer.locked(config_file, 1.0, sleep, lambda: clock[0]),
        ):
            pass
    finally:
        os.close(holder)
    assert waits and clock[0] >= 1.0
    with writer.locked(config_file, 0.0):  # released: taken at once
        pass


def test_set_waits_for_a_lock_released_meanwhile(config_file: Path, monkeypatch) -> None:
    lock = config_file.parent / ".config.yaml.lock"
    holder = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)

    def sleep(seconds: float) -> None:  # the other writer finishes while we wait
        config_file.write_text("timeout: 5\n")
        os.close(holder)

    monkeypatch.setattr(writer.time, "sleep", sleep)
    writer.set_value(config_file, "model", "m")
    assert yaml.safe_load(config_file.read_text()) == {"timeout": 5, "model": "m"}


def test_write_replaces_atomically_with_mode_0600(config_file: Path) -> None:
    config_file.write_text("model: a\n")
    config_file.chmod(0o644)
    inode = config_file.stat().st_ino
    writer.set_value(config_file, "api_key", "sk-1")
    assert config_file.stat().st_ino != inode  # a new file renamed over the old one
    assert mode(config_file) == 0o600
    assert yaml.safe_load(config_file.read_text()) == {"model": "a", "api_key": "sk-1"}
