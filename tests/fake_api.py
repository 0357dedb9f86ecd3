"""A scripted fake API for waits (poll, research): GETs answer from a status script, streams from
SSE bytes. The `fake_api` fixture (tests/conftest.py) installs it on the shared respx router."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import respx

from tests.helpers import IID, interaction

SSE_HEADERS = {"content-type": "text/event-stream"}


def sse(*events: dict[str, Any], done: bool = True) -> bytes:
    """Frame events as the service does (API doc §6.1)."""
    frames = [f"event: {e['event_type']}\ndata: {json.dumps(e)}\n\n" for e in events]
    return ("".join(frames) + ("data: [DONE]\n\n" if done else "")).encode()


def thought(text: str, event_id: str | None = None) -> dict[str, Any]:
    event = {
        "event_type": "step.delta",
        "index": 0,
        "delta": {"type": "thought_summary", "content": {"type": "text", "text": text}},
    }
    if event_id:
        event["event_id"] = event_id
    return event


def completed(status: str = "completed", event_id: str = "e_done") -> dict[str, Any]:
    return {
        "event_type": "interaction.completed",
        "event_id": event_id,
        "interaction": {"id": IID, "status": status, "object": "interaction"},
    }


class Dropped(httpx.SyncByteStream):
    """A stream that sends some bytes, then loses the connection."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self.data
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


class FakeAPI:
    """`statuses` answer the plain GETs in order (the last one repeats); `streams` answer the
    `?stream=true` GETs in order (an int is an HTTP error status, bytes an SSE body, a
    SyncByteStream anything else; when they run out, the stream is refused with 400)."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.statuses: list[Any] = ["completed"]
        self.streams: list[Any] = []
        self.bodies: dict[str, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []
        self.created: list[dict[str, Any]] = []
        self.create_status = "in_progress"
        router.get(f"/interactions/{IID}").mock(side_effect=self._get)
        router.post("/interactions").mock(side_effect=self._create)
        router.post(f"/interactions/{IID}/cancel").mock(side_effect=self._cancel)

    def body(self, status: str) -> dict[str, Any]:
        """The GET body for a status (override through `bodies`)."""
        if status in self.bodies:
            return self.bodies[status]
        text = "The report." if status == "completed" else None
        return interaction(status, text=text, agent="deep-research-preview-04-2026")

    def _get(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.params.get("stream") == "true":
            return self._stream()
        item = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if isinstance(item, int):
            return httpx.Response(item, json={"error": {"message": "unavailable"}})
        return httpx.Response(200, json=self.body(item))

    def _stream(self) -> httpx.Response:
        item = self.streams.pop(0) if self.streams else 400
        if isinstance(item, int):
            return httpx.Response(item, json={"error": {"message": "no stream for you"}})
        if isinstance(item, bytes):
            return httpx.Response(200, headers=SSE_HEADERS, content=item)
        return httpx.Response(200, headers=SSE_HEADERS, stream=item)

    def _create(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.created.append(json.loads(request.content))
        return httpx.Response(200, json=interaction(self.create_status, text=None))

    def _cancel(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.statuses = ["cancelled"]
        return httpx.Response(200, json=interaction("cancelled", text=None))

    def gets(self) -> list[str]:
        """The GETs made, as 'get' or 'stream' (with last_event_id when given)."""
        out = []
        for request in self.requests:
            if request.method != "GET":
                continue
            params = request.url.params
            if params.get("stream") != "true":
                out.append("get")
            else:
                last = params.get("last_event_id")
                out.append(f"stream@{last}" if last else "stream")
        return out
