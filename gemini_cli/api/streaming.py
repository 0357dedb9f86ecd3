"""Follow an interaction's event stream across dropped connections, with no loss or duplicates."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from gemini_cli.api.errors import NetworkError, RateLimitError, ServerError
from gemini_cli.api.events import ResumeCursor, is_unparseable, parse_event
from gemini_cli.api.retry import Clock, RetryPolicy
from gemini_cli.api.sse import ServerSentEvent, iter_sse

__all__ = ["Follow", "ReconnectCallback", "follow"]

# (attempt number, delay in seconds before it, why the previous connection ended)
ReconnectCallback = Callable[[int, float, str], None]
TERMINAL_EVENTS = frozenset({"interaction.completed", "error"})
# Failures to open a re-attach that may go away: retried up to max_retries like a broken
# connection (the client has already retried the request itself). 4xx errors end at once.
TRANSIENT_ERRORS = (NetworkError, ServerError, RateLimitError)


class Follow:
    """An iterator of event dicts that re-attaches by itself until the interaction ends.

    The first connection is a streaming create (`body`) or an attach (`interaction_id`, from
    just after `last_event_id` when given). When a connection breaks (transport error), stalls
    (no byte for `idle_timeout` seconds) or ends before `interaction.completed` / `error`, it
    re-attaches with `GET /interactions/{id}?stream=true&last_event_id=...` after a backoff and
    drops the replayed events already yielded. A re-attach refused with a transient error
    (5xx, 429, network) counts as a failed attempt too. It gives up with NetworkError after
    `max_retries` consecutive re-attaches without a new event, or at once if the interaction id
    is not known yet. Iteration ends after the terminal event (`finished`). A `[DONE]` without
    one is re-attached like an EOF, except on a re-attach that brought nothing new: then the
    server has nothing more to send (e.g. an attach after the last event) and iteration ends
    with `done_early` (the caller asks GET for the final state). `[DONE]` is never yielded, nor
    is non-JSON data (that goes to `on_garbage`, with non-SSE lines). A server that answers
    with a plain JSON interaction instead of SSE yields it as one `interaction.completed` event
    (`interaction.created` if it is still running, and the stream is then re-attached).

    While iterating (and after a Ctrl-C), `interaction_id` and `last_event_id` say how to
    re-attach; `last_data` is the exact `data` payload of the last event yielded.
    """

    def __init__(
        self,
        client: Any,
        *,
        body: dict[str, Any] | None = None,
        interaction_id: str | None = None,
        last_event_id: str | None = None,
        idle_timeout: float = 60.0,
        max_retries: int = 4,
        clock: Clock | None = None,
        on_garbage: Callable[[str], None] | None = None,
        on_reconnect: ReconnectCallback | None = None,
    ) -> None:
        if (body is None) == (interaction_id is None):
            raise ValueError("give exactly one of body and interaction_id")
        self.client = client
        self.body = body
        self.interaction_id = interaction_id
        self.cursor = ResumeCursor()
        self.cursor.last_event_id = last_event_id or None
        self.idle_timeout = idle_timeout
        clock = clock or getattr(client, "clock", None) or Clock()
        self.retry = RetryPolicy(max_retries=max(0, max_retries), clock=clock)
        self.on_garbage = on_garbage
        self.on_reconnect = on_reconnect
        self.finished = False
        self.done_early = False
        self._saw_done = False
        self.last_data: str | None = None
        self.reconnects = 0
        self._progressed = False
        self._events = self._run()

    @property
    def last_event_id(self) -> str | None:
        return self.cursor.last_event_id

    def __iter__(self) -> Follow:
        return self

    def __next__(self) -> dict[str, Any]:
        return next(self._events)

    def close(self) -> None:
        """Close the open connection, if any (also done when iteration ends)."""
        self._events.close()

    # -- the reconnect loop -------------------------------------------------------------

    def _run(self) -> Iterator[dict[str, Any]]:
        creating = self.body is not None
        streak = 0  # re-attach attempts since the last new event
        while True:
            self._progressed = False
            self._saw_done = False
            try:
                yield from self._connection(creating)
                reason = "the stream ended before the interaction finished"
                if self._saw_done:
                    reason = "the stream ended ([DONE]) before the interaction finished"
            except httpx.TransportError as exc:
                reason = self._describe(exc)
            except TRANSIENT_ERRORS as exc:
                if creating:  # the create itself failed: the client already retried it
                    raise
                reason = exc.message
            if self.finished:
                return
            if self._saw_done and not creating and not self._progressed:
                # A re-attach answered [DONE] with nothing new: asking again would only
                # repeat that. The caller settles the final state with a GET.
                self.done_early = True
                return
            creating = False
            streak = 1 if self._progressed else streak + 1
            self._pause(streak, reason)

    def _pause(self, attempt: int, reason: str) -> None:
        """Give up, or wait before re-attach number `attempt`."""
        if self.interaction_id is None:
            raise NetworkError(
                f"the stream broke before the interaction id was known, so it cannot be "
                f"re-attached: {reason}"
            )
        if attempt > self.retry.max_retries:
            raise NetworkError(
                f"gave up re-attaching to interaction {self.interaction_id} after "
                f"{attempt - 1} attempt(s) without progress: {reason}",
                interaction_id=self.interaction_id,
            )
        delay = self.retry.backoff(attempt - 1)
        if self.on_reconnect is not None:
            self.on_reconnect(attempt, delay, reason)
        self.retry.clock.sleep(delay)
        self.reconnects += 1

    def _describe(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.TimeoutException):
            return f"no data for {self.idle_timeout:g}s ({type(exc).__name__})"
        detail = str(exc)
        return f"connection lost ({type(exc).__name__}{': ' + detail if detail else ''})"

    # -- one connection -----------------------------------------------------------------

    def _open(self, creating: bool) -> Any:
        if creating:
            return self.client.stream_create(self.body, self.idle_timeout)
        return self.client.stream_get(
            self.interaction_id, self.idle_timeout, self.cursor.last_event_id
        )

    def _connection(self, creating: bool) -> Iterator[dict[str, Any]]:
        """Yield the new events of one connection; return at its end or after the last event."""
        with self._open(creating) as resp:
            self.cursor.reattached()
            if _is_plain_json(resp):
                yield from self._json_reply(resp)
                return
            # iter_sse uses a fresh decoder and flushes only on a clean EOF, so a block cut by
            # a broken connection is never mistaken for a complete event.
            for sse in iter_sse(resp.iter_bytes(), self.on_garbage):
                event = parse_event(sse)
                if event is None:  # [DONE]: this connection has nothing more to send
                    self._saw_done = True
                    return
                if self._accept(sse, event):
                    yield event
                    if self.finished:
                        return

    def _json_reply(self, resp: Any) -> Iterator[dict[str, Any]]:
        """A plain JSON interaction where SSE was asked for (a proxy, or a server ignoring
        `stream`): use it as the stream's content rather than call the stream broken."""
        text = resp.read().decode("utf-8", "replace")
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
            if self.on_garbage is not None:
                self.on_garbage(text)
            return
        from gemini_cli.api.waiting import is_done

        status = data.get("status")
        done = isinstance(status, str) and is_done(status)
        event = {
            "event_type": "interaction.completed" if done else "interaction.created",
            "interaction": data,
        }
        self._progressed = True
        self.last_data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        self._observe(event)
        yield event

    def _accept(self, sse: ServerSentEvent, event: dict[str, Any]) -> bool:
        """Whether `event` is new; records what it tells about the interaction."""
        if is_unparseable(event):
            # Not counted by the cursor: a replay would not contain it either.
            if self.on_garbage is not None:
                self.on_garbage(sse.data)
            return False
        if self.cursor.should_skip(event):
            return False
        self._progressed = True
        self.last_data = sse.data
        self._observe(event)
        return True

    def _observe(self, event: dict[str, Any]) -> None:
        kind = event.get("event_type")
        if self.interaction_id is None:
            found = event.get("interaction_id")
            payload = event.get("interaction")
            if isinstance(payload, dict):
                found = payload.get("id") or found
            if isinstance(found, str) and found:
                self.interaction_id = found
        if kind in TERMINAL_EVENTS:
            self.finished = True


def _is_plain_json(resp: Any) -> bool:
    kind = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


# The public name: `follow(client, body=...)` or `follow(client, interaction_id=...)`.
follow = Follow
