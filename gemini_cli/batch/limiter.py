"""One limiter for the whole batch: concurrency (AIMD), --rpm/--tpm buckets, shared 429 backoff."""

from __future__ import annotations

import threading

from gemini_cli.api.retry import Clock
from gemini_cli.core.errors import Interrupted

# Longest single sleep: a stop (Ctrl-C) is noticed at least this often while waiting.
MAX_NAP = 0.25


class Stopped(Interrupted):
    """The batch is stopping (Ctrl-C, SIGTERM, a fatal error): this request is not sent."""


class Bucket:
    """A token bucket: `rate` tokens per second, at most one second's worth saved up. Takes may
    overdraw (tokens are counted after a request); the next take waits until it is paid off."""

    def __init__(self, per_minute: float, now: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self.level = self.capacity
        self.stamp = now

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait(self, now: float, need: float) -> float:
        """Seconds until `need` tokens are there (0 when they are)."""
        self.refill(now)
        return 0.0 if self.level >= need else (need - self.level) / self.rate


class Limiter:
    """Shared by every worker. `enter`/`leave` hold a concurrency slot per item; `before_request`
    paces each HTTP request (retries too); `pressure` is the server saying "slow down" (429,
    503, a refused connection): everyone pauses for its Retry-After and the allowed concurrency
    halves, then grows back by one per window of successes (AIMD, as TCP does)."""

    def __init__(
        self, jobs: int, clock: Clock, rpm: float | None = None, tpm: float | None = None
    ) -> None:
        self.clock = clock
        self.jobs = jobs
        self.allowed = float(jobs)
        self.in_flight = 0
        self._retrying = 0  # items that gave their slot back until they may retry
        self.paused_until = 0.0
        self.pressures = 0  # how often the server pushed back (for the summary)
        self.lowest = jobs  # the lowest concurrency the batch went down to
        self._last_cut = -1e18
        self._cond = threading.Condition()
        now = clock.monotonic()
        self.rpm = Bucket(rpm, now) if rpm else None
        self.tpm = Bucket(tpm, now) if tpm else None
        self.stopping = threading.Event()

    # -- concurrency slots ---------------------------------------------------------------

    def _cap(self) -> int:
        return max(1, int(self.allowed))

    def enter(self, timeout: float | None = None) -> bool:
        """Take a slot (items waiting to retry go first); False when none came free within
        `timeout` (real seconds)."""
        with self._cond:
            free = lambda: self.in_flight + self._retrying < self._cap()  # noqa: E731
            if not self._cond.wait_for(free, timeout):
                return False
            self.in_flight += 1
            return True

    def leave(self, tokens: int | None = None, ok: bool = True) -> None:
        with self._cond:
            self.in_flight -= 1
            if self.tpm is not None and tokens:
                self.tpm.refill(self.clock.monotonic())
                self.tpm.level -= tokens
            if ok and self.allowed < self.jobs:
                self.allowed = min(float(self.jobs), self.allowed + 1.0 / self.allowed)
            self._cond.notify_all()

    # -- pacing --------------------------------------------------------------------------

    def before_request(self) -> None:
        """Wait out a shared pause and the rate buckets, then take one request token; Stopped
        once the batch stops (a retry is not sent either)."""
        while True:
            if self.stopping.is_set():
                raise Stopped("the batch is stopping")
            with self._cond:
                delay = self._delay(self.clock.monotonic())
                if delay <= 0:
                    if self.rpm is not None:
                        self.rpm.level -= 1
                    return
            self.clock.sleep(min(delay, MAX_NAP))

    def _delay(self, now: float) -> float:
        delay = self.paused_until - now
        if self.rpm is not None:
            delay = max(delay, self.rpm.wait(now, 1.0))
        if self.tpm is not None:
            delay = max(delay, self.tpm.wait(now, 0.0))
        return delay

    def pressure(self, delay: float) -> None:
        """The server pushed back and asked for `delay` seconds: pause everyone that long, and
        halve the concurrency (once per pause: a burst of 429s is one signal, not eight)."""
        with self._cond:
            now = self.clock.monotonic()
            self.pressures += 1
            self.paused_until = max(self.paused_until, now + delay)
            if now >= self._last_cut + max(delay, 1.0):
                self._last_cut = now
                self.allowed = max(1.0, self.allowed / 2)
                self.lowest = min(self.lowest, int(self.allowed))

    def retry_sleep(self, delay: float) -> None:
        """The client's sleep before a retry, routed through the limiter: after the pause only
        as many retries go out at once as the (halved) concurrency allows, ahead of new items."""
        self.pressure(delay)
        with self._cond:
            self.in_flight -= 1
            self._retrying += 1
            self._cond.notify_all()
            try:
                while self.in_flight >= self._cap() and not self.stopping.is_set():
                    self._cond.wait(MAX_NAP)
            finally:
                self._retrying -= 1
                self.in_flight += 1  # the slot is this item's again (also when stopping)
        self.before_request()

    def gated_clock(self) -> Clock:
        """A clock for a worker's client: its retry sleeps become shared backoff."""
        base = self.clock
        return Clock(
            monotonic=base.monotonic, sleep=self.retry_sleep, wall=base.wall, random=base.random
        )

    def stop(self) -> None:
        self.stopping.set()
        with self._cond:
            self._cond.notify_all()
