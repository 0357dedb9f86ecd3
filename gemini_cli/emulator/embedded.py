"""An httpx transport that answers from the emulator engine in-process, state kept in SQLite.

Lets `gem` run against the emulator with no server process: each gem invocation builds a
transport over the same SQLite file, so `create --background` in one process and `get` in the
next see the same interaction. No API key is required in this mode.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from .engine import DEFAULT_WORK_SECONDS, Engine, Response, error_response, route
from .faults import HEADER, FaultInjector, with_stream_faults
from .flavor import WORK_SECONDS_ENV, flavor_from_env, work_seconds_from_env
from .store import SqliteStore
from .validation import ApiError

DB_NAME = "emulator.sqlite3"
__all__ = ["DB_NAME", "WORK_SECONDS_ENV", "EmbeddedTransport", "read_timeout"]


def read_timeout(request: httpx.Request) -> float | None:
    """The read timeout the client gave this request (httpx's `timeout` extension), if any.
    Read at each use: a client may change it once the response headers are in."""
    limit = (request.extensions.get("timeout") or {}).get("read")
    return float(limit) if isinstance(limit, (int, float)) else None


@dataclass
class _Read:
    """A read the client is waiting on: since when, for which request."""

    request: httpx.Request
    since: float


class _EventStream(httpx.SyncByteStream):
    """Streams SSE frames as they are produced; a None item means "drop the connection".

    While the client waits for the next frame, `reads.current` tells the transport's sleep
    which request is waiting and since when, so the read timeout is honoured as on a socket."""

    def __init__(
        self,
        chunks: Iterator[bytes | None],
        request: httpx.Request,
        reads: threading.local | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._chunks = chunks
        self._request = request
        self._reads = reads
        self._clock = clock

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._chunks)
        while True:
            if self._reads is not None:
                self._reads.current = _Read(self._request, self._clock())
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            finally:
                if self._reads is not None:
                    self._reads.current = None
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
        flavor: str | None = None,
    ) -> None:
        """`work_seconds` and `flavor` default to GEM_EMULATOR_WORK_SECONDS and
        GEM_EMULATOR_FLAVOR (a bad value there raises UsageError: exit 2)."""
        seconds = (
            work_seconds
            if work_seconds is not None
            else work_seconds_from_env(DEFAULT_WORK_SECONDS)
        )
        flavor = flavor if flavor is not None else flavor_from_env()
        self.store = SqliteStore(Path(state_dir) / db_name)
        self.engine = Engine(
            self.store,
            work_seconds=seconds,
            clock=clock,
            sleep=self._paced_sleep,
            require_api_key=False,
            flavor=flavor,
        )
        self.faults = FaultInjector(list(faults))
        self.sleep = sleep
        self.clock = clock
        self._reads = threading.local()  # the stream read in progress on this thread, if any

    def _paced_sleep(self, seconds: float) -> None:
        """The engine's wait between two events of a paced (background) stream. When the client
        would give up first (its read timeout since it asked for the next chunk), sleep only
        that long and raise ReadTimeout, as a socket read would."""
        current: _Read | None = getattr(self._reads, "current", None)
        limit = read_timeout(current.request) if current is not None else None
        if current is None or limit is None:
            self.sleep(seconds)
            return
        left = current.since + limit - self.clock()
        if seconds >= left:
            self.sleep(max(left, 0.0))
            raise httpx.ReadTimeout(
                "timed out waiting for the next event (emulated)", request=current.request
            )
        self.sleep(seconds)

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
            try:
                stall, error = self.faults.before(found.operation, found.streaming, fault_header)
            except ApiError as bad_header:
                reply = error_response(bad_header, live=self.engine.live)
                return httpx.Response(reply.status, headers=reply.headers, content=reply.body)
            if stall:
                self._stall(stall, request)
            if error is not None:
                return httpx.Response(error.status, headers=error.headers, content=error.body)
        reply = self._handle(request, path, query, headers, body)
        return self._to_httpx(reply, request, found.operation if found else "", fault_header)

    def _handle(
        self, request: httpx.Request, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> Response:
        """The engine's answer; lock waits on the state file bounded by the client's read
        timeout, and a file locked past it answered 503 (retried within --timeout)."""
        self.store.limit_waits(read_timeout(request))
        try:
            return self.engine.handle(request.method, path, query, headers, body)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            locked = ApiError(503, "The emulator's state file is locked.", "UNAVAILABLE")
            return error_response(locked, live=self.engine.live)
        finally:
            self.store.limit_waits(None)

    def _stall(self, seconds: float, request: httpx.Request) -> None:
        """Wait before answering, as a slow server would; a client read timeout shorter than
        the stall ends it with ReadTimeout, as it would over a socket."""
        limit = read_timeout(request)
        if limit is not None and limit < seconds:
            self.sleep(limit)
            raise httpx.ReadTimeout(
                "timed out waiting for the response (emulated stall)", request=request
            )
        self.sleep(seconds)

    def _to_httpx(
        self, reply: Response, request: httpx.Request, operation: str, fault_header: str | None
    ) -> httpx.Response:
        if reply.events is None:
            return httpx.Response(reply.status, headers=reply.headers, content=reply.body)
        faults = self.faults.for_stream(operation, fault_header)
        stream = _EventStream(
            with_stream_faults(reply.events, faults), request, self._reads, self.clock
        )
        return httpx.Response(reply.status, headers=reply.headers, stream=stream)
