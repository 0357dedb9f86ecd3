"""`gem config path|show|set|unset` and the warning about a readable file holding a key."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_path(invoke, config_file: Path) -> None:
    assert invoke(["config", "path"]).stdout == f"{config_file}\n"
    data = json.loads(invoke(["config", "path", "--json"]).stdout)
    assert data == {"path": str(config_file), "exists": False}


def test_set_creates_a_private_file_and_keeps_other_keys(invoke, config_file: Path) -> None:
    config_file.write_text("model: gemini-3.1-pro-preview\nformat: json\n")
    config_file.chmod(0o644)
    assert invoke(["config", "set", "timeout", "30"]).exit_code == 0
    assert invoke(["config", "set", "aliases.fast", "gemini-3.1-flash-lite-preview"]).exit_code == 0
    assert invoke(["config", "set", "aliases.pro", "gemini-3.1-pro-preview"]).exit_code == 0
    assert yaml.safe_load(config_file.read_text()) == {
        "model": "gemini-3.1-pro-preview",
        "format": "json",
        "timeout": 30.0,
        "aliases": {"fast": "gemini-3.1-flash-lite-preview", "pro": "gemini-3.1-pro-preview"},
    }
    assert mode(config_file) == 0o600
    assert not list(config_file.parent.glob(".config-*"))


def test_set_in_a_fresh_home_makes_private_dir_and_file(invoke, config_file: Path) -> None:
    config_file.parent.rmdir()
    assert invoke(["config", "set", "model", "gemini-3.1-pro-preview"]).exit_code == 0
    assert mode(config_file) == 0o600 and mode(config_file.parent) == 0o700


def test_set_api_key_from_stdin_is_never_echoed(invoke, config_file: Path) -> None:
    result = invoke(["config", "set", "api_key", "-"], input="sk-secret\n")
    assert result.exit_code == 0
    assert "sk-secret" not in result.stdout + result.stderr
    assert yaml.safe_load(config_file.read_text()) == {"api_key": "sk-secret"}
    assert mode(config_file) == 0o600


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("bogus", "1", "unknown config key 'bogus'"),
        ("aliases", "x", "unknown config key 'aliases'"),
        ("timeout", "soon", "timeout"),
        ("timeout", "0", "timeout"),
        ("max_retries", "1.5", "max_retries"),
        ("base_url", "ftp://x", "base_url must start with"),
        ("model", " ", "empty"),
    ],
)
def test_set_rejects_bad_keys_and_values(invoke, config_file: Path, key, value, message) -> None:
    result = invoke(["config", "set", key, value])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not config_file.exists()


def test_set_refuses_to_overwrite_a_broken_file(invoke, config_file: Path) -> None:
    config_file.write_text("model: [broken\n")
    result = invoke(["config", "set", "model", "x"])
    assert result.exit_code == 2 and "broken config file" in result.stderr
    assert config_file.read_text() == "model: [broken\n"


def test_set_through_a_symlink_keeps_the_link(invoke, config_file: Path, tmp_path: Path) -> None:
    real = tmp_path / "dotfiles.yaml"
    real.write_text("model: a\n")
    config_file.symlink_to(real)
    assert invoke(["config", "set", "format", "json"]).exit_code == 0
    assert config_file.is_symlink()
    assert yaml.safe_load(real.read_text()) == {"model": "a", "format": "json"}


def test_unset(invoke, config_file: Path) -> None:
    config_file.write_text("model: a\naliases:\n  fast: b\n")
    assert invoke(["config", "unset", "aliases.fast"]).exit_code == 0
    assert yaml.safe_load(config_file.read_text()) == {"model": "a"}
    result = invoke(["config", "unset", "timeout"])
    assert result.exit_code == 0 and "was not set" in result.stderr


def test_show_reports_values_and_sources(invoke, config_file: Path, monkeypatch) -> None:
    config_file.write_text(
        "model: gemini-3.1-pro-preview\napi_key_command: 'exit 1'\n"
        "aliases:\n  fast: gemini-3.1-flash-lite-preview\n"
    )
    monkeypatch.setenv("GEM_TIMEOUT", "12")
    data = json.loads(invoke(["config", "show", "--json", "--max-retries", "2"]).stdout)
    settings = data["settings"]
    assert settings["model"] == {
        "value": "gemini-3.1-pro-preview",
        "source": f"config {config_file}",
    }
    assert settings["timeout"] == {"value": 12.0, "source": "env GEM_TIMEOUT"}
    assert settings["max_retries"] == {"value": 2, "source": "flag"}
    assert settings["api_version"]["source"] == "default"
    assert settings["api_key"]["source"].startswith("config api_key_command")
    assert data["aliases"] == {"fast": "gemini-3.1-flash-lite-preview"}
    assert data["config_file"] == str(config_file) and data["config_file_exists"] is True


def test_show_text_redacts_the_key(invoke, config_file: Path, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "sk-very-secret")
    result = invoke(["config", "show"])
    assert result.exit_code == 0
    assert "sk-very-secret" not in result.stdout
    key_line = next(line for line in result.stdout.splitlines() if line.startswith("api_key"))
    assert key_line.split() == ["api_key", "<redacted>", "(env", "GEMINI_API_KEY)"]
    assert "(not created yet)" in result.stdout


def test_readable_file_with_key_warns_unless_quiet(invoke, config_file: Path) -> None:
    config_file.write_text("api_key: sk-1\n")
    config_file.chmod(0o644)
    result = invoke(["config", "show"])
    assert "readable by others (mode 0644)" in result.stderr
    assert f"chmod 600 {config_file}" in result.stderr
    assert "readable" not in invoke(["config", "show", "-q"]).stderr
    config_file.chmod(0o600)
    assert "readable" not in invoke(["config", "show"]).stderr


def test_readable_file_without_key_is_fine(invoke, config_file: Path) -> None:
    config_file.write_text("model: a\n")
    config_file.chmod(0o644)
    assert "readable" not in invoke(["config", "show"]).stderr


def test_config_without_subcommand_shows_help_like_the_root(invoke) -> None:
    result, root = invoke(["config"]), invoke([])
    assert result.exit_code == root.exit_code
    assert "path" in result.output and "unset" in result.output


def test_set_and_unset_answer_in_json_and_yaml(invoke, config_file: Path) -> None:
    result = invoke(["config", "set", "api_key", "sk-secret", "--json"])
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout) == {
        "key": "api_key",
        "value": "<redacted>",
        "config_file": str(config_file),
    }
    assert "sk-secret" not in result.stdout
    shown = yaml.safe_load(invoke(["config", "set", "timeout", "30", "-f", "yaml"]).stdout)
    assert shown == {"key": "timeout", "value": 30.0, "config_file": str(config_file)}
    removed = json.loads(invoke(["config", "unset", "timeout", "--json"]).stdout)
    assert removed == {"key": "timeout", "removed": True, "config_file": str(config_file)}
    again = json.loads(invoke(["config", "unset", "timeout", "--json"]).stdout)
    assert again["removed"] is False


def test_show_and_path_in_yaml(invoke, config_file: Path) -> None:
    config_file.write_text("model: m1\n")
    shown = yaml.safe_load(invoke(["config", "show", "-f", "yaml"]).stdout)
    as_json = json.loads(invoke(["config", "show", "--json"]).stdout)
    assert shown["settings"].pop("format") == {"value": "yaml", "source": "flag"}
    as_json["settings"].pop("format")
    assert shown == as_json
    assert shown["settings"]["model"]["value"] == "m1"
    path = yaml.safe_load(invoke(["config", "path", "-f", "yaml"]).stdout)
    assert path == {"path": str(config_file), "exists": True}


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


def test_a_value_starting_with_a_dash_after_double_dash(invoke) -> None:
    result = invoke(["config", "set", "--", "model", "-odd"])
    assert result.exit_code == 0, result.stderr


def test_config_path_works_with_a_broken_config(invoke, config_file):
    config_file.write_text("model: [unclosed\n")
    path = invoke(["config", "path"])
    assert path.exit_code == 0 and path.stdout == f"{config_file}\n"
    assert invoke(["config", "show"]).exit_code == 2
    assert invoke(["config", "set", "model", "x"]).exit_code == 2


def test_config_set_reads_only_the_first_line_of_stdin(invoke, config_file):
    result = invoke(["config", "set", "model", "-"], input="\nmy-model\nignored\n")
    assert result.exit_code == 0, result.stderr
    assert "model: my-model" in config_file.read_text()


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


def test_config_show_says_which_variable_wins(invoke, monkeypatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "a")
    monkeypatch.setenv("GEMINI_API_KEY", "b")
    data = json.loads(invoke(["config", "show", "--json"]).stdout)
    assert data["settings"]["api_key"]["source"] == (
        "env GOOGLE_API_KEY; GEMINI_API_KEY is set too but GOOGLE_API_KEY wins"
    )
