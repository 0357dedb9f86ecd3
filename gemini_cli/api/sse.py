"""Incremental, tolerant Server-Sent Events decoder, with a cap on the size of an event."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from gemini_cli.core.errors import EXIT_UNAVAILABLE, GemError
from gemini_cli.core.limits import MIB, human, limit

__all__ = [
    "EVENT_BYTES",
    "EventTooLarge",
    "GarbageCallback",
    "SSEDecoder",
    "ServerSentEvent",
    "iter_sse",
]

# The largest SSE line or event (its data lines together) gem holds: an endless line must not
# exhaust memory. Counted in decoded characters (at most the bytes received). docs/limits.md.
EVENT_BYTES = ("GEM_MAX_SSE_EVENT_BYTES", 16 * MIB)


class EventTooLarge(GemError):
    """The server sent an SSE line or event past the cap: gem stops reading (exit 6). Not
    transient: a re-attach would replay the same event."""

    exit_code = EXIT_UNAVAILABLE
    error_type = "protocol"

    def __init__(self, cap: int) -> None:
        name = EVENT_BYTES[0]
        super().__init__(
            f"protocol error: the event stream sent an event larger than {human(cap)}; "
            "gem stopped reading it",
            hint=f"raise the limit with {name} (e.g. {name}=64M)",
        )


GarbageCallback = Callable[[str], None]

# SSE allows CRLF, lone CR and lone LF as line terminators, freely mixed. str.splitlines() is
# not usable: it also splits on \x0b, \x1c, \u2028 ... which may legitimately appear in data.
_LINE_END = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"


class ServerSentEvent(NamedTuple):
    """One dispatched SSE block. `id` is the stream's last event ID (persists, per the spec).
    A named tuple: one is built per event, and a tuple is the cheapest immutable record."""

    event: str | None = None
    data: str = ""
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Feed raw bytes in arbitrary chunks; get back complete events.

    Never raises on malformed input: invalid UTF-8 is replaced (U+FFFD) and lines that are not
    SSE fields (e.g. a raw JSON error array appended to the stream) are passed to `on_garbage`
    and otherwise ignored. On a clean EOF call `flush()`; after a broken connection drop the
    decoder instead, or a truncated last block would be emitted as an event.
    """

    def __init__(
        self, on_garbage: GarbageCallback | None = None, max_event_chars: int | None = None
    ) -> None:
        self._on_garbage = on_garbage
        self._cap = max_event_chars or limit(EVENT_BYTES)
        self._reset_stream()

    def _reset_stream(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._at_start = True  # BOM is only meaningful as the very first character
        self._skip_lf = False  # last chunk ended in "\r": a leading "\n" belongs to it
        self._partial: list[str] = []  # text of the current unterminated line
        self._partial_size = 0
        self._last_id: str | None = None
        self._reset_block()

    def _reset_block(self) -> None:
        self._event: str | None = None
        self._data: list[str] = []
        self._data_size = 0
        self._retry: int | None = None

    # -- public API -------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one chunk of bytes; return the events completed by it (possibly none)."""
        return self._feed_text(self._utf8.decode(bytes(chunk)))

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: emit a final unterminated block if it has data, then reset."""
        events = self._feed_text(self._utf8.decode(b"", final=True))
        if self._partial:
            line = "".join(self._partial)
            self._partial = []
            self._process_line(line, events)
        self._dispatch(events)
        self._reset_stream()
        return events

    # -- internals --------------------------------------------------------------------------

    def _feed_text(self, text: str) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        if not text:
            return events
        if self._at_start:
            self._at_start = False
            if text.startswith(_BOM):
                text = text[1:]
        if self._skip_lf:
            self._skip_lf = False
            if text.startswith("\n"):
                text = text[1:]
        if "\n" not in text and "\r" not in text:
            # No terminator: just accumulate (a list avoids quadratic re-concatenation).
            if text:
                self._partial.append(text)
                self._partial_size += len(text)
                if self._partial_size > self._cap:
                    raise EventTooLarge(self._cap)
            return events
        if self._partial:
            self._partial.append(text)
            text = "".join(self._partial)
        # str.split is many times faster than the regex; a CR anywhere takes the general way.
        lines = _LINE_END.split(text) if "\r" in text else text.split("\n")
        tail = lines.pop()
        self._partial = [tail] if tail else []
        self._partial_size = len(tail)
        if self._partial_size > self._cap:
            raise EventTooLarge(self._cap)
        # A trailing "\r" may be the first half of a CRLF split across chunks.
        self._skip_lf = text.endswith("\r")
        for line in lines:
            self._process_line(line, events)
        return events

    def _process_line(self, line: str, events: list[ServerSentEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line.startswith("data: "):  # the usual shape of the usual field, taken directly
            self._add_data(line[6:])
            return
        if line.startswith(":"):
            return  # comment / keep-alive
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._add_data(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:  # per spec, an id containing NUL is ignored
                self._last_id = value
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self._retry = int(value)
            else:
                self._garbage(line)
        else:
            # Unknown field (ignored per the SSE spec) or stray non-SSE text: report, go on.
            self._garbage(line)

    def _add_data(self, value: str) -> None:
        self._data_size += len(value) + 1
        if self._data_size > self._cap:
            raise EventTooLarge(self._cap)
        self._data.append(value)

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        if self._data:
            events.append(
                ServerSentEvent(
                    self._event,
                    "\n".join(self._data),
                    self._last_id,
                    self._retry,
                )
            )
        # Blocks without data are dropped, per the spec (their retry/event are discarded too).
        self._reset_block()

    def _garbage(self, line: str) -> None:
        if self._on_garbage is not None:
            self._on_garbage(line)


def iter_sse(
    chunks: Iterable[bytes], on_garbage: GarbageCallback | None = None
) -> Iterator[ServerSentEvent]:
    """Decode an iterable of byte chunks (e.g. httpx `iter_bytes()`) into events, to EOF."""
    decoder = SSEDecoder(on_garbage)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.flush()
