"""The emulator's deterministic core: an HTTP-shaped request in, a response out, no sockets.

The server (server.py) and the in-process httpx transport (embedded.py) both call
`Engine.handle`; fault injection wraps it from the outside.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Iterator, Mapping

from gemini_cli.core.jsontypes import JSONObject, JSONValue

from . import live as live_shapes
from . import replies, sse_plan, timeline
from .flavor import LIVE, parse_flavor
from .routing import (
    JSON_HEADERS,
    SSE_HEADERS,
    Response,
    Route,
    error_response,
    is_true,
    json_response,
    parse_json,
    route,
)
from .store import MemoryStore, Record, Store
from .validation import ApiError, validate_create

__all__ = [
    "DEFAULT_WORK_SECONDS",
    "JSON_HEADERS",
    "SSE_HEADERS",
    "Engine",
    "Response",
    "Route",
    "error_response",
    "json_response",
    "route",
]

DEFAULT_WORK_SECONDS = 3.0


class Engine:
    """Answers Interactions API requests from a store, a clock and a source of randomness."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        work_seconds: float = DEFAULT_WORK_SECONDS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        token_bytes: Callable[[int], bytes] = secrets.token_bytes,
        require_api_key: bool = True,
        poll_seconds: float = 0.25,
        flavor: str = LIVE,
    ) -> None:
        self.flavor = parse_flavor(flavor, "flavor")
        self.live = self.flavor == LIVE
        self.store = store if store is not None else MemoryStore()
        self.work_seconds = work_seconds
        self.clock = clock
        self.sleep = sleep
        self.token_bytes = token_bytes
        self.require_api_key = require_api_key
        self.poll_seconds = poll_seconds
        # State of optional services, made on first use (emulator/files.py keeps "files" here).
        self.services: dict[str, object] = {}

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        """Serve one request; `headers` keys must be lower-case."""
        try:
            found = route(method, path, query, body)
            if found.operation == "files":  # files and stores: emulator/files.py
                from .files import serve

                return serve(self, method, path, query, headers, body)
            self._authenticate(headers, found.query)
            return self._dispatch(found, body)
        except ApiError as error:
            return error_response(error, live=self.live)

    def _authenticate(self, headers: Mapping[str, str], query: Mapping[str, str]) -> None:
        """A key in the x-goog-api-key header (or a bearer token). `?key=` is refused: with it,
        any web page could drive a local emulator with a form post."""
        if not self.require_api_key:
            return
        key = headers.get("x-goog-api-key", "").strip()
        scheme, _, token = headers.get("authorization", "").strip().partition(" ")
        bearer = scheme.lower() == "bearer" and token.strip()
        if key or bearer:
            return
        where = " (not ?key=)" if query.get("key") else ""
        raise ApiError(
            401,
            "Method doesn't allow unregistered callers. "
            f"Please use an API key (x-goog-api-key header{where}).",
        )

    def _dispatch(self, found: Route, body: bytes) -> Response:
        if found.operation == "create":
            return self.create(parse_json(body))
        assert found.interaction_id is not None
        if found.operation == "get":
            return self.get(found.interaction_id, found.query)
        if found.operation == "cancel":
            return self.cancel(found.interaction_id)
        return self.delete(found.interaction_id)

    # -- operations -------------------------------------------------------------------------

    def create(self, body: JSONValue) -> Response:
        validate_create(body)
        previous = self._previous(body.get("previous_interaction_id"))
        record = self._new_record(body, previous)
        if body.get("store") is not False:
            self.store.put(record)
        elif self.live:
            record["id"] = live_shapes.NO_ID  # nothing to fetch later: no id (§13.1)
        if body.get("stream"):
            return self._stream(record, 0)
        view = timeline.resource(record, self.clock(), timeline=False, live=self.live)
        return json_response(200, view, live=self.live)

    def get(self, interaction_id: str, query: Mapping[str, str]) -> Response:
        record = self._load(interaction_id)
        if is_true(query.get("stream")):
            # Live streams have no event ids: a re-attach always replays from the start.
            cursor = None if self.live else query.get("last_event_id")
            return self._stream(record, _resume_position(record, cursor))
        include = is_true(query.get("include_input"))
        view = timeline.resource(
            record, self.clock(), timeline=True, include_input=include, live=self.live
        )
        return json_response(200, view, live=self.live)

    def cancel(self, interaction_id: str) -> Response:
        """Cancel a running interaction; a finished one is returned unchanged (idempotent)."""
        now = self.clock()

        def mark(record: Record) -> Record:
            if timeline.status_at(record, now) == "in_progress":
                record["cancelled_at"] = now
            return record

        record = self.store.update(interaction_id, mark)
        if record is None:
            raise _not_found(interaction_id)
        view = timeline.resource(record, now, timeline=True, live=self.live)
        return json_response(200, view, live=self.live)

    def delete(self, interaction_id: str) -> Response:
        if not self.store.delete(interaction_id):
            raise _not_found(interaction_id)
        return json_response(200, {}, live=self.live)

    # -- helpers ----------------------------------------------------------------------------

    def _load(self, interaction_id: str) -> Record:
        record = self.store.get(interaction_id)
        if record is None:
            raise _not_found(interaction_id)
        return record

    def _previous(self, previous_id: str | None) -> Record | None:
        if not previous_id:
            return None
        record = self._load(previous_id)
        if timeline.status_at(record, self.clock()) == "in_progress":
            raise ApiError(
                400, f"Interaction {previous_id} is still in progress.", "FAILED_PRECONDITION"
            )
        return record

    def new_id(self) -> str:
        return "v1_" + base64.urlsafe_b64encode(self.token_bytes(48)).decode().rstrip("=")

    def _new_record(self, body: JSONObject, previous: Record | None) -> Record:
        steps_in = replies.input_steps(body.get("input"))
        turn = (previous["turn"] if previous else 0) + replies.count_turns(steps_in)
        history = _history_tokens(previous)
        background = bool(body.get("background"))
        phases = 4 if background else 1
        reply = replies.compose(body, steps_in, turn, history, phases)
        from .files_answers import resolve  # uri blocks and file_search: files_answers.py

        reply = resolve(self, body, reply)
        record: Record = {
            "id": self.new_id(),
            "created_at": self.clock(),
            "duration": self.work_seconds if background else 0.0,
            "turn": turn,
            "request": body,
            "input_steps": steps_in,
            "output_steps": reply.steps,
            "final_status": reply.status,
            "usage": reply.usage,
            "input_usage": replies.make_usage(replies.input_usage(steps_in), history, 0, 0),
            "cancelled_at": None,
        }
        if reply.extra:
            record["extra"] = reply.extra  # e.g. continuation_token, shown once finished
        if body.get("environment") is not None:
            record["environment_id"] = replies.short_id("env_", record["id"])
        return record

    def _stream(self, record: Record, position: int) -> Response:
        return Response(200, dict(SSE_HEADERS), events=self._events_from(record, position))

    def _events_from(self, record: Record, position: int) -> Iterator[bytes]:
        """Yield due events at once, then wait (injectable sleep) for the ones still to come.

        The plan is built once, and again only after a wait reloads the record (a cancel
        changes it): rebuilding it per event made a long answer quadratic to stream."""
        planned = sse_plan.events(record, live=self.live)
        while True:
            if position >= len(planned):
                break
            offset, event = planned[position]
            if self.clock() < record["created_at"] + offset:
                refreshed = self._wait(record, record["created_at"] + offset)
                if refreshed is None:
                    yield sse_plan.frame(_deleted_event(record["id"]))
                    break
                if refreshed != record:
                    planned = sse_plan.events(refreshed, live=self.live)
                record = refreshed
                continue
            yield sse_plan.frame(event)
            position += 1
        yield sse_plan.done_frame(live=self.live)

    def _wait(self, record: Record, due: float) -> Record | None:
        """Sleep a slice towards `due`, then reload the record to notice a cancel or delete."""
        self.sleep(max(0.0, min(due - self.clock(), self.poll_seconds)))
        return self.store.get(record["id"])


def _history_tokens(previous: Record | None) -> int:
    """The conversation so far is input again on the next turn (as for the real service)."""
    if previous is None:
        return 0
    usage = previous["usage"]
    return int(usage["total_input_tokens"]) + int(usage["total_output_tokens"])


def _resume_position(record: Record, last_event_id: str | None) -> int:
    if not last_event_id:
        return 0
    for position, (_, event) in enumerate(sse_plan.events(record)):
        if event.get("event_id") == last_event_id:
            return position + 1
    raise ApiError(400, f"Unknown last_event_id {last_event_id!r} for this interaction.")


def _not_found(interaction_id: str) -> ApiError:
    return ApiError(404, f"Interaction {interaction_id} was not found.")


def _deleted_event(interaction_id: str) -> JSONObject:
    error = {"code": "not_found", "message": f"Interaction {interaction_id} was deleted."}
    return {"error": error, "event_type": "error"}
