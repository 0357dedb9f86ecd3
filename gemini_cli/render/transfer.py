"""Upload and indexing progress on stderr: a live bar on a terminal, nothing on a pipe."""

from __future__ import annotations

from typing import Any

from gemini_cli.core.termio import IO, escape_controls


class TransferDisplay:
    """A transient bar (bytes sent, then what is being waited for); use as a context manager.
    Off unless `enabled` (stderr a terminal, not --quiet): logs and pipes get no bar."""

    def __init__(self, io: IO, label: str, total: int | None, *, enabled: bool) -> None:
        self.io = io
        self.label = escape_controls(label)
        self.total = total
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> TransferDisplay:
        if self.enabled:
            self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def sent(self, done: int, total: int) -> None:
        """Bytes the server has so far."""
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)

    def note(self, text: str) -> None:
        """What is happening now (e.g. `files/abc is still PROCESSING`)."""
        if self._progress is not None:
            self._progress.update(self._task, description=f"{self.label}: {escape_controls(text)}")

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(
            file=self.io.stderr, force_terminal=True, no_color=not self.io.color, highlight=False
        )
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(binary_units=True),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(self.label, total=self.total)
