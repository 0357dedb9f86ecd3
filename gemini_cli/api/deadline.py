"""Wall-clock bounds: a Deadline on an injected clock, and a Watchdog that cuts a blocked read."""

from __future__ import annotations

import math
import socket
import threading
import weakref
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from gemini_cli.api.errors import TimeoutError_

if TYPE_CHECKING:
    import httpx

    from gemini_cli.api.retry import Clock

__all__ = ["ConnectionCutter", "Deadline", "DeadlineExceeded", "Watchdog", "cut_response"]

# How often a watchdog looks at its clock at most: it waits for exactly the time left on a real
# clock; the tick only bounds how late it notices a fake clock jumping (tests) or a due time
# that moved earlier.
WATCHDOG_TICK = 0.25


class Deadline:
    """An absolute end time on `clock`; `seconds=None` is no limit (remaining() is infinite)."""

    def __init__(self, seconds: float | None, clock: Clock) -> None:
        self.seconds = seconds
        self.clock = clock
        self.end: float | None = None if seconds is None else clock.monotonic() + seconds

    @classmethod
    def since(cls, start: float, seconds: float | None, clock: Clock) -> Deadline:
        """`seconds` counted from `start` (a monotonic time, e.g. when the command began)."""
        deadline = cls(seconds, clock)
        deadline.end = None if seconds is None else start + seconds
        return deadline

    @property
    def bounded(self) -> bool:
        return self.end is not None

    def remaining(self) -> float:
        """Seconds left (negative once passed; `math.inf` without a limit)."""
        return math.inf if self.end is None else self.end - self.clock.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def cap(self, limit: float, floor: float = 0.001) -> float:
        """`limit` (e.g. one read's timeout), shortened to what is left, never below `floor`."""
        return max(min(limit, self.remaining()), floor)


class DeadlineExceeded(TimeoutError_):
    """The total deadline (--timeout) passed: what was going on was cut short (exit 6;
    waiting turns it into "still running", exit 8)."""

    def __init__(self, deadline: Deadline, interaction_id: str | None = None) -> None:
        super().__init__(
            f"gave up after the {deadline.seconds or 0:g}s deadline (--timeout)",
            interaction_id=interaction_id,
        )
        self.deadline = deadline


class Watchdog:
    """Calls `fire` once, from a background thread, when the clock reaches `due()`.

    `due()` is re-read every time the watchdog is looked at, so it may move (an idle timer that
    each new event pushes back); None means "not now". This bounds what checking the clock
    between reads cannot: one read blocked on a silent socket. Use `fire=cut_response(resp)`
    (or a ConnectionCutter's `cut`) to wake that read; afterwards `fired` tells the reader that
    the end of its stream was the watchdog's doing, not the server's. Entering and leaving are
    cheap (one shared thread serves every watchdog); after leaving, `fire` is never called.
    """

    def __init__(
        self,
        clock: Clock,
        due: Callable[[], float | None],
        fire: Callable[[], None],
        tick: float = WATCHDOG_TICK,
    ) -> None:
        self.clock = clock
        self.due = due
        self.fire = fire
        self.tick = tick
        self.fired = False
        self._lock = threading.Lock()
        self._active = False

    def __enter__(self) -> Watchdog:
        self._active = True
        _SCHEDULER.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:  # waits for a fire in progress; none can start afterwards
            self._active = False
        _SCHEDULER.discard(self)

    def left(self) -> float:
        """Seconds until due (at most `tick` when there is no due time)."""
        due = self.due()
        return self.tick if due is None else min(due - self.clock.monotonic(), self.tick)

    def trigger(self) -> None:
        with self._lock:
            if not self._active:
                return
            self._active = False
            self.fired = True
            with suppress(Exception):  # the reader notices `fired` either way
                self.fire()


class _Scheduler:
    """The one daemon thread that looks after every active watchdog."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._dogs: set[Watchdog] = set()
        self._thread: threading.Thread | None = None

    def add(self, dog: Watchdog) -> None:
        with self._cond:
            self._dogs.add(dog)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="gem-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()

    def discard(self, dog: Watchdog) -> None:
        with self._cond:
            self._dogs.discard(dog)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._dogs:
                    self._cond.wait()
                lefts = {dog: dog.left() for dog in self._dogs}
                due = [dog for dog, left in lefts.items() if left <= 0]
                self._dogs.difference_update(due)
                if not due:
                    self._cond.wait(min(lefts.values()))
            for dog in due:
                dog.trigger()


_SCHEDULER = _Scheduler()


def _shutdown(sock: Any) -> None:
    # shutdown(), not close(): on Linux only shutdown wakes a recv() blocked in another thread.
    with suppress(OSError, ValueError, AttributeError):  # closed, or a test's fake body
        sock.shutdown(socket.SHUT_RDWR)


def cut_response(resp: httpx.Response) -> Callable[[], None]:
    """A `fire` for a streamed response: wake its blocked read by shutting its socket down."""

    def cut() -> None:
        stream = resp.extensions.get("network_stream")
        if stream is not None:
            _shutdown(stream.get_extra_info("socket"))

    return cut


class ConnectionCutter:
    """Remembers the sockets a client opens, so a watchdog can cut a request whose response
    has not arrived yet (e.g. headers trickled a byte at a time). Install `trace` as the
    request's `trace` extension on every request; `cut()` shuts down every socket still open.
    """

    def __init__(self) -> None:
        self._streams: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            if stream is not None:
                with self._lock:
                    self._streams.add(stream)

    def cut(self) -> None:
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            _shutdown(stream.get_extra_info("socket"))
