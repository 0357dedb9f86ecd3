"""The transport for a plain http:// base URL (loopback, the emulator): no TLS, no CA bundle."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx


def plain_http_transport(base_url: str) -> httpx.BaseTransport | None:
    """For an http:// base URL (loopback only), a transport without TLS: httpx's default one
    loads the CA bundle when it is built (~20 ms of every start-up), for TLS never used here."""
    return _PlainHTTPTransport() if urlsplit(base_url).scheme.lower() == "http" else None


class _PlainHTTPTransport(httpx.HTTPTransport):
    """http:// only: an https:// URL is refused (this transport verifies no certificate)."""

    def __init__(self) -> None:
        super().__init__(verify=False)  # no CA bundle to load; TLS is refused below

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(
                f"{request.url.scheme}:// URL on a plain http:// client: {request.url.host}",
                request=request,
            )
        return super().handle_request(request)
