"""Media a server returns as a `uri`: downloaded for --save/-o, the API key sent only to the
API's own host (a Files API URI through its `:download` endpoint)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from gemini_cli.api.errors import InteractionError
from gemini_cli.core.jsontypes import JSONObject

if TYPE_CHECKING:
    from gemini_cli.api.client import InteractionsClient

Media = list[tuple[int, int, JSONObject]]
_FILE_PATH = re.compile(r"/files/[A-Za-z0-9_-]+$")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def with_downloads(
    media: Media, client: InteractionsClient, note: Callable[[str], None], ident: str
) -> Media:
    """The blocks with every http(s) `uri` fetched into inline `data` (others, e.g. gs://,
    stay as they are and are reported where they are)."""
    fetched: Media = []
    for step, index, block in media:
        uri = block.get("uri")
        if block.get("data") or not isinstance(uri, str) or not _downloadable(uri, client):
            fetched.append((step, index, block))
            continue
        note(f"gem: downloading {uri}")
        data = download(uri, client, ident)
        fetched.append((step, index, {**block, "data": base64.b64encode(data).decode("ascii")}))
    return fetched


def _downloadable(uri: str, client: InteractionsClient) -> bool:
    """The API's own host (whatever its scheme: the client checked it), any https host, or a
    loopback http one; not gs:// or other schemes."""
    parts = urlsplit(uri)
    if same_origin(uri, client.base_url):
        return True
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and parts.hostname in _LOOPBACK


def same_origin(uri: str, base_url: str) -> bool:
    """Whether `uri` is on the API's own scheme, host and port (where the key may go)."""
    a, b = urlsplit(uri), urlsplit(base_url)
    try:
        return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)
    except ValueError:  # a port that is not a number
        return False


def download(uri: str, client: InteractionsClient, ident: str) -> bytes:
    """The bytes at `uri`: through the API client (key, retries, deadline, size cap) when it
    is the API's host; else with a plain keyless GET under the same timeout and cap."""
    if same_origin(uri, client.base_url):
        url = uri + ":download" if _FILE_PATH.search(urlsplit(uri).path) else uri
        return client.request("GET", url, params={"alt": "media"}, ident=ident).content
    return _keyless_get(uri, client.timeout, client.max_response_bytes, ident)


def _keyless_get(uri: str, timeout: float, cap: int, ident: str) -> bytes:
    import httpx

    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as http,
            http.stream("GET", uri) as resp,
        ):
            if resp.status_code != 200:
                raise _failed(uri, f"HTTP {resp.status_code}", ident)
            data = bytearray()
            for chunk in resp.iter_bytes():
                data += chunk
                if len(data) > cap:
                    raise _failed(uri, f"larger than {cap} bytes", ident)
            return bytes(data)
    except httpx.HTTPError as exc:
        raise _failed(uri, str(exc) or type(exc).__name__, ident) from exc


def _failed(uri: str, reason: str, ident: str) -> InteractionError:
    return InteractionError(
        f"could not download {uri}: {reason} (interaction {ident})",
        interaction_id=ident or None,
        hint=f"the block is in: gem get {ident} --json",
    )
