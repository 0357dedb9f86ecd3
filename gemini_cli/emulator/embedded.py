"""An httpx transport that answers from the emulator engine in-process, state kept in SQLite.

Lets `gem` run against the emulator with no server process: each gem invocation builds a
transport over the same SQLite file, so `create --background` in one process and `get` in the
next see the same interaction. No API key is required in this mode.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx

from .engine import DEFAULT_WORK_SECONDS, Engine, Response, route
from .faults import HEADER, FaultInjector, with_stream_faults
from .store import SqliteStore
from .validation import ApiError

DB_NAME = "emulator.sqlite3"
WORK_SECONDS_ENV = "GEM_EMULATOR_WORK_SECONDS"


def work_seconds_from_env(default: float = DEFAULT_WORK_SECONDS) -> float:
    raw = os.environ.get(WORK_SECONDS_ENV, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


class _EventStream(httpx.SyncByteStream):
    """Streams SSE frames as they are produced; a None item means "drop the connection"."""

    def __init__(self, chunks: Iterator[bytes | None], request: httpx.Request) -> None:
        self._chunks = chunks
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            if chunk is None:
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body (emulated drop)",
                    request=self._request,
                )
            yield chunk

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


class EmbeddedTransport(httpx.BaseTransport):
    """Serve Interactions API requests from an Engine over a SQLite store in `state_dir`."""

    def __init__(
        self,
        state_dir: str | Path,
        *,
        work_seconds: float | None = None,
        faults: Sequence[str] = (),
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        db_name: str = DB_NAME,
    ) -> None:
        self.store = SqliteStore(Path(state_dir) / db_name)
        seconds = work_seconds if work_seconds is not None else work_seconds_from_env()
        self.engine = Engine(
            self.store, work_seconds=seconds, clock=clock, sleep=sleep, require_api_key=False
        )
        self.faults = FaultInjector(list(faults))
        self.sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        raw_path = request.url.raw_path.decode("ascii")
        path, _, query = raw_path.partition("?")
        headers = {k.lower(): v for k, v in request.headers.items()}
        fault_header = headers.get(HEADER)
        try:
            found = route(request.method, path, query, body)
        except ApiError:
            found = None  # the engine answers it with the same error
        if found is not None:
            stall, error = self.faults.before(found.operation, found.streaming, fault_header)
            if stall:
                self.sleep(stall)
            if error is not None:
                return httpx.Response(error.status, headers=error.headers, content=error.body)
        reply = self.engine.handle(request.method, path, query, headers, body)
        return self._to_httpx(reply, request, found.operation if found else "", fault_header)

    def _to_httpx(
        self, reply: Response, request: httpx.Request, operation: str, fault_header: str | None
    ) -> httpx.Response:
        if reply.events is None:
            return httpx.Response(reply.status, headers=reply.headers, content=reply.body)
        faults = self.faults.for_stream(operation, fault_header)
        stream = _EventStream(with_stream_faults(reply.events, faults), request)
        return httpx.Response(reply.status, headers=reply.headers, stream=stream)
