"""API, network and interaction errors; the exit-code table and base errors live in core.errors."""

from __future__ import annotations

import json

from gemini_cli.core.errors import (
    EXIT_API_REFUSED,
    EXIT_AUTH,
    EXIT_FAILED,
    EXIT_RATE_LIMITED,
    EXIT_REQUIRES_ACTION,
    EXIT_STILL_RUNNING,
    EXIT_STOPPED,
    EXIT_UNAVAILABLE,
    GemError,
)
from gemini_cli.core.jsontypes import JSONValue


class APIError(GemError):
    """The API answered with an error status."""

    exit_code = EXIT_API_REFUSED
    error_type = "api_error"


class BadRequestError(APIError):
    error_type = "bad_request"


class NotFoundError(APIError):
    error_type = "not_found"


class AuthError(APIError):
    exit_code = EXIT_AUTH
    error_type = "auth"


class RateLimitError(APIError):
    exit_code = EXIT_RATE_LIMITED
    error_type = "rate_limited"


class ServerError(APIError):
    exit_code = EXIT_UNAVAILABLE
    error_type = "server_error"


class NetworkError(GemError):
    """Connection failures and unreadable responses."""

    exit_code = EXIT_UNAVAILABLE
    error_type = "network"


class TimeoutError_(NetworkError):
    error_type = "timeout"


# Worth another try: the service or the network had trouble, the request itself was fine.
TRANSIENT_ERRORS = (NetworkError, ServerError, RateLimitError)


class InteractionError(GemError):
    """The interaction itself ended badly (the HTTP exchange was fine)."""

    exit_code = EXIT_FAILED
    error_type = "interaction_failed"


class InteractionStoppedError(InteractionError):
    exit_code = EXIT_STOPPED
    error_type = "interaction_stopped"


class StillRunningError(InteractionError):
    exit_code = EXIT_STILL_RUNNING
    error_type = "still_running"


class RequiresActionError(InteractionError):
    exit_code = EXIT_REQUIRES_ACTION
    error_type = "requires_action"


class StreamError(InteractionError):
    """An `error` event arrived on the stream."""

    error_type = "stream_error"


def error_from_response(
    status: int, body: bytes, interaction_id: str | None = None, location: str | None = None
) -> APIError:
    """Build the typed error for an HTTP error response (both error-body shapes accepted)."""
    message, parsed = _error_message(status, body)
    if 300 <= status < 400:  # gem never follows a redirect: the key must not go elsewhere
        where = f" to {location}" if location else ""
        return APIError(
            f"HTTP {status}: the API redirected{where}; gem does not follow redirects",
            http_status=status,
            interaction_id=interaction_id,
            body=parsed,
            hint="check --base-url (GEM_BASE_URL, base_url in the config)",
        )
    cls: type[APIError]
    if status in (401, 403):
        cls = AuthError
    elif status == 404:
        cls = NotFoundError
    elif status == 429:
        cls = RateLimitError
    elif status >= 500 or status == 408:
        cls = ServerError
    elif status == 400:
        cls = BadRequestError
    else:
        cls = APIError
    return cls(
        f"HTTP {status}: {message}", http_status=status, interaction_id=interaction_id, body=parsed
    )


def _error_message(status: int, body: bytes) -> tuple[str, JSONValue]:
    text = body.decode("utf-8", "replace").strip()
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
        return (_first_line(text) or "(empty response body)"), text
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(parsed, list) and parsed and isinstance(parsed[0], dict):
        error = parsed[0].get("error")  # some front-ends wrap the error in a list
    if isinstance(error, dict):
        message = str(error.get("message") or "").strip()
        code = error.get("code")
        label = error.get("status") or (code if isinstance(code, str) else None)
        if label and message:
            return f"{message} ({label})", parsed
        return message or str(label or text), parsed
    return _first_line(text), parsed


def _first_line(text: str, limit: int = 300) -> str:
    import re

    if text.lstrip().startswith("<"):  # an HTML error page: keep only its title or a hint
        match = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
        return (match.group(1).strip() if match else "non-JSON error page")[:limit]
    line = text.splitlines()[0] if text else ""
    return line[:limit]
