"""Start-up shape: each run loads only its command, and the paths stay free of heavy modules.

No timings here (machines are noisy): benchmarks/startup.py measures. These tests pin what
the timings depend on: which modules a path imports, the lazy command table, Typer's fallback.
"""

from __future__ import annotations

import inspect
import json
import os
import ssl
import subprocess
import sys

import pytest

from gemini_cli.cli import typer_compat
from gemini_cli.cli.app import COMMANDS, command_tree

COMMAND_MODULES = {module for module, _ in COMMANDS.values()}
PROBE = """
import contextlib, io, json, sys
from gemini_cli.cli.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \\
        contextlib.suppress(SystemExit):
    main(sys.argv[1:])
from gemini_cli.core.deferred import is_placeholder
print(json.dumps(sorted(n for n, m in sys.modules.items() if not is_placeholder(m))))
"""


def imported_by(*args: str, **env: str) -> set[str]:
    """Every module a real `gem ARGS` process imports (stdout a pipe, stdin closed)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GEMINI_API_KEY": "test-key-123", **env},
        stdin=subprocess.DEVNULL,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def loads(modules: set[str], *names: str) -> list[str]:
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


# -- the lazy command table ---------------------------------------------------------------------


def test_the_command_table_matches_every_commands_own_help() -> None:
    root = command_tree()
    visible = {name for name, c in root.commands.items() if not c.hidden}
    assert visible == set(COMMANDS)
    for name, (module, first_paragraph) in COMMANDS.items():
        command = root.commands[name]
        assert inspect.cleandoc(command.help or "").split("\n\n")[0] == first_paragraph, name
        assert sys.modules[module] is not None


def test_root_help_lists_every_command(invoke) -> None:
    result = invoke(["--help"])
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:\n", 1)[1]
    for name in COMMANDS:
        assert f"\n  {name} " in "\n" + listed


def test_an_unknown_command_is_a_usage_error(invoke) -> None:
    result = invoke(["nosuch"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("gem: error: No such command 'nosuch'")


def test_help_names_a_command_through_the_table(invoke) -> None:
    result = invoke(["help", "get"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: gem get [OPTIONS]")


LOADED_HELP = """
from gemini_cli.cli.app import app, command_tree
command_tree()  # every command module imported: the list comes from the commands themselves
app(args=["--help"], prog_name="gem", standalone_mode=False)  # rendered by Typer, not pre-rendered
"""


@pytest.mark.e2e
@pytest.mark.parametrize("columns", ["60", "80", "100", "150"])
def test_lazy_root_help_equals_the_fully_loaded_one(columns: str) -> None:
    def run(*argv: str) -> str:
        done = subprocess.run(
            [sys.executable, *argv],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COLUMNS": columns},
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    lazy = run("-m", "gemini_cli", "--help")
    assert "Commands:" in lazy
    assert lazy == run("-c", LOADED_HELP)


# -- what each path imports ---------------------------------------------------------------------


@pytest.mark.e2e
def test_root_help_imports_no_command_module_and_nothing_heavy() -> None:
    modules = imported_by("--help")
    assert not COMMAND_MODULES & modules
    assert not loads(modules, "httpx", "pydantic", "rich", "yaml")


@pytest.mark.e2e
def test_root_help_is_pre_rendered_and_imports_no_typer() -> None:
    assert not loads(imported_by("--help"), "typer")


def test_the_pre_rendered_root_help_is_fresh() -> None:
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "gen_static_help.py"
    spec = importlib.util.spec_from_file_location("gen_static_help", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "run python scripts/gen_static_help.py"


@pytest.mark.e2e
def test_dry_run_imports_only_its_command_and_no_http_models_or_rich() -> None:
    modules = imported_by("create", "--no-stdin", "--dry-run", "hi")
    assert COMMAND_MODULES & modules == {"gemini_cli.cli.create"}
    assert not loads(modules, "typer", "httpx", "pydantic", "rich", "yaml")
    # imported by dataclasses and urllib.parse, never used: placeholders (core/deferred.py)
    assert not loads(modules, "inspect", "ipaddress", "tokenize", "ast", "dis")
    # nor the renderers, the sending turns or the media and response-format code it does not use
    renderers = ("gemini_cli.render.report", "gemini_cli.render.output", "gemini_cli.cli.turns")
    unused = ("gemini_cli.turns.media", "gemini_cli.request.response_format")
    assert not loads(modules, *renderers, *unused)
    # stdlib modules only rare cases need (a key command, --run-tools, media, a retry, a label)
    rare = ("subprocess", "shutil", "platform", "shlex", "random", "mimetypes", "base64")
    assert not loads(modules, *rare, "gemini_cli.settings.key_command")


@pytest.mark.e2e
def test_a_one_shot_create_imports_no_pydantic_rich_or_tool_runner(scripted_server) -> None:
    reply = {"id": "v1_a", "status": "completed", "steps": []}
    scripted_server.json(200, json.dumps(reply))
    modules = imported_by("create", "--no-stdin", "hi", GEM_BASE_URL=scripted_server.url)
    assert scripted_server.requests, "the create was not sent"
    assert not loads(modules, "typer", "pydantic", "rich", "yaml", "gemini_cli.turns.toolrun")
    assert not loads(modules, "subprocess", "platform", "shlex")  # no key command, no quoting
    assert COMMAND_MODULES & modules == {"gemini_cli.cli.create"}


@pytest.mark.e2e
def test_a_stream_imports_only_its_command_and_no_media_code(scripted_server) -> None:
    reply = {"id": "v1_a", "status": "completed", "steps": []}
    scripted_server.json(200, json.dumps(reply))
    modules = imported_by("stream", "--no-stdin", "hi", GEM_BASE_URL=scripted_server.url)
    assert scripted_server.requests, "the stream was not opened"
    assert COMMAND_MODULES & modules == {"gemini_cli.cli.stream"}
    assert not loads(modules, "typer", "pydantic", "rich", "yaml", "gemini_cli.turns.media")


@pytest.mark.e2e
@pytest.mark.parametrize("command", ["get", "poll", "cancel", "delete"])
def test_the_id_commands_run_without_typer(scripted_server, command) -> None:
    reply = {"id": "v1_a", "status": "completed", "steps": []}
    scripted_server.json(200, json.dumps(reply))
    modules = imported_by(command, "v1_a", GEM_BASE_URL=scripted_server.url)
    assert scripted_server.requests, f"{command} sent nothing"
    assert COMMAND_MODULES & modules == {f"gemini_cli.cli.{command}"}
    assert not loads(modules, "typer", "pydantic", "rich", "yaml")


@pytest.mark.e2e
def test_a_command_line_gem_cannot_parse_goes_to_typer() -> None:
    modules = imported_by("create", "--no-stdin", "--bogus", "hi")
    assert loads(modules, "typer")  # and Typer's message: tests/cli/test_fastpath.py


# -- Typer compatibility ------------------------------------------------------------------------


def test_plain_coercion_is_used_where_typer_has_the_hook() -> None:
    has_hook = typer_compat.TYPER_VERSION >= (0, 29)
    assert (typer_compat._INSTALL is not None) == has_hook


@pytest.mark.parametrize("plain", [True, False], ids=["plain coercion", "typer's own"])
def test_options_parse_alike_with_and_without_the_coercion_bypass(
    invoke, monkeypatch, plain
) -> None:
    if not plain:
        monkeypatch.setattr(typer_compat, "_INSTALL", None)  # as on a Typer without the hook
    monkeypatch.setattr("gemini_cli.cli.fastpath.parse", lambda args: None)  # Typer parses
    args = ["--base-url", "emulator:", "create", "--no-stdin", "--dry-run"]
    good = invoke([*args, "--max-tokens", "5", "--temperature", "0.5", "hi"])
    assert good.exit_code == 0, good.stderr
    config = json.loads(good.stdout)["body"]["generation_config"]
    assert config == {"max_output_tokens": 5, "temperature": 0.5}
    bad = invoke([*args, "--max-tokens", "many", "hi"])
    assert bad.exit_code == 2
    assert "--max-tokens" in bad.stderr and len(bad.stderr.splitlines()) == 1


# -- the HTTP client ----------------------------------------------------------------------------


def test_a_plain_http_client_loads_no_ca_bundle(monkeypatch) -> None:
    from gemini_cli.api.client import InteractionsClient

    loaded: list[object] = []
    real = ssl.SSLContext.load_verify_locations

    def spy(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loaded.append(args or kwargs)
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", spy)
    InteractionsClient(api_key="k", base_url="http://127.0.0.1:9").close()
    assert loaded == []
    InteractionsClient(api_key="k", base_url="https://example.com").close()
    assert loaded, "an https client verifies certificates"


def test_a_plain_http_client_refuses_https_urls() -> None:
    import httpx

    from gemini_cli.api.client import plain_http_transport

    transport = plain_http_transport("http://127.0.0.1:9")
    assert transport is not None
    with pytest.raises(httpx.UnsupportedProtocol):
        transport.handle_request(httpx.Request("GET", "https://example.com/"))
    assert plain_http_transport("https://example.com") is None
