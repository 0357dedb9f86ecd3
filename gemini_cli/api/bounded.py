"""Reading an HTTP answer within a size cap and a wall-clock deadline, whatever the server does."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx

from gemini_cli.api.deadline import ConnectionCutter, Deadline, Watchdog
from gemini_cli.api.errors import NetworkError, TimeoutError_
from gemini_cli.api.retry import Clock
from gemini_cli.core.limits import RESPONSE_BYTES, human

T = TypeVar("T")


class TooLarge(NetworkError):
    """The server sent more than the response cap: gem stopped reading (exit 6)."""

    error_type = "response_too_large"


def too_large(cap: int, ident: str | None) -> TooLarge:
    return TooLarge(
        f"the API's answer is larger than {human(cap)}; gem stopped reading it",
        interaction_id=ident,
        hint=f"raise the limit with {RESPONSE_BYTES[0]} (e.g. {RESPONSE_BYTES[0]}=256M)",
    )


def read_capped(resp: httpx.Response, cap: int, deadline: Deadline, ident: str | None) -> bytes:
    """The whole body, read in chunks: past `cap` bytes it is TooLarge, past the deadline a
    ReadTimeout (httpx's read timeout bounds one read, so a trickle could last forever)."""
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise too_large(cap, ident)
    # One growing buffer, not a list of chunks: the chunks' memory is reused at once, so a
    # big answer does not leave its size behind in the heap after the join.
    buffer = bytearray()
    for chunk in resp.iter_bytes():
        if len(buffer) + len(chunk) > cap:
            raise too_large(cap, ident)
        buffer += chunk
        if deadline.expired():
            raise httpx.ReadTimeout("the deadline passed while reading the answer")
    return bytes(buffer)


def response_text(resp: httpx.Response) -> str:
    """The body as text in one copy (httpx's `.text` makes two: a big answer would cost
    three times its size for a moment)."""
    try:
        return resp.content.decode(resp.charset_encoding or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        return resp.content.decode("utf-8", "replace")


class WallClock:
    """One client's guard against a blocked read: a watchdog per exchange cuts the client's
    sockets when the deadline passes, and `timed_out` turns what that cut raised into exit 6
    naming --timeout (a trickle of header bytes otherwise outlives every per-read timeout)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.cutter = ConnectionCutter()

    def watch(self, deadline: Deadline) -> Watchdog:
        return Watchdog(self.clock, lambda: deadline.end, self.cutter.cut)

    def install(self, request: httpx.Request) -> httpx.Request:
        request.extensions["trace"] = self.cutter.trace
        return request

    @staticmethod
    def timed_out(deadline: Deadline, ident: str | None) -> TimeoutError_:
        return TimeoutError_(
            f"gave up after the {deadline.seconds:g}s deadline (--timeout)", interaction_id=ident
        )


def guarded(wall: WallClock, deadline: Deadline, ident: str | None, exchange: Callable[[], T]) -> T:
    """Run one exchange under the deadline's watchdog; what its cut caused (an error, or a
    body that seems to end early) and a read past the deadline are the deadline's
    TimeoutError_."""
    with wall.watch(deadline) as dog:
        try:
            result = exchange()
        except (httpx.TransportError, OSError) as exc:
            if dog.fired or deadline.expired():
                raise wall.timed_out(deadline, ident) from exc
            raise
    if dog.fired:  # the cut can look like the server's clean end of the body
        raise wall.timed_out(deadline, ident)
    return result
