"""The worker pool's job handoff: the most recently idle worker takes the next job."""

from __future__ import annotations

import threading

from gemini_cli.batch.scheduler import Handoff, Seat
from tests.batch.conftest import until


def test_the_worker_idle_for_the_shortest_time_takes_the_next_job():
    # Below -j (after a 429) the same few workers, with their open connections, keep working
    # rather than every idle worker's keep-alive connection being used round-robin.
    handoff = Handoff()
    got: dict[str, object] = {}

    def worker(name: str) -> None:
        got[name] = handoff.get(Seat())

    first = threading.Thread(target=worker, args=("first",), daemon=True)
    first.start()
    assert until(lambda: len(handoff._idle) == 1)
    second = threading.Thread(target=worker, args=("second",), daemon=True)
    second.start()
    assert until(lambda: len(handoff._idle) == 2)
    handoff.put((1, lambda: None))  # type: ignore[arg-type]
    second.join(timeout=10)
    assert "second" in got and "first" not in got
    handoff.put(None)
    first.join(timeout=10)
    assert got["first"] is None


def test_jobs_put_while_every_worker_is_busy_wait_in_order():
    handoff = Handoff()
    handoff.put((1, lambda: None))  # type: ignore[arg-type]
    handoff.put(None)
    job = handoff.get(Seat())
    assert job is not None and job[0] == 1
    assert handoff.get(Seat()) is None
