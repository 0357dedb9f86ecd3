"""Tool commands get what a hostile server sends without crashing gem, and never the key
(issue 17.2 tool output cap, 17.4 call ids, 17.10 environment)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from gemini_cli.turns.toolrun import run_command, tool_env
from tests.conftest import TEST_KEY
from tests.processes import JSON, body, calling, run_gem

PY = sys.executable


@pytest.mark.e2e
def test_the_api_key_is_not_in_a_tool_environment(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", TEST_KEY)
    monkeypatch.setenv("GOOGLE_API_KEY", TEST_KEY)
    monkeypatch.setenv("KEEP_ME", "1")
    printed = run_command(
        [PY, "-c", "import os, json; print(json.dumps(dict(os.environ)))"],
        {"name": "env", "id": "c1"},
        10,
    )
    assert not printed.is_error
    env = printed.result
    assert "GEMINI_API_KEY" not in env and "GOOGLE_API_KEY" not in env
    assert env["KEEP_ME"] == "1" and env["GEM_CALL_ID"] == "c1"


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("call_id", "shown"),
    [("a\x00b", "a\\x00b"), ("a\x1b]0;x\x07", "a\\x1b]0;x\\x07"), ("\ud800z", "\\ud800z")],
)
def test_a_call_id_that_cannot_go_in_an_environment_is_escaped(call_id, shown):
    env = tool_env({"name": "f", "id": call_id})
    assert env["GEM_CALL_ID"] == shown
    printed = run_command(
        [PY, "-c", "import os; print(os.environ['GEM_CALL_ID'])"], {"id": call_id}, 10
    )
    assert (printed.is_error, printed.result) == (False, shown)


@pytest.mark.e2e
def test_arguments_with_a_lone_surrogate_reach_the_tool_as_json():
    printed = run_command(
        [PY, "-c", "import sys; print(sys.stdin.read())"], {"arguments": {"q": "a\ud800b"}}, 10
    )
    assert not printed.is_error
    assert json.loads(json.dumps(printed.result))["q"] == "a\ud800b"


@pytest.mark.e2e
def test_output_beyond_the_cap_is_cut_with_a_note(monkeypatch):
    monkeypatch.setenv("GEM_MAX_TOOL_OUTPUT_BYTES", "1k")
    script = "import sys; sys.stdout.write('é' * 100_000)"  # 200,000 bytes
    printed = run_command([PY, "-c", script], {}, 10)
    assert not printed.is_error
    assert printed.printed == 200_000
    text, _, note = printed.result.rpartition("\n")
    assert text == "é" * 512  # 1024 bytes, whole characters
    assert note == (
        "[the command printed 200000 bytes; only the first 1 KiB were kept "
        "(GEM_MAX_TOOL_OUTPUT_BYTES raises the limit)]"
    )


@pytest.mark.e2e
def test_a_tool_printing_300_mb_stays_small(isolated_env, scripted_server):
    """The real process: 300 MB of tool output cost a bounded amount of memory, and what is
    sent back is the capped text with its note (not a 300 MB request)."""
    scripted_server.reply(200, headers=JSON, body=calling("big"))
    scripted_server.reply(200, headers=JSON, body=body(steps=[]))
    tool = f"{PY} -c \"import sys; [sys.stdout.write('x' * 1048576) for _ in range(300)]\""
    args = ["create", "--base-url", scripted_server.url, "--function", f"big={tool}"]
    result = run_gem(isolated_env, [*args, "--run-tools", "go"], measure=True)
    *lines, maxrss = result.stderr.decode().splitlines()
    assert result.returncode == 0, lines
    assert int(maxrss) < 300_000  # KiB: well under the 300 MB printed
    sent = json.loads(scripted_server.requests[1].body)["input"][0]["result"]
    assert len(sent) < 1_100_000
    assert sent.endswith("(GEM_MAX_TOOL_OUTPUT_BYTES raises the limit)]")
    assert any("gem: warning: the command printed 314572800 bytes" in line for line in lines)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return False


@pytest.mark.e2e
@pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")
def test_tool_timeout_kills_the_children_too(tmp_path):
    pidfile = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen(['sleep', '30'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(30)\n"
    )
    started = time.monotonic()
    outcome = run_command([sys.executable, "-c", code], {"name": "f", "arguments": {}}, 1.0)
    assert outcome.is_error and "timed out" in str(outcome.result)
    assert time.monotonic() - started < 10
    pid = int(pidfile.read_text())
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        if _is_zombie(pid):
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"child {pid} survived the timeout")
