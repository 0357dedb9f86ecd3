"""Fakes for stream tests: transcripts, a server replaying after last_event_id, dying bodies."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from tests.helpers import FIXTURES

TEXT_SSE = (FIXTURES / "06-stream-text.sse").read_bytes()
CALL_SSE = (FIXTURES / "07-stream-function-call.sse").read_bytes()
TEXT_ID = "v1_ChdTVFJxYWRfS0JfZjJxdHNQcjd5X29BcBIXU1RScWFkX0tCX2YycXRzUHI3eV9vQXA"
CALL_ID = "v1_ChdGQ1NxYWRfS0JfZjJxdHNQcjd5X29BcBIXRkNTcWFkX0tCX2YycXRzUHI3eV9vQXA"
TEXT_OUT = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10.\n"
SSE_HEADERS = {"content-type": "text/event-stream"}


def blocks(raw: bytes) -> list[bytes]:
    """The transcript's blocks, each with its blank-line terminator."""
    return [part + b"\n\n" for part in raw.split(b"\n\n") if part.strip()]


def payloads(raw: bytes) -> list[str]:
    """The `data:` payload of every block except [DONE], exactly as sent."""
    found = []
    for block in blocks(raw):
        for line in block.decode().splitlines():
            if line.startswith("data: ") and line != "data: [DONE]":
                found.append(line[len("data: ") :])
    return found


def sse(*events: dict[str, Any], done: bool = True) -> bytes:
    """A transcript from event dicts."""
    out = b"".join(f"event: {e['event_type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    return out + (b"data: [DONE]\n\n" if done else b"")


def replay_after(raw: bytes, last_event_id: str | None) -> bytes:
    """What the server sends on GET ?stream=true&last_event_id=E: every block after E."""
    parts = blocks(raw)
    if not last_event_id:
        return b"".join(parts)
    for index, block in enumerate(parts):
        if f'"event_id":"{last_event_id}"'.encode() in block:
            return b"".join(parts[index + 1 :])
    raise AssertionError(f"unknown last_event_id {last_event_id}")


class Body(httpx.SyncByteStream):
    """A response body sent in `chunks`, then `fail` raised (a drop, a stall, a Ctrl-C)."""

    def __init__(
        self,
        data: bytes,
        *,
        cut: int | None = None,
        size: int = 0,
        fail: BaseException | None = None,
    ) -> None:
        self.data = data if cut is None else data[:cut]
        self.size = size or len(self.data) or 1
        self.fail = fail

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), self.size):
            yield self.data[start : start + self.size]
        if self.fail is not None:
            raise self.fail


def sse_response(data: bytes, **kwargs: Any) -> httpx.Response:
    return httpx.Response(200, headers=SSE_HEADERS, stream=Body(data, **kwargs))


def dropped(raw: bytes, cut: int) -> httpx.Response:
    """The first `cut` bytes, then the connection breaks."""
    return sse_response(raw, cut=cut, fail=httpx.ReadError("connection reset"))


def replayer(raw: bytes) -> Callable[[httpx.Request], httpx.Response]:
    """A GET handler serving `raw` after the request's last_event_id."""

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.params.get("stream") == "true"
        return sse_response(replay_after(raw, request.url.params.get("last_event_id")))

    return handle
