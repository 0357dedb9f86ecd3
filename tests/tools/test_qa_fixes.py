"""Regressions from the QA pass: -o/--save, --result before any request, tool process groups,
duplicate declarations, clearer messages, streamed media assembly."""

from __future__ import annotations

import base64
import os
import sys
import time
from pathlib import Path

import httpx
import pytest

from gemini_cli.api.assembler import InteractionAssembler
from gemini_cli.turns.toolrun import run_command
from tests.helpers import interaction, ok

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
PNG64 = base64.b64encode(PNG).decode()


def with_blocks(*blocks, status="completed", ident="v1_abc123"):
    steps = [{"type": "model_output", "content": list(blocks)}]
    return interaction(status=status, text=None, ident=ident, steps=steps)


@pytest.fixture
def reply(api, api_key):
    def mock(data):
        return api.post("/interactions").mock(return_value=httpx.Response(200, json=data))

    return mock


# -- 1. `-o -`: stdout carries the media bytes only ---------------------------------------------


def test_stream_output_dash_writes_only_the_media_bytes(emulator):
    result = emulator(["stream", "--response-format", "image", "-o", "-", "a red bicycle"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"Echo" not in result.stdout_bytes


@pytest.mark.parametrize("command", ["create", "stream"])
@pytest.mark.parametrize("fmt", ["json", "yaml", "id", "ndjson", "paths"])
def test_output_dash_refuses_formats_that_write_stdout(invoke, api, api_key, command, fmt):
    route = api.post("/interactions").mock(return_value=ok())
    result = invoke([command, "-f", fmt, "-o", "-", "Draw"])
    assert result.exit_code == 2
    assert not route.called


# -- 4. bad output paths: exit 2 before sending; write failures exit 1 with the id ----------------


@pytest.mark.parametrize(
    "args", [["-o", ""], ["-o", "{tmp}"], ["--save", "{tmp}/file"], ["-o", "{tmp}/file/x.png"]]
)
def test_bad_output_paths_are_refused_before_sending(invoke, reply, tmp_path, args):
    (tmp_path / "file").write_text("x")
    route = reply(with_blocks({"type": "image", "mime_type": "image/png", "data": PNG64}))
    result = invoke(["create", *[a.format(tmp=tmp_path) for a in args], "Draw"])
    assert result.exit_code == 2, result.stderr
    assert not route.called


def test_an_unusable_state_dir_is_a_usage_error(emulator, tmp_path, monkeypatch):
    (tmp_path / "notadir").write_text("")
    monkeypatch.setenv("GEM_STATE_DIR", str(tmp_path / "notadir"))
    result = emulator(["create", "a"])
    assert result.exit_code == 2
    assert "state directory" in result.stderr and "notadir" in result.stderr
    assert "internal error" not in result.stderr


def test_a_failed_write_names_the_interaction(invoke, reply, tmp_path, monkeypatch):
    reply(with_blocks({"type": "image", "mime_type": "image/png", "data": PNG64}))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("gemini_cli.turns.media.tempfile.mkstemp", refuse)
    result = invoke(["create", "-o", str(tmp_path / "a.png"), "Draw"])
    assert result.exit_code == 1
    assert "v1_abc123" in result.stderr and "gem get v1_abc123" in result.stderr


# -- 5. -o FILE with nothing to write ----------------------------------------------------------


def test_output_file_without_media_is_exit_1(invoke, reply, tmp_path):
    reply(interaction())
    result = invoke(["create", "-o", str(tmp_path / "a.png"), "Draw"])
    assert result.exit_code == 1
    assert "no media block" in result.stderr
    assert not (tmp_path / "a.png").exists()


def test_output_file_with_a_uri_only_block_downloads_it_without_the_key(
    invoke, reply, api, tmp_path
):
    reply(with_blocks({"type": "image", "mime_type": "image/png", "uri": "https://x/a.png"}))
    route = api.route(host="x", path="/a.png").mock(return_value=httpx.Response(200, content=b"P"))
    result = invoke(["create", "-o", str(tmp_path / "a.png"), "Draw"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "a.png").read_bytes() == b"P"
    assert "x-goog-api-key" not in route.calls[0].request.headers  # another host: no key
    route.mock(return_value=httpx.Response(404))
    failed = invoke(["create", "-o", str(tmp_path / "b.png"), "Draw"])
    assert failed.exit_code == 1 and "could not download https://x/a.png: HTTP 404" in failed.stderr
    assert not (tmp_path / "b.png").exists()


def test_output_file_on_requires_action_exits_by_status(invoke, reply, tmp_path):
    reply(
        interaction(
            "requires_action",
            None,
            steps=[{"type": "function_call", "id": "c1", "name": "f", "arguments": {}}],
        )
    )
    result = invoke(["create", "-o", str(tmp_path / "a.png"), "Draw"])
    assert result.exit_code == 9


# -- 7. --save never follows a symlink nor overwrites -----------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_save_does_not_follow_a_planted_symlink(invoke, reply, tmp_path):
    reply(with_blocks({"type": "image", "mime_type": "image/png", "data": PNG64}))
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (out / "v1_abc123-1.png").symlink_to(victim)
    (out / "v1_abc123-1-1.png").write_text("old")
    result = invoke(["create", "-f", "paths", "--save", str(out), "Draw"])
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "keep me"
    assert (out / "v1_abc123-1-1.png").read_text() == "old"
    assert result.stdout == f"{out / 'v1_abc123-1-2.png'}\n"
    assert (out / "v1_abc123-1-2.png").read_bytes() == PNG


def test_output_file_overwrites_like_a_shell_redirect(invoke, reply, tmp_path):
    reply(with_blocks({"type": "image", "mime_type": "image/png", "data": PNG64}))
    target = tmp_path / "a.png"
    target.write_text("old")
    assert invoke(["create", "-o", str(target), "Draw"]).exit_code == 0
    assert target.read_bytes() == PNG


# -- 2. --result: nothing is sent before the flags and files are checked; --dry-run sends none --


def test_result_with_dry_run_sends_nothing(invoke, api, api_key, tmp_path):
    get = api.get("/interactions/v1_prev").mock(return_value=ok())
    path = tmp_path / "r.json"
    path.write_text('{"t": 5}')
    result = invoke(["create", "--dry-run", "-p", "v1_prev", "--result", f"c1={path}"])
    assert result.exit_code == 0, result.stderr
    assert not get.called
    assert '"function_result"' in result.stdout


@pytest.mark.parametrize("spec", ["c1", "=x", "c1=/no/such/file"])
def test_a_malformed_result_sends_nothing(invoke, api, api_key, spec):
    get = api.get("/interactions/v1_prev").mock(return_value=ok())
    post = api.post("/interactions").mock(return_value=ok())
    result = invoke(["create", "-p", "v1_prev", "--result", "c2=-", "--result", spec], input="x")
    assert result.exit_code == 2
    assert not get.called and not post.called


# -- 3. --tool-timeout kills the command's whole process group --------------------------------


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


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return False


# -- 9/10. duplicates and clearer messages ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--function", "f=cat", "--function", "f=ls"], "duplicate function f"),
        (["--schema", "a int, a str"], "duplicate field"),
        (["--file-search", ""], "store name is empty"),
        (["--schema", ""], "empty schema"),
    ],
)
def test_input_refused_with_a_clear_reason(invoke, api, api_key, args, message):
    route = api.post("/interactions").mock(return_value=ok())
    result = invoke(["create", *args, "hi"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not route.called


def test_tool_file_command_and_function_flag_for_one_name(invoke, api_key, tmp_path):
    tools = tmp_path / "t.yaml"
    tools.write_text("- {type: function, name: f, command: cat}\n")
    result = invoke(["create", "--dry-run", "--tool", str(tools), "--function", "f=ls", "hi"])
    assert result.exit_code == 2 and "duplicate function f" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the tool file is empty"),
        (b"  \n", "the tool file is empty"),
        (b"\x7fELF\x02\x01\x00\x00binary", "looks binary"),
        (b"just words", "not a JSON or YAML"),
    ],
)
def test_unusable_tool_files(invoke, api_key, tmp_path, content, message):
    path = tmp_path / "t.yaml"
    path.write_bytes(content)
    result = invoke(["create", "--dry-run", "--tool", str(path), "hi"])
    assert result.exit_code == 2 and message in result.stderr, result.stderr


@pytest.mark.skipif(os.name != "posix", reason="executable bits")
def test_a_function_command_that_is_not_executable(invoke, api_key, tmp_path):
    path = tmp_path / "noexec.sh"
    path.write_text("#!/bin/sh\necho hi\n")
    result = invoke(["create", "--dry-run", "--function", f"f={path}", "--run-tools", "hi"])
    assert result.exit_code == 2
    assert "is not executable" in result.stderr and "not found" not in result.stderr


# -- 12. streamed media: never merge a corrupt fragment; undecodable media is exit 1 ----------


def test_an_invalid_base64_fragment_is_not_merged_with_the_next():
    assembler = InteractionAssembler()
    assembler.add({"event_type": "step.start", "index": 0, "step": {"type": "model_output"}})
    for delta in (
        {"type": "image", "mime_type": "image/png", "data": "!!!not base64***"},
        {"type": "image", "data": PNG64},
    ):
        assembler.add({"event_type": "step.delta", "index": 0, "delta": delta})
    content = assembler.steps[0]["content"]
    assert [b["data"] for b in content] == ["!!!not base64***", PNG64]


def test_split_base64_fragments_are_still_merged():
    assembler = InteractionAssembler()
    for piece in (PNG64[:10], PNG64[10:]):
        assembler.add(
            {"event_type": "step.delta", "index": 0, "delta": {"type": "image", "data": piece}}
        )
    assert [b["data"] for b in assembler.steps[0]["content"]] == [PNG64]


def test_undecodable_media_is_exit_1_not_a_corrupt_file(invoke, reply, tmp_path):
    reply(with_blocks({"type": "image", "mime_type": "image/png", "data": "!!!not base64***"}))
    result = invoke(["create", "--save", str(tmp_path / "out"), "Draw"])
    assert result.exit_code == 1 and "not valid base64" in result.stderr
    assert not any((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True
