"""The one parser for on/off environment variables (GEM_DEBUG, GEM_NO_LOG)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from gemini_cli.core.errors import UsageError

DEBUG = "GEM_DEBUG"
NO_LOG = "GEM_NO_LOG"
FLAGS = (DEBUG, NO_LOG)

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


def env_flag(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """`1/true/yes/on` is on, `0/false/no/off` or unset/empty is off (any case, blanks
    ignored); anything else is exit 2 naming the variable, rather than a silent guess."""
    raw = (os.environ if environ is None else environ).get(name, "")
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    shown = raw.encode("utf-8", "backslashreplace").decode("utf-8")  # undecodable bytes
    raise UsageError(
        f"the environment variable {name}={shown!r} is not a yes/no value",
        hint=f"set {name} to 1/true/yes/on or 0/false/no/off, or unset it",
    )


def env_flag_or(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    """The flag, or `default` when its value is bad (for paths that must not fail, such as
    reporting an internal error)."""
    try:
        return env_flag(name, environ)
    except UsageError:
        return default


def check_flags(environ: Mapping[str, str] | None = None) -> None:
    """Validate every flag up front: a bad value is exit 2 before anything is sent."""
    for name in FLAGS:
        env_flag(name, environ)
