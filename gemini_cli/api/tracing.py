"""What --debug shows of an HTTP exchange, with the API key redacted."""

from __future__ import annotations

import httpx

# Shorter keys are not replaced in free text: "k" would turn every k into <redacted>.
REDACT_MIN_CHARS = 8
TRACE_BODY_CHARS = 4000


def redact(text: str, key: str | None) -> str:
    """Replace the key in free text. Defence in depth only (headers are redacted by name):
    a key shorter than REDACT_MIN_CHARS would also match ordinary words, so it is left."""
    return text.replace(key, "<redacted>") if key and len(key) >= REDACT_MIN_CHARS else text


def request_trace(request: httpx.Request) -> str:
    lines = [f"> {request.method} {request.url}"]
    for name, value in request.headers.items():
        shown = "<redacted>" if name.lower() == "x-goog-api-key" else value
        lines.append(f"> {name}: {shown}")
    if request.content:
        lines.append("> " + request.content.decode("utf-8", "replace")[:TRACE_BODY_CHARS])
    return "\n".join(lines)


def response_trace(resp: httpx.Response, body: bool) -> str:
    lines = [f"< HTTP {resp.status_code} {resp.reason_phrase}"]
    lines += [f"< {k}: {v}" for k, v in resp.headers.items()]
    if body:
        lines.append(
            "< "
            + resp.content[: TRACE_BODY_CHARS * 4].decode("utf-8", "replace")[:TRACE_BODY_CHARS]
        )
    return "\n".join(lines)
