"""Regressions from the QA pass: history rows per command, --no-store and `last`, config
validation, redaction of short keys, control characters, completion shells, emulator url file."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx
import pytest
import respx

from gemini_cli.api.client import InteractionsClient
from gemini_cli.api.models import Interaction
from gemini_cli.history import store as history
from tests.helpers import API_ROOT

EMU = ["--base-url", "emulator:"]


def make(ident: str, status: str = "completed") -> Interaction:
    return Interaction.from_dict({"id": ident, "status": status, "model": "m"})


# -- 6. history: --no-store runs are not `last`; one row per command ---------------------------


def test_last_skips_interactions_created_without_store() -> None:
    history.record(make("kept"), {"input": "a"})
    history.record(make("gone"), {"input": "b", "store": False})
    assert history.last_id() == "kept"
    rows = history.entries()
    assert [(r.id, r.stored) for r in rows] == [("gone", False), ("kept", True)]


def test_continue_picks_the_last_stored_run(invoke) -> None:
    assert invoke([*EMU, "create", "--no-stdin", "first"]).exit_code == 0
    first = history.entries()[0].id
    assert invoke([*EMU, "create", "--no-stdin", "--no-store", "second"]).exit_code == 0
    result = invoke([*EMU, "create", "--no-stdin", "-c", "--dry-run", "third"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["previous_interaction_id"] == first


def test_only_no_store_runs_means_nothing_to_continue() -> None:
    history.record(make("gone"), {"input": "b", "store": False})
    with pytest.raises(Exception, match="no previous interaction"):
        history.last_id()


def test_a_tool_run_is_one_row_pointing_at_its_last_hop(invoke, tmp_path) -> None:
    script = tmp_path / "f.py"
    script.write_text("import sys; print('{\"ok\": 1}')\n")
    result = invoke(
        [
            *EMU,
            "create",
            "--no-stdin",
            "--function",
            f"f={sys.executable} {script}",
            "--run-tools",
            "--json",
            "call f please",
        ]
    )
    assert result.exit_code == 0, result.stderr
    final = json.loads(result.stdout)["id"]
    rows = history.entries()
    assert [r.id for r in rows] == [final]
    assert rows[0].prompt == "call f please" and rows[0].status == "completed"
    assert history.last_id() == final


def test_streamed_continuation_hops_are_one_row(invoke) -> None:
    result = invoke([*EMU, "stream", "--no-stdin", "--json", "a long story [[continue:2]]"])
    assert result.exit_code == 0, result.stderr
    rows = history.entries()
    assert len(rows) == 1 and rows[0].id == json.loads(result.stdout)["id"]


def test_an_older_history_without_the_stored_column_still_works() -> None:
    import sqlite3

    path = history.db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute(history.SCHEMA.replace(",\n    stored INTEGER", ""))
        conn.execute("INSERT INTO interactions (id, created, updated) VALUES ('old', 'c', 'u')")
    assert history.last_id() == "old"
    assert history.entries()[0].stored is None
    history.record(make("new"), {"input": "x"})
    assert [r.id for r in history.entries()] == ["new", "old"]


# -- 9. config validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("format", "bogus", "format"),
        ("aliases.a.b", "x", "alias name"),
        ("api_version", "../../x", "api_version"),
        ("api_version", "/v1", "api_version"),
        ("api_version", "v1/", "api_version"),
    ],
)
def test_config_set_refuses(invoke, key, value, message) -> None:
    result = invoke(["config", "set", key, value])
    assert result.exit_code == 2 and message in result.stderr


@pytest.mark.parametrize("value", ["v1", "v1beta", "v1alpha", "v1beta1/projects/p-1/locations/us"])
def test_config_set_accepts_api_versions(invoke, value) -> None:
    assert invoke(["config", "set", "api_version", value]).exit_code == 0


def test_api_version_from_env_and_flag_is_checked(invoke, monkeypatch) -> None:
    assert invoke(["create", "--dry-run", "--api-version", "v1/../../x", "hi"]).exit_code == 2
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "..")
    assert invoke(["create", "--dry-run", "hi"]).exit_code == 2


def test_a_value_starting_with_a_dash_after_double_dash(invoke) -> None:
    result = invoke(["config", "set", "--", "model", "-odd"])
    assert result.exit_code == 0, result.stderr


# -- 8. redaction ----------------------------------------------------------------------------


def test_a_short_key_does_not_redact_ordinary_text() -> None:
    short = InteractionsClient(api_key="k", base_url="https://x")
    assert short.redact("hint: keep looking") == "hint: keep looking"
    long = InteractionsClient(api_key="AIzaSecret123", base_url="https://x")
    assert long.redact("key=AIzaSecret123") == "key=<redacted>"


def test_errors_stay_readable_with_a_short_key(invoke, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "e")
    with respx.mock(base_url=API_ROOT) as api:
        api.post("/interactions").mock(
            return_value=httpx.Response(
                400, json={"error": {"code": 400, "message": "the request was rejected"}}
            )
        )
        result = invoke(["create", "hi"])
    assert result.exit_code == 3, result.stderr
    assert "the request was rejected" in result.stderr


# -- 12. control characters never reach the terminal raw ------------------------------------


def test_history_escapes_control_characters(invoke) -> None:
    history.record(make("v1_a\x00b"), {"input": "red \x1b[31mALERT\x1b[0m"})
    for tty in ({}, {"stdout_isatty": True}):
        result = invoke(["history", "--all-backends"], tty=tty)
        assert result.exit_code == 0
        assert "\x1b" not in result.stdout and "\x00" not in result.stdout
        assert "\\x1b[31mALERT" in result.stdout and "v1_a\\x00b" in result.stdout
    assert (
        "\x1b[31m"
        in json.loads(invoke(["history", "--all-backends", "--json"]).stdout)[0]["prompt"]
    )


def test_server_text_in_errors_is_escaped(invoke, api_key) -> None:
    with respx.mock(base_url=API_ROOT) as api:
        api.post("/interactions").mock(
            return_value=httpx.Response(
                400, json={"error": {"code": 400, "message": "bad\x1b[2J\x00thing\nhere"}}
            )
        )
        result = invoke(["create", "hi"])
    assert result.exit_code == 3
    assert "\x1b" not in result.stderr and "\x00" not in result.stderr
    assert "bad\\x1b[2J\\x00thing here" in result.stderr


# -- 11. completion: an explicit shell wins; the install note goes to stderr -----------------


@pytest.mark.parametrize("args", [["--show-completion", "zsh"], ["--show-completion=zsh"]])
def test_show_completion_honours_the_named_shell(args, capsys) -> None:
    from gemini_cli.cli.main import main

    assert main(args) == 0
    out = capsys.readouterr().out
    assert out == (Path(__file__).parents[2] / "completions" / "_gem").read_text()


def test_show_completion_refuses_an_unknown_shell(capsys) -> None:
    from gemini_cli.cli.main import main

    assert main(["--show-completion", "tcsh"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "tcsh" in captured.err


@pytest.mark.skipif(os.name != "posix", reason="bash install paths")
def test_install_completion_reports_on_stderr(capsys, isolated_env) -> None:
    from gemini_cli.cli.main import main

    assert main(["--install-completion", "bash"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "bash completion installed" in captured.err
    assert (isolated_env / ".bash_completions" / "gem.sh").is_file()


# -- 10. the emulator's url file ------------------------------------------------------------


def test_emulator_url_file_in_a_missing_folder(invoke, tmp_path) -> None:
    result = invoke(["emulator", "--url-file", str(tmp_path / "no" / "such" / "x")])
    assert result.exit_code == 2
    assert "url file" in result.stderr and "cannot listen" not in result.stderr
