"""Backoff, Retry-After and which statuses are retried (no real sleeping anywhere)."""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest

from gemini_cli.api.deadline import Deadline
from gemini_cli.api.retry import RetryPolicy, is_retryable_status, retry_after_seconds
from tests.conftest import FakeClock


def test_backoff_starts_at_half_a_second_and_doubles_up_to_eight():
    policy = RetryPolicy(clock=FakeClock(jitter=0.0))
    assert [policy.backoff(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_jitter_shortens_the_backoff_by_at_most_a_quarter():
    policy = RetryPolicy(clock=FakeClock(jitter=0.999))
    assert 0.375 <= policy.backoff(0) < 0.5
    assert 6.0 <= policy.backoff(10) < 8.0


def test_retry_after_ms_wins_over_retry_after():
    headers = {"retry-after-ms": "1500", "Retry-After": "30"}
    assert retry_after_seconds(headers, lambda: 0.0) == 1.5


def test_retry_after_in_seconds():
    assert retry_after_seconds({"Retry-After": "3"}, lambda: 0.0) == 3.0


def test_retry_after_as_an_http_date():
    now = 1_790_000_000.0
    headers = {"Retry-After": formatdate(now + 20, usegmt=True)}
    assert retry_after_seconds(headers, lambda: now) == pytest.approx(20.0)


def test_retry_after_in_the_past_means_now():
    now = 1_790_000_000.0
    assert (
        retry_after_seconds({"Retry-After": formatdate(now - 60, usegmt=True)}, lambda: now) == 0.0
    )


def test_garbage_retry_after_falls_back_to_backoff():
    policy = RetryPolicy(clock=FakeClock())
    assert policy.delay(1, {"Retry-After": "soon-ish"}) == 1.0


@pytest.mark.parametrize("headers", [{"Retry-After": "nan"}, {"retry-after-ms": "NaN"}])
def test_a_nan_retry_after_is_garbage_not_past_the_deadline(headers):
    assert RetryPolicy(clock=FakeClock()).delay(1, headers) == 1.0


def test_retry_after_is_not_capped_by_the_backoff_maximum():
    policy = RetryPolicy(clock=FakeClock())
    assert policy.delay(0, {"Retry-After": "20"}) == 20.0


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_idempotent_requests_retry_transient_statuses(status):
    assert is_retryable_status(status, idempotent=True)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_never_retried(status):
    assert not is_retryable_status(status, idempotent=True)
    assert not is_retryable_status(status, idempotent=False)


@pytest.mark.parametrize(
    ("status", "retried"),
    [(429, True), (503, True), (500, False), (502, False), (504, False), (408, False)],
)
def test_create_is_retried_only_when_the_answer_proves_it_was_not_processed(status, retried):
    assert is_retryable_status(status, idempotent=False) is retried


def test_deadline_counts_down_on_the_injected_clock():
    clock = FakeClock()
    deadline = Deadline(10, clock)
    clock.advance(4)
    assert deadline.remaining() == 6
    clock.advance(6)
    assert deadline.expired()


@pytest.mark.parametrize("headers", [{"Retry-After": "0"}, {"retry-after-ms": "0"}])
def test_retry_after_zero_means_at_once_not_the_backoff(headers):
    assert retry_after_seconds(headers, lambda: 0.0) == 0.0
    assert RetryPolicy(clock=FakeClock()).delay(3, headers) == 0.0  # the backoff would be 4 s


def test_retry_after_zero_through_the_cli_retries_without_waiting(invoke, api, api_key, fake_clock):
    from tests.helpers import IID, ok

    route = api.get(f"/interactions/{IID}")
    route.mock(side_effect=[httpx.Response(503, headers={"Retry-After": "0"}), ok()])
    result = invoke(["get", IID])
    assert result.exit_code == 0, result.stderr
    assert route.call_count == 2
    assert sum(fake_clock.sleeps) == 0.0
