"""Wire-level facts with no HTTP library: URLs, headers, and where a key may be sent."""

from __future__ import annotations

import sys
from urllib.parse import quote, urlsplit

from gemini_cli import __version__
from gemini_cli.core.errors import UsageError

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
EMBEDDED_BASE_URL = "emulator:"
CONNECT_TIMEOUT = 10.0
# platform.python_version() is the first word of sys.version; importing platform costs ~2 ms.
USER_AGENT = f"gem/{__version__} python/{sys.version.split()[0]}"
# The longest interaction id gem takes, typed (cli/backend.check_id) or from the server.
MAX_ID_CHARS = 1024


def is_loopback(host: str) -> bool:
    """An IP literal on loopback, or `localhost` / `*.localhost` when every address the name
    resolves to is on loopback (an /etc/hosts entry could point it elsewhere)."""
    import ipaddress  # here: only a plain http:// base URL asks

    host = host.strip("[]").lower()
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if host != "localhost" and not host.endswith(".localhost"):
        return False
    return _resolves_to_loopback(host)


def _resolves_to_loopback(host: str) -> bool:
    import ipaddress
    import socket

    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = {str(info[4][0]).split("%")[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def uses_env_proxy(base_url: str) -> bool:
    """Whether httpx may take a proxy from the environment for this base URL: never for plain
    http:// (allowed only to loopback), so the key is never sent to a proxy in clear text."""
    return urlsplit(base_url).scheme.lower() != "http"


def check_base_url(base_url: str, origin: str = "--base-url") -> None:
    """An http(s) URL with a host and nothing that would be lost or leaked: no query string or
    fragment (the API path is appended to the path, they would swallow it) and no user:password
    (it would show in --debug and --dry-run). `emulator:` is the embedded emulator."""
    if base_url.strip().lower().startswith(EMBEDDED_BASE_URL):
        if base_url.strip().lower() != EMBEDDED_BASE_URL:
            raise UsageError(
                f"base_url from {origin}: the embedded emulator is exactly "
                f"'emulator:' (nothing after the colon), got {base_url!r}"
            )
        return
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in base_url.strip()):
        raise UsageError(
            f"base_url from {origin} must not contain spaces or control "
            f"characters, got {base_url!r}"
        )
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise UsageError(f"base_url from {origin}: not a valid URL ({exc})") from None
    what = None
    if parts.scheme.lower() not in ("http", "https"):
        what = "must start with https:// or http:// (or be 'emulator:')"
    elif not parts.hostname:
        what = "has no host"
    elif parts.username is not None or parts.password is not None:
        what = "must not hold credentials (user:password@): the key goes in GEMINI_API_KEY"
    elif parts.query or parts.fragment or base_url.rstrip().endswith(("?", "#")):
        what = "must not have a query string or fragment ('?...', '#...')"
    if what:
        shown = (
            base_url
            if parts.username is None and parts.password is None
            else (f"{parts.scheme}://<credentials>@{parts.hostname}")
        )
        raise UsageError(f"base_url from {origin} {what}, got {shown!r}")


def check_api_key(key: str, source: str = "") -> None:
    """A key must be printable ASCII to go in a header; never echo it in the error."""
    from gemini_cli.api.errors import AuthError

    bad = next((ch for ch in key if ord(ch) < 0x20 or ord(ch) == 0x7F or ord(ch) > 0x7E), None)
    if bad is None:
        return
    kind = "a non-ASCII character" if ord(bad) > 0x7F else "a control character"
    where = f" from {source}" if source else ""
    hint = (
        "api_key_command must print the key on its first line"
        if "command" in source
        else "check for a stray newline or a pasted character"
    )
    raise AuthError(f"the API key{where} contains {kind}; it was not sent", hint=hint)


def check_transport_security(base_url: str) -> None:
    """Refuse to send a key in clear text anywhere but this machine."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"base URL {base_url!r} must start with https:// (or be 'emulator:')")
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        raise UsageError(
            f"refusing to send the API key over plain http:// to {parts.hostname}",
            hint="use https://, or http:// only to a loopback host (127.0.0.1, localhost)",
        )


def build_url(base_url: str, api_version: str, *parts: str) -> str:
    segments = [base_url.rstrip("/"), api_version.strip("/"), "interactions"]
    segments += [quote(p, safe="") for p in parts[:1]] + list(parts[1:])
    return "/".join(segments)


def id_problem(interaction_id: str) -> str | None:
    """Why `interaction_id` cannot go in a URL path (None when it can): `.` and `..` would
    climb the path (percent-encoding keeps them), control characters and lone surrogates have
    no place in one. A `/` is fine: it is sent percent-encoded, as one segment."""
    if interaction_id in ("", ".", ".."):
        return "it is empty, '.' or '..'"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in interaction_id):
        return "it contains a control character"
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in interaction_id):
        return "it is not valid Unicode (a lone surrogate)"
    return None


def check_user_id(interaction_id: str) -> None:
    """An id given on the command line: exit 2 when it cannot name an interaction."""
    problem = id_problem(interaction_id)
    if problem:
        from gemini_cli.core.termio import escape_controls

        shown = escape_controls(interaction_id.encode("utf-8", "backslashreplace").decode())
        raise UsageError(f"{shown!r} is not an interaction id: {problem}")


def request_headers(api_key: str | None, stream: bool = False) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream" if stream else "application/json",
        "User-Agent": USER_AGENT,
    }
    if api_key:
        headers["x-goog-api-key"] = api_key
    return headers


def check_server_id(interaction_id: str, ident: str | None = None) -> None:
    """An id the server chose must be usable in a follow-up URL: `..` would climb the path
    (a redirect in disguise). Empty is fine (`store: false` answers carry `"id": ""`)."""
    problem = id_problem(interaction_id) if interaction_id else None
    if len(interaction_id) > MAX_ID_CHARS:  # gem would refuse it back from the command line
        problem = f"it is longer than {MAX_ID_CHARS} characters"
    if problem:
        from gemini_cli.api.errors import NetworkError

        raise NetworkError(
            f"protocol error: the API returned an unusable interaction id ({problem})",
            interaction_id=ident,
        )
