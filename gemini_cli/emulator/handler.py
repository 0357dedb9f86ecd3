"""One HTTP request to the emulator: body limits, the JSON rule, faults, whole or streamed replies."""

from __future__ import annotations

import contextlib
import socket
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING

from .engine import Response, error_response, route
from .faults import HEADER, StreamFaults, with_stream_faults
from .validation import ApiError

if TYPE_CHECKING:
    from .server import EmulatorHTTPServer

MAX_BODY_BYTES = 32 * 1024 * 1024
# What a client leaving early looks like from here: no traceback, no line at all.
HANG_UPS = (ConnectionError, TimeoutError, OSError)


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so streams can use chunked encoding: an abrupt close then shows up on the client
    # as an incomplete body (a protocol error), not as a clean end of stream.
    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_seconds)

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
        try:
            body = self._read_body(method)
        except ApiError as refused:
            self.close_connection = True  # the rest of the request is not read
            self._send_whole(error_response(refused, live=self.server.engine.live))
            return
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        fault_header = headers.get(HEADER)
        try:
            found = route(method, path, query, body)
            operation, streaming = found.operation, found.streaming
            stall, error_reply = self.server.faults.before(operation, streaming, fault_header)
        except ApiError as error:  # no such route, or a bad fault header
            self._send_whole(error_response(error, live=self.server.engine.live))
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

    def _read_body(self, method: str) -> bytes:
        """The request body within the limits, or ApiError: 411, 400, 413 or 415."""
        if self.headers.get("transfer-encoding"):
            raise ApiError(411, "A request body needs a Content-Length.", "LENGTH_REQUIRED")
        raw = (self.headers.get("content-length") or "0").strip()
        if not raw.isdigit():
            raise ApiError(400, f"Invalid Content-Length {raw[:40]!r}.")
        length = int(raw)
        if length > self.server.max_body:
            limit = self.server.max_body // (1024 * 1024)
            raise ApiError(413, f"The request body exceeds {limit} MiB.", "PAYLOAD_TOO_LARGE")
        if method == "POST" and length and not _json_or_upload(self.headers):
            raise ApiError(415, "Content-Type must be application/json.", "UNSUPPORTED_MEDIA")
        return self.rfile.read(length) if length else b""

    def _send_whole(self, reply: Response) -> None:
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply.body)))
            if self.close_connection:
                self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(reply.body)
        except HANG_UPS:
            self.close_connection = True

    def _send_stream(self, reply: Response, faults: StreamFaults) -> None:
        assert reply.events is not None
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for chunk in with_stream_faults(reply.events, faults):
                if chunk is None:
                    self._abort()
                    return
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except HANG_UPS:
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


def _json_or_upload(headers: Message) -> bool:
    """A web page can post text/plain to localhost without asking (no CORS preflight); JSON, or
    the x-goog-upload-* headers of a Files API upload chunk, it cannot."""
    if headers.get("x-goog-upload-command"):
        return True
    media = (headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )
