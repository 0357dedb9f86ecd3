"""The shared limiter on a fake clock: pauses, AIMD concurrency, --rpm and --tpm pacing."""

from __future__ import annotations

import pytest

from gemini_cli.batch.limiter import Limiter, Stopped
from tests.batch.conftest import until
from tests.conftest import FakeClock


def test_a_429_pauses_everyone_for_its_retry_after_and_halves_the_concurrency(fake_clock):
    limiter = Limiter(8, fake_clock)
    limiter.pressure(2.0)
    assert limiter.allowed == 4 and limiter.lowest == 4
    start = fake_clock.now
    limiter.before_request()  # any worker's next request waits the pause out
    assert fake_clock.now - start == pytest.approx(2.0)


def test_a_burst_of_429s_is_one_signal_not_one_per_worker(fake_clock):
    limiter = Limiter(8, fake_clock)
    for _ in range(8):
        limiter.pressure(0.05)
    assert limiter.allowed == 4 and limiter.pressures == 8
    fake_clock.advance(1.0)
    limiter.pressure(0.05)
    assert limiter.allowed == 2


def test_the_concurrency_grows_back_slowly_after_successes(fake_clock):
    limiter = Limiter(8, fake_clock)
    limiter.pressure(0.1)
    limiter.pressure(0.1)  # within the window: still 4
    fake_clock.advance(2)
    limiter.pressure(0.1)
    assert limiter.allowed == 2
    grown = []
    for _ in range(12):
        assert limiter.enter(0)
        limiter.leave(ok=True)
        grown.append(int(limiter.allowed))
    assert grown[0] == 2 and grown[-1] >= 5 and grown == sorted(grown)


def test_slots_follow_the_allowed_concurrency(fake_clock):
    limiter = Limiter(2, fake_clock)
    assert limiter.enter(0) and limiter.enter(0)
    assert not limiter.enter(0)
    limiter.leave()
    assert limiter.enter(0)


def test_rpm_spaces_the_requests(fake_clock):
    limiter = Limiter(4, fake_clock, rpm=60)
    start = fake_clock.now
    for _ in range(10):
        limiter.before_request()
    assert fake_clock.now - start == pytest.approx(9.0)  # one at once, then one per second


def test_tpm_waits_until_the_tokens_spent_are_paid_back(fake_clock):
    limiter = Limiter(4, fake_clock, tpm=600)  # 10 tokens a second
    limiter.before_request()
    assert limiter.enter(0)
    limiter.leave(tokens=50)
    start = fake_clock.now
    limiter.before_request()
    assert fake_clock.now - start == pytest.approx(4.0)  # 10 saved up, 40 owed


def test_a_stopping_batch_sends_nothing_more(fake_clock):
    limiter = Limiter(4, fake_clock)
    limiter.pressure(30)
    limiter.stop()
    with pytest.raises(Stopped):
        limiter.before_request()
    assert fake_clock.sleeps == []


def test_the_clients_retry_sleep_goes_through_the_limiter():
    clock = FakeClock()
    limiter = Limiter(4, clock)
    gated = limiter.gated_clock()
    gated.sleep(1.5)
    assert limiter.pressures == 1 and clock.now == pytest.approx(1_001.5)


def test_after_a_429_only_the_halved_concurrency_retries_and_retries_go_first(fake_clock):
    import threading

    limiter = Limiter(4, fake_clock)
    for _ in range(4):
        assert limiter.enter(0)
    limiter.pressure(0.0)  # all four got a 429 (no Retry-After): the concurrency halves to 2
    passed: list[int] = []

    def retry(n: int) -> None:
        try:
            limiter.retry_sleep(0.0)
            passed.append(n)
        except Stopped:
            pass

    threads = [threading.Thread(target=retry, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    # two retry at once; two wait for a slot (a state, not a timing: see _retrying)
    assert until(lambda: len(passed) == 2 and limiter._retrying == 2)
    assert limiter.in_flight == 2 and limiter.allowed == 2
    assert not limiter.enter(0)  # a new item waits behind the retries
    limiter.leave(ok=True)  # one retried item finished: the next retry takes its slot
    assert until(lambda: len(passed) == 3)
    limiter.stop()  # a stopping batch lets the last one go (Stopped: its retry is not sent)
    for thread in threads:
        thread.join(timeout=10)
    assert len(passed) == 3 and limiter.in_flight == 3
