"""The resume cursor: where a dropped stream re-attaches, and which replayed events to drop."""

from __future__ import annotations

import json
from array import array
from enum import Enum

from gemini_cli.core.jsontypes import JSONObject

__all__ = ["Admission", "ResumeCursor", "event_digest"]


class Admission(Enum):
    """What one event of a connection is, to the cursor."""

    NEW = "new"  # not consumed before: yield it (this is progress)
    REPLAY = "replay"  # a replay of an event already consumed: drop it (not progress)
    DIVERGED = "diverged"  # a replay that differs from what was consumed: stop trusting it


def event_digest(event: JSONObject, raw: str | None = None) -> int:
    """A 64-bit digest of the event's content, `event_id` aside (a replay may number it anew).

    With `raw` (the SSE `data:` payload the event was parsed from) and no `event_id` in the
    event, the raw text is digested as it is: no re-serialising per event, and a replay of the
    live service (no ids) is byte-identical. Otherwise canonical JSON (sorted keys, id
    removed), so a server renumbering ids or re-serialising the same event still matches. A
    replay the raw digest cannot recognise is DIVERGED: the caller then trusts the stored
    interaction or stops with a clear error, never splices it. `hash()` of a str is a keyed
    64-bit hash, stable within the process (the cursor never outlives it)."""
    if raw is not None and "event_id" not in event:
        return hash(raw)
    content = {key: value for key, value in event.items() if key != "event_id"}
    try:
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError, TypeError):
        text = repr(content)
    return hash(text)


def _event_id(event: JSONObject) -> str | None:
    value = event.get("event_id")
    return value if isinstance(value, str) and value else None


# Events whose digests (and ids) are kept, at 8 bytes each: 16 MiB at most, far beyond any real
# answer; a server flooding tiny events must not grow memory without bound. A replay past this
# point cannot be checked, so it is DIVERGED (the stored interaction decides, or a clear error).
MAX_TRACKED_EVENTS = 1 << 21


class ResumeCursor:
    """Remembers every consumed event (an 8-byte digest each, by position) and the event ids.

    The live service sends no event ids: a re-attach then replays from the start, and the
    events already consumed are recognised by position and digest. With event ids, a re-attach
    asks for what follows `last_event_id`; a server that ignores it or replays inclusively is
    recognised by the first event's id (or digest). Call `reattached()` when a connection
    starts, then `admit(event)` once per parsed event, in order. A replayed event is never
    progress; a replay that differs from what was consumed, or reaches past the first
    `max_tracked` events (whose digests alone are kept), is DIVERGED (the caller must not
    splice it into what it printed).
    """

    def __init__(self, last_event_id: str | None = None, max_tracked: int = MAX_TRACKED_EVENTS):
        self.last_event_id = last_event_id or None
        self.max_tracked = max_tracked
        self._digests = array("q")  # one flat buffer of int64: no per-event object overhead
        self._count = 0
        # event_id -> position; an attach from an id starts after it (position -1).
        self._ids: dict[str, int] = {} if self.last_event_id is None else {self.last_event_id: -1}
        self._last_position = -1  # position of `last_event_id` (kept past max_tracked too)
        self._next: int | None = None  # position of this connection's next event, once known

    @property
    def consumed(self) -> int:
        """How many events were consumed (since the start, or since the attach point)."""
        return self._count

    def reattached(self) -> None:
        """A new connection starts: its first event tells where its replay begins."""
        self._next = None

    def admit(self, event: JSONObject, raw: str | None = None) -> Admission:
        """Judge the next event of this connection; `raw` is its SSE data, if it has one."""
        digest = event_digest(event, raw)
        event_id = _event_id(event) if "event_id" in event else None
        if event_id is not None and event_id in self._ids:
            return self._replayed_at(self._ids[event_id], digest)
        if self._next is None:
            self._next = self._replay_start(digest)
        if self._next < self._count:
            return self._replayed_at(self._next, digest)
        position = self._count
        self._count += 1
        self._next = self._count
        if position < self.max_tracked:
            self._digests.append(digest)
            if event_id is not None:
                self._ids[event_id] = position
        if event_id is not None:
            self.last_event_id, self._last_position = event_id, position
        return Admission.NEW

    def _digest_at(self, position: int) -> int | None:
        if not 0 <= position < min(self._count, self.max_tracked):
            return None
        return self._digests[position]

    def _replay_start(self, digest: int) -> int:
        """Where a connection's replay starts, judged by its first event (which has no known
        id): after `last_event_id` if the server honoured it, else from the start."""
        expected = self._last_position + 1 if self.last_event_id else 0
        if expected < self._count and self._digest_at(expected) == digest:
            return expected
        if self._count and self._digest_at(0) == digest:
            return 0  # the server ignored last_event_id and replays everything
        return expected

    def _replayed_at(self, position: int, digest: int) -> Admission:
        self._next = position + 1
        if position < 0 or self._digest_at(position) == digest:
            return Admission.REPLAY
        return Admission.DIVERGED  # differs, or past what was kept: cannot be checked
