"""Changing the YAML config file: validate one setting, then write it atomically (mode 0600)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from gemini_cli.api.errors import UsageError
from gemini_cli.settings.config import CONFIG_KEYS, _coerce, load_config_file

ALIAS_PREFIX = "aliases."
SETTABLE = tuple(sorted(CONFIG_KEYS - {"aliases"}))
ORIGIN = "gem config set"
ALIAS_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def parse_key(key: str, strict: bool = True) -> tuple[str, str | None]:
    """`model` -> ("model", None); `aliases.fast` -> ("aliases", "fast"); unknown -> exit 2."""
    if key.startswith(ALIAS_PREFIX) and len(key) > len(ALIAS_PREFIX):
        alias = key[len(ALIAS_PREFIX) :]
        if strict and not ALIAS_RE.match(alias):
            raise UsageError(
                f"alias name {alias!r}: use letters, digits, '_' and '-' only (no dots or spaces)"
            )
        return "aliases", alias
    if key in SETTABLE:
        return key, None
    known = ", ".join((*SETTABLE, "aliases.NAME"))
    raise UsageError(f"unknown config key {key!r}: choose one of {known}")


def validate(key: str, value: str) -> Any:
    """The value as it will be stored (a number for timeout/max_retries); exit 2 if invalid."""
    if not value.strip():
        raise UsageError(f"{key}: the value is empty (use 'gem config unset {key}' to remove it)")
    name, _ = parse_key(key)
    bad = next(
        (
            ch
            for ch in value
            if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or 0xD800 <= ord(ch) <= 0xDFFF
        ),
        None,
    )
    if bad is not None:  # a pasted newline or escape would break the file or every request
        what = (
            "a character that is not UTF-8"
            if ord(bad) >= 0xD800
            else f"a control character ({bad.encode('unicode_escape').decode()})"
        )
        raise UsageError(f"{key}: the value contains {what}; it was not stored")
    if name == "aliases":
        return value.strip()
    if name == "base_url" and not value.strip().lower().startswith(
        ("http://", "https://", "emulator:")
    ):
        raise UsageError(f"base_url must start with https://, http:// or emulator:, got {value!r}")
    return _coerce(name, value, ORIGIN)


def set_value(path: Path, key: str, value: str) -> Any:
    """Store KEY=VALUE, keeping every other key; returns the stored value."""
    name, alias = parse_key(key)
    stored = validate(key, value)
    data = load_config_file(path)
    if alias is None:
        data[name] = stored
    else:
        aliases = data.get("aliases") if isinstance(data.get("aliases"), dict) else {}
        data["aliases"] = {**aliases, alias: stored}
    write(path, data)
    return stored


def unset_value(path: Path, key: str) -> bool:
    """Remove KEY (or one alias); False when it was not set."""
    name, alias = parse_key(key, strict=False)  # a hand-written odd alias can still go
    data = load_config_file(path)
    holder = data if alias is None else data.get("aliases")
    field = name if alias is None else alias
    if not isinstance(holder, dict) or field not in holder:
        return False
    del holder[field]
    if alias is not None and not holder:
        del data["aliases"]
    write(path, data)
    return True


def write(path: Path, data: dict[str, Any]) -> None:
    """Replace the file in one step, created with mode 0600 (it may hold a key)."""
    import yaml

    target = path.resolve() if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".yaml", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text if data else "")
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
