"""Regressions from the second core QA pass: stdin and files that never end, bytes that are not
UTF-8, odd server answers and output that cannot be written."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
import threading

import httpx
import pytest

from gemini_cli.api.client import InteractionsClient
from gemini_cli.cli.main import main
from gemini_cli.core.errors import UsageError
from tests.helpers import IID, interaction

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, closed fds")


def gem(*args: str) -> list[str]:
    return [sys.executable, "-m", "gemini_cli", *args]


# -- 1. every stdin read ends within --timeout ---------------------------------------------------


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


def test_result_dash_refuses_a_terminal(invoke, api, api_key):
    result = invoke(
        ["create", "-p", IID, "--result", "c1=-"], input="{}", tty={"stdin_isatty": True}
    )
    assert result.exit_code == 2
    assert "--result c1=-: stdin is a terminal" in result.stderr
    assert not api.calls


def test_config_set_reads_only_the_first_line_of_stdin(invoke, config_file):
    result = invoke(["config", "set", "model", "-"], input="\nmy-model\nignored\n")
    assert result.exit_code == 0, result.stderr
    assert "model: my-model" in config_file.read_text()


# -- 2. files that are pipes or too big ----------------------------------------------------------


@posix_only
@pytest.mark.parametrize("flag", ["-a", "--system-file", "--body", "--tool", "--schema"])
def test_a_fifo_input_nobody_writes_to_ends_at_the_timeout(invoke, api_key, tmp_path, flag):
    from gemini_cli.api.retry import Clock  # a real clock: the FIFO wait is real

    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    result = invoke(
        ["create", "--dry-run", "--timeout", "0.3", flag, str(fifo), "hi"], clock=Clock()
    )
    assert result.exit_code == 2, result.stderr
    assert "ff: no data arrived within" in result.stderr


@posix_only
def test_schema_reads_a_pipe(invoke, api_key, tmp_path):
    fifo = tmp_path / "schema"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "w") as handle:
            handle.write('{"type": "object", "properties": {"a": {"type": "string"}}}')

    threading.Thread(target=write, daemon=True).start()
    result = invoke(["create", "--dry-run", "--schema", str(fifo), "hi"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["response_format"]["schema"]["type"] == "object"


@pytest.mark.parametrize("content", [b"\xff\xfe", b"\xef\xbb\xbf", b"  \n\t\n"])
def test_an_attachment_with_no_text_is_empty(invoke, api_key, tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    result = invoke(["create", "--dry-run", "-a", str(path), "hi"])
    assert result.exit_code == 2
    assert "empty.txt: is empty" in result.stderr


# -- 3. bytes that are not UTF-8, control characters ----------------------------------------------


@pytest.mark.parametrize(
    "args, number",
    [
        (["create", "\udcff\udcfe prompt"], 2),
        (["get", "\udcff"], 2),
        (["create", "-m", "\udcff", "hi"], 3),
    ],
)
def test_an_argument_that_is_not_utf8_is_exit_2(capsys, args, number):
    assert main(args) == 2
    assert f"argument {number} is not valid UTF-8" in capsys.readouterr().err


def test_an_env_value_that_is_not_utf8_is_exit_2(invoke, api_key, monkeypatch):
    monkeypatch.setenv("GEM_MODEL", "\udcff")
    result = invoke(["create", "--dry-run", "hi"])
    assert result.exit_code == 2
    assert "GEM_MODEL is not valid UTF-8" in result.stderr


def test_an_id_on_stdin_that_is_not_utf8_is_exit_2(invoke, api, api_key):
    result = invoke(["get", "-"], input=b"\xff\xfe\n")
    assert result.exit_code == 2
    assert "not valid UTF-8" in result.stderr
    assert not api.calls


@pytest.mark.parametrize(
    "key, value",
    [
        ("api_key", "ab\x01c"),
        ("model", "a\nb"),
        ("aliases.fast", "a\x1b[31m"),
        ("model", "a\udcffb"),
    ],
)
def test_config_set_refuses_control_characters(invoke, config_file, key, value):
    result = invoke(["config", "set", key, value])
    assert result.exit_code == 2
    assert "it was not stored" in result.stderr
    assert not config_file.exists()


# -- 4. odd answers, odd ids, output that cannot be written ---------------------------------------


def test_a_deeply_nested_answer_is_unreadable(invoke, api, api_key):
    deep = '{"id": "v1_d", "status": "completed", "x": ' + "[" * 50000 + "]" * 50000 + "}"
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, text=deep))
    result = invoke(["get", IID])
    assert result.exit_code == 6
    assert "unreadable response" in result.stderr


def test_a_deeply_nested_error_body_keeps_its_status(invoke, api, api_key):
    deep = '{"error": {"message": "m", "details": ' + "[" * 50000 + "]" * 50000 + "}}"
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(400, text=deep))
    result = invoke(["get", IID])
    assert result.exit_code == 3
    assert "HTTP 400" in result.stderr


def test_a_lone_surrogate_in_the_reply_prints_as_a_question_mark(invoke, api, api_key):
    raw = json.dumps(interaction(text="x")).replace('"x"', '"bad \\ud800 end"')
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, text=raw))
    result = invoke(["get", IID])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "bad ? end\n"


@pytest.mark.parametrize(
    "ident, message",
    [
        ("a" * 70_000, "the interaction id is too long"),
        ("v1_a\x01b", "contains a control character"),
    ],
)
def test_odd_ids_are_refused_before_sending(invoke, api, api_key, ident, message):
    result = invoke(["get", ident])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not api.calls


def test_a_huge_id_on_stdin_is_refused(invoke, api, api_key):
    result = invoke(["get", "-"], input="a" * 3_000_000)
    assert result.exit_code == 2
    assert not api.calls


def test_the_client_turns_an_invalid_url_into_a_usage_error():
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=interaction())

    transport = httpx.MockTransport(answer)
    client = InteractionsClient(api_key="k" * 10, transport=transport, max_retries=0)
    with pytest.raises(UsageError, match="cannot build the request URL") as raised:
        client.get("a" * 70_000)
    assert raised.value.exit_code == 2 and not sent  # a usage error (not 70), nothing sent


def test_an_id_too_long_for_a_url_is_a_usage_error_before_sending(invoke, api, api_key):
    result = invoke(["get", "a" * 70_000])
    assert result.exit_code == 2 and "too long" in result.stderr
    assert not api.calls


class _FullStream(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    "args", [["--help"], ["create", "--help"], ["help"], ["--version"], ["--debug", "--version"]]
)
def test_help_and_version_into_a_full_disk_are_exit_2(monkeypatch, capsys, args):
    monkeypatch.setattr("gemini_cli.core.termio.silence_stdout", lambda: None)
    with capsys.disabled():
        err = io.StringIO()
        monkeypatch.setattr(sys, "stdout", _FullStream())
        monkeypatch.setattr(sys, "stderr", err)
        code = main(args)
    assert code == 2
    assert "cannot write output: No space left on device" in err.getvalue()


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["help", "create"]])
def test_help_and_version_with_stdout_closed_are_exit_2(monkeypatch, capsys, args):
    monkeypatch.setattr(sys, "stdout", None)
    assert main(args) == 2
    assert "stdout is closed" in capsys.readouterr().err


def test_help_of_help(invoke):
    result = invoke(["help", "help"])
    assert result.exit_code == 0
    assert "Usage: gem help" in result.stdout


# -- 7. small ones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, message",
    [("emulator:x", "exactly 'emulator:'"), ("https://exa mple.com", "must not contain spaces")],
)
def test_odd_base_urls_are_exit_2(invoke, api_key, url, message):
    result = invoke(["--base-url", url, "get", IID])
    assert result.exit_code == 2
    assert message in result.stderr


def test_config_show_shows_defaults_as_written(invoke):
    result = invoke(["config", "show"])
    lines = {
        line.split()[0]: line.split()[1]
        for line in result.stdout.splitlines()[1:]
        if len(line.split()) > 2
    }
    assert lines["format"] == "text" and lines["timeout"] == "600"
    report = json.loads(invoke(["config", "show", "--json"]).stdout)
    assert report["settings"]["timeout"]["value"] == 600


def test_the_readme_tools_example_works(invoke, api_key):
    result = invoke(
        [
            "create",
            "--dry-run",
            "--set",
            'tools=[{"type":"google_search","search_types":["image_search"]}]',
            "hi",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["tools"][0]["search_types"] == ["image_search"]


def test_set_into_a_missing_tools_list_is_exit_2(invoke, api_key):
    result = invoke(["create", "--dry-run", "--set", "tools.0.name=x", "hi"])
    assert result.exit_code == 2
    assert "there is no tools list yet (set tools=[...] first)" in result.stderr
