"""The emulator as a real HTTP server on a loopback port (stdlib http.server), with faults."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

from .engine import DEFAULT_WORK_SECONDS, Engine, Response, error_response, route
from .faults import HEADER, FaultInjector, StreamFaults, with_stream_faults
from .validation import ApiError


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Carries the engine and the fault injector for its handlers."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], engine: Engine, faults: FaultInjector) -> None:
        super().__init__(address, _Handler)
        self.engine = engine
        self.faults = faults
        self.stall_sleep: Callable[[float], None] = time.sleep

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so streams can use chunked encoding: an abrupt close then shows up on the client
    # as an incomplete body (a protocol error), not as a clean end of stream.
    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    # Answered with a JSON 405 rather than http.server's HTML 501.
    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: per-request logs would bury real problems in the terminal."""

    def _serve(self, method: str) -> None:
        path, _, query = self.path.partition("?")
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        fault_header = headers.get(HEADER)
        try:
            found = route(method, path, query, body)
            operation, streaming = found.operation, found.streaming
            stall, error_reply = self.server.faults.before(operation, streaming, fault_header)
        except ApiError as error:  # no such route, or a bad fault header
            self._send_whole(error_response(error))
            return
        if stall:
            self.server.stall_sleep(stall)
        if error_reply is not None:
            reply = Response(error_reply.status, error_reply.headers, error_reply.body)
            self._send_whole(reply)
            return
        reply = self.server.engine.handle(method, path, query, headers, body)
        if reply.events is None:
            self._send_whole(reply)
        else:
            self._send_stream(reply, self.server.faults.for_stream(operation, fault_header))

    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_whole(self, reply: Response) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _send_stream(self, reply: Response, faults: StreamFaults) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        assert reply.events is not None
        try:
            for chunk in with_stream_faults(reply.events, faults):
                if chunk is None:
                    self._abort()
                    return
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            close = getattr(reply.events, "close", None)
            if close is not None:
                close()

    def _abort(self) -> None:
        """Cut the connection mid-body, as a dropped stream would be."""
        self.close_connection = True
        self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    work_seconds: float = DEFAULT_WORK_SECONDS,
    faults: Sequence[str] = (),
    engine: Engine | None = None,
) -> EmulatorHTTPServer:
    """Bind (port 0 = any free port) without serving yet; fault specs are checked here."""
    injector = FaultInjector(list(faults))
    engine = engine or Engine(work_seconds=work_seconds)
    return EmulatorHTTPServer((host, port), engine, injector)


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
) -> BackgroundServer:
    server = make_server(host, port, work_seconds=work_seconds, faults=faults, engine=engine)
    return BackgroundServer(server)


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    url_file: str | Path | None = None,
    work_seconds: float = DEFAULT_WORK_SECONDS,
    faults: Sequence[str] = (),
    out: IO[str] | None = None,
) -> int:
    """Serve in the foreground until SIGTERM/Ctrl-C; returns the exit status (0, or 130)."""
    out = out if out is not None else sys.stdout
    server = make_server(host, port, work_seconds=work_seconds, faults=faults)
    if url_file is not None:
        _write_atomically(Path(url_file), server.url + "\n")
    print(server.url, file=out, flush=True)
    previous = _on_sigterm(server)
    try:
        server.serve_forever()
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _write_atomically(path: Path, text: str) -> None:
    """Whoever polls for the file never reads it half-written."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _on_sigterm(server: EmulatorHTTPServer) -> object | None:
    """SIGTERM stops serve_forever cleanly (only the main thread may install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: object) -> None:
        # shutdown() blocks until serve_forever returns, so it must run off this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    return signal.signal(signal.SIGTERM, stop)
