"""What the events of one stream connection tell a Follow: which are new, the id, the end."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import httpx

from gemini_cli.api.deadline import Deadline
from gemini_cli.api.events import current_schema, is_terminal_event, is_unparseable, parse_event
from gemini_cli.api.plain_reply import as_event
from gemini_cli.api.resume import Admission, ResumeCursor
from gemini_cli.api.retry import Clock
from gemini_cli.api.sse import ServerSentEvent
from gemini_cli.core.jsontypes import JSONObject

if TYPE_CHECKING:
    from gemini_cli.api.client import InteractionsClient


class EventIntake:
    """The event side of `Follow` (api/streaming.py sets every attribute): admits each event
    through the resume cursor, learns the interaction id, notes `[DONE]` and the end."""

    client: InteractionsClient
    cursor: ResumeCursor
    clock: Clock
    deadline: Deadline
    on_garbage: Callable[[str], None] | None
    interaction_id: str | None
    finished: bool
    diverged: bool
    unstored: bool
    last_data: str | None
    _progressed: bool
    _saw_done: bool
    _last_event_at: float

    def _over(self) -> bool:
        return self.finished or self.diverged or self._saw_done

    def _take(self, sse: ServerSentEvent) -> JSONObject | None:
        """The event an SSE block carries, if it is new; records what it tells."""
        event = parse_event(sse)
        if event is None or sse.event == "done":  # `event: done` / `data: [DONE]`: the end
            self._saw_done = True
            return None
        if is_unparseable(event):
            # Not admitted: a replay would not contain a proxy's garbage either. Nor is it a
            # sign of life (--idle-timeout): endless `data: ping` must not hold the stream open.
            if self.on_garbage is not None:
                self.on_garbage(sse.data)
            return None
        self._last_event_at = self.clock.monotonic()  # any real event shows the server is alive
        verdict = self.cursor.admit(event, sse.data)
        if verdict is Admission.DIVERGED:
            self.diverged = True
        if verdict is not Admission.NEW:
            return None
        self._progressed = True
        self.last_data = sse.data
        self._observe(event)
        return event

    def _json_reply(self, resp: httpx.Response) -> Iterator[JSONObject]:
        """A plain JSON interaction where SSE was asked for (a proxy, or a server ignoring
        `stream`): use it as the stream's content rather than call the stream broken."""
        from gemini_cli.api.bounded import read_capped

        cap = self.client.max_response_bytes
        body = read_capped(resp, cap, self.deadline, self.interaction_id)
        text = body.decode("utf-8", "replace")
        event = as_event(text)
        if event is None:
            if self.on_garbage is not None:
                self.on_garbage(text)
            return
        last_data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        # A snapshot, not a replay: the cursor cannot place it. The same snapshot again is
        # no progress (a proxy that strips SSE from a running interaction ends after retries).
        self._progressed = last_data != self.last_data
        self.last_data = last_data
        self._observe(event)
        yield event

    def _observe(self, event: JSONObject) -> None:
        if self.interaction_id is None:
            current = current_schema(event)
            found = current.get("interaction_id")
            payload = current.get("interaction")
            if isinstance(payload, dict) and "id" in payload:
                found = payload.get("id") or found
                self.unstored = self.unstored or payload.get("id") == ""
            if isinstance(found, str) and found:
                from gemini_cli.api.wire import check_server_id

                check_server_id(found)  # `..` would climb the re-attach URL: exit 6
                self.interaction_id = found
        if is_terminal_event(event):
            self.finished = True
