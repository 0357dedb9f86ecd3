"""Fault injection for the emulator: parse fault specs and decide, per request, what to break.

Spec syntax (one spec per ``--fault`` flag, or several joined with ``;`` in the
``x-gem-emulator-fault`` request header)::

    429:N          first N matching requests get 429 (Retry-After: 1, retry-after-ms: 50)
    503:N          same with 503 UNAVAILABLE
    502-html:N     first N matching requests get a non-JSON HTML 502 page
    drop:N         the first matching stream is cut abruptly after N SSE events
    stall:S        the first matching request waits S seconds (float) before the first byte
    malformed-sse[:N]  the first matching stream gets a non-SSE line after N events (default 1)
    key=ANYTHING   ignored; only makes the header value (and so its counters) unique

Any spec may end with ``@OP`` to match only one operation: create, get, stream, cancel, delete
(``stream`` = any request answered with SSE). Counters of header faults are keyed by the whole
header value, so two tests using ``429:2;key=a`` and ``429:2;key=b`` do not share them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from .validation import ApiError

HEADER = "x-gem-emulator-fault"
OPERATIONS = frozenset({"create", "get", "stream", "cancel", "delete"})
_STATUS_KINDS = frozenset({"429", "503", "502-html"})
_COUNTED = _STATUS_KINDS | {"drop", "stall", "malformed-sse"}


class FaultSpecError(ValueError):
    """A fault spec string that cannot be parsed."""


@dataclass(frozen=True)
class FaultSpec:
    """One injected fault: its kind, its value and the operation it applies to."""

    kind: str
    value: float
    operation: str | None = None

    def matches(self, operation: str, streaming: bool) -> bool:
        if self.operation is None:
            return True
        return self.operation == operation or (self.operation == "stream" and streaming)


@dataclass
class ErrorReply:
    """An error answer a fault sends instead of the real one."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class StreamFaults:
    """Where a stream is cut or garbled (event counts)."""

    drop_after: int | None = None
    malformed_after: int | None = None


@dataclass
class _Counters:
    """How often each fault has fired."""

    used: dict[tuple[str, int], int] = field(default_factory=dict)


def parse_spec(text: str) -> FaultSpec | None:
    """Parse one spec; returns None for the `key=...` marker."""
    text = text.strip()
    if not text or text.startswith("key="):
        return None
    body, _, operation = text.partition("@")
    kind, _, raw = body.partition(":")
    kind = kind.strip().lower()
    if kind not in _COUNTED:
        raise FaultSpecError(f"unknown fault {kind!r} in {text!r}")
    if operation and operation not in OPERATIONS:
        raise FaultSpecError(f"unknown operation {operation!r} in {text!r}")
    return FaultSpec(kind, _parse_value(kind, raw, text), operation or None)


def _parse_value(kind: str, raw: str, text: str) -> float:
    if not raw:
        if kind == "malformed-sse":
            return 1
        raise FaultSpecError(f"fault {text!r} needs a value, e.g. {kind}:2")
    try:
        value = float(raw) if kind == "stall" else int(raw)
    except ValueError:
        raise FaultSpecError(f"bad value in fault {text!r}") from None
    if value < 0:
        raise FaultSpecError(f"negative value in fault {text!r}")
    return value


def parse_specs(texts: list[str] | tuple[str, ...] | str) -> list[FaultSpec]:
    """Parse a list of specs (or one `;`-joined string), dropping `key=` markers."""
    if isinstance(texts, str):
        texts = [texts]
    specs = []
    for text in texts:
        for part in text.split(";"):
            spec = parse_spec(part)
            if spec is not None:
                specs.append(spec)
    return specs


class FaultInjector:
    """Holds server-wide specs and the use counters of every spec source (thread-safe)."""

    def __init__(self, server_specs: list[str] | tuple[str, ...] = ()) -> None:
        self._server = parse_specs(list(server_specs))
        self._counters = _Counters()
        self._lock = threading.Lock()

    def _sources(self, header: str | None) -> list[tuple[str, list[FaultSpec]]]:
        sources = [("server", self._server)]
        if header:
            try:
                specs = parse_specs(header)
            except FaultSpecError as exc:  # the client's mistake: a 400, not a crash
                raise ApiError(400, f"Invalid {HEADER} header: {exc}.") from None
            sources.append(("header:" + header, specs))
        return sources

    def _take(self, source: str, index: int, spec: FaultSpec) -> bool:
        """Use one of the spec's shots if any is left (caller holds the lock)."""
        limit = int(spec.value) if spec.kind in _STATUS_KINDS else 1
        used = self._counters.used.get((source, index), 0)
        if used >= limit:
            return False
        self._counters.used[(source, index)] = used + 1
        return True

    def _matching(
        self, operation: str, streaming: bool, header: str | None
    ) -> Iterator[tuple[str, int, FaultSpec]]:
        for source, specs in self._sources(header):
            for index, spec in enumerate(specs):
                if spec.matches(operation, streaming):
                    yield source, index, spec

    def before(
        self, operation: str, streaming: bool, header: str | None
    ) -> tuple[float, ErrorReply | None]:
        """Decide the stall (seconds) and an error reply (or None) for a request.

        An unparseable fault header raises ApiError (400 INVALID_ARGUMENT)."""
        stall, error = 0.0, None
        with self._lock:
            for source, index, spec in self._matching(operation, streaming, header):
                if spec.kind == "stall" and self._take(source, index, spec):
                    stall += spec.value
                elif error is None and spec.kind in _STATUS_KINDS:
                    error = error_reply(spec.kind) if self._take(source, index, spec) else None
        return stall, error

    def for_stream(self, operation: str, header: str | None) -> StreamFaults:
        """Consume the stream-only faults (drop, malformed-sse) for a response that streams."""
        faults = StreamFaults()
        with self._lock:
            for source, index, spec in self._matching(operation, True, header):
                if spec.kind == "drop" and faults.drop_after is None:
                    faults.drop_after = self._shot(source, index, spec)
                elif spec.kind == "malformed-sse" and faults.malformed_after is None:
                    faults.malformed_after = self._shot(source, index, spec)
        return faults

    def _shot(self, source: str, index: int, spec: FaultSpec) -> int | None:
        return int(spec.value) if self._take(source, index, spec) else None


def error_reply(kind: str) -> ErrorReply:
    """The canned response of a status fault."""
    if kind == "502-html":
        page = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
        return ErrorReply(502, {"content-type": "text/html; charset=UTF-8"}, page)
    status, name, message = (
        (429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).")
        if kind == "429"
        else (503, "UNAVAILABLE", "The service is currently unavailable.")
    )
    body = {"error": {"code": status, "message": message, "status": name}}
    headers = {"content-type": "application/json", "retry-after": "1", "retry-after-ms": "50"}
    return ErrorReply(status, headers, json.dumps(body).encode())


# What `malformed-sse` injects: the raw JSON error array seen cutting real streams (API doc §6.1),
# followed by a blank line so a tolerant parser sees one data-less block and moves on.
MALFORMED_CHUNK = (
    b'[{"error":{"code":503,"message":"The service is currently unavailable.",'
    b'"status":"UNAVAILABLE"}}]\n\n'
)


def with_stream_faults(
    events: Iterator[bytes | None], faults: StreamFaults
) -> Iterator[bytes | None]:
    """Pass SSE frames through, inserting garbage or a None (= drop here) where faults say."""
    for count, chunk in enumerate(events, start=1):
        yield chunk
        if faults.malformed_after == count:
            yield MALFORMED_CHUNK
        if faults.drop_after is not None and count >= faults.drop_after:
            yield None
            return
