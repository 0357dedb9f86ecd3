"""Requests to operations (the URL map) and the HTTP-shaped Response the engine answers with."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from gemini_cli.core.jsontypes import JSONValue

from . import live as live_shapes
from .validation import ApiError

# Any version segment (v1, v1beta, v1alpha, Vertex's v1beta1/projects/p/locations/l), optionally
# after a path prefix such as a proxy's `/gl`.
_ROUTE = re.compile(
    r"^(?:/.*?)?/v\d+[a-z0-9]*(?:/projects/[^/]+/locations/[^/]+)?/interactions"
    r"(?:/(?P<id>[^/]+?)(?P<cancel>/cancel|:cancel)?)?/?$"
)
JSON_HEADERS = {"content-type": "application/json; charset=UTF-8"}
SSE_HEADERS = {"content-type": "text/event-stream", "cache-control": "no-cache"}


@dataclass
class Response:
    """One HTTP answer of the emulator: a body, or SSE frames."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    # For SSE: one framed event per item, ending with the `data: [DONE]` frame; a None item
    # cuts the connection there (a dropped stream).
    events: Iterator[bytes | None] | None = None


@dataclass
class Route:
    """What a request asks for: the operation, its id, streaming, the query."""

    operation: str  # create | get | cancel | delete
    interaction_id: str | None = None
    streaming: bool = False
    query: dict[str, str] = field(default_factory=dict)


def json_response(
    status: int, payload: JSONValue, headers: Mapping[str, str] | None = None, *, live: bool = False
) -> Response:
    """Live answers are compact single-line JSON (§13.10); the sdk flavor keeps json's spacing."""
    separators = (",", ":") if live else None
    body = json.dumps(payload, ensure_ascii=False, separators=separators).encode()
    return Response(status, {**JSON_HEADERS, **(headers or {})}, body)


def error_response(error: ApiError, *, live: bool = False) -> Response:
    body = live_shapes.error_body(error.code, error.message, error.status) if live else error.body()
    return json_response(error.code, body, live=live)


def route(method: str, path: str, query: str, body: bytes) -> Route:
    """Map a request line onto an operation, or raise ApiError (404/405)."""
    match = _ROUTE.match(path)
    if match is None:
        from .files import claims

        if claims(path):  # the Files API and File Search stores: emulator/files.py
            return Route("files")
        raise ApiError(404, f"The requested URL {path} was not found on this server.")
    params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    ident = unquote(match["id"]) if match["id"] else None
    wanted = {
        (None, False, "POST"): "create",
        (True, False, "GET"): "get",
        (True, False, "DELETE"): "delete",
        (True, True, "POST"): "cancel",
    }.get((True if ident else None, bool(match["cancel"]), method.upper()))
    if wanted is None:
        raise ApiError(405, f"Method {method} is not allowed on {path}.")
    streaming = is_true(params.get("stream")) if wanted == "get" else False
    if wanted == "create":
        streaming = _body_wants_stream(body)
    return Route(wanted, ident, streaming, params)


def is_true(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def _body_wants_stream(body: bytes) -> bool:
    try:
        parsed = json.loads(body or b"{}")
    except (ValueError, RecursionError):  # the engine answers it with a 400
        return False
    return isinstance(parsed, dict) and parsed.get("stream") is True


def parse_json(body: bytes) -> JSONValue:
    try:
        return json.loads(body.decode("utf-8")) if body.strip() else None
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "Invalid JSON payload received.") from None
    except RecursionError:
        raise ApiError(400, "Invalid JSON payload received: nested too deeply.") from None
