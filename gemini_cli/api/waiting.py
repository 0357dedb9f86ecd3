"""Waiting for a background interaction to finish: follow its event stream, else poll it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from gemini_cli.api.deadline import Deadline, DeadlineExceeded
from gemini_cli.api.errors import TRANSIENT_ERRORS, StillRunningError
from gemini_cli.api.events import current_schema, event_type_of, thought_text_of
from gemini_cli.api.retry import Clock
from gemini_cli.api.streaming import Follow
from gemini_cli.core.errors import GemError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.core.status import is_done

if TYPE_CHECKING:
    from gemini_cli.api.client import InteractionsClient
    from gemini_cli.api.models import Interaction

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
# Re-attaches of the event stream without a new event before we poll instead.
STREAM_RETRIES = 1
# Checks (GETs, each after the client's own retries) failing in a row before the wait gives up:
# waiting without a limit is right only while the server answers.
MAX_FAILED_CHECKS = 3


@dataclass(frozen=True)
class Progress:
    """What the wait knows right now, for a status line."""

    interaction_id: str
    status: str
    elapsed: float
    thought: str | None = None  # the heading of the latest thought summary
    note: str | None = None  # transient trouble (retried), e.g. "HTTP 503"


Listener = Callable[[Progress], None]


def poll_intervals(max_interval: float = DEFAULT_MAX_INTERVAL) -> Iterator[float]:
    """1 s, then x1.5 each time, capped at max_interval: quick for short work, cheap for long."""
    interval = min(FIRST_INTERVAL, max_interval)
    while True:
        yield interval
        interval = min(interval * BACKOFF, max_interval)


def latest_thought(steps: list[JSONObject]) -> str | None:
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
    client: InteractionsClient,
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
    `timeout` None waits for ever, but only while the server answers: MAX_FAILED_CHECKS
    failed checks in a row raise the last error (exit 6 when unreachable). The timeout is a
    wall-clock bound (keep-alives and a silent socket included): StillRunningError.
    KeyboardInterrupt propagates. `timeout_shown`: the --timeout to name in that error when
    `timeout` is what is left of it.
    """
    waiter = _Waiter(client, interaction_id, Deadline(timeout, clock or client.clock), on_update)
    waiter.timeout = timeout if timeout_shown is None else timeout_shown
    if not stream:
        return waiter.poll(max_interval)
    # GET first: a finished interaction needs no stream (and an unreachable server no stream).
    interaction = waiter.fetch()
    if interaction is not None and is_done(interaction.status):
        return interaction
    ended = interaction is not None and waiter.follow_stream()
    return waiter.poll(max_interval, fetch_first=ended)


class _Waiter:
    def __init__(
        self,
        client: InteractionsClient,
        interaction_id: str,
        deadline: Deadline,
        on_update: Listener | None,
    ) -> None:
        self.client = client
        self.id = interaction_id
        self.clock = deadline.clock
        self.deadline = deadline
        self.timeout = deadline.seconds
        self.start = self.clock.monotonic()
        self.on_update = on_update
        self.state = Progress(interaction_id, "", 0.0)
        self.failures = 0  # checks failed in a row
        self.answered = False  # whether any check got an answer

    # -- time -------------------------------------------------------------------------------

    def request_timeout(self) -> float:
        return self.deadline.cap(REQUEST_TIMEOUT, floor=REQUEST_TIMEOUT_FLOOR)

    def still_running(self) -> StillRunningError:
        after = f"after {seconds(self.timeout or 0)} (--timeout)"
        state = f"is still {self.state.status}" if self.state.status else f"gave no status {after}"
        if self.state.status:
            state += f" {after}"
        return StillRunningError(
            f"interaction {self.id} {state}; it continues on the server",
            interaction_id=self.id,
            hint=f"wait again with: gem poll {self.id}",
        )

    # -- progress ---------------------------------------------------------------------------

    def update(self, **changes: Any) -> None:
        changes.setdefault("status", self.state.status)
        changes.setdefault("thought", self.state.thought)
        changes.setdefault("note", None)
        new = replace(self.state, elapsed=self.clock.monotonic() - self.start, **changes)
        old = (self.state.status, self.state.thought, self.state.note)
        self.state = new
        if (new.status, new.thought, new.note) != old and self.on_update is not None:
            self.on_update(new)

    # -- polling ----------------------------------------------------------------------------

    def poll(self, max_interval: float, fetch_first: bool = True) -> Interaction:
        intervals = poll_intervals(max_interval)
        interaction = self.fetch() if fetch_first else None
        while interaction is None or not is_done(interaction.status):
            if self.deadline.expired():
                raise self.still_running()
            pause = next(intervals)
            self.clock.sleep(min(pause, self.deadline.remaining()))
            interaction = self.fetch()
        return interaction

    def fetch(self) -> Interaction | None:
        """One GET; None after a transient failure (already retried by the client), unless
        too many checks failed in a row: then that failure is the wait's outcome."""
        try:
            with self.request_deadline():
                interaction = self.client.get(self.id)
        except TRANSIENT_ERRORS as exc:
            if self.deadline.expired():
                raise self.still_running() from None  # not a failure: the wait's own end
            self.failures += 1
            if self.failures >= MAX_FAILED_CHECKS or self.never_reached(exc):
                exc.interaction_id = exc.interaction_id or self.id
                exc.hint = exc.hint or f"wait again later with: gem poll {self.id}"
                raise
            self.update(note=f"{exc.message}; retrying")
            return None
        self.failures = 0
        self.answered = True
        thought = latest_thought(interaction.step_dicts) or self.state.thought
        self.update(status=interaction.status, thought=thought)
        return interaction

    def never_reached(self, exc: GemError) -> bool:
        """No answer ever, not even an HTTP error (e.g. a closed port): the client's retries
        were the usual ones, and waiting more would only multiply them."""
        return not self.answered and exc.http_status is None

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
        """Show the events until the stream ends, the interaction is found done, the deadline
        passes or the stream keeps failing; then polling settles it. True when the stream
        ended (check at once), False when it failed (the next check can wait)."""
        events = Follow(
            self.client,
            interaction_id=self.id,
            idle_timeout=REQUEST_TIMEOUT,
            max_retries=STREAM_RETRIES,
            clock=self.clock,
            deadline=self.deadline,
            on_idle=self.quiet,
            on_reconnect=self.reconnecting,
        )
        try:
            with self.request_deadline():
                for event in events:
                    self.on_event(event)
        except DeadlineExceeded:
            return True  # poll() makes the last check, then says still running
        except TRANSIENT_ERRORS as exc:  # gave up re-attaching: polling goes on
            self.update(note=f"event stream: {_describe(exc)}; polling")
            return False
        except GemError:
            return False  # refused (400/404/...): polling reports the real error, if any
        finally:
            events.close()
        return True

    def quiet(self) -> bool:
        """Silence is normal (research steps can be quiet for minutes): is it still alive?"""
        interaction = self.fetch()
        return interaction is not None and is_done(interaction.status)

    def reconnecting(self, attempt: int, delay: float, reason: str) -> None:
        self.update(note=f"event stream: {reason}; re-attaching")

    def on_event(self, event: JSONObject) -> None:
        """Track status and thoughts."""
        event = current_schema(event)
        kind = event_type_of(event)
        thought = thought_text_of(event)
        if thought:
            self.update(thought=heading(thought) or self.state.thought)
        elif kind == "interaction.status_update" and isinstance(event.get("status"), str):
            self.update(status=event["status"])
        elif kind in ("interaction.created", "interaction.completed"):
            payload = event.get("interaction")
            status = payload.get("status") if isinstance(payload, dict) else None
            if isinstance(status, str):
                self.update(status=status)


def seconds(value: float) -> str:
    """A duration for people: `1.5s`, `300s` (never `1.45533s`)."""
    if value < 1:
        return f"{value:.2g}s"
    return f"{round(value, 1):g}s" if value < 100 else f"{round(value):d}s"


def _describe(exc: Exception) -> str:
    return exc.message if isinstance(exc, GemError) else (str(exc) or type(exc).__name__)
