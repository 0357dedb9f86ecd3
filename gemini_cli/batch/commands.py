"""The three batch commands end to end: run (FILE), submit (FILE) and collect (JOURNAL)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from gemini_cli.batch.journal import Journal
from gemini_cli.batch.options import BatchOptions
from gemini_cli.batch.runner import (
    Batch,
    open_source,
    parse_options,
    stopping_on_signals,
)
from gemini_cli.core.errors import UsageError

if TYPE_CHECKING:
    from gemini_cli.cli.runtime import Runtime
    from gemini_cli.cli.tool_options import ToolOptions
    from gemini_cli.request.body import RequestOptions


def run_batch(run: Runtime, opts: BatchOptions, request: RequestOptions, tools: ToolOptions,
              *, submit_only: bool = False) -> None:  # fmt: skip
    """`gem batch run` (and `submit`: create in the background, keep the ids, stop there)."""
    from gemini_cli.batch.requests import RequestBuilder

    shard = parse_options(opts)
    if submit_only and opts.journal is None:
        raise UsageError("gem batch submit needs --journal PATH: it keeps the ids to collect",
                         hint="e.g. gem batch submit prompts.jsonl --journal run.db")  # fmt: skip
    background = submit_only or request.background
    builder = RequestBuilder(run, dataclasses.replace(request, background=False), tools)
    source = open_source(run, opts.source)
    journal = _journal(opts.journal, temporary=background)
    try:
        batch = Batch(run, opts, journal, builder, background, submit_only)
        phases: list[Callable[[], None]] = [partial(batch.send_items, source, shard)]
        if background and not submit_only:
            phases.append(batch.collect_pending)
        _drive(run, batch, phases)
    finally:
        if opts.source != "-":
            source.close()
        if journal is not None:
            journal.close()


def collect_batch(run: Runtime, journal_path: Path, opts: BatchOptions) -> None:
    """`gem batch collect JOURNAL`: wait for every submitted item and print its line."""
    parse_options(dataclasses.replace(opts, retry_failed=False))
    if not journal_path.is_file():
        raise UsageError(f"{journal_path}: no such journal",
                         hint="create one with gem batch submit FILE --journal PATH")  # fmt: skip
    journal = Journal(journal_path)
    try:
        batch = Batch(run, dataclasses.replace(opts, journal=journal_path), journal, None)
        _drive(run, batch, [batch.send_items_from_journal])
    finally:
        journal.close()


def _drive(run: Runtime, batch: Batch, phases: list[Callable[[], None]]) -> None:
    """Run the phases (each waits for its items), stop early on a signal; report, exit code."""
    done = True
    with stopping_on_signals(batch):
        for phase in phases:
            if not done or batch.scheduler.stopping:
                break
            phase()
            done = batch.drain()
        batch.close()
    batch.report(done)
    run.exit_code = batch.exit_code(done)
    if batch.signal is not None:  # the report said it (and how to resume): no second line
        from gemini_cli.cli.boundary import INTERRUPT_REPORTED

        INTERRUPT_REPORTED[0] = True


def _journal(path: Path | None, temporary: bool) -> Journal | None:
    if path is not None:
        return Journal(path)
    # --background without --journal: the ids still need a place (gone when the run ends)
    return Journal(":memory:") if temporary else None
