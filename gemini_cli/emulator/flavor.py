"""Which server the emulator imitates: the live service (default) or the SDK's documented one."""

from __future__ import annotations

import math
import os

from gemini_cli.core.errors import UsageError

LIVE = "live"
SDK = "sdk"
FLAVORS = (LIVE, SDK)
FLAVOR_ENV = "GEM_EMULATOR_FLAVOR"
WORK_SECONDS_ENV = "GEM_EMULATOR_WORK_SECONDS"
# A bound that still lets a test keep an interaction running "forever" (a day and more).
MAX_WORK_SECONDS = 1_000_000.0


def parse_flavor(value: str, origin: str = "--flavor") -> str:
    """`live` or `sdk` (any case, surrounding blanks ignored); anything else is exit 2."""
    flavor = value.strip().lower()
    if flavor not in FLAVORS:
        raise UsageError(f"{origin}: expected 'live' or 'sdk', got {value!r}")
    return flavor


def flavor_from_env(default: str = LIVE) -> str:
    raw = os.environ.get(FLAVOR_ENV, "")
    return parse_flavor(raw, FLAVOR_ENV) if raw.strip() else default


def check_work_seconds(value: float, origin: str = "--work-seconds") -> float:
    """A finite, non-negative number of seconds (nan, inf and negatives are exit 2)."""
    if not math.isfinite(value) or value < 0 or value > MAX_WORK_SECONDS:
        raise UsageError(
            f"{origin}: expected a number of seconds from 0 to {MAX_WORK_SECONDS:g}, got {value!r}"
        )
    return value


def work_seconds_from_env(default: float) -> float:
    raw = os.environ.get(WORK_SECONDS_ENV, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{WORK_SECONDS_ENV}: expected a number of seconds, got {raw!r}") from None
    return check_work_seconds(value, WORK_SECONDS_ENV)
