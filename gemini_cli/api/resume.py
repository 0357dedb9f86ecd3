"""The resume cursor: where a dropped stream re-attaches, and which replayed events to drop."""

from __future__ import annotations

import hashlib
import json
from enum import Enum

from gemini_cli.core.jsontypes import JSONObject

__all__ = ["Admission", "ResumeCursor", "event_digest"]


class Admission(Enum):
    """What one event of a connection is, to the cursor."""

    NEW = "new"  # not consumed before: yield it (this is progress)
    REPLAY = "replay"  # a replay of an event already consumed: drop it (not progress)
    DIVERGED = "diverged"  # a replay that differs from what was consumed: stop trusting it


def event_digest(event: JSONObject) -> bytes:
    """A digest of the event's content, `event_id` aside (a replay may number it anew).

    Canonical JSON (sorted keys), so a server re-serialising the same event still matches."""
    content = {key: value for key, value in event.items() if key != "event_id"}
    try:
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError, TypeError):
        text = repr(content)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _event_id(event: JSONObject) -> str | None:
    value = event.get("event_id")
    return value if isinstance(value, str) and value else None


class ResumeCursor:
    """Remembers every consumed event (a 16-byte digest each, by position) and the event ids.

    The live service sends no event ids: a re-attach then replays from the start, and the
    events already consumed are recognised by position and digest. With event ids, a re-attach
    asks for what follows `last_event_id`; a server that ignores it or replays inclusively is
    recognised by the first event's id (or digest). Call `reattached()` when a connection
    starts, then `admit(event)` once per parsed event, in order. A replayed event is never
    progress; a replay that differs from what was consumed is DIVERGED (the caller must not
    splice it into what it printed).
    """

    def __init__(self, last_event_id: str | None = None) -> None:
        self.last_event_id = last_event_id or None
        self._digests: list[bytes] = []
        # event_id -> position; an attach from an id starts after it (position -1).
        self._ids: dict[str, int] = {} if self.last_event_id is None else {self.last_event_id: -1}
        self._next: int | None = None  # position of this connection's next event, once known

    @property
    def consumed(self) -> int:
        """How many events were consumed (since the start, or since the attach point)."""
        return len(self._digests)

    def reattached(self) -> None:
        """A new connection starts: its first event tells where its replay begins."""
        self._next = None

    def admit(self, event: JSONObject) -> Admission:
        digest = event_digest(event)
        event_id = _event_id(event)
        if event_id is not None and event_id in self._ids:
            return self._replayed_at(self._ids[event_id], digest)
        if self._next is None:
            self._next = self._replay_start(digest)
        if self._next < len(self._digests):
            return self._replayed_at(self._next, digest)
        self._next = len(self._digests) + 1
        self._digests.append(digest)
        if event_id is not None:
            self._ids[event_id] = len(self._digests) - 1
            self.last_event_id = event_id
        return Admission.NEW

    def _replay_start(self, digest: bytes) -> int:
        """Where a connection's replay starts, judged by its first event (which has no known
        id): after `last_event_id` if the server honoured it, else from the start."""
        expected = self._ids.get(self.last_event_id, -1) + 1 if self.last_event_id else 0
        if expected < len(self._digests) and self._digests[expected] == digest:
            return expected
        if self._digests and self._digests[0] == digest:
            return 0  # the server ignored last_event_id and replays everything
        return expected

    def _replayed_at(self, position: int, digest: bytes) -> Admission:
        self._next = position + 1
        if position < 0 or self._digests[position] == digest:
            return Admission.REPLAY
        return Admission.DIVERGED
