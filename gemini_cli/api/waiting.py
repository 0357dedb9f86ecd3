"""Waiting for a background interaction to finish: follow its event stream, else poll it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx

from gemini_cli.api.errors import (
    GemError,
    NetworkError,
    RateLimitError,
    ServerError,
    StillRunningError,
)
from gemini_cli.api.events import ResumeCursor, parse_event, thought_text_of
from gemini_cli.api.models import Interaction
from gemini_cli.api.retry import Clock
from gemini_cli.api.sse import iter_sse

__all__ = [
    "Progress",
    "is_done",
    "latest_thought",
    "poll_intervals",
    "wait_until_done",
]

FIRST_INTERVAL = 1.0
BACKOFF = 1.5
DEFAULT_MAX_INTERVAL = 15.0
# Each request gets its own deadline inside the wait: long enough for the client's own retries,
# short enough that a stuck connection never eats the whole wait; the floor lets the last
# check at the wait's deadline still complete.
REQUEST_TIMEOUT = 60.0
REQUEST_TIMEOUT_FLOOR = 1.0
# Consecutive stream connections that fail before delivering any event: then we poll instead.
MAX_STREAM_FAILURES = 2
TRANSIENT_ERRORS = (ServerError, RateLimitError, NetworkError)


@dataclass(frozen=True)
class Progress:
    """What the wait knows right now, for a status line."""

    interaction_id: str
    status: str
    elapsed: float
    thought: str | None = None  # the heading of the latest thought summary
    note: str | None = None  # transient trouble (retried), e.g. "HTTP 503"


Listener = Callable[[Progress], None]


def is_done(status: str) -> bool:
    """Terminal, or waiting for the caller (requires_action): either way, nothing to wait for."""
    from gemini_cli.api.models import TERMINAL_STATUSES

    return status in TERMINAL_STATUSES or status in ("requires_action", "requires_continuation")


def poll_intervals(max_interval: float = DEFAULT_MAX_INTERVAL) -> Iterator[float]:
    """1 s, then x1.5 each time, capped at max_interval: quick for short work, cheap for long."""
    interval = min(FIRST_INTERVAL, max_interval)
    while True:
        yield interval
        interval = min(interval * BACKOFF, max_interval)


def latest_thought(steps: list[dict[str, Any]]) -> str | None:
    """The heading (first line) of the last thought summary among these steps."""
    for step in reversed(steps):
        if step.get("type") != "thought":
            continue
        for block in reversed(step.get("summary") or []):
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                return heading(block["text"])
    return None


def heading(text: str) -> str | None:
    """`**Planning the research**\\n\\nI will...` -> `Planning the research`."""
    for line in text.splitlines():
        line = re.sub(r"^[#>\s]+|\*\*|__", "", line).strip()
        if line:
            return line
    return None


def wait_until_done(
    client: Any,
    interaction_id: str,
    *,
    timeout: float | None = None,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    clock: Clock | None = None,
    on_update: Listener | None = None,
    stream: bool = True,
    timeout_shown: float | None = None,
) -> Interaction:
    """Block until the interaction is done; return it as GET returns it.

    With `stream`, follow the event stream first (live thought summaries, no polling delay),
    re-attaching after drops; on repeated stream trouble, or once the stream ends, poll GET.
    `timeout` None waits for ever. Raises StillRunningError when the timeout passes; transient
    errors (5xx, 429, network) are retried until then. KeyboardInterrupt propagates.
    `timeout_shown`: the --timeout to name in that error when `timeout` is what is left of it.
    """
    waiter = _Waiter(client, interaction_id, timeout, clock or Clock(), on_update)
    if timeout_shown is not None:
        waiter.timeout = timeout_shown
    if stream:
        # GET first: a finished interaction needs no stream, and a replayed stream would
        # show its old statuses as if they were news.
        interaction = waiter.fetch()
        if interaction is not None and is_done(interaction.status):
            return interaction
        ended = waiter.follow_stream()
        return waiter.poll(max_interval, fetch_first=ended)
    return waiter.poll(max_interval)


class _Waiter:
    def __init__(
        self,
        client: Any,
        interaction_id: str,
        timeout: float | None,
        clock: Clock,
        on_update: Listener | None,
    ) -> None:
        self.client = client
        self.id = interaction_id
        self.clock = clock
        self.start = clock.monotonic()
        self.end = None if timeout is None else self.start + timeout
        self.timeout = timeout
        self.on_update = on_update
        self.state = Progress(interaction_id, "", 0.0)

    # -- time -------------------------------------------------------------------------------

    def remaining(self) -> float | None:
        return None if self.end is None else self.end - self.clock.monotonic()

    def expired(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0

    def request_timeout(self) -> float:
        remaining = self.remaining()
        if remaining is None:
            return REQUEST_TIMEOUT
        return min(REQUEST_TIMEOUT, max(remaining, REQUEST_TIMEOUT_FLOOR))

    def idle_timeout(self) -> float:
        """How long a stream may stay silent: never past the deadline (a re-attach is cheap)."""
        remaining = self.remaining()
        return REQUEST_TIMEOUT if remaining is None else max(min(REQUEST_TIMEOUT, remaining), 0.1)

    def still_running(self) -> StillRunningError:
        status = self.state.status or "unknown"
        return StillRunningError(
            f"interaction {self.id} is still {status} after {seconds(self.timeout or 0)} "
            "(--timeout); it continues on the server",
            interaction_id=self.id,
            hint=f"wait again with: gem poll {self.id}",
        )

    # -- progress ---------------------------------------------------------------------------

    def update(self, **changes: Any) -> None:
        changes.setdefault("note", None)
        new = replace(self.state, elapsed=self.clock.monotonic() - self.start, **changes)
        changed = (new.status, new.thought, new.note) != (
            self.state.status,
            self.state.thought,
            self.state.note,
        )
        self.state = new
        if changed and self.on_update is not None:
            self.on_update(new)

    # -- polling ----------------------------------------------------------------------------

    def poll(self, max_interval: float, fetch_first: bool = True) -> Interaction:
        intervals = poll_intervals(max_interval)
        interaction = self.fetch() if fetch_first else None
        while interaction is None or not is_done(interaction.status):
            if self.expired():
                raise self.still_running()
            remaining = self.remaining()
            pause = next(intervals)
            self.clock.sleep(pause if remaining is None else min(pause, remaining))
            interaction = self.fetch()
        return interaction

    def fetch(self) -> Interaction | None:
        """One GET; None after a transient failure (already retried by the client)."""
        try:
            with self.request_deadline():
                interaction = self.client.get(self.id)
        except TRANSIENT_ERRORS as exc:
            self.update(
                status=self.state.status,
                thought=self.state.thought,
                note=f"{exc.message}; retrying",
            )
            return None
        thought = latest_thought(interaction.step_dicts) or self.state.thought
        self.update(status=interaction.status, thought=thought)
        return interaction

    @contextmanager
    def request_deadline(self) -> Iterator[None]:
        # The client's deadline is the command's --timeout; inside a wait it bounds one request.
        saved = self.client.timeout
        self.client.timeout = self.request_timeout()
        try:
            yield
        finally:
            self.client.timeout = saved

    # -- following the stream ---------------------------------------------------------------

    def follow_stream(self) -> bool:
        """Consume the event stream until the interaction ends, the deadline passes or the
        stream keeps failing; the caller then confirms (or keeps waiting) by polling.
        True when the stream ended (check at once), False when we gave up on it."""
        cursor = ResumeCursor()
        failures = 0
        while failures < MAX_STREAM_FAILURES and not self.expired():
            seen = cursor.since_last_id, cursor.last_event_id
            try:
                if self._read_stream(cursor):
                    return True
                failures += 1  # EOF before the end: re-attach
            except httpx.ReadTimeout:
                if self.expired():
                    return True  # poll() makes the last check
                # Quiet is normal (research steps can be silent for minutes); check it is alive.
                interaction = self.fetch()
                if interaction is not None and is_done(interaction.status):
                    return True
                continue
            except (httpx.TransportError, httpx.StreamError, *TRANSIENT_ERRORS) as exc:
                failures += 1
                self.update(
                    status=self.state.status,
                    thought=self.state.thought,
                    note=f"event stream: {_describe(exc)}; re-attaching",
                )
            except GemError:
                return False  # refused (400/404/...): polling reports the real error, if any
            if (cursor.since_last_id, cursor.last_event_id) != seen:
                failures = 0  # that connection made progress: keep following
        return self.expired()

    def _read_stream(self, cursor: ResumeCursor) -> bool:
        """Read one connection; True once the stream says the interaction ended."""
        cursor.reattached()
        with (
            self.request_deadline(),
            self.client.stream_get(
                self.id, idle_timeout=self.idle_timeout(), last_event_id=cursor.last_event_id
            ) as resp,
        ):
            for sse in iter_sse(resp.iter_bytes()):
                event = parse_event(sse)
                if event is None:
                    return True  # [DONE]
                if cursor.should_skip(event):
                    continue
                if self._on_event(event) or self.expired():
                    return True
        return False

    def _on_event(self, event: dict[str, Any]) -> bool:
        """Track status and thoughts; True for the events that end the stream."""
        kind = event.get("event_type")
        thought = thought_text_of(event)
        if thought:
            self.update(status=self.state.status, thought=heading(thought) or self.state.thought)
        elif kind == "interaction.status_update" and isinstance(event.get("status"), str):
            self.update(status=event["status"], thought=self.state.thought)
        elif kind in ("interaction.created", "interaction.completed"):
            payload = event.get("interaction")
            status = payload.get("status") if isinstance(payload, dict) else None
            if isinstance(status, str):
                self.update(status=status, thought=self.state.thought)
        return kind in ("interaction.completed", "error")


def seconds(value: float) -> str:
    """A duration for people: `1.5s`, `300s` (never `1.45533s`)."""
    if value < 1:
        return f"{value:.2g}s"
    return f"{round(value, 1):g}s" if value < 100 else f"{round(value):d}s"


def _describe(exc: Exception) -> str:
    return exc.message if isinstance(exc, GemError) else (str(exc) or type(exc).__name__)
