"""A loopback Interactions API for the benchmarks: plain creates and SSE streams (stdlib only).

Usage: python benchmarks/bench_server.py [--port 0]   (prints "PORT\\n" once it listens)

- POST .../interactions with `"stream": true` in the body: an SSE stream in the live service's
  shape (interactions-api.md §13: no event ids, `interaction.completed` without steps,
  `event: done` + `data: [DONE]`) with N text deltas of SIZE bytes, where the base URL's path
  says N and SIZE: `http://127.0.0.1:PORT/deltas/N/size/SIZE` (default 0 and 100).
- Any other POST: one small completed interaction as compact JSON.
- GET .../interactions/ID: that interaction, completed, without steps.
The stream is written in large chunks built once, so the server's own cost stays small next
to the client's; run it in its own process so its CPU is not counted as gem's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ID = "v1_bench"
MODEL = "gemini-3-flash-preview"
CHUNK_BYTES = 256 * 1024
PLAIN = json.dumps(
    {
        "id": ID,
        "object": "interaction",
        "status": "completed",
        "model": MODEL,
        "steps": [{"type": "model_output", "content": [{"type": "text", "text": "Hello."}]}],
        "usage": {"total_input_tokens": 1, "total_output_tokens": 2, "total_tokens": 3},
    },
    separators=(",", ":"),
).encode()


def sse(event_type: str, payload: dict[str, object]) -> bytes:
    data = json.dumps({**payload, "event_type": event_type}, separators=(",", ":"))
    return f"event: {event_type}\ndata: {data}\n\n".encode()


def head_events() -> bytes:
    created = {"id": ID, "status": "in_progress", "object": "interaction", "model": MODEL}
    return b"".join(
        [
            sse("interaction.created", {"interaction": created}),
            sse("interaction.status_update", {"interaction_id": ID, "status": "in_progress"}),
            sse("step.start", {"index": 0, "step": {"type": "model_output"}}),
        ]
    )


def tail_events(deltas: int, size: int) -> bytes:
    usage = {"total_input_tokens": 1, "total_output_tokens": deltas, "total_tokens": deltas + 1}
    done = {"id": ID, "status": "completed", "object": "interaction", "model": MODEL}
    return b"".join(
        [
            sse("step.stop", {"index": 0}),
            sse("interaction.completed", {"interaction": {**done, "usage": usage}}),
            b"event: done\ndata: [DONE]\n\n",
        ]
    )


def delta_event(size: int) -> bytes:
    """One text delta of exactly `size` bytes of text (ASCII, a newline every 100 bytes)."""
    line = ("x" * 99 + "\n") * (size // 100) + "y" * (size % 100)
    return sse("step.delta", {"index": 0, "delta": {"type": "text", "text": line}})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            wants_stream = json.loads(body or b"{}").get("stream") is True
        except ValueError:
            wants_stream = False
        if wants_stream:
            self.stream(*self.shape())
        else:
            self.reply(PLAIN)

    def do_GET(self) -> None:
        done = {"id": ID, "status": "completed", "object": "interaction", "model": MODEL}
        self.reply(json.dumps(done, separators=(",", ":")).encode())

    def shape(self) -> tuple[int, int]:
        deltas = re.search(r"/deltas/(\d+)", self.path)
        size = re.search(r"/size/(\d+)", self.path)
        return int(deltas.group(1)) if deltas else 0, int(size.group(1)) if size else 100

    def reply(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def stream(self, deltas: int, size: int) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        self.wfile.write(head_events())
        event = delta_event(size)
        per_chunk = max(1, CHUNK_BYTES // len(event))
        chunk = event * per_chunk
        full, rest = divmod(deltas, per_chunk)
        try:
            for _ in range(full):
                self.wfile.write(chunk)
            self.wfile.write(event * rest + tail_events(deltas, size))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (a timed-out benchmark run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    opts = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    server.daemon_threads = True
    sys.stdout.write(f"{server.server_address[1]}\n")
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
