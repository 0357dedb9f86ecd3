"""What only a real process shows: broken pipes, `python -m gemini_cli`, exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gemini_cli import __version__
from tests.helpers import IID

# Every test here runs a real process.
pytestmark = pytest.mark.e2e

NOISE = ("Traceback", "BrokenPipe", "Exception ignored", "Error")


def gem(*args: str) -> list[str]:
    return [sys.executable, "-m", "gemini_cli", *args]


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "GEMINI_API_KEY": "test-key-123", **extra}


def test_python_m_gemini_cli_version():
    done = subprocess.run(
        gem("--version"),
        capture_output=True,
        text=True,
        timeout=60,
        env=env(),
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0
    assert done.stdout == f"gem {__version__}\n" and done.stderr == ""


def test_dry_run_into_a_pipe_closed_early_ends_quietly(tmp_path: Path):
    big = tmp_path / "big.txt"
    big.write_text("a" * 2_000_000)  # far more than a pipe buffer holds
    with big.open("rb") as stdin:
        proc = subprocess.Popen(
            gem("create", "--dry-run", "-"),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env(),
        )
        assert proc.stdout is not None
        assert proc.stdout.read(10) == b'{\n  "metho'
        proc.stdout.close()  # like `| head -c 10`
        _, err = proc.communicate(timeout=60)
    text = err.decode()
    assert not any(word in text for word in NOISE), text
    assert proc.returncode in (0, 141)


@pytest.mark.parametrize("args", [("--help",), ("create", "--dry-run", "hi")])
def test_pipe_closed_before_any_output_ends_quietly(args):
    proc = subprocess.Popen(
        gem(*args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
    )
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    text = err.decode()
    assert not any(word in text for word in NOISE), text


def test_exit_status_reaches_the_shell():
    done = subprocess.run(
        gem("create"),
        capture_output=True,
        text=True,
        timeout=60,
        env=env(),
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("gem: error: no input")
    assert done.stdout == ""


def test_missing_key_reaches_the_shell_as_4():
    clean = {k: v for k, v in env().items() if k != "GEMINI_API_KEY"}
    done = subprocess.run(
        gem("create", "hi"),
        capture_output=True,
        text=True,
        timeout=60,
        env=clean,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 4
    assert len(done.stderr.splitlines()) == 1


IMPORTED = """
import contextlib, io, json, sys
from gemini_cli.cli.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
        contextlib.suppress(SystemExit):
    main(sys.argv[1:])
print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))
"""


def imported_by(*args: str, **extra: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env(**extra),
        stdin=subprocess.DEVNULL,
        check=True,
    )
    return set(json.loads(done.stdout))


def test_version_imports_nothing_heavy():
    assert not imported_by("--version") & {"typer", "rich", "httpx", "pydantic", "yaml"}


def test_dry_run_imports_no_http_client_models_or_rich():
    assert not imported_by("create", "--dry-run", "hi") & {"httpx", "pydantic", "rich"}


@pytest.mark.parametrize(
    "args",
    [
        ("stream", "--dry-run", "hi"),
        ("research", "--dry-run", "tpu"),
        ("history",),
        ("poll", "--max-interval", "0.01", "v1_x"),  # refused by gem's own check: exit 2
        ("history", "--limit", "-1"),
    ],
)
def test_options_parse_without_pydantic(args, tmp_path):
    # Typer's range checks (min=/max=) would import pydantic: gem checks those itself.
    assert "pydantic" not in imported_by(*args, GEM_STATE_DIR=str(tmp_path))


def test_help_imports_no_http_client_or_models():
    assert not imported_by("--help") & {"httpx", "pydantic"}


@pytest.mark.e2e
@pytest.mark.parametrize(
    "redirect, message",
    [("closed", "stdout is closed"), ("full", "cannot write output: No space left on device")],
)
def test_closed_or_full_stdout_in_a_process(tmp_path: Path, redirect, message):
    import os
    import sys

    if redirect == "full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    env = {
        **os.environ,
        "GEM_BASE_URL": "emulator:",
        "XDG_STATE_HOME": str(tmp_path),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
    }
    out = "/dev/full" if redirect == "full" else None
    cmd = [sys.executable, "-m", "gemini_cli", "create", "hi"]
    with open(out, "w") if out else open(os.devnull) as target:
        kwargs = {"stdout": target} if out else {"close_fds": True}
        if not out:  # `>&-`: start the child with fd 1 closed
            cmd = ["sh", "-c", 'exec "$@" >&-', "sh", *cmd]
        done = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=60, **kwargs
        )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert message in err and "Traceback" not in err and "Exception ignored" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.e2e
def test_open_silent_stdin_does_not_hang_the_process(tmp_path: Path):
    import os
    import sys

    env = {
        **os.environ,
        "GEM_BASE_URL": "emulator:",
        "XDG_STATE_HOME": str(tmp_path),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gemini_cli", "create", "hi", "--timeout", "0.5"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        code = proc.wait(timeout=30)  # stdin stays open: never written, never closed
        out, err = proc.stdout.read(), proc.stderr.read()
    finally:
        proc.kill()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            pipe.close()
    assert code == 2
    assert b"stdin stayed open without data" in err and out == b""


posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, closed fds")


def _silent(*args: str) -> tuple[int, str]:
    env = {**os.environ, "GEMINI_API_KEY": "test-key-123"}
    read_end, write_end = os.pipe()  # we keep the write end open: stdin never ends
    try:
        done = subprocess.run(
            gem(*args), stdin=read_end, capture_output=True, text=True, env=env, timeout=30
        )
    finally:
        os.close(read_end)
        os.close(write_end)
    return done.returncode, done.stderr


@posix_only
@pytest.mark.parametrize(
    "args",
    [
        ("get", "-", "--timeout", "0.5"),
        ("poll", "-", "--timeout", "0.5"),
        ("create", "--dry-run", "-p", IID, "--result", "c1=-", "--timeout", "0.5"),
        ("config", "set", "model", "-", "--timeout", "0.5"),
    ],
)
def test_a_silent_stdin_ends_at_the_timeout(args):
    code, err = _silent(*args)
    assert code == 2, err
    assert "stdin stayed open without data" in err


@posix_only
def test_a_closed_stdin_is_said_to_be_closed():
    done = subprocess.run(
        gem("get", "-"),
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "GEMINI_API_KEY": "k"},
        preexec_fn=lambda: os.close(0),
    )
    assert done.returncode == 2
    assert "stdin is closed" in done.stderr and "terminal" not in done.stderr
