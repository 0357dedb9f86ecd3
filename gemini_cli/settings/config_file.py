"""Changing the YAML config file: validate one setting, then write it under a lock, atomically."""

from __future__ import annotations

import errno
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gemini_cli.core.errors import UsageError
from gemini_cli.settings.config import CONFIG_KEYS, _coerce, load_config_file

ALIAS_PREFIX = "aliases."
SETTABLE = tuple(sorted(CONFIG_KEYS - {"aliases"}))
ORIGIN = "gem config set"
ALIAS_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
LOCK_WAIT = 30.0  # a writer holds the lock for milliseconds; a stopped one (Ctrl-Z) not forever
LOCK_POLL = 0.02


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


def _bad_character(value: str) -> str | None:
    """Why VALUE cannot go into the file: a pasted newline or escape would break the file or
    every request."""
    for ch in value:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            return "a character that is not UTF-8"
        if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            return f"a control character ({ch.encode('unicode_escape').decode()})"
    return None


def validate(key: str, value: str) -> Any:
    """The value as it will be stored (a number for timeout/max_retries); exit 2 if invalid."""
    if not value.strip():
        raise UsageError(f"{key}: the value is empty (use 'gem config unset {key}' to remove it)")
    name, _ = parse_key(key)
    bad = _bad_character(value)
    if bad is not None:
        raise UsageError(f"{key}: the value contains {bad}; it was not stored")
    if name == "aliases":
        return value.strip()
    if name == "base_url" and not value.strip().lower().startswith(
        ("http://", "https://", "emulator:")
    ):
        raise UsageError(f"base_url must start with https://, http:// or emulator:, got {value!r}")
    return _coerce(name, value, ORIGIN)


def set_value(path: Path, key: str, value: str, wait: float = LOCK_WAIT) -> Any:
    """Store KEY=VALUE, keeping every other key (also those another `gem config set` running
    at the same time writes); returns the stored value."""
    name, alias = parse_key(key)
    stored = validate(key, value)
    with locked(path, wait):
        data = load_config_file(path)
        if alias is None:
            data[name] = stored
        else:
            aliases = data.get("aliases")
            data["aliases"] = {**(aliases if isinstance(aliases, dict) else {}), alias: stored}
        write(path, data)
    return stored


def unset_value(path: Path, key: str, wait: float = LOCK_WAIT) -> bool:
    """Remove KEY (or one alias); False when it was not set."""
    name, alias = parse_key(key, strict=False)  # a hand-written odd alias can still go
    if not path.exists():
        return False
    with locked(path, wait):
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


def write_error(path: Path, exc: OSError) -> UsageError:
    """A failed write as one line naming the file: exit 2, never a traceback."""
    if isinstance(exc, FileExistsError) or exc.errno == errno.ENOTDIR:
        reason = "a part of the path is not a directory"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    else:
        text = exc.strerror or str(exc)
        reason = text[:1].lower() + text[1:]
    return UsageError(
        f"cannot write the config file {path}: {reason}",
        hint="fix the permissions of its folder, or point GEM_CONFIG at a writable file",
    )


def _target(path: Path) -> Path:
    """The file really written: a symlinked config (dotfiles) keeps its link."""
    return path.resolve() if path.is_symlink() else path


@contextmanager
def locked(
    path: Path,
    wait: float = LOCK_WAIT,
    sleep: Callable[[float], None] | None = None,
    monotonic: Callable[[], float] | None = None,
) -> Iterator[None]:
    """Hold an exclusive lock on `.NAME.lock` beside the config file for a read-modify-write,
    so parallel `gem config set` runs never lose each other's keys. Waits at most `wait`
    seconds (exit 2 after that); without fcntl (Windows) there is no lock."""
    target = _target(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target.parent / f".{target.name}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as exc:
        raise write_error(path, exc) from exc
    try:
        _acquire(fd, path, wait, sleep or time.sleep, monotonic or time.monotonic)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(
    fd: int,
    path: Path,
    wait: float,
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return
    deadline = monotonic() + max(wait, 0.0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if monotonic() >= deadline:
                raise UsageError(
                    f"cannot write the config file {path}: another process kept it locked "
                    f"for {wait:.0f}s",
                    hint="is a 'gem config set' stopped (Ctrl-Z) in another shell?",
                ) from None
            sleep(LOCK_POLL)


def write(path: Path, data: dict[str, Any]) -> None:
    """Replace the file in one step (temporary file, then rename), created with mode 0600
    (it may hold a key). A folder gem cannot write is exit 2 naming the file."""
    import yaml

    target = _target(path)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".yaml", dir=target.parent)
    except OSError as exc:
        raise write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text if data else "")
            handle.flush()
            os.fsync(handle.fileno())  # the rename must never expose an empty file
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise write_error(path, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
