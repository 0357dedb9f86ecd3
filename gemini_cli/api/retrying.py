"""One HTTP exchange retried until it succeeds, its failure is final, or the deadline is near."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from gemini_cli.api.bounded import WallClock
from gemini_cli.api.deadline import Deadline
from gemini_cli.api.errors import NetworkError, TimeoutError_, error_from_response
from gemini_cli.api.retry import RetryPolicy, is_lasting_quota, is_retryable_status
from gemini_cli.core.errors import GemError, UsageError


@dataclass(frozen=True)
class Retrier:
    """The retry loop of one client: its policy, clocks, base URL (for messages) and trace."""

    policy: RetryPolicy
    wall: WallClock
    base_url: str
    note: Callable[[str], None]

    def run(
        self,
        attempt: Callable[[], httpx.Response],
        deadline: Deadline,
        idempotent: bool,
        ident: str | None,
    ) -> httpx.Response:
        """Run `attempt` until it succeeds, the failure is final, or the deadline is near."""
        tries = 0
        while True:
            if deadline.expired():
                raise self.wall.timed_out(deadline, ident)
            retries_left = tries < self.policy.max_retries
            try:
                resp = self._attempt(attempt, ident)
            except httpx.TransportError as exc:
                if retries_left and retryable_transport(exc, idempotent):
                    self._pause(self.policy.delay(tries, None), deadline, ident, exc)
                    tries += 1
                    continue
                raise transport_error(exc, ident, self.base_url) from exc
            if resp.is_success:
                return resp
            if retries_left and _retryable_answer(resp, idempotent):
                delay = self.policy.delay(tries, resp.headers)
                if delay <= deadline.remaining():
                    self.note(f"retrying after HTTP {resp.status_code} in {delay:.2f}s")
                    self.policy.clock.sleep(delay)
                    tries += 1
                    continue
            raise error_from_response(
                resp.status_code, resp.content, ident, location=resp.headers.get("location")
            )

    @staticmethod
    def _attempt(attempt: Callable[[], httpx.Response], ident: str | None) -> httpx.Response:
        """One attempt; the failures no retry can mend become gem's errors at once."""
        try:
            return attempt()
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

    def _pause(
        self, delay: float, deadline: Deadline, ident: str | None, exc: httpx.TransportError
    ) -> None:
        if delay > deadline.remaining():
            raise transport_error(exc, ident, self.base_url) from exc
        self.note(f"retrying after {type(exc).__name__} in {delay:.2f}s")
        self.policy.clock.sleep(delay)


def _retryable_answer(resp: httpx.Response, idempotent: bool) -> bool:
    """A retryable status, unless a quota that never clears within seconds is used up."""
    status = resp.status_code
    return is_retryable_status(status, idempotent) and not is_lasting_quota(status, resp.content)


def retryable_transport(exc: httpx.TransportError, idempotent: bool) -> bool:
    # Connect failures mean the request never reached the server: safe even for a create.
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return True
    if isinstance(exc, httpx.LocalProtocolError):
        return False  # gem's own request is malformed: it would fail the same way again
    return idempotent


def transport_error(exc: httpx.TransportError, ident: str | None, base_url: str) -> GemError:
    """A failure to talk to the API as one line naming the host (never a header value)."""
    if isinstance(exc, httpx.TimeoutException):
        return TimeoutError_(
            f"timed out talking to the API ({type(exc).__name__})", interaction_id=ident
        )
    host = urlsplit(base_url).netloc.rpartition("@")[2] or base_url
    if isinstance(exc, httpx.LocalProtocolError):
        # Its text can quote a header value, the key among them: never print it.
        return NetworkError(
            f"could not send the request to {host}: invalid request header",
            interaction_id=ident,
        )
    return NetworkError(
        f"cannot reach the API at {host}: {exc or type(exc).__name__}", interaction_id=ident
    )
