"""Running a batch: read, filter (shard, journal), schedule, print; stop cleanly on a signal."""

from __future__ import annotations

import os
import shlex
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from typing import IO, TYPE_CHECKING, Any

from gemini_cli.batch import output
from gemini_cli.batch.items import BadLine, Item, read_items
from gemini_cli.batch.journal import DONE, FAILED, SUBMITTED, Journal
from gemini_cli.batch.limiter import Limiter
from gemini_cli.batch.options import BatchOptions
from gemini_cli.batch.output import Result
from gemini_cli.batch.progress import ProgressLine, Tally, summary_json, summary_text
from gemini_cli.batch.scheduler import Scheduler
from gemini_cli.batch.shard import Shard, parse_shard
from gemini_cli.batch.workers import Workers
from gemini_cli.core.errors import (
    EXIT_AUTH,
    EXIT_INTERRUPTED,
    EXIT_SOME_FAILED,
    EXIT_STILL_RUNNING,
    EXIT_TERMINATED,
    EXIT_USAGE,
    UsageError,
)

if TYPE_CHECKING:
    from gemini_cli.batch.requests import RequestBuilder
    from gemini_cli.cli.runtime import Runtime

GRACE = 10.0  # real seconds a stopping batch waits for the items in flight


class Batch:
    """One run of `gem batch` (run, submit or collect)."""

    def __init__(self, run: Runtime, opts: BatchOptions, journal: Journal | None,
                 builder: RequestBuilder | None, background: bool = False,
                 submit_only: bool = False) -> None:  # fmt: skip
        self.run, self.opts, self.journal = run, opts, journal
        self.submit_only = submit_only
        self.tally = Tally()
        self.limiter = Limiter(opts.jobs, run.clock, opts.rpm, opts.tpm)
        self.workers = Workers(run, self.limiter, journal, whole=run.format == "json",
                               builder=builder, background=background)  # fmt: skip
        self.stream: IO[bytes] | None = None
        self.progress = self._progress()
        self.scheduler = Scheduler(self.limiter, self._emit, ordered=not opts.unordered,
                                   window=max(64, opts.jobs * 16), tick=self.progress.tick
                                   if self.progress else lambda: None)  # fmt: skip
        self.signal: int | None = None
        self.fatal: Result | None = None
        self.bad_line: int | None = None
        self.reading = False  # the main thread waits for input (a signal may interrupt it)

    # -- the phases ------------------------------------------------------------------------

    def send_items(self, source: IO[bytes], shard: Shard | None) -> None:
        """Every item of the input this shard takes and the journal has not finished."""
        self.stream = source
        self._replay()
        for thing in self._read(source):
            if self.scheduler.stopping:
                return
            if isinstance(thing, BadLine):
                # reported by one shard only (the one its line number falls in), so the shards'
                # outputs still concatenate into one result set; --strict stops every shard
                if shard is None or shard.takes(thing.ident) or self.opts.strict:
                    self._bad(thing)
                continue
            if shard is not None and not shard.takes(thing.ident):
                continue
            work = self._work_for(thing)
            if work is not None and not self.scheduler.submit(work):
                return

    def _read(self, source: IO[bytes]) -> Iterator[Item | BadLine]:
        """The items; a signal while waiting for input (a pipe that is slow to write) ends
        the reading at once instead of after the next line."""
        items = read_items(source)
        while True:
            self.reading = True
            try:
                thing = next(items, None)
            except StopReading:
                return
            finally:
                self.reading = False
            if thing is None:
                return
            yield thing

    def _work_for(self, item: Item) -> Any:
        journal = self.journal
        entry = journal.lookup(item.ident) if journal is not None else None
        if entry is None or journal is None:
            return partial(self.workers.create, item)
        if entry.run == journal.run:
            self._bad(BadLine(item.line, f"duplicate key {item.ident!r} (keys must be unique)"))
        elif entry.state == SUBMITTED and self.submit_only:  # submitted before: nothing to do
            self.tally.skipped += 1
        elif entry.state == SUBMITTED:  # created in the background before: never again
            return partial(self.workers.collect, entry)
        elif entry.state == FAILED and self.opts.retry_failed:
            return partial(self.workers.create, item)
        elif entry.state in (DONE, FAILED):
            self.tally.skipped += 1
        return None

    def send_items_from_journal(self) -> None:
        """`collect`: what a killed run never printed, then every submitted item."""
        self._replay()
        self.collect_pending()

    def collect_pending(self) -> None:
        assert self.journal is not None
        for entry in self.journal.pending():
            if self.scheduler.stopping or not self.scheduler.submit(
                partial(self.workers.collect, entry)
            ):
                return

    def drain(self) -> bool:
        """Wait for the items in flight (briefly once stopping); False if some were left."""
        return self.scheduler.drain(GRACE if self.scheduler.stopping else None)

    def close(self) -> None:
        self.scheduler.close()
        self.workers.close()
        if self.progress is not None:
            self.progress.clear()

    # -- results ---------------------------------------------------------------------------

    def _emit(self, result: Result) -> None:
        self.tally.add(result)
        if result.state != "final":
            return
        if self.progress is not None:
            self.progress.clear()
        self.run.io.out(result.line, "\n")
        if result.journaled and self.journal is not None:
            self.journal.emitted(result.ident)
        if result.exit_code == EXIT_AUTH and self.fatal is None:
            self.fatal = result  # every other request would be refused the same way
            self.limiter.stop()

    def _replay(self) -> None:
        """Finished items a killed run never printed: printed now, from the journal."""
        if self.journal is None:
            return
        for entry in self.journal.unemitted():
            self.run.io.out(entry.output or "", "\n")
            self.journal.emitted(entry.key)
            self.tally.replayed += 1

    def _bad(self, bad: BadLine) -> None:
        self.run.warn(f"line {bad.line}: {bad.message}" + ("" if self.opts.strict else "; skipped"))
        self.scheduler.put_result(output.bad_line(bad.line, bad.message))
        if self.opts.strict and self.bad_line is None:
            self.bad_line = bad.line
            self.limiter.stop()

    # -- the end ---------------------------------------------------------------------------

    def exit_code(self, all_done: bool) -> int:
        t = self.tally
        if self.signal is not None:
            return EXIT_TERMINATED if self.signal == signal.SIGTERM else EXIT_INTERRUPTED
        if self.fatal is not None:
            return self.fatal.exit_code
        if self.bad_line is not None:
            return EXIT_USAGE
        if t.failed or t.invalid:
            return EXIT_SOME_FAILED
        if t.running or not all_done:
            return EXIT_STILL_RUNNING
        return 0

    def report(self, all_done: bool) -> None:
        run = self.run
        if run.quiet:
            return
        extra: dict[str, object] = {}
        if self.limiter.pressures:
            extra = {"rate_limited": self.limiter.pressures, "lowest_jobs": self.limiter.lowest}
        data = self.tally.summary(run.clock.monotonic() - run.started, extra)
        json_mode = run._format_for_errors() == "json" and not run.io.stderr_isatty
        run.io.err(summary_json(data) if json_mode else summary_text(data))
        if json_mode:
            return
        if self.fatal is not None:
            run.io.err("gem: error: batch stopped: the API refused the credentials (exit 4)")
        if self.bad_line is not None:
            run.io.err(f"gem: error: batch stopped at line {self.bad_line} (--strict)")
        if self.signal is not None or not all_done:
            self._resume_hint()
        elif self.tally.running and self.journal is not None:
            run.io.err(f"gem: {self.tally.running} still running; collect them later with: "
                       f"gem batch collect {shlex.quote(self.journal.path)}")  # fmt: skip

    def _resume_hint(self) -> None:
        if self.journal is None:
            self.run.io.err("gem: batch stopped; rerun with --journal PATH to make a batch "
                            "resumable")  # fmt: skip
            return
        command = shlex.join(["gem", *sys.argv[1:]])
        if not sys.argv[1:] or "batch" not in sys.argv[1:]:  # in-process (tests): a sketch
            command = f"gem batch ... --journal {shlex.quote(self.journal.path)}"
        same = " (with the same input on stdin)" if self.opts.source == "-" else ""
        self.run.io.err(f"gem: batch stopped; resume with: {command}{same}")

    def _progress(self) -> ProgressLine | None:
        run = self.run
        if run.quiet or not run.io.stderr_isatty:
            return None
        return ProgressLine(run.io.stderr, self.tally, run.clock.monotonic,
                            lambda: self.scheduler.in_flight(), self._fraction)  # fmt: skip

    def _fraction(self) -> float | None:
        try:
            if self.stream is None:
                return None
            size = os.fstat(self.stream.fileno()).st_size
            return self.stream.tell() / size if size else None
        except (OSError, ValueError, AttributeError):
            return None


class StopReading(Exception):
    """Raised by the signal handler into a read of the input that waits for more."""


@contextmanager
def stopping_on_signals(batch: Batch) -> Iterator[None]:
    """SIGINT/SIGTERM: stop taking items, let those in flight finish; a second one stops now."""

    def handler(signum: int, frame: object) -> None:
        if batch.signal is not None:
            raise KeyboardInterrupt
        batch.signal = signum
        batch.limiter.stop()
        if batch.reading:
            raise StopReading

    previous: dict[int, Any] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        with suppress(ValueError):  # not the main thread: leave the signals alone
            previous[number] = signal.signal(number, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            with suppress(ValueError, TypeError):
                signal.signal(signum, old)


def open_source(run: Runtime, source: str) -> IO[bytes]:
    if source == "-":
        stdin = run.io.stdin
        if stdin is None or run.io.stdin_isatty:
            raise UsageError("no input: give a JSON Lines FILE, or pipe it in ('-' reads stdin)",
                             hint="e.g. gem batch prompts.jsonl")  # fmt: skip
        # a text stdin reads bytes through .buffer; a binary one (tests) is read as it is
        buffer: IO[bytes] = getattr(stdin, "buffer", None) or stdin  # type: ignore[assignment]
        return buffer
    try:
        return open(source, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise UsageError(f"{source}: {exc.strerror or exc}") from exc


def parse_options(opts: BatchOptions) -> Shard | None:
    if opts.retry_failed and opts.journal is None:
        raise UsageError("--retry-failed needs --journal PATH: the journal says what failed",
                         hint="e.g. gem batch prompts.jsonl --journal run.db --retry-failed")  # fmt: skip
    if not 1 <= opts.jobs <= 256:
        raise UsageError(f"--jobs {opts.jobs}: give a number from 1 to 256")
    for flag, value in (("--rpm", opts.rpm), ("--tpm", opts.tpm)):
        if value is not None and not value > 0:
            raise UsageError(f"{flag} {value:g}: give a number above 0")
    return parse_shard(opts.shard, os.environ)
