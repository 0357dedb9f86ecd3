"""Global options (before or after the command), --debug, --quiet, help and version."""

from __future__ import annotations

import errno
import io
import json
import sys

import httpx
import pytest
import respx

from gemini_cli import __version__
from gemini_cli.cli.main import main
from tests.conftest import TEST_KEY
from tests.helpers import IID, error_body, ok

COMMANDS = ["create", "get", "cancel", "delete"]


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "id", "get", IID],
        ["get", IID, "--format", "id"],
        ["-q", "--format=id", "get", IID],
        ["get", "-f", "id", IID],
    ],
)
def test_global_options_work_before_and_after_the_command(invoke, api, api_key, args):
    api.get(f"/interactions/{IID}").mock(return_value=ok())
    result = invoke(args)
    assert result.exit_code == 0
    assert result.stdout == f"{IID}\n"


@pytest.mark.parametrize("args", [["--json", "get", IID], ["get", IID, "--json"]])
def test_json_flag_before_or_after_the_command(invoke, api, api_key, args):
    api.get(f"/interactions/{IID}").mock(return_value=ok())
    assert json.loads(invoke(args).stdout)["id"] == IID


def test_option_after_the_command_wins(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(return_value=ok())
    assert invoke(["--format", "json", "get", IID, "--format", "id"]).stdout == f"{IID}\n"


def test_base_url_before_the_command(invoke, api_key):
    with respx.mock(assert_all_called=False) as router:
        route = router.get(f"https://proxy.example/gl/v1beta/interactions/{IID}").mock(
            return_value=ok()
        )
        result = invoke(
            ["--base-url", "https://proxy.example/gl/", "--api-version", "v1beta", "get", IID]
        )
    assert result.exit_code == 0 and route.called


def test_base_url_and_version_from_env(invoke, api_key, monkeypatch):
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "https://google.example")
    monkeypatch.setenv("GEM_BASE_URL", "https://gem.example/p")
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "v1alpha")
    with respx.mock(assert_all_called=False) as router:
        route = router.get(f"https://gem.example/p/v1alpha/interactions/{IID}").mock(
            return_value=ok()
        )
        invoke(["get", IID])
    assert route.called


def test_plain_http_to_a_remote_host_exits_2_before_sending(invoke, api_key):
    with respx.mock(assert_all_called=False) as router:
        route = router.route().mock(return_value=ok())
        result = invoke(["get", IID, "--base-url", "http://api.example.com"])
    assert result.exit_code == 2
    assert "plain http" in result.stderr and "https" in result.stderr
    assert not route.called


def test_plain_http_to_loopback_is_fine(invoke, api_key):
    with respx.mock(assert_all_called=False) as router:
        route = router.get(f"http://127.0.0.1:8765/v1/interactions/{IID}").mock(return_value=ok())
        result = invoke(["get", IID, "--base-url", "http://127.0.0.1:8765"])
    assert result.exit_code == 0 and route.called


def test_google_api_key_is_the_one_sent(invoke, api, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-key")
    monkeypatch.setenv("GOOGLE_API_KEY", "google-key")
    route = api.get(f"/interactions/{IID}").mock(return_value=ok())
    invoke(["get", IID])
    assert route.calls.last.request.headers["x-goog-api-key"] == "google-key"


def test_key_from_config_file_is_sent(invoke, api, config_file):
    config_file.write_text("api_key: file-key\n")
    config_file.chmod(0o600)
    route = api.get(f"/interactions/{IID}").mock(return_value=ok())
    invoke(["get", IID])
    assert route.calls.last.request.headers["x-goog-api-key"] == "file-key"


def test_timeout_and_retries_from_config(invoke, api, api_key, config_file, fake_clock):
    config_file.write_text("max_retries: 1\ntimeout: 30\n")
    route = api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(503))
    assert invoke(["get", IID]).exit_code == 6
    assert route.call_count == 2
    assert route.calls.last.request.extensions["timeout"]["read"] == pytest.approx(29.5)


def test_max_retries_flag_beats_env(invoke, api, api_key, monkeypatch):
    monkeypatch.setenv("GEM_MAX_RETRIES", "3")
    route = api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(503))
    invoke(["get", IID, "--max-retries", "0"])
    assert route.call_count == 1


def test_broken_config_exits_2_naming_file_and_line(invoke, api, api_key, config_file):
    config_file.write_text("model: x\n  timeout: 3\n")
    result = invoke(["get", IID])
    assert result.exit_code == 2
    assert f"{config_file}:2" in result.stderr
    assert not api.calls


# -- the key never shows ---------------------------------------------------------------


@pytest.mark.parametrize("extra", [[], ["--format", "json"]])
def test_debug_trace_and_errors_never_show_the_key(invoke, api, api_key, extra):
    api.post("/interactions").mock(
        return_value=httpx.Response(
            400,
            json={"error": {"code": 400, "message": f"API key not valid: {TEST_KEY}"}},
            headers={"x-echo": TEST_KEY},
        )
    )
    result = invoke(["create", "--debug", *extra, "hi"])
    assert result.exit_code == 3
    assert "> POST https://generativelanguage.googleapis.com/v1/interactions" in result.stderr
    assert "x-goog-api-key: <redacted>" in result.stderr
    assert TEST_KEY not in result.stdout + result.stderr


def test_gem_debug_env_turns_tracing_on(invoke, api, api_key, monkeypatch):
    monkeypatch.setenv("GEM_DEBUG", "1")
    api.get(f"/interactions/{IID}").mock(return_value=ok())
    result = invoke(["get", IID])
    assert f"> GET https://generativelanguage.googleapis.com/v1/interactions/{IID}" in (
        result.stderr
    )
    assert "< HTTP 200" in result.stderr
    assert result.stdout == "Hello there.\n"


def test_debug_traces_retries(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(side_effect=[httpx.Response(503), ok()])
    result = invoke(["--debug", "get", IID])
    assert "retrying after HTTP 503" in result.stderr


def test_connection_error_never_shows_the_key(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(side_effect=httpx.ConnectError(f"boom {TEST_KEY}"))
    result = invoke(["get", IID, "--debug", "--max-retries", "0"])
    assert result.exit_code == 6
    assert TEST_KEY not in result.stdout + result.stderr


@pytest.mark.e2e
def test_api_key_command_key_never_shows(invoke, api, config_file):
    config_file.write_text("api_key_command: echo secret-from-command\n")
    api.get(f"/interactions/{IID}").mock(return_value=error_body(403, "secret-from-command"))
    result = invoke(["get", IID, "--debug", "--json"])
    assert result.exit_code == 4
    assert "secret-from-command" not in result.stdout + result.stderr


# -- help and version ------------------------------------------------------------------


def test_version(invoke):
    result = invoke(["--version"])
    assert result.exit_code == 0 and result.stdout == f"gem {__version__}\n"


@pytest.mark.parametrize("args", [["--help"], *[[c, "--help"] for c in COMMANDS]])
def test_help_has_an_example(invoke, args):
    result = invoke(args)
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "  gem " in result.stdout.split("Examples:")[1]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_lists_the_global_options(invoke, command):
    help_text = invoke([command, "--help"]).stdout
    for option in ("--format", "--json", "--debug", "--quiet", "--base-url", "--timeout"):
        assert option in help_text


def test_no_command_shows_help_and_exits_2(invoke):
    result = invoke([])
    assert result.exit_code == 2
    assert "create" in result.stdout + result.stderr


def test_errors_before_a_command_never_print_a_traceback(invoke):
    result = invoke(["--timeout", "soon", "get", IID])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["0", "false", "False", "no", ""])
def test_gem_debug_off_values(invoke, api, api_key, monkeypatch, value):
    monkeypatch.setenv("GEM_DEBUG", value)
    api.get(f"/interactions/{IID}").mock(return_value=ok())
    assert invoke(["get", IID]).stderr == ""


def _command_paths() -> list[list[str]]:
    """Every command and subcommand gem registers (other engineers' ones included)."""
    from gemini_cli.cli.app import command_tree

    paths: list[list[str]] = []

    def walk(command, prefix):
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(command_tree(), [])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=" ".join)
def test_every_registered_command_has_a_help_example(invoke, path):
    result = invoke([*path, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout, f"gem {' '.join(path)} --help has no example"


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


class _FullStream(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


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


@pytest.mark.parametrize(
    "url, message",
    [("emulator:x", "exactly 'emulator:'"), ("https://exa mple.com", "must not contain spaces")],
)
def test_odd_base_urls_are_exit_2(invoke, api_key, url, message):
    result = invoke(["--base-url", url, "get", IID])
    assert result.exit_code == 2
    assert message in result.stderr
