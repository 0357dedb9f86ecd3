"""Settings: flag > env > config file > default, the key sources, and broken config files."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from gemini_cli.api.errors import AuthError
from gemini_cli.core.errors import UsageError
from gemini_cli.settings.config import load_settings, substitute_deprecated
from tests.helpers import IID, INTERACTIONS, error_body, ok


def settings(**flags):
    return load_settings(flags)


# -- the API key --------------------------------------------------------------------------


def test_google_api_key_wins_over_gemini_api_key(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-key")
    monkeypatch.setenv("GOOGLE_API_KEY", "google-key")
    assert settings().api_key() == "google-key"


def test_empty_google_api_key_counts_as_unset(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", "   ")
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-key")
    assert settings().api_key() == "gemini-key"


def test_key_is_stripped(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "  spaced-key\n")
    assert settings().api_key() == "spaced-key"


def test_key_from_config_file(config_file: Path):
    config_file.write_text("api_key: file-key\n")
    assert settings().api_key() == "file-key"


def test_env_key_beats_config_key(config_file: Path, monkeypatch):
    config_file.write_text("api_key: file-key\n")
    monkeypatch.setenv("GEMINI_API_KEY", "env-key")
    assert settings().api_key() == "env-key"


@pytest.mark.e2e
def test_key_from_api_key_command(config_file: Path):
    config_file.write_text("api_key_command: echo '  command-key  '\n")
    assert settings().api_key() == "command-key"


@pytest.mark.e2e
def test_api_key_command_not_run_until_the_key_is_needed(config_file: Path, tmp_path: Path):
    marker = tmp_path / "ran"
    config_file.write_text(f"api_key_command: touch {marker}; echo k\n")
    loaded = settings()
    assert not marker.exists()
    loaded.api_key()
    assert marker.exists()


@pytest.mark.e2e
def test_failing_api_key_command_is_an_auth_error(config_file: Path):
    config_file.write_text("api_key_command: exit 3\n")
    with pytest.raises(AuthError, match="exited 3"):
        settings().api_key()


@pytest.mark.e2e
def test_silent_api_key_command_is_an_auth_error(config_file: Path):
    config_file.write_text("api_key_command: 'true'\n")
    with pytest.raises(AuthError, match="printed nothing"):
        settings().api_key()


@pytest.mark.e2e
def test_api_key_command_uses_the_first_non_empty_line(config_file: Path):
    config_file.write_text("api_key_command: \"printf '\\\\nthe-key\\\\nlogin: me\\\\n'\"\n")
    assert settings().api_key() == "the-key"


def _gone(pid: int) -> bool:
    """Dead, or a zombie waiting to be reaped: either way it can no longer act."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to inspect processes")
def test_a_timed_out_api_key_command_leaves_no_process_behind(config_file: Path, tmp_path):
    pidfile = tmp_path / "pid"
    config_file.write_text(f"api_key_command: sleep 30 & echo $! > {pidfile}; wait\n")
    with pytest.raises(AuthError, match="timed out"):
        settings().api_key(timeout=0.3)
    pid = int(pidfile.read_text())
    assert any(_gone(pid) for _ in range(2000))  # bounded: SIGKILL is delivered at once


@pytest.mark.e2e
def test_a_key_printed_by_a_lingering_command_is_used(config_file: Path):
    config_file.write_text("api_key_command: echo early-key; exec sleep 5\n")
    assert settings().api_key(timeout=0.5) == "early-key"


def test_api_key_command_must_be_a_string(config_file: Path):
    config_file.write_text("api_key_command: [pass, show, gemini]\n")
    with pytest.raises(UsageError, match="must be a string"):
        settings().api_key()


def test_no_key_is_an_auth_error_with_exit_4():
    with pytest.raises(AuthError) as caught:
        settings().api_key()
    assert caught.value.exit_code == 4
    assert "GEMINI_API_KEY" in caught.value.message


def test_optional_key_lookup_returns_none():
    assert settings().api_key(required=False) is None


# -- base URL, version, model, numbers ----------------------------------------------------


def test_defaults():
    loaded = settings()
    assert loaded.base_url == "https://generativelanguage.googleapis.com"
    assert loaded.api_version == "v1"
    assert loaded.model == "gemini-3-flash-preview"
    assert loaded.timeout == 600
    assert loaded.max_retries == 4


def test_gem_base_url_beats_google_gemini_base_url(monkeypatch):
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "https://google.example")
    monkeypatch.setenv("GEM_BASE_URL", "https://gem.example")
    assert settings().base_url == "https://gem.example"


def test_google_gemini_base_url_beats_config(config_file: Path, monkeypatch):
    config_file.write_text("base_url: https://config.example\n")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "https://google.example")
    assert settings().base_url == "https://google.example"


def test_base_url_flag_beats_env(monkeypatch):
    monkeypatch.setenv("GEM_BASE_URL", "https://gem.example")
    assert settings(base_url="https://flag.example").base_url == "https://flag.example"


def test_api_version_flag_beats_env_beats_default(monkeypatch):
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "v1beta")
    assert settings().api_version == "v1beta"
    assert settings(api_version="v1alpha").api_version == "v1alpha"


@pytest.mark.parametrize(
    ("key", "env", "flag", "file_value", "expected"),
    [
        ("model", "GEM_MODEL", "flag-model", "file-model", "flag-model"),
        ("timeout", "GEM_TIMEOUT", 5.0, 30, 5.0),
        ("max_retries", "GEM_MAX_RETRIES", 1, 2, 1),
    ],
)
def test_precedence_flag_env_config_default(
    config_file, monkeypatch, key, env, flag, file_value, expected
):
    config_file.write_text(f"{key}: {file_value}\n")
    assert getattr(settings(), key) == file_value
    monkeypatch.setenv(env, "7")
    assert str(getattr(settings(), key)) in ("7", "7.0")
    assert getattr(settings(**{key: flag}), key) == expected


def test_gem_config_names_the_config_file(tmp_path: Path, monkeypatch, config_file: Path):
    config_file.write_text("model: xdg-model\n")
    other = tmp_path / "elsewhere.yaml"
    other.write_text("model: explicit-model\n")
    monkeypatch.setenv("GEM_CONFIG", str(other))
    assert settings().model == "explicit-model"


def test_aliases_resolve(config_file: Path):
    config_file.write_text("aliases:\n  fast: gemini-3.1-flash-lite-preview\n")
    assert settings().resolve_model("fast") == "gemini-3.1-flash-lite-preview"
    assert settings().resolve_model("other") == "other"


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_bad_timeout_is_a_usage_error_naming_its_source(monkeypatch, value):
    monkeypatch.setenv("GEM_TIMEOUT", value)
    with pytest.raises(UsageError, match="GEM_TIMEOUT"):
        settings()


def test_bad_max_retries_in_config_names_the_file(config_file: Path):
    config_file.write_text("max_retries: many\n")
    with pytest.raises(UsageError, match=str(config_file)):
        settings()


# -- broken config files ------------------------------------------------------------------


def test_broken_yaml_names_file_and_line(config_file: Path):
    config_file.write_text("model: gemini-3-flash-preview\ntimeout: 30\n  max_retries: 2\n")
    with pytest.raises(UsageError) as caught:
        settings()
    assert caught.value.exit_code == 2
    assert f"{config_file}:3:" in caught.value.message


def test_config_that_is_not_a_mapping_is_refused(config_file: Path):
    config_file.write_text("- just\n- a list\n")
    with pytest.raises(UsageError, match="mapping"):
        settings()


def test_unknown_config_keys_are_warned_about(config_file: Path):
    config_file.write_text("modle: typo\n")
    warnings: list[str] = []
    load_settings({}, warn=warnings.append)
    assert warnings and "modle" in warnings[0]


def test_empty_config_file_is_fine(config_file: Path):
    config_file.write_text("")
    assert settings().model == "gemini-3-flash-preview"


# -- deprecated models --------------------------------------------------------------------


@pytest.mark.parametrize("model", ["gemini-1.5-pro", "gemini-1.5-flash-002", "gemini-2.0-flash"])
def test_deprecated_models_are_replaced(model):
    assert substitute_deprecated(model) == "gemini-3-flash-preview"


@pytest.mark.parametrize("model", ["gemini-2.5-pro", "gemini-3.1-pro-preview", "gemini-10.0-x"])
def test_current_models_are_kept(model):
    assert substitute_deprecated(model) is None


def test_api_version_from_env_and_flag_is_checked(invoke, monkeypatch) -> None:
    assert invoke(["create", "--dry-run", "--api-version", "v1/../../x", "hi"]).exit_code == 2
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "..")
    assert invoke(["create", "--dry-run", "hi"]).exit_code == 2


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_api_key_command_is_bounded_by_the_timeout(invoke, api, config_file):
    config_file.write_text("api_key_command: sleep 20\n")
    result = invoke(["get", IID, "--timeout", "0.5"])
    assert result.exit_code == 4
    assert "timed out after 0.5s" in result.stderr


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


def test_max_retries_must_be_whole_in_the_config(invoke, config_file):
    config_file.write_text("max_retries: 2.5\n")
    result = invoke(["create", "--dry-run", "hi"])
    assert result.exit_code == 2 and "max_retries" in result.stderr


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


def refused(invoke, *args: str):
    with respx.mock() as api:
        api.post(INTERACTIONS).mock(return_value=error_body(401, "API key not valid"))
        return invoke(["create", "--no-stdin", *args, "Hi"])


def test_401_names_the_variable_that_won(invoke, monkeypatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "sk-google-secret")
    monkeypatch.setenv("GEMINI_API_KEY", "sk-gemini-secret")
    result = refused(invoke)
    assert result.exit_code == 4
    assert (
        "the API key came from the environment variable GOOGLE_API_KEY; "
        "GEMINI_API_KEY is set too but GOOGLE_API_KEY wins" in result.stderr
    )
    assert "secret" not in result.stderr
    error = json.loads(refused(invoke, "--json").stderr)["error"]
    assert "GOOGLE_API_KEY wins" in error["message"] and error["exit_code"] == 4


def test_401_names_the_one_variable(invoke, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "sk-secret")
    result = refused(invoke)
    assert "(the API key came from the environment variable GEMINI_API_KEY)" in result.stderr


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("line", "origin"),
    [("api_key: sk-secret", "api_key"), ("api_key_command: echo sk-secret", "api_key_command")],
)
def test_401_names_the_config_file(invoke, config_file, line, origin) -> None:
    config_file.write_text(line + "\n")
    config_file.chmod(0o600)
    result = refused(invoke)
    assert result.exit_code == 4
    assert f"the API key came from {origin} in {config_file}" in result.stderr
    assert "sk-secret" not in result.stderr


def test_other_errors_do_not_mention_the_key(invoke, api_key) -> None:
    with respx.mock() as api:
        api.post(INTERACTIONS).mock(return_value=httpx.Response(400, json={"error": {}}))
        result = invoke(["create", "--no-stdin", "Hi"])
    assert result.exit_code == 3 and "API key came from" not in result.stderr
