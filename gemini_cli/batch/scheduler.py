"""A pool of worker threads under the shared limiter, and the (bounded) reorder buffer for output."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from gemini_cli.batch.limiter import Limiter
from gemini_cli.batch.output import Result

Work = Callable[[], Result]
Emit = Callable[[Result], None]

# How long the main thread blocks at most before it looks at signals and the progress line.
TICK = 0.2


class Scheduler:
    """`submit` hands an item's work to the pool once a slot is free; results are passed to
    `emit` in submission order (`ordered`) or as they finish. The reorder buffer holds at most
    `window` results: when the oldest item is slow, submitting waits instead of piling up."""

    def __init__(
        self, limiter: Limiter, emit: Emit, *, ordered: bool, window: int,
        tick: Callable[[], None] = lambda: None,
    ) -> None:  # fmt: skip
        self.limiter = limiter
        self._emit = emit
        self.ordered = ordered
        self.window = max(window, limiter.jobs)
        self.tick = tick
        self._queue = Handoff()
        self._cond = threading.Condition()
        self._results: dict[int, Result] = {}
        self._next_seq = 0  # the next number to hand out
        self._next_out = 0  # the next number to print (ordered)
        self.emitted = 0
        self.failure: BaseException | None = None  # an output error, raised in the main thread
        self._threads = [
            threading.Thread(target=self._work, name=f"gem-batch-{n}", daemon=True)
            for n in range(limiter.jobs)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def stopping(self) -> bool:
        return self.limiter.stopping.is_set()

    def submit(self, work: Work) -> bool:
        """Queue `work` once there is a slot (and room to keep the order); False when the
        batch is stopping (nothing was queued)."""
        with self._cond:
            while self.ordered and self._next_seq - self._next_out >= self.window:
                self._check()
                if self.stopping:
                    return False
                self._cond.wait(TICK)
                self.tick()
        while not self.limiter.enter(TICK):
            self._check()
            self.tick()
            if self.stopping:
                return False
        self._check()
        if self.stopping:
            self.limiter.leave(ok=False)
            return False
        with self._cond:
            seq = self._next_seq
            self._next_seq += 1
        self._queue.put((seq, work))
        return True

    def put_result(self, result: Result) -> None:
        """A result that needs no work (a bad line): printed in its place in the order."""
        with self._cond:
            seq = self._next_seq
            self._next_seq += 1
        self._finished(seq, result)

    def _work(self) -> None:
        seat = Seat()
        while True:
            job = self._queue.get(seat)
            if job is None:
                return
            seq, work = job
            result = work()
            self.limiter.leave(result.tokens, ok=result.exit_code == 0)
            self._finished(seq, result)

    def _finished(self, seq: int, result: Result) -> None:
        with self._cond:
            try:
                if not self.ordered:
                    self._out(result)
                else:
                    self._results[seq] = result
                    while self._next_out in self._results:
                        self._out(self._results.pop(self._next_out))
                        self._next_out += 1
            except BaseException as exc:  # noqa: BLE001 - stdout gone: the main thread reports it
                self.failure = self.failure or exc
                self.limiter.stop()
            self._cond.notify_all()

    def _out(self, result: Result) -> None:
        if self.failure is None:
            self._emit(result)
        self.emitted += 1

    def _check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def in_flight(self) -> int:
        with self._cond:
            return self._next_seq - self.emitted

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every submitted item was emitted (True), or `timeout` real seconds."""
        import time

        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self.emitted < self._next_seq:
                if self.failure is not None:
                    break
                left = TICK if end is None else min(TICK, end - time.monotonic())
                if left <= 0:
                    return False
                self._cond.wait(left)
                self._cond.release()
                try:
                    self.tick()
                finally:
                    self._cond.acquire()
        self._check()
        return True

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)


Job = tuple[int, Work] | None  # None: the worker ends


class Seat:
    """Where an idle worker waits for its next job."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.job: Job = None


class Handoff:
    """A job queue that wakes the worker idle for the shortest time (LIFO): when the batch
    runs below -j (after a 429), the same few workers, and their open connections, do the
    work; the others' idle keep-alive connections are left to time out instead of being
    kept alive round-robin (a server or proxy counting connections then refuses new ones)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: deque[Job] = deque()
        self._idle: list[Seat] = []

    def put(self, job: Job) -> None:
        with self._lock:
            if not self._idle:
                self._jobs.append(job)
                return
            seat = self._idle.pop()
        seat.job = job
        seat.ready.set()

    def get(self, seat: Seat) -> Job:
        with self._lock:
            if self._jobs:
                return self._jobs.popleft()
            seat.ready.clear()
            self._idle.append(seat)
        seat.ready.wait()
        return seat.job
