"""Effective settings: flag > environment > config file > built-in default, with provenance."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gemini_cli.core.errors import UsageError
from gemini_cli.settings.paths import config_path

DEFAULT_MODEL = "gemini-3-flash-preview"
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_API_VERSION = "v1"
DEFAULT_TIMEOUT = 600.0
DEFAULT_MAX_RETRIES = 4
DEPRECATED_MODEL_PREFIXES = ("gemini-1.5-", "gemini-2.0-")
FORMATS = ("text", "json", "yaml", "id", "ndjson", "paths", "markdown")
# A path segment (or a few: `v1beta1/projects/P/locations/L`), never `..` or an empty segment.
# (A string: `re` compiles it on first use, only when an api_version is given.)
API_VERSION_RE = r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*$"
CONFIG_KEYS = {
    "model",
    "base_url",
    "api_version",
    "api_key",
    "api_key_command",
    "timeout",
    "max_retries",
    "aliases",
    "format",
}

# The key's variables, first match wins (as in Google's SDKs).
API_KEY_VARS = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
# Environment variables per setting, first match wins.
ENV_VARS: dict[str, tuple[str, ...]] = {
    "model": ("GEM_MODEL",),
    "base_url": ("GEM_BASE_URL", "GOOGLE_GEMINI_BASE_URL"),
    "api_version": ("GOOGLE_GENAI_API_VERSION",),
    "timeout": ("GEM_TIMEOUT",),
    "max_retries": ("GEM_MAX_RETRIES",),
    "format": ("GEM_FORMAT",),
}
DEFAULTS: dict[str, Any] = {
    "model": DEFAULT_MODEL,
    "base_url": DEFAULT_BASE_URL,
    "api_version": DEFAULT_API_VERSION,
    "timeout": DEFAULT_TIMEOUT,
    "max_retries": DEFAULT_MAX_RETRIES,
    "format": None,
}


@dataclass
class Settings:
    """gem's settings once resolved (flag > env > config file > default)."""

    model: str = DEFAULT_MODEL
    base_url: str = DEFAULT_BASE_URL
    api_version: str = DEFAULT_API_VERSION
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    format: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    config_file: Path | None = None
    file_values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    _api_key: str | None = None
    _key_resolved: bool = False

    @property
    def embedded(self) -> bool:
        return self.base_url.strip().lower().startswith("emulator:")

    def api_key(self, required: bool = True, timeout: float | None = None) -> str | None:
        """The key, resolved on first use (an `api_key_command` runs only when needed, for at
        most `timeout` seconds, and 30 s at most). A key with a control or non-ASCII character
        is refused (exit 4) before anything is sent: it cannot be a valid HTTP header."""
        if not self._key_resolved:
            self._api_key, self.sources["api_key"] = resolve_api_key(self.file_values, timeout)
            self._key_resolved = True
            if self._api_key:
                from gemini_cli.api.wire import check_api_key

                check_api_key(self._api_key, self.sources["api_key"])
        if required and not self._api_key:
            from gemini_cli.api.errors import AuthError  # here: only a missing key needs it

            raise AuthError(
                "no API key: set GEMINI_API_KEY (or GOOGLE_API_KEY), or api_key in "
                f"{self.config_file or config_path()}",
                hint="or try it offline with --base-url emulator:",
            )
        return self._api_key

    def key_origin(self) -> str | None:
        """Where the key that was sent came from, for a 401/403 (the key itself never shown):
        someone fixing GEMINI_API_KEY must learn that GOOGLE_API_KEY won."""
        if not self._key_resolved or not self._api_key:
            return None
        source = self.sources.get("api_key", "")
        if source.startswith("env "):
            name = source[4:]
            others = [n for n in API_KEY_VARS if n != name and os.environ.get(n, "").strip()]
            also = f"; {others[0]} is set too but {name} wins" if others else ""
            return f"the API key came from the environment variable {name}{also}"
        where = self.config_file or config_path()
        if source == "config api_key":
            return f"the API key came from api_key in {where}"
        if source == "config api_key_command":
            return f"the API key came from api_key_command in {where}"
        return None

    def has_key_source(self) -> bool:
        return bool(env_value(API_KEY_VARS)) or bool(
            self.file_values.get("api_key") or self.file_values.get("api_key_command")
        )

    def resolve_model(self, name: str) -> str:
        return self.aliases.get(name, name)


def env_value(names: tuple[str, ...]) -> str | None:
    """The first of `names` that is set (stripped); exit 2 when its bytes are not UTF-8."""
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):  # surrogate-escaped bytes
                raise UsageError(f"the environment variable {name} is not valid UTF-8")
            return value
    return None


def resolve_api_key(
    file_values: dict[str, Any], timeout: float | None = None
) -> tuple[str | None, str]:
    for name in API_KEY_VARS:
        value = os.environ.get(name, "").strip()
        if value:
            return value, f"env {name}"
    key = str(file_values.get("api_key") or "").strip()
    if key:
        return key, "config api_key"
    command = file_values.get("api_key_command") or ""
    if not isinstance(command, str):
        raise UsageError("api_key_command in the config file must be a string (a shell command)")
    command = command.strip()
    if command:
        from gemini_cli.settings.key_command import run_key_command  # subprocess only here

        return run_key_command(command, timeout), "config api_key_command"
    return None, "unset"


def load_config_file(path: Path) -> dict[str, Any]:
    """Parse the YAML config; a broken file is exit 2 naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # (a path under a file cannot exist)
        return {}
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"broken config file {path}: not UTF-8 text (byte "
            f"0x{exc.object[exc.start]:02x} at offset {exc.start})"
        ) from exc
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(f"broken config file {path}{where}: {problem}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"broken config file {path}: expected a mapping of settings")
    return data


def _coerce(key: str, value: Any, origin: str) -> Any:
    try:
        if key in ("timeout", "max_retries") and isinstance(value, bool):
            raise ValueError  # YAML `timeout: yes` is not a number
        if key == "timeout":
            number = float(value)
            if not math.isfinite(number) or number <= 0:
                raise ValueError  # nan and inf would never end (or end at once) a deadline
            return number
        if key == "max_retries":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError  # int(2.5) would quietly make it 2
            number = int(value)
            if number < 0:
                raise ValueError
            return number
    except (TypeError, ValueError) as exc:
        kind = "a finite number of seconds > 0" if key == "timeout" else "a whole number >= 0"
        raise UsageError(f"{key} from {origin} must be {kind}, got {value!r}") from exc
    if key == "aliases":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise UsageError(f"aliases in {origin} must map names to model ids")
        return value
    if not isinstance(value, str):
        raise UsageError(f"{key} from {origin} must be a string, got {value!r}")
    value = value.strip()
    if key == "api_version" and not re.match(API_VERSION_RE, value):
        raise UsageError(
            f"api_version from {origin} must be a path segment such as v1, v1beta "
            f"or v1beta1/projects/P/locations/L, got {value!r}"
        )
    if key == "base_url":
        from gemini_cli.api.wire import check_base_url

        check_base_url(value, origin)
    if key == "format" and value not in FORMATS:
        raise UsageError(f"format from {origin} must be one of {', '.join(FORMATS)}, got {value!r}")
    return value


def load_settings(flags: dict[str, Any], warn: Any = None) -> Settings:
    """Resolve every setting; `flags` holds the command-line values (None = not given)."""
    path = config_path()
    file_values = load_config_file(path)
    unknown = sorted(set(file_values) - CONFIG_KEYS)
    if unknown and warn:
        warn(f"ignoring unknown key(s) in {path}: {', '.join(unknown)}")
    if warn and file_values.get("api_key"):
        warn_if_readable(path, warn)
    settings = Settings(config_file=path, file_values=file_values)
    for key, default in DEFAULTS.items():
        value, source = _pick(key, flags.get(key), file_values, path)
        if value is None:
            value, source = default, "default"
        setattr(settings, key, value)
        settings.sources[key] = source
    if "aliases" in file_values:
        settings.aliases = _coerce("aliases", file_values["aliases"], str(path))
    return settings


def warn_if_readable(path: Path, warn: Any) -> None:
    """An API key in a file the group or others can read deserves a warning (like ssh's)."""
    if os.name == "nt":
        return
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return
    if mode & 0o044:
        warn(
            f"{path} holds api_key and is readable by others (mode {mode:04o}); "
            f"fix it with: chmod 600 {path}"
        )


def _pick(key: str, flag: Any, file_values: dict[str, Any], path: Path) -> tuple[Any, str]:
    if flag is not None:
        return _coerce(key, flag, f"--{key.replace('_', '-')}"), "flag"
    for name in ENV_VARS.get(key, ()):
        raw = env_value((name,))
        if raw:
            return _coerce(key, raw, name), f"env {name}"
    if file_values.get(key) is not None:
        return _coerce(key, file_values[key], str(path)), f"config {path}"
    return None, ""


def substitute_deprecated(model: str) -> str | None:
    """The replacement for a deprecated model id, or None if the id is current."""
    if model.startswith(DEPRECATED_MODEL_PREFIXES):
        return DEFAULT_MODEL
    return None
