"""Injectable time (a run's clock lives in core: a dry run needs it, not the retry policy)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


def _jitter() -> float:
    """random.random(), the module imported on the first retry only (not on every start)."""
    import random

    return random.random()


@dataclass
class Clock:
    """Injectable time: tests pass fakes so backoff and deadlines never sleep for real."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    wall: Callable[[], float] = time.time
    random: Callable[[], float] = _jitter
