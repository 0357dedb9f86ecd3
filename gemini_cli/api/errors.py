"""Typed errors: every expected failure maps to one exit code and one line of text."""

from __future__ import annotations

import json
from typing import Any

# The exit-code table is part of gem's public contract (README, "Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_API_REFUSED = 3
EXIT_AUTH = 4
EXIT_RATE_LIMITED = 5
EXIT_UNAVAILABLE = 6
EXIT_STOPPED = 7
EXIT_STILL_RUNNING = 8
EXIT_REQUIRES_ACTION = 9
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class GemError(Exception):
    """Base class: carries the exit code and what a script needs to know."""

    exit_code = EXIT_INTERNAL
    error_type = "internal"

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        interaction_id: str | None = None,
        hint: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.interaction_id = interaction_id
        self.hint = hint
        self.body = body

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "exit_code": self.exit_code,
            "type": self.error_type,
            "message": self.message,
            "http_status": self.http_status,
            "interaction_id": self.interaction_id,
        }
        if self.hint:
            data["hint"] = self.hint
        return data


class UsageError(GemError):
    """Bad flags, files, config or request body: nothing was sent."""

    exit_code = EXIT_USAGE
    error_type = "usage"


class OutputError(UsageError):
    """stdout cannot be written (closed, disk full): exit 2, one line."""

    error_type = "output"


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


class Interrupted(GemError):
    """Ctrl-C: the message says how to pick the work up again."""

    exit_code = EXIT_INTERRUPTED
    error_type = "interrupted"


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


def _error_message(status: int, body: bytes) -> tuple[str, Any]:
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


STOPPED_STATUSES = frozenset(
    {"cancelled", "incomplete", "budget_exceeded", "requires_continuation"}
)


def status_error(
    status: str, interaction_id: str | None, reason: str | None = None
) -> InteractionError | None:
    """The error an interaction's final status stands for, or None when it is a success."""
    name = f"interaction {interaction_id}" if interaction_id else "the interaction"
    if status == "failed":
        why = f": {reason}" if reason else ""
        return InteractionError(f"{name} failed{why}", interaction_id=interaction_id or None)
    if status in STOPPED_STATUSES:
        why = f" ({reason})" if reason else ""
        return InteractionStoppedError(
            f"{name} ended {status}{why}", interaction_id=interaction_id or None
        )
    if status == "requires_action":
        why = f": {reason}" if reason else ""
        return RequiresActionError(
            f"{name} requires action{why}",
            interaction_id=interaction_id or None,
            hint=f"answer with: gem create --previous {interaction_id} --result CALL_ID=FILE",
        )
    return None
