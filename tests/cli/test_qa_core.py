"""Regressions from the core QA pass: keys, odd answers, bad settings, input edge cases."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.helpers import IID, FullDevice, interaction, ok, sent_json

# -- 1. the key never leaks, whatever it holds -------------------------------------------


def test_api_key_command_uses_the_first_line(invoke, api, config_file):
    config_file.write_text("api_key_command: \"printf 'first-line-key\\\\nlogin: me\\\\n'\"\n")
    config_file.chmod(0o600)
    route = api.get(f"/interactions/{IID}").mock(return_value=ok())
    result = invoke(["get", IID])
    assert result.exit_code == 0, result.stderr
    assert route.calls[0].request.headers["x-goog-api-key"] == "first-line-key"


@pytest.mark.parametrize(
    "key, kind",
    [
        ("SECRET-KEY\x1bx", "a control character"),
        ("SECRET-KEY\tx", "a control character"),
        ("SECRET-KEYé", "a non-ASCII character"),
    ],
)
def test_a_key_with_a_control_or_non_ascii_character_is_refused(
    invoke, api, monkeypatch, key, kind
):
    monkeypatch.setenv("GEMINI_API_KEY", key)
    result = invoke(["get", IID])
    assert result.exit_code == 4
    assert f"contains {kind}" in result.stderr
    assert "SECRET" not in result.stderr
    assert not api.calls


def test_a_local_protocol_error_never_prints_its_text(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(
        side_effect=httpx.LocalProtocolError("Illegal header value b'SECRET-KEY\\nlogin: me'")
    )
    result = invoke(["get", IID])
    assert result.exit_code == 6
    assert "invalid request header" in result.stderr and "SECRET" not in result.stderr
    assert len(api.calls) == 1  # gem's own malformed request: not retried


def test_api_key_command_is_bounded_by_the_timeout(invoke, api, config_file):
    config_file.write_text("api_key_command: sleep 20\n")
    result = invoke(["get", IID, "--timeout", "0.5"])
    assert result.exit_code == 4
    assert "timed out after 0.5s" in result.stderr


def test_a_body_that_cannot_be_decoded_is_exit_6(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(
        return_value=httpx.Response(
            200, stream=httpx.ByteStream(b"notgzip"), headers={"content-encoding": "gzip"}
        )
    )
    result = invoke(["get", IID])
    assert result.exit_code == 6
    assert "unreadable response" in result.stderr


@pytest.mark.parametrize("command", ["get", "cancel"])
def test_wrongly_typed_fields_are_tolerated(invoke, api, api_key, command):
    raw = '{"id":5,"status":7,"steps":"nope"}'
    reply = httpx.Response(200, content=raw.encode())
    api.get(f"/interactions/{IID}").mock(return_value=reply)
    api.post(f"/interactions/{IID}/cancel").mock(return_value=reply)
    result = invoke([command, IID])
    assert result.exit_code == 0, result.stderr
    assert "internal error" not in result.stderr
    as_json = invoke([command, IID, "--json"])
    assert as_json.exit_code == 0 and as_json.stdout == raw + "\n"


def test_unknown_status_is_noted_on_stderr(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(return_value=ok(status="weird_status"))
    result = invoke(["get", IID])
    assert result.exit_code == 0
    assert result.stdout == "Hello there.\n"
    assert "unknown status 'weird_status'" in result.stderr


def test_a_config_file_that_is_not_utf8_is_exit_2(invoke, config_file):
    config_file.write_bytes(b"model: caf\xe9\n")
    result = invoke(["create", "--dry-run", "hi"])
    assert result.exit_code == 2
    assert f"broken config file {config_file}: not UTF-8" in result.stderr


@pytest.mark.parametrize("how", ["flag-nan", "flag-inf", "env", "config"])
def test_a_timeout_that_is_not_finite_is_exit_2(invoke, config_file, monkeypatch, how):
    args = ["create", "--dry-run", "hi"]
    if how == "flag-nan":
        args += ["--timeout", "nan"]
    elif how == "flag-inf":
        args += ["--timeout", "inf"]
    elif how == "env":
        monkeypatch.setenv("GEM_TIMEOUT", "inf")
    else:
        config_file.write_text("timeout: .nan\n")
    result = invoke(args)
    assert result.exit_code == 2
    assert "timeout from" in result.stderr


def test_a_write_error_on_stdout_is_one_line_exit_2(invoke, monkeypatch):
    import sys

    monkeypatch.setattr("gemini_cli.core.termio.silence_stdout", lambda: None)
    real = sys.stdout
    from gemini_cli.core.termio import IO

    original = IO.from_sys.__func__

    def patched(cls, overrides=None):
        io = original(cls, overrides)
        io.stdout = FullDevice()
        return io

    monkeypatch.setattr(IO, "from_sys", classmethod(patched))
    result = invoke(["create", "--base-url", "emulator:", "--dry-run", "hi"])
    assert sys.stdout is real
    assert result.exit_code == 2
    assert result.stderr == "gem: error: cannot write output: No space left on device\n"


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


# -- 4. `gem config path` needs no settings ------------------------------------------------


def test_config_path_works_with_a_broken_config(invoke, config_file):
    config_file.write_text("model: [unclosed\n")
    path = invoke(["config", "path"])
    assert path.exit_code == 0 and path.stdout == f"{config_file}\n"
    assert invoke(["config", "show"]).exit_code == 2
    assert invoke(["config", "set", "model", "x"]).exit_code == 2


# -- 6. stdin that stays open without data -------------------------------------------------


def test_stdin_that_stays_open_without_data_times_out(fake_clock):
    import os

    from gemini_cli.core.errors import UsageError
    from gemini_cli.request.localread import read_stdin

    read_end, write_end = os.pipe()
    waits = []

    def never_ready(rlist, wlist, xlist, timeout):
        waits.append(timeout)
        fake_clock.advance(timeout)
        return [], [], []

    try:
        with os.fdopen(read_end, "rb") as stdin, pytest.raises(UsageError) as caught:
            read_stdin(stdin, False, 7.0, fake_clock.monotonic, never_ready)
    finally:
        os.close(write_end)
    assert "stdin stayed open without data for 7s" in caught.value.message
    assert "--no-stdin" in caught.value.hint
    assert waits == [7.0]


def test_stdin_with_data_then_silence_times_out_too(fake_clock):
    import os

    from gemini_cli.core.errors import UsageError
    from gemini_cli.request.localread import read_stdin

    read_end, write_end = os.pipe()
    os.write(write_end, b"partial")
    calls = []

    def ready_once(rlist, wlist, xlist, timeout):
        calls.append(timeout)
        if len(calls) == 1:
            return rlist, [], []
        fake_clock.advance(timeout)
        return [], [], []

    try:
        with os.fdopen(read_end, "rb") as stdin, pytest.raises(UsageError) as caught:
            read_stdin(stdin, False, 3.0, fake_clock.monotonic, ready_once)
    finally:
        os.close(write_end)
    assert "stdin did not end within 3s" in caught.value.message


def test_a_pipe_that_ends_is_read_whole(fake_clock):
    import os

    from gemini_cli.request.localread import read_stdin

    read_end, write_end = os.pipe()
    os.write(write_end, b"all of it")
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stdin:
        assert read_stdin(stdin, False, 3.0, fake_clock.monotonic) == b"all of it"


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


# -- 7. a failed interaction's reason --------------------------------------------------------


@pytest.mark.parametrize("error", [{"message": "model crashed"}, "model crashed"])
def test_a_top_level_error_is_the_reason(invoke, api, api_key, error):
    api.get(f"/interactions/{IID}").mock(
        return_value=ok(interaction(status="failed", text=None, error=error))
    )
    result = invoke(["get", IID])
    assert result.exit_code == 1
    assert result.stderr == f"gem: error: interaction {IID} failed: model crashed\n"
    as_json = invoke(["get", IID, "--json"])
    assert json.loads(as_json.stderr)["error"]["message"].endswith("failed: model crashed")


# -- 8. unknown binary, BOMs, Latin-1 ---------------------------------------------------------


def test_unknown_attachment_hint_and_mime_type_fallback(invoke, tmp_path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\x01\x02\x03binary")
    result = invoke(["create", "--dry-run", "-a", str(blob), "hi"])
    assert result.exit_code == 2
    assert "give the file a known extension" in result.stderr
    assert "))" not in result.stderr and "; hint: " in result.stderr
    given = invoke(["create", "--dry-run", "-a", str(blob), "--mime-type", "image/png", "hi"])
    assert given.exit_code == 0, given.stderr
    block = json.loads(given.stdout)["body"]["input"][0]["content"][0]
    assert block["type"] == "image" and block["mime_type"] == "image/png"


@pytest.mark.parametrize(
    "data",
    [
        "héllo wörld".encode("utf-16"),
        "héllo wörld".encode("utf-8-sig"),
        "héllo wörld".encode("utf-32"),
    ],
)
def test_text_with_a_bom_is_text(invoke, data):
    result = invoke(["create", "--dry-run"], input=data)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["input"] == "héllo wörld"


def test_latin1_text_says_not_utf8(invoke):
    result = invoke(["create", "--dry-run"], input="café au lait\n".encode("latin-1"))
    assert result.exit_code == 2
    assert "not UTF-8 text" in result.stderr and "iconv -f latin1 -t utf-8" in result.stderr


# -- 9. settings checked the same way wherever they come from ----------------------------------


def test_max_retries_must_be_whole_in_the_config(invoke, config_file):
    config_file.write_text("max_retries: 2.5\n")
    result = invoke(["create", "--dry-run", "hi"])
    assert result.exit_code == 2 and "max_retries" in result.stderr


@pytest.mark.parametrize(
    "url, why",
    [
        ("ftp://x", "must start with https://"),
        ("http://127.0.0.1:1/?key=X", "query string"),
        ("https://host/#frag", "query string or fragment"),
        ("https://user:pw@host/", "credentials"),
        ("https://", "no host"),
    ],
)
def test_bad_base_urls_are_exit_2_before_the_key(invoke, api, url, why):
    result = invoke(["get", IID, "--base-url", url])  # no key set: still 2, not 4
    assert result.exit_code == 2, result.stderr
    assert why in result.stderr and "pw" not in result.stderr


def test_plain_http_to_a_remote_host_is_2_even_without_a_key(invoke):
    result = invoke(["get", IID, "--base-url", "http://example.com"])
    assert result.exit_code == 2 and "plain http://" in result.stderr


def test_bad_base_url_in_the_config_names_the_file(invoke, config_file):
    config_file.write_text("base_url: ftp://x\n")
    result = invoke(["get", IID])
    assert result.exit_code == 2 and str(config_file) in result.stderr


# -- 10. Ctrl-C ---------------------------------------------------------------------------------


def test_an_interrupt_before_the_app_runs_is_130_without_traceback(monkeypatch, capsys):
    import builtins

    from gemini_cli.cli import main as entry

    real_import = builtins.__import__

    def interrupted_import(name, *args, **kwargs):
        if name == "gemini_cli.cli.app":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", interrupted_import)
    assert entry.main(["create", "hi"]) == 130
    assert capsys.readouterr().err == "gem: error: interrupted\n"


# -- 11. small things ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply, printed",
    [
        (httpx.Response(204), "{}\n"),
        (httpx.Response(200, text="deleted, thanks"), "deleted, thanks\n"),
        (httpx.Response(200, json={}), "{}\n"),
    ],
)
def test_delete_json_prints_the_answer_as_sent(invoke, api, api_key, reply, printed):
    api.delete(f"/interactions/{IID}").mock(return_value=reply)
    result = invoke(["delete", IID, "--json"])
    assert result.exit_code == 0
    assert result.stdout == printed


def test_no_id_with_format_id_is_exit_6(invoke, api, api_key):
    api.post("/interactions").mock(
        return_value=httpx.Response(200, json={"status": "completed", "steps": []})
    )
    result = invoke(["create", "-f", "id", "hi"])
    assert result.exit_code == 6
    assert "the API returned no interaction id" in result.stderr and result.stdout == ""
    text = invoke(["create", "hi"])
    assert text.exit_code == 0
    assert "the interaction completed with no output text" in text.stderr
    assert "  " not in text.stderr


def test_a_redirect_names_its_location(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(
        return_value=httpx.Response(301, headers={"location": "https://elsewhere.example/v1/x"})
    )
    result = invoke(["get", IID])
    assert result.exit_code == 3
    assert "redirected to https://elsewhere.example/v1/x" in result.stderr
    assert "--base-url" in result.stderr


@pytest.mark.parametrize(
    "args, first",
    [
        (["help"], "Usage: gem [OPTIONS] COMMAND"),
        (["help", "create"], "Usage: gem create"),
        (["help", "config", "set"], "Usage: gem config set"),
    ],
)
def test_gem_help(invoke, args, first):
    result = invoke(args)
    assert result.exit_code == 0
    assert result.stdout.startswith(first)


def test_gem_help_unknown_command(invoke):
    result = invoke(["help", "nope"])
    assert result.exit_code == 2 and "no such command" in result.stderr


def test_local_format_wins_over_root_json(invoke, api, api_key):
    api.post("/interactions").mock(return_value=ok())
    result = invoke(["--json", "create", "-f", "text", "hi"])
    assert result.exit_code == 0
    assert result.stdout == "Hello there.\n"


def test_set_blames_body_or_set_for_tools(invoke):
    result = invoke(
        ["create", "--dry-run", "--set", 'tools=[{"a":1}]', "--set", "tools.-1.a=2", "hi"]
    )
    assert result.exit_code == 2
    assert "--body/--set tools" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--set", "model.x=1"],
        ["-m", "m", "--set", "model.x=1"],
        ["--set", "generation_config.seed=1", "--set", "generation_config.seed.x=2"],
    ],
)
def test_set_never_descends_into_a_non_object(invoke, args):
    result = invoke(["create", "--dry-run", *args, "hi"])
    assert result.exit_code == 2
    assert "not an object" in result.stderr


@pytest.mark.parametrize(
    "args, ok_",
    [
        (["--max-tokens", "-5"], False),
        (["--max-tokens", "0"], False),
        (["--max-tokens", "1"], True),
        (["--seed", "-3"], True),
        (["--temperature", "-0.1"], False),
        (["--temperature", "0"], True),
        (["--temperature", "nan"], False),
        (["--top-p", "1.5"], False),
        (["--top-p", "1"], True),
        (["--top-p", "-0.1"], False),
    ],
)
def test_generation_flags_ranges(invoke, args, ok_):
    result = invoke(["create", "--dry-run", *args, "hi"])
    assert (result.exit_code == 0) is ok_, result.stderr


def test_whitespace_only_stdin_is_no_input(invoke):
    assert invoke(["create", "--dry-run"], input=" \n\t\n").exit_code == 2
    result = invoke(["create", "--dry-run", "hi"], input="  \n")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["body"]["input"] == "hi"


def test_an_empty_attachment_is_exit_2(invoke, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = invoke(["create", "--dry-run", "-a", str(empty), "hi"])
    assert result.exit_code == 2 and f"{empty}: is empty" in result.stderr


def test_body_dash_from_a_terminal_is_refused(invoke):
    result = invoke(["create", "--dry-run", "--body", "-", "hi"], tty={"stdin_isatty": True})
    assert result.exit_code == 2
    assert "stdin is a terminal: pipe the body in or give a file" in result.stderr


def test_body_dash_from_a_pipe_still_works(invoke, api, api_key):
    route = api.post("/interactions").mock(return_value=ok())
    result = invoke(["create", "--body", "-", "hi"], input='{"service_tier": "flex"}')
    assert result.exit_code == 0, result.stderr
    assert sent_json(route)["service_tier"] == "flex"


@pytest.mark.parametrize("where", ["env", "config"])
def test_a_format_no_command_has_is_exit_2_naming_the_source(
    invoke, config_file, monkeypatch, where
):
    if where == "env":
        monkeypatch.setenv("GEM_FORMAT", "xml")
    else:
        config_file.write_text("format: xml\n")
    result = invoke(["create", "--dry-run", "hi"])
    assert result.exit_code == 2
    assert ("GEM_FORMAT" if where == "env" else str(config_file)) in result.stderr


def test_a_format_another_command_has_falls_back(invoke, monkeypatch):
    monkeypatch.setenv("GEM_FORMAT", "ndjson")  # a stream format: create prints text
    result = invoke(["create", "--base-url", "emulator:", "hi"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Echo: hi")


# -- lead's round-2 fixes ------------------------------------------------------------------


def test_a_server_id_cannot_forge_lines_on_stderr(invoke, api, api_key):
    forged = "v1_x\ngem: error: forged\u202e"
    api.post("/interactions").mock(
        return_value=httpx.Response(200, json={"id": forged, "status": "in_progress"})
    )
    result = invoke(["create", "--background", "hi"])
    assert result.exit_code == 0
    assert "\ngem: error: forged" not in result.stdout + result.stderr
    assert "\u202e" not in result.stderr
    assert "v1_x\\x0agem: error: forged\\u202e" in result.stdout


def test_json_output_keeps_the_server_id_as_sent(invoke, api, api_key):
    body = json.dumps({"id": "v1_x\ny", "status": "completed"})
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, text=body))
    assert invoke(["get", IID, "--json"]).stdout == body + "\n"


def test_config_warnings_respect_a_json_format_from_the_environment(
    invoke, api, config_file, monkeypatch
):
    config_file.write_text("bogus_key: 1\n")
    monkeypatch.setenv("GEM_FORMAT", "json")
    monkeypatch.setenv("GEMINI_API_KEY", "test-key-123")
    api.get(f"/interactions/{IID}").mock(
        return_value=httpx.Response(
            404, json={"error": {"code": 404, "message": "nope", "status": "NOT_FOUND"}}
        )
    )
    result = invoke(["get", IID])
    assert result.exit_code == 3
    assert json.loads(result.stderr)["error"]["http_status"] == 404  # one JSON object, no prose


def test_debug_shows_no_traceback_for_an_expected_error(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(
        return_value=httpx.Response(
            404, json={"error": {"code": 404, "message": "nope", "status": "NOT_FOUND"}}
        )
    )
    result = invoke(["get", IID, "--debug"])
    assert result.exit_code == 3
    assert "< HTTP 404" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_while_options_are_parsed_still_says_so(invoke, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("gemini_cli.cli.typer_compat.install_plain_coercion", interrupted)
    result = invoke(["history"])
    assert result.exit_code == 130
    assert result.stderr == "gem: error: interrupted\n"


def test_ctrl_c_in_a_command_is_reported_once(invoke, api_key, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("gemini_cli.api.client.InteractionsClient.get", interrupted)
    result = invoke(["get", IID])
    assert (result.exit_code, result.stderr) == (130, "gem: error: interrupted\n")
