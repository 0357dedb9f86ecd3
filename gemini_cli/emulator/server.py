"""The emulator as a real HTTP server on a loopback port (stdlib http.server), with limits."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import IO, Any

from .engine import DEFAULT_WORK_SECONDS, Engine
from .faults import FaultInjector
from .flavor import LIVE
from .handler import HANG_UPS, MAX_BODY_BYTES, Handler

MAX_HANDLERS = 64
# An idle keep-alive connection (or a request trickled byte by byte) is closed after this long.
IDLE_SECONDS = 30.0


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Carries the engine, the fault injector and the limits for its handlers."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a burst of parallel clients (`xargs -P 16 gem
    # ...`, `gem batch -j 16`) overflowed it and waited out a 1 s SYN retransmit each.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        engine: Engine,
        faults: FaultInjector,
        *,
        max_handlers: int = MAX_HANDLERS,
        max_body: int = MAX_BODY_BYTES,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)
        self.engine = engine
        self.faults = faults
        self.max_body = max_body
        self.idle_seconds = idle_seconds
        self.stall_sleep: Callable[[float], None] = time.sleep
        self._slots = threading.BoundedSemaphore(max_handlers)
        self._active = 0
        self._active_lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def process_request(self, request: Any, client_address: Any) -> None:
        """One thread per connection, at most `max_handlers` at once: beyond that a quick 503
        (clients retry it) rather than a thread per idle connection."""
        if not self._slots.acquire(blocking=False):
            _refuse(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._active_lock:
            self._active += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._active_lock:
                self._active -= 1
            self._slots.release()

    @property
    def active_handlers(self) -> int:
        """Connections being served right now (tests wait for 0 to know the handlers are done)."""
        with self._active_lock:
            return self._active

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is not news; anything else is one line, never a traceback."""
        error = sys.exc_info()[1]
        if error is None or isinstance(error, HANG_UPS):
            return
        with contextlib.suppress(OSError, ValueError):
            print(f"gem emulator: a request failed: {type(error).__name__}", file=sys.stderr)


BUSY_BODY = b'{"error":{"code":503,"message":"Too many connections.","status":"UNAVAILABLE"}}'


def _refuse(request: socket.socket) -> None:
    """Answer 503 without a thread: read what the client sent so far, reply, close."""
    head = (
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
        b"retry-after: 1\r\nconnection: close\r\ncontent-length: %d\r\n\r\n" % len(BUSY_BODY)
    )
    with contextlib.suppress(OSError):
        request.settimeout(0.2)
        request.recv(65536)  # unread bytes would turn the close into a reset
    with contextlib.suppress(OSError):
        request.sendall(head + BUSY_BODY)


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    work_seconds: float = DEFAULT_WORK_SECONDS,
    faults: Sequence[str] = (),
    engine: Engine | None = None,
    flavor: str = LIVE,
    max_handlers: int = MAX_HANDLERS,
) -> EmulatorHTTPServer:
    """Bind (port 0 = any free port) without serving yet; fault specs are checked here."""
    injector = FaultInjector(list(faults))
    engine = engine or Engine(work_seconds=work_seconds, flavor=flavor)
    return EmulatorHTTPServer((host, port), engine, injector, max_handlers=max_handlers)


class BackgroundServer:
    """A server running on a daemon thread; for tests and embedding."""

    def __init__(self, server: EmulatorHTTPServer) -> None:
        self.server = server
        self.url = server.url
        # A short poll interval keeps stop() (and so each test) fast.
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def engine(self) -> Engine:
        return self.server.engine

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> BackgroundServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_background(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    work_seconds: float = DEFAULT_WORK_SECONDS,
    faults: Sequence[str] = (),
    engine: Engine | None = None,
    flavor: str = LIVE,
    max_handlers: int = MAX_HANDLERS,
) -> BackgroundServer:
    server = make_server(
        host,
        port,
        work_seconds=work_seconds,
        faults=faults,
        engine=engine,
        flavor=flavor,
        max_handlers=max_handlers,
    )
    return BackgroundServer(server)


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    url_file: str | Path | None = None,
    work_seconds: float = DEFAULT_WORK_SECONDS,
    faults: Sequence[str] = (),
    out: IO[str] | None = None,
    flavor: str = LIVE,
) -> int:
    """Serve in the foreground until SIGTERM/Ctrl-C; returns the exit status (0, or 130)."""
    out = out if out is not None else sys.stdout
    server = make_server(host, port, work_seconds=work_seconds, faults=faults, flavor=flavor)
    # The handler goes in before the URL is announced: whoever read the URL may stop us at once.
    previous = _on_sigterm(server)
    try:
        if url_file is not None:
            _write_atomically(Path(url_file), server.url + "\n")
        print(server.url, file=out, flush=True)
        server.serve_forever()
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _write_atomically(path: Path, text: str) -> None:
    """Whoever polls for the file never reads it half-written. The temporary file is a new
    one (O_EXCL): a symlink planted at a fixed name beside it in /tmp is never followed."""
    import tempfile

    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # what a plain write would have made
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


_SignalHandler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


def _on_sigterm(server: EmulatorHTTPServer) -> _SignalHandler:
    """SIGTERM stops serve_forever cleanly (only the main thread may install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() blocks until serve_forever returns, so it must run off this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    return signal.signal(signal.SIGTERM, stop)
