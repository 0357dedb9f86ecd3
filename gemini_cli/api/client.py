"""The one HTTP client for the Interactions API: four operations plus streams, over httpx."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from gemini_cli.api.bounded import WallClock, guarded, read_capped, response_text
from gemini_cli.api.deadline import Deadline
from gemini_cli.api.errors import NetworkError
from gemini_cli.api.models import Interaction
from gemini_cli.api.retry import Clock, RetryPolicy
from gemini_cli.api.retrying import Retrier
from gemini_cli.api.tracing import redact, request_trace, response_trace
from gemini_cli.api.transport import plain_http_transport
from gemini_cli.api.wire import (
    CONNECT_TIMEOUT,
    DEFAULT_BASE_URL,
    build_url,
    check_api_key,
    check_server_id,
    check_transport_security,
    check_user_id,
    request_headers,
    uses_env_proxy,
)
from gemini_cli.core.limits import RESPONSE_BYTES, limit

Trace = Callable[[str], None]


class InteractionsClient:
    """Create, get, cancel, delete and stream interactions, with retries and a deadline."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = "v1",
        timeout: float = 600.0,
        max_retries: int = 4,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        extra_headers: dict[str, str] | None = None,
        trace: Trace | None = None,
        max_response_bytes: int | None = None,
    ) -> None:
        if transport is None:
            check_transport_security(base_url)
        if api_key:
            check_api_key(api_key)
        self.base_url = base_url
        self.api_version = api_version
        self.api_key = api_key
        self.timeout = timeout
        self.clock = clock or Clock()
        self.retry = RetryPolicy(max_retries=max(0, max_retries), clock=self.clock)
        self.extra_headers = extra_headers or {}
        self.trace = trace
        self.max_response_bytes = max_response_bytes or limit(RESPONSE_BYTES)
        self.wall = WallClock(self.clock)
        # No proxy from the environment for plain http:// (loopback only): it would see the key.
        self._http = httpx.Client(
            transport=transport or plain_http_transport(base_url),
            trust_env=uses_env_proxy(base_url),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> InteractionsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the four operations -------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> Interaction:
        resp = self._send("POST", self.url(), json_body=body, idempotent=False)
        return self._interaction(resp)

    def get(self, interaction_id: str, include_input: bool = False) -> Interaction:
        params = {"stream": "false"}
        if include_input:
            params = {"include_input": "true", "stream": "false"}
        resp = self._send("GET", self.url(interaction_id), params=params, ident=interaction_id)
        return self._interaction(resp, interaction_id)

    def cancel(self, interaction_id: str) -> Interaction:
        resp = self._send("POST", self.url(interaction_id, "cancel"), ident=interaction_id)
        return self._interaction(resp, interaction_id)

    def delete(self, interaction_id: str) -> str:
        resp = self._send("DELETE", self.url(interaction_id), ident=interaction_id)
        return resp.text

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        """Any other call to this API (the Files API: api/files.py), with the same retries,
        deadline, tracing and error mapping. Options are `_send`'s; a header given as None is
        left out (the key, on an upload session's URL)."""
        return self._send(method, url, **options)

    # -- streams -----------------------------------------------------------------------

    @contextmanager
    def stream_create(self, body: dict[str, Any], idle_timeout: float) -> Iterator[httpx.Response]:
        body = {**body, "stream": True}
        with self._stream("POST", self.url(), idle_timeout, json_body=body) as resp:
            yield resp

    @contextmanager
    def stream_get(
        self, interaction_id: str, idle_timeout: float, last_event_id: str | None = None
    ) -> Iterator[httpx.Response]:
        params = {"stream": "true"}
        if last_event_id:
            params = {"last_event_id": last_event_id, "stream": "true"}
        url = self.url(interaction_id)
        with self._stream("GET", url, idle_timeout, params=params, ident=interaction_id) as resp:
            yield resp

    # -- plumbing ----------------------------------------------------------------------

    def url(self, *parts: str) -> str:
        if parts:
            check_user_id(parts[0])  # `..` would climb the path: never sent
        return build_url(self.base_url, self.api_version, *parts)

    def _headers(self, stream: bool = False) -> dict[str, str]:
        return {**request_headers(self.api_key, stream), **self.extra_headers}

    def _interaction(self, resp: httpx.Response, ident: str | None = None) -> Interaction:
        text = response_text(resp)
        resp._content = b""  # the text is what is kept: a big answer is not held twice
        try:
            interaction = Interaction.from_json(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deep
            why = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise NetworkError(
                f"unreadable response from the API (HTTP {resp.status_code}): {why}",
                http_status=resp.status_code,
                interaction_id=ident,
            ) from exc
        check_server_id(interaction.id, ident)
        return interaction

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        idempotent: bool = True,
        ident: str | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str | None] | None = None,
        deadline: Deadline | None = None,
    ) -> httpx.Response:
        deadline = deadline or Deadline(self.timeout, self.clock)
        if json_body is not None:
            content = json.dumps(json_body).encode()
        merged = {**self._headers(), **(headers or {})}
        sent = {name: value for name, value in merged.items() if value is not None}

        def attempt() -> httpx.Response:
            request = self._http.build_request(
                method,
                url,
                params=params,
                content=content,
                headers=sent,
                timeout=self._timeout(deadline.remaining()),
            )
            return guarded(
                self.wall, deadline, ident, lambda: self._send_once(request, deadline, ident)
            )

        return self._with_retries(attempt, deadline, idempotent, ident)

    @contextmanager
    def _stream(
        self,
        method: str,
        url: str,
        idle_timeout: float,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        ident: str | None = None,
    ) -> Iterator[httpx.Response]:
        """Open an SSE response; retries apply to the initial status only, never mid-stream.

        The wait for the response headers of each attempt is bounded by the deadline
        (--timeout) as well as `idle_timeout`; once they are in, only `idle_timeout` bounds the
        silence between two reads (a long generation is legitimate)."""
        deadline = Deadline(self.timeout, self.clock)
        content = json.dumps(json_body).encode() if json_body is not None else None
        reading = httpx.Timeout(idle_timeout, connect=min(CONNECT_TIMEOUT, idle_timeout))

        def attempt() -> httpx.Response:
            first = max(min(idle_timeout, deadline.remaining()), 0.001)
            request = self._http.build_request(
                method,
                url,
                params=params,
                content=content,
                headers=self._headers(stream=True),
                timeout=httpx.Timeout(first, connect=min(CONNECT_TIMEOUT, first)),
            )
            self._trace_request(request)
            self.wall.install(request)
            # The watchdog bounds the wait for the headers (a trickle outlives read timeouts).
            resp = guarded(
                self.wall, deadline, ident, lambda: self._http.send(request, stream=True)
            )
            # httpcore reads the body's timeout from this same dict when the body is iterated.
            request.extensions["timeout"] = reading.as_dict()
            self._trace_response(resp, body=False)
            if not resp.is_success:
                try:  # the error body, for the message
                    resp._content = guarded(
                        self.wall,
                        deadline,
                        ident,
                        lambda: read_capped(resp, self.max_response_bytes, deadline, ident),
                    )
                finally:
                    resp.close()
            return resp

        resp = self._with_retries(attempt, deadline, method == "GET", ident)
        try:
            yield resp
        finally:
            resp.close()

    def _with_retries(
        self,
        attempt: Callable[[], httpx.Response],
        deadline: Deadline,
        idempotent: bool,
        ident: str | None,
    ) -> httpx.Response:
        retrier = Retrier(self.retry, self.wall, self.base_url, self._note)
        return retrier.run(attempt, deadline, idempotent, ident)

    def _send_once(
        self, request: httpx.Request, deadline: Deadline, ident: str | None
    ) -> httpx.Response:
        """Send and read the whole answer within the deadline (the caller's watchdog cuts a
        blocked read) and the response cap (an endless body must not fill the memory)."""
        self._trace_request(request)
        self.wall.install(request)
        resp = self._http.send(request, stream=True)
        try:
            # what Response.read() does, bounded
            resp._content = read_capped(resp, self.max_response_bytes, deadline, ident)
        finally:
            resp.close()
        self._trace_response(resp, body=True)
        return resp

    def _timeout(self, remaining: float) -> httpx.Timeout:
        remaining = max(remaining, 0.001)
        return httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT, remaining))

    # -- tracing (--debug); the key never leaves this object unredacted ----------------

    def redact(self, text: str) -> str:
        return redact(text, self.api_key)

    def _note(self, message: str) -> None:
        if self.trace:
            self.trace(self.redact(message))

    def _trace_request(self, request: httpx.Request) -> None:
        if self.trace:
            self.trace(self.redact(request_trace(request)))

    def _trace_response(self, resp: httpx.Response, body: bool) -> None:
        if self.trace:
            self.trace(self.redact(response_trace(resp, body)))
