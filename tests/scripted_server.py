"""A scriptable stdlib HTTP server on 127.0.0.1 for hostile-server tests: byte-exact replies.

Usage (through the `scripted_server` fixture in tests/conftest.py)::

    server.reply(200, body=b'{"id": "x"}', headers={"Content-Type": "application/json"})
    server.reply(200, body=[b"data: 1\\n\\n", b"data: 2\\n\\n"], delay=0.1)  # trickled chunks
    server.reply(200, body=endless(b"x" * 65536))                            # endless body
    server.reply(200, body=b"...", close_after=10)   # cut the connection after 10 body bytes
    server.reply(raw=b"HTTP/1.1 200 OK\\r\\n...", delay=2.0, chunk_size=1)  # trickled headers
    server.handler = lambda request: Reply(...)      # compute replies instead of queueing them
    run gem with --base-url server.url, then look at server.requests[i].path / .headers / .body

Replies are used in order, one per request; once the queue is empty the last reply repeats
(`repeat_last=False` makes that a 599 instead). What the test gives is what goes on the wire:
a `bytes` body gets a Content-Length unless the test sets one (or Transfer-Encoding); an
iterable body is sent as is and ends with the connection closing (no chunked framing added).
Stopping the server wakes every delayed or endless reply, so no test hangs on teardown.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Body = bytes | Iterable[bytes]


def endless(chunk: bytes) -> Iterator[bytes]:
    """An endless body: `chunk` forever (until the client leaves or the server stops)."""
    return itertools.repeat(chunk)


@dataclass
class Reply:
    """One scripted answer. `delay` is slept before each chunk; `chunk_size` re-splits the
    bytes (1 = a byte at a time); `raw` replaces the status line, headers and body entirely."""

    status: int = 200
    headers: dict[str, str] | list[tuple[str, str]] = field(default_factory=dict)
    body: Body = b""
    delay: float = 0.0
    chunk_size: int | None = None
    close_after: int | None = None
    raw: bytes | None = None
    reason: str | None = None


@dataclass
class Request:
    """What the client sent; `headers` keys are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class ScriptedServer:
    """The server and its script; `url` is `http://127.0.0.1:PORT`."""

    def __init__(self) -> None:
        self.queue: list[Reply] = []
        self.requests: list[Request] = []
        self.handler: Callable[[Request], Reply] | None = None
        self.repeat_last = True
        self.stopping = threading.Event()
        self.errors: list[BaseException] = []
        self._last: Reply | None = None
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        # A short poll interval: stop() waits for it, once per test.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def reply(self, status: int = 200, **kwargs: object) -> Reply:
        """Queue a reply (keyword arguments as in `Reply`) and return it."""
        scripted = Reply(status, **kwargs)  # type: ignore[arg-type]
        self.queue.append(scripted)
        return scripted

    def json(self, status: int, text: str | bytes, **kwargs: object) -> Reply:
        """Queue a JSON reply with Content-Type: application/json."""
        body = text.encode() if isinstance(text, str) else text
        return self.reply(status, body=body, headers={"Content-Type": "application/json"}, **kwargs)

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def next_reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.handler is not None:
                return self.handler(request)
            if self.queue:
                self._last = self.queue.pop(0)
                return self._last
            if self._last is not None and self.repeat_last:
                return self._last
        return Reply(599, body=f"scripted_server: no reply for {request.path}\n".encode())


def _pieces(reply: Reply, head: bytes) -> Iterator[bytes]:
    """Head then body, re-split by `chunk_size` and cut after `close_after` body bytes."""
    body: Iterable[bytes] = [reply.body] if isinstance(reply.body, bytes) else reply.body
    if reply.close_after is not None:
        body = _cut(body, reply.close_after)
    for piece in itertools.chain([head], body):
        step = reply.chunk_size or len(piece) or 1
        for start in range(0, len(piece), step):
            yield piece[start : start + step]


def _cut(body: Iterable[bytes], limit: int) -> Iterator[bytes]:
    left = limit
    for piece in body:
        if left <= 0:
            return
        yield piece[:left]
        left -= len(piece)


def _head(reply: Reply) -> bytes:
    if reply.raw is not None:
        return b""
    from http.client import responses

    headers = list(reply.headers.items() if isinstance(reply.headers, dict) else reply.headers)
    names = {name.lower() for name, _ in headers}
    if isinstance(reply.body, bytes) and not names & {"content-length", "transfer-encoding"}:
        headers.append(("Content-Length", str(len(reply.body))))
    if not isinstance(reply.body, bytes) and "connection" not in names:
        headers.append(("Connection", "close"))
    reason = reply.reason if reply.reason is not None else responses.get(reply.status, "Unknown")
    lines = [f"HTTP/1.1 {reply.status} {reason}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _make_handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_one_request(self) -> None:
            try:
                self._handle()
            except (ConnectionError, TimeoutError, OSError):
                self.close_connection = True  # the client left: expected in these tests
            except BaseException as exc:  # a bug in a test script: keep it for the test
                server.errors.append(exc)
                self.close_connection = True

        def _handle(self) -> None:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline or not self.parse_request():
                self.close_connection = True
                return
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            reply = server.next_reply(request)
            self._send(reply)

        def _send(self, reply: Reply) -> None:
            if reply.raw is not None:
                reply = Reply(
                    body=reply.raw, delay=reply.delay, chunk_size=reply.chunk_size, raw=b""
                )
            for piece in _pieces(reply, _head(reply)):
                if reply.delay and server.stopping.wait(reply.delay):
                    break
                if server.stopping.is_set():
                    break
                self.wfile.write(piece)
                self.wfile.flush()
            stream = not isinstance(reply.body, bytes) or reply.raw is not None
            if stream or reply.close_after is not None:
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: tests read `server.requests`

    return Handler
