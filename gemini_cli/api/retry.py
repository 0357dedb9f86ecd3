"""Retry policy: which failures are retried and how long to wait (deadlines: api/deadline.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gemini_cli.core.clock import Clock as Clock  # re-exported: api code names it from here

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# A create (POST) is not idempotent: retry it only when the answer proves it was not processed.
UNPROCESSED_STATUSES = frozenset({429, 503})
# A string: `re` compiles (and caches) it on first use, only for a 429.
_LASTING_QUOTA = r"storage (limit|quota)|per[ _-]?day|daily (limit|quota)"


@dataclass
class RetryPolicy:
    """How often and how long to retry: backoff from `initial_delay`, capped, with jitter."""

    max_retries: int = 4
    initial_delay: float = 0.5
    max_delay: float = 8.0
    clock: Clock = field(default_factory=Clock)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (0-based): ~0.5 s doubling, capped, with jitter."""
        base: float = min(self.initial_delay * (2.0**attempt), self.max_delay)
        return base * (1 - 0.25 * self.clock.random())

    def delay(self, attempt: int, headers: Mapping[str, str] | None) -> float:
        hinted = retry_after_seconds(headers or {}, self.clock.wall)
        return hinted if hinted is not None else self.backoff(attempt)


def is_retryable_status(status: int, idempotent: bool) -> bool:
    if idempotent:
        return status in RETRYABLE_STATUSES or status >= 500
    return status in UNPROCESSED_STATUSES


def is_lasting_quota(status: int, body: bytes) -> bool:
    """A 429 whose message says a storage or daily quota is used up (e.g. the Files API's
    "Corpus has reached the storage limit"): no wait of seconds clears it, so it is not
    retried. Ordinary rate limits (per minute, or no period named) still are."""
    if status != 429:
        return False
    return bool(re.search(_LASTING_QUOTA, body[:8192].decode("utf-8", "replace"), re.I))


def retry_after_seconds(headers: Mapping[str, str], now: Callable[[], float]) -> float | None:
    """`retry-after-ms` wins over `Retry-After` (seconds or an HTTP date), as in the SDK."""
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000
            if value >= 0:
                return value
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        pass
    else:  # "nan" parses, and would read as "past the deadline": treat it as garbage
        return None if math.isnan(seconds) else max(seconds, 0.0)
    from email.utils import parsedate_to_datetime  # only for an HTTP-date Retry-After

    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return max(when.timestamp() - now(), 0.0)
