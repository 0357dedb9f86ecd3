"""The one env-flag parser: every spelling, and a bad value as exit 2 through the CLI."""

from __future__ import annotations

import json

import pytest

from gemini_cli.core.envflags import check_flags, env_flag, env_flag_or
from gemini_cli.core.errors import UsageError
from gemini_cli.history import store as history

EMU = ["--base-url", "emulator:"]
ON = ["1", "true", "yes", "on", "TRUE", "Yes", "ON", " on ", "1\n"]
OFF = ["0", "false", "no", "off", "", "   ", "False", "NO", "Off"]


@pytest.mark.parametrize("value", ON)
def test_on_spellings(value):
    assert env_flag("GEM_X", {"GEM_X": value}) is True


@pytest.mark.parametrize("value", OFF)
def test_off_spellings(value):
    assert env_flag("GEM_X", {"GEM_X": value}) is False


def test_unset_is_off():
    assert env_flag("GEM_X", {}) is False


@pytest.mark.parametrize("value", ["2", "enable", "y", "n", "-1", "nope", "true!"])
def test_anything_else_is_a_usage_error_naming_the_variable(value):
    with pytest.raises(UsageError) as caught:
        env_flag("GEM_X", {"GEM_X": value})
    assert caught.value.exit_code == 2
    assert "GEM_X" in caught.value.message and repr(value) in caught.value.message


def test_env_flag_or_falls_back_only_on_a_bad_value():
    assert env_flag_or("GEM_X", True, {"GEM_X": "bogus"}) is True
    assert env_flag_or("GEM_X", True, {"GEM_X": "off"}) is False


def test_check_flags_checks_gem_debug_and_gem_no_log():
    check_flags({"GEM_DEBUG": "on", "GEM_NO_LOG": "0"})
    for name in ("GEM_DEBUG", "GEM_NO_LOG"):
        with pytest.raises(UsageError, match=name):
            check_flags({name: "maybe"})


@pytest.mark.parametrize("name", ["GEM_NO_LOG", "GEM_DEBUG"])
def test_a_bad_value_is_exit_2_before_anything_is_sent(invoke, monkeypatch, name):
    monkeypatch.setenv(name, "maybe")
    result = invoke([*EMU, "create", "--no-stdin", "hi"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"gem: error: the environment variable {name}='maybe'")
    assert "Traceback" not in result.stderr
    assert history.entries() == []  # nothing was created (the emulator would record it)


def test_a_bad_value_is_a_json_error_with_json_output(invoke, monkeypatch):
    monkeypatch.setenv("GEM_NO_LOG", "maybe")
    result = invoke([*EMU, "--json", "create", "--no-stdin", "hi"])
    assert result.exit_code == 2
    error = json.loads(result.stderr)["error"]
    assert error["type"] == "usage" and "GEM_NO_LOG" in error["message"]


@pytest.mark.parametrize("value", ["off", "0", "false", "no", ""])
def test_gem_no_log_off_keeps_the_history_on(invoke, monkeypatch, value):
    monkeypatch.setenv("GEM_NO_LOG", value)
    assert invoke([*EMU, "create", "--no-stdin", "kept"]).exit_code == 0
    assert [e.prompt for e in history.entries()] == ["kept"]


@pytest.mark.parametrize("value", ["on", "1", "true", "yes"])
def test_gem_no_log_on_keeps_the_run_out(invoke, monkeypatch, value):
    monkeypatch.setenv("GEM_NO_LOG", value)
    assert invoke([*EMU, "create", "--no-stdin", "secret"]).exit_code == 0
    assert history.entries() == []


@pytest.mark.parametrize("value", ["on", "yes", "TRUE"])
def test_gem_debug_on_spellings_trace(invoke, monkeypatch, value):
    monkeypatch.setenv("GEM_DEBUG", value)
    result = invoke([*EMU, "create", "--no-stdin", "hi"])
    assert result.exit_code == 0
    assert "> POST http://emulator.local/v1/interactions" in result.stderr


@pytest.mark.parametrize("value", ["off", "no"])
def test_gem_debug_off_spellings_stay_quiet(invoke, monkeypatch, value):
    monkeypatch.setenv("GEM_DEBUG", value)
    result = invoke([*EMU, "create", "--no-stdin", "hi"])
    assert result.exit_code == 0 and result.stderr == ""
