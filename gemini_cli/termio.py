"""One I/O object per run: the three streams, whether each is a TTY, and colour."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, TextIO


@dataclass
class IO:
    stdin: Any
    stdout: TextIO
    stderr: TextIO
    stdin_isatty: bool
    stdout_isatty: bool
    stderr_isatty: bool
    color: bool

    @classmethod
    def from_sys(cls, overrides: dict[str, Any] | None = None) -> IO:
        """Built from sys.* at call time (tests swap them); `overrides` flips TTY flags."""
        o = overrides or {}
        stderr_tty = o.get("stderr_isatty", _isatty(sys.stderr))
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_isatty=o.get("stdin_isatty", _isatty(sys.stdin)),
            stdout_isatty=o.get("stdout_isatty", _isatty(sys.stdout)),
            stderr_isatty=stderr_tty,
            color=o.get("color", stderr_tty and not os.environ.get("NO_COLOR")),
        )

    def out(self, text: str, end: str = "") -> None:
        """Write data to stdout and flush at once: pipelines see it live."""
        self.stdout.write(text + end)
        self.stdout.flush()

    def out_bytes(self, data: bytes) -> None:
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None:
            self.stdout.write(data.decode("utf-8", "replace"))
        else:
            self.stdout.flush()
            buffer.write(data)
            buffer.flush()
        self.stdout.flush()

    def err(self, text: str) -> None:
        try:
            self.stderr.write(text + "\n")
            self.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def silence_stdout() -> None:
    """After a broken pipe: point fd 1 at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
