"""The one HTTP client for the Interactions API: four operations plus streams, over httpx."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx

from gemini_cli.api.errors import (
    GemError,
    NetworkError,
    TimeoutError_,
    UsageError,
    error_from_response,
)
from gemini_cli.api.models import Interaction
from gemini_cli.api.retry import Clock, Deadline, RetryPolicy, is_retryable_status
from gemini_cli.api.wire import (
    CONNECT_TIMEOUT,
    DEFAULT_BASE_URL,
    build_url,
    check_api_key,
    check_transport_security,
    request_headers,
)

Trace = Callable[[str], None]
# Shorter keys are not replaced in free text: "k" would turn every k into <redacted>.
REDACT_MIN_CHARS = 8


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
        self._http = httpx.Client(transport=transport, trust_env=True, follow_redirects=False)

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
        return build_url(self.base_url, self.api_version, *parts)

    def _headers(self, stream: bool = False) -> dict[str, str]:
        return {**request_headers(self.api_key, stream), **self.extra_headers}

    def _interaction(self, resp: httpx.Response, ident: str | None = None) -> Interaction:
        try:
            return Interaction.from_json(resp.text)
        except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deep
            why = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise NetworkError(
                f"unreadable response from the API (HTTP {resp.status_code}): {why}",
                http_status=resp.status_code,
                interaction_id=ident,
            ) from exc

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        idempotent: bool = True,
        ident: str | None = None,
    ) -> httpx.Response:
        deadline = Deadline(self.timeout, self.clock)
        content = json.dumps(json_body).encode() if json_body is not None else None

        def attempt() -> httpx.Response:
            request = self._http.build_request(
                method,
                url,
                params=params,
                content=content,
                headers=self._headers(),
                timeout=self._timeout(deadline.remaining()),
            )
            return self._send_once(request, deadline)

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
            resp = self._http.send(request, stream=True)
            # httpcore reads the body's timeout from this same dict when the body is iterated.
            request.extensions["timeout"] = reading.as_dict()
            self._trace_response(resp, body=False)
            if not resp.is_success:
                resp.read()  # the error body, for the message
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
        """Run `attempt` until it succeeds, the failure is final, or the deadline is near."""
        tries = 0
        while True:
            self._check_deadline(deadline, ident)
            retries_left = tries < self.retry.max_retries
            try:
                resp = attempt()
            except httpx.InvalidURL as exc:  # e.g. an id far too long for a URL: nothing sent
                raise UsageError(
                    f"cannot build the request URL: {str(exc)[:200]}", interaction_id=ident
                ) from exc
            except httpx.DecodingError as exc:  # e.g. Content-Encoding: gzip over plain bytes
                raise NetworkError(
                    "unreadable response from the API: its body could not be decoded "
                    f"({exc.__class__.__name__})",
                    interaction_id=ident,
                ) from exc
            except httpx.TransportError as exc:
                if retries_left and self._retryable_transport(exc, idempotent):
                    self._pause(self.retry.delay(tries, None), deadline, ident, exc)
                    tries += 1
                    continue
                raise self._transport_error(exc, ident) from exc
            if resp.is_success:
                return resp
            if retries_left and is_retryable_status(resp.status_code, idempotent):
                delay = self.retry.delay(tries, resp.headers)
                if delay <= deadline.remaining():
                    self._note(f"retrying after HTTP {resp.status_code} in {delay:.2f}s")
                    self.clock.sleep(delay)
                    tries += 1
                    continue
            raise error_from_response(
                resp.status_code, resp.content, ident, location=resp.headers.get("location")
            )

    def _send_once(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        """Send and read the whole answer within the deadline: httpx's read timeout bounds
        each read, so a server trickling bytes could otherwise hold gem forever."""
        self._trace_request(request)
        resp = self._http.send(request, stream=True)
        try:
            chunks = []
            for chunk in resp.iter_bytes():
                chunks.append(chunk)
                if deadline.expired():
                    raise httpx.ReadTimeout(
                        "the deadline passed while reading the answer", request=request
                    )
            resp._content = b"".join(chunks)  # what Response.read() does
        finally:
            resp.close()
        self._trace_response(resp, body=True)
        return resp

    def _timeout(self, remaining: float) -> httpx.Timeout:
        remaining = max(remaining, 0.001)
        return httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT, remaining))

    @staticmethod
    def _retryable_transport(exc: httpx.TransportError, idempotent: bool) -> bool:
        # Connect failures mean the request never reached the server: safe even for a create.
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
            return True
        if isinstance(exc, httpx.LocalProtocolError):
            return False  # gem's own request is malformed: it would fail the same way again
        return idempotent

    def _pause(self, delay: float, deadline: Deadline, ident: str | None, exc: Exception) -> None:
        if delay > deadline.remaining():
            raise self._transport_error(exc, ident) from exc
        self._note(f"retrying after {type(exc).__name__} in {delay:.2f}s")
        self.clock.sleep(delay)

    def _check_deadline(self, deadline: Deadline, ident: str | None) -> None:
        if deadline.expired():
            raise TimeoutError_(
                f"gave up after the {deadline.seconds:g}s deadline (--timeout)",
                interaction_id=ident,
            )

    def _transport_error(self, exc: httpx.TransportError, ident: str | None) -> GemError:
        if isinstance(exc, httpx.TimeoutException):
            return TimeoutError_(
                f"timed out talking to the API ({type(exc).__name__})", interaction_id=ident
            )
        host = urlsplit(self.base_url).netloc.rpartition("@")[2] or self.base_url
        if isinstance(exc, httpx.LocalProtocolError):
            # Its text can quote a header value, the key among them: never print it.
            return NetworkError(
                f"could not send the request to {host}: invalid request header",
                interaction_id=ident,
            )
        return NetworkError(
            f"cannot reach the API at {host}: {exc or type(exc).__name__}", interaction_id=ident
        )

    # -- tracing (--debug); the key never leaves this object unredacted ----------------

    def redact(self, text: str) -> str:
        """Replace the key in free text. Defence in depth only (headers are redacted by name):
        a key shorter than REDACT_MIN_CHARS would also match ordinary words, so it is left."""
        key = self.api_key
        return text.replace(key, "<redacted>") if key and len(key) >= REDACT_MIN_CHARS else text

    def _note(self, message: str) -> None:
        if self.trace:
            self.trace(self.redact(message))

    def _trace_request(self, request: httpx.Request) -> None:
        if not self.trace:
            return
        lines = [f"> {request.method} {request.url}"]
        for name, value in request.headers.items():
            shown = "<redacted>" if name.lower() == "x-goog-api-key" else value
            lines.append(f"> {name}: {shown}")
        if request.content:
            lines.append("> " + request.content.decode("utf-8", "replace")[:4000])
        self.trace(self.redact("\n".join(lines)))

    def _trace_response(self, resp: httpx.Response, body: bool) -> None:
        if not self.trace:
            return
        lines = [f"< HTTP {resp.status_code} {resp.reason_phrase}"]
        lines += [f"< {k}: {v}" for k, v in resp.headers.items()]
        if body:
            lines.append("< " + resp.text[:4000])
        self.trace(self.redact("\n".join(lines)))
