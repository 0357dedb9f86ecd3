"""Progress of a wait on stderr: a live line on a TTY, one plain line per change elsewhere."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from gemini_cli.core.termio import escape_controls

if TYPE_CHECKING:
    from gemini_cli.core.termio import IO


def format_elapsed(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class WaitDisplay:
    """Shows `Progress` updates (gemini_cli.api.waiting); use as a context manager.

    Never writes to stdout. On a TTY stderr: a transient rich line (spinner, status, elapsed time
    ticking, latest thought summary). Otherwise one line per status change, so logs stay short.
    Silent with --quiet.
    """

    def __init__(self, io: IO, *, quiet: bool = False, label: str = "") -> None:
        self.io = io
        self.quiet = quiet
        self.label = label
        self.live_mode = io.stderr_isatty and not quiet
        self._live: Any = None
        self._line: _LiveLine | None = None
        self._status = ""

    def __enter__(self) -> WaitDisplay:
        if self.live_mode:
            self._start_live()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def update(self, progress: Any) -> None:
        if self.quiet:
            return
        if self._line is not None:
            self._line.progress = progress
            return
        if progress.note:
            self.io.err(f"gem: {progress.note}")
        if progress.status and progress.status != self._status:
            self._status = progress.status
            self.io.err(
                f"gem: {progress.interaction_id}: {progress.status} "
                f"({format_elapsed(progress.elapsed)})"
            )

    def _start_live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        console = Console(  # NO_COLOR: no styles at all (no_color alone still dims and bolds)
            file=self.io.stderr,
            force_terminal=True,
            color_system="auto" if self.io.color else None,
            no_color=not self.io.color,
            highlight=False,
        )
        self._line = _LiveLine(self.label)
        self._live = Live(
            self._line,
            console=console,
            transient=True,
            refresh_per_second=4,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()


class _LiveLine:
    """The renderable: recomputed at every refresh so the elapsed time ticks between updates."""

    def __init__(self, label: str) -> None:
        from rich.spinner import Spinner

        self.label = label
        self.progress: Any = None
        self.started = time.monotonic()
        self._spinner = Spinner("dots")

    def __rich__(self) -> Any:
        self._spinner.update(text=self._text())
        return self._spinner

    def _text(self) -> Any:
        from rich.text import Text

        progress = self.progress
        # server text (status, thought summary): no raw ESC/OSC/BEL on the terminal
        status = escape_controls((progress.status if progress else "") or "waiting")
        text = Text()
        if self.label:
            text.append(f"{self.label} ", style="bold")
        text.append(status, style="cyan")
        text.append(f" · {format_elapsed(time.monotonic() - self.started)}", style="dim")
        detail = (progress.note or progress.thought) if progress else None
        detail = detail and escape_controls(detail)
        if detail:
            text.append(f" · {detail}", style="yellow" if progress.note else "italic")
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text
