"""Follow an interaction's event stream across dropped connections, with no loss or duplicates.

This is the only code that reads an event stream: `gem stream` prints what it yields, and
waiting (`poll`, `research`) is a short loop over it."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import TYPE_CHECKING

import httpx

from gemini_cli.api.deadline import Deadline, DeadlineExceeded, Watchdog, cut_response
from gemini_cli.api.errors import TRANSIENT_ERRORS, NetworkError
from gemini_cli.api.plain_reply import is_plain_json
from gemini_cli.api.resume import ResumeCursor
from gemini_cli.api.retry import Clock, RetryPolicy
from gemini_cli.api.sse import SSEDecoder
from gemini_cli.api.stream_intake import EventIntake
from gemini_cli.core.errors import GemError
from gemini_cli.core.jsontypes import JSONObject

if TYPE_CHECKING:
    from gemini_cli.api.client import InteractionsClient

__all__ = ["Follow", "ReconnectCallback", "ResumeCursor", "follow"]

# (attempt number, delay in seconds before it, why the previous connection ended)
ReconnectCallback = Callable[[int, float, str], None]
# Called after `idle_timeout` without an event (keep-alive comments are not events); True
# stops following (e.g. a GET found the interaction done).
IdleHook = Callable[[], bool]


class _Silence(Exception):
    """No event for idle_timeout seconds on a connection, and nobody to ask what to do."""


class Follow(EventIntake):
    """An iterator of event dicts that re-attaches by itself until the interaction ends.

    Starts with a streaming create (`body`) or an attach (`interaction_id`, after
    `last_event_id`). A connection that breaks, has no event for `idle_timeout` (comments are
    not events) or ends early is re-attached after a backoff (with `last_event_id` if the
    stream has ids, else from the start); the cursor drops replays. Only new events reset the
    retry streak (`max_retries`, then NetworkError). A differing replay ends with `diverged`,
    a `[DONE]` re-attach with nothing new with `done_early`; a `store: false` stream (id "")
    cannot be re-attached. `deadline` bounds it all in wall-clock time (DeadlineExceeded; a
    watchdog cuts a blocked read). `on_idle` is asked on silence instead of re-attaching;
    `on_batch` runs after each network read. A plain JSON answer is one event; `[DONE]` and
    non-JSON data (to `on_garbage`) are never yielded.
    """

    def __init__(
        self,
        client: InteractionsClient,
        *,
        body: JSONObject | None = None,
        interaction_id: str | None = None,
        last_event_id: str | None = None,
        idle_timeout: float = 60.0,
        max_retries: int = 4,
        clock: Clock | None = None,
        deadline: Deadline | None = None,
        on_idle: IdleHook | None = None,
        on_batch: Callable[[], None] | None = None,
        on_garbage: Callable[[str], None] | None = None,
        on_reconnect: ReconnectCallback | None = None,
    ) -> None:
        if (body is None) == (interaction_id is None):
            raise ValueError("give exactly one of body and interaction_id")
        self.client = client
        self.body = body
        self.interaction_id = interaction_id
        self.cursor = ResumeCursor(last_event_id)
        self.idle_timeout = idle_timeout
        self.clock = clock or client.clock
        self.retry = RetryPolicy(max_retries=max(0, max_retries), clock=self.clock)
        self.deadline = deadline or Deadline(None, self.clock)
        self.on_idle, self.on_batch = on_idle, on_batch
        self.on_garbage, self.on_reconnect = on_garbage, on_reconnect
        self.finished = False  # the terminal event arrived
        self.done_early = False  # [DONE] on a re-attach that brought nothing new
        self.diverged = False  # a replay differed from what was yielded
        self.stopped = False  # the idle hook said to stop
        self.unstored = body is not None and body.get("store") is False
        self.last_data: str | None = None
        self._progressed = self._saw_done = self._opening = False
        self._last_event_at = self.clock.monotonic()
        self._events = self._run()

    @property
    def last_event_id(self) -> str | None:
        return self.cursor.last_event_id

    def __iter__(self) -> Iterator[JSONObject]:
        return self._events  # the generator itself: no Python-level __next__ per event

    def __next__(self) -> JSONObject:
        return next(self._events)

    def close(self) -> None:
        """Close the open connection, if any (also done when iteration ends)."""
        self._events.close()

    # -- the reconnect loop -------------------------------------------------------------

    def _run(self) -> Generator[JSONObject, None, None]:
        creating = self.body is not None
        streak = 0  # re-attach attempts since the last new event
        while True:
            self._progressed = self._saw_done = False
            silent = False
            try:
                yield from self._connection(creating)
                reason = "the stream ended before the interaction finished"
                if self._saw_done:
                    reason = "the stream ended ([DONE]) before the interaction finished"
            except _Silence:
                silent, reason = True, f"no event for {self.idle_timeout:g}s"
            except httpx.TransportError as exc:
                silent = isinstance(exc, httpx.ReadTimeout)
                reason = self._describe(exc)
            except TRANSIENT_ERRORS as exc:
                self._final_open_error(exc, creating)
                reason = exc.message
            if self.finished or self.diverged or self.stopped:
                return
            self._check_deadline()
            if silent and self.on_idle is not None:
                if self.on_idle():  # quiet is normal here: no failure, re-attach at once
                    self.stopped = True
                    return
                creating = False
                continue
            if self._saw_done and not creating and not self._progressed:
                self.done_early = True  # asking again would only repeat that
                return
            creating = False
            streak = 1 if self._progressed else streak + 1
            self._pause(streak, reason)

    def _pause(self, attempt: int, reason: str) -> None:
        """Give up, or wait before re-attach number `attempt`."""
        if self.interaction_id is None:
            if self.unstored:
                raise NetworkError(
                    f"the stream broke and cannot be resumed: an interaction created with "
                    f"store: false is not kept by the server ({reason}); run the request again"
                )
            raise NetworkError(
                f"the stream broke before the interaction id was known, so it cannot be "
                f"re-attached: {reason}"
            )
        if attempt > self.retry.max_retries:
            tried = f"after {attempt - 1} attempt(s) without progress (no new event)"
            if self.retry.max_retries == 0:
                tried = "(--max-retries 0)"
            raise NetworkError(
                f"gave up re-attaching to interaction {self.interaction_id} {tried}: {reason}",
                interaction_id=self.interaction_id,
            )
        delay = self.retry.backoff(attempt - 1)
        if self.on_reconnect is not None:
            self.on_reconnect(attempt, delay, reason)
        self.clock.sleep(max(min(delay, self.deadline.remaining()), 0.0))
        self._check_deadline()

    def _final_open_error(self, exc: GemError, creating: bool) -> None:
        """Raise what ends following: the deadline (named as the user gave it), a failed create,
        or a re-attach the client already retried (re-attaching again would multiply its
        retries: an unreachable server must fail as fast as any other command)."""
        self._check_deadline()
        if exc.interaction_id is None:
            exc.interaction_id = self.interaction_id
        if creating or (self._opening and self.client.retry.max_retries > 0):
            raise exc

    def _check_deadline(self) -> None:
        if self.deadline.expired():
            raise DeadlineExceeded(self.deadline, self.interaction_id)

    def _describe(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.TimeoutException):
            return f"no data for {self.idle_timeout:g}s ({type(exc).__name__})"
        detail = str(exc)
        return f"connection lost ({type(exc).__name__}{': ' + detail if detail else ''})"

    # -- one connection -----------------------------------------------------------------

    def _connection(self, creating: bool) -> Iterator[JSONObject]:
        """Yield the new events of one connection; return at its end or after the last event."""
        with ExitStack() as stack:
            self._opening = True
            with self._bounded_request():
                resp = stack.enter_context(self._open(creating))
            self._opening = False
            self.cursor.reattached()
            self._last_event_at = self.clock.monotonic()
            if is_plain_json(resp):
                yield from self._json_reply(resp)
                return
            # A fresh decoder per connection, flushed only on a clean EOF: a block cut by a
            # broken connection is never mistaken for a complete event.
            decoder = SSEDecoder(self.on_garbage)
            with self._watchdog(resp) as dog:
                for chunk in resp.iter_bytes():
                    self._check_deadline()  # what arrives after the deadline is not taken
                    for sse in decoder.feed(chunk):
                        event = self._take(sse)
                        if event is not None:
                            yield event
                        if self._over():
                            return
                    if self._between_reads():
                        return
                if dog is not None and dog.fired:
                    raise DeadlineExceeded(self.deadline, self.interaction_id)
                for sse in decoder.flush():
                    event = self._take(sse)
                    if event is not None:
                        yield event
                    if self._over():
                        return

    def _open(self, creating: bool) -> AbstractContextManager[httpx.Response]:
        # Each read waits at most the idle time, and never past the deadline (the watchdog
        # is for the read that a trickle of bytes keeps alive).
        read_timeout = self.deadline.cap(self.idle_timeout, floor=0.01)
        if creating:
            assert self.body is not None
            return self.client.stream_create(self.body, read_timeout)
        assert self.interaction_id is not None
        last = self.cursor.last_event_id
        return self.client.stream_get(self.interaction_id, read_timeout, last)

    @contextmanager
    def _bounded_request(self) -> Iterator[None]:
        """The client's own deadline (for the response headers) never outlasts ours."""
        saved = self.client.timeout
        if self.deadline.bounded:
            self.client.timeout = min(saved, self.deadline.cap(saved))
        try:
            yield
        finally:
            self.client.timeout = saved

    def _watchdog(self, resp: httpx.Response) -> AbstractContextManager[Watchdog | None]:
        if not self.deadline.bounded:
            return nullcontext()
        return Watchdog(self.clock, lambda: self.deadline.end, cut_response(resp))

    def _between_reads(self) -> bool:
        """After each read: the deadline, the silence, the output. True to stop following."""
        if self.on_batch is not None:
            self.on_batch()
        self._check_deadline()
        now = self.clock.monotonic()
        if now - self._last_event_at < self.idle_timeout:
            return False
        if self.on_idle is None:
            raise _Silence
        self._last_event_at = now
        self.stopped = self.on_idle()
        return self.stopped


# The public name: `follow(client, body=...)` or `follow(client, interaction_id=...)`.
follow = Follow
