"""Wire-level facts with no HTTP library: URLs, headers, and where a key may be sent."""

from __future__ import annotations

import ipaddress
import platform
from urllib.parse import quote, urlsplit

from gemini_cli import __version__
from gemini_cli.api.errors import UsageError

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
EMBEDDED_BASE_URL = "emulator:"
CONNECT_TIMEOUT = 10.0
USER_AGENT = f"gem/{__version__} python/{platform.python_version()}"



def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


def request_headers(api_key: str | None, stream: bool = False) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream" if stream else "application/json",
        "User-Agent": USER_AGENT,
    }
    if api_key:
        headers["x-goog-api-key"] = api_key
    return headers
