"""SIGTERM (what `timeout`, CI cancellation and `kill` send) ends gem like Ctrl-C, exit 143."""

from __future__ import annotations

import signal
from contextlib import suppress

from gemini_cli.core.errors import EXIT_INTERRUPTED, EXIT_TERMINATED

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: `gem --version` runs this
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

# Per run: whether SIGTERM arrived (the exit code is then 143, not 130).
RECEIVED = [False]


class Terminated(KeyboardInterrupt):
    """SIGTERM as an exception in the main thread: it unwinds exactly like Ctrl-C (the resume
    hint, background work left running, temporary files removed), then exits 143."""


def _raise(signum: int, frame: FrameType | None) -> None:
    if RECEIVED[0]:
        return  # already unwinding: a second SIGTERM must not cut the orderly exit short
    RECEIVED[0] = True
    raise Terminated


def install() -> Any:
    """Make SIGTERM raise Terminated (main thread only); returns the previous handler."""
    RECEIVED[0] = False
    try:
        return signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not the main thread (an embedding program): leave SIGTERM alone
        return None


def restore(previous: Any) -> None:
    if previous is not None:
        with suppress(ValueError, TypeError):
            signal.signal(signal.SIGTERM, previous)


def interrupted_exit_code() -> int:
    """130 after Ctrl-C, 143 after SIGTERM."""
    return EXIT_TERMINATED if RECEIVED[0] else EXIT_INTERRUPTED
