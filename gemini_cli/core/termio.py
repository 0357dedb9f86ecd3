"""One I/O object per run: the three streams, whether each is a TTY, and colour."""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn, TextIO


@dataclass
class IO:
    """The run's streams and whether each is a terminal (tests swap them)."""

    stdin: TextIO | None  # None when fd 0 is closed
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
            # A closed fd 1 or 2 (`gem ... >&-`) leaves None in sys: writing raises OutputError
            # (stdout) or is dropped (stderr) instead of an AttributeError.
            stdout=sys.stdout if sys.stdout is not None else ClosedStream(),
            stderr=sys.stderr if sys.stderr is not None else ClosedStream(quiet=True),
            stdin_isatty=o.get("stdin_isatty", _isatty(sys.stdin)),
            stdout_isatty=o.get("stdout_isatty", _isatty(sys.stdout)),
            stderr_isatty=stderr_tty,
            color=o.get("color", stderr_tty and not os.environ.get("NO_COLOR")),
        )

    @property
    def stdout_closed(self) -> bool:
        return isinstance(self.stdout, ClosedStream)

    def out(self, text: str, end: str = "", flush: bool = True) -> None:
        """Write data to stdout and flush at once: pipelines see it live. `flush=False` for
        a stream's pieces: the reader flushes once per network read (`flush_out`)."""
        text = text + end if end else text
        try:  # not `with _output_errors()`: this runs once per streamed delta
            try:
                self.stdout.write(text)
            except UnicodeEncodeError:  # a lone surrogate from the server, or a non-UTF-8 locale
                self.stdout.write(encodable(text, self.stdout))
            if flush:
                self.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            _output_failed(exc)

    def flush_out(self) -> None:
        with _output_errors():
            self.stdout.flush()

    def out_bytes(self, data: bytes) -> None:
        with _output_errors():
            buffer = getattr(self.stdout, "buffer", None)
            if buffer is None:
                self.stdout.write(data.decode("utf-8", "replace"))
            else:
                self.stdout.flush()
                buffer.write(data)
                buffer.flush()
            self.stdout.flush()

    def err(self, text: str) -> None:
        """One message line on stderr; control characters in it (a server's id or message, a
        prompt) are escaped, only newlines and tabs pass."""
        text = escape_controls(text, keep="\n\t")
        try:
            try:
                self.stderr.write(text + "\n")
            except UnicodeEncodeError:
                self.stderr.write(encodable(text + "\n", self.stderr))
            self.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass


def encodable(text: str, stream: Any) -> str:
    """`text` with what the stream's encoding cannot hold (a lone surrogate...) as `?`."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return text.encode(encoding, "replace").decode(encoding, "replace")


class ClosedStream(io.StringIO):
    """Stands in for a closed stdout/stderr: writes fail with EBADF (or vanish, `quiet`).
    A StringIO only to be a TextIO for the type checker: it never holds text."""

    def __init__(self, quiet: bool = False) -> None:
        super().__init__()
        self.quiet = quiet

    def write(self, text: str) -> int:
        if self.quiet:
            return len(text)
        raise OSError(errno.EBADF, "stdout is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "stdout is closed")


@contextmanager
def _output_errors() -> Iterator[None]:
    """A failed write to stdout (disk full, closed) is exit 2 with one line, not a traceback.
    A broken pipe passes through: the error boundary ends that quietly (the reader left)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        _output_failed(exc)


def _output_failed(exc: OSError) -> NoReturn:
    from gemini_cli.core.errors import OutputError

    silence_stdout()  # the interpreter's final flush must not fail again
    raise OutputError(f"cannot write output: {exc.strerror or exc}") from None


_CONTROLS = dict.fromkeys([*range(0x20), 0x7F, *range(0x80, 0xA0)])


def escape_controls(text: str, keep: str = "") -> str:
    """Control characters (ESC, NUL, CR, ...) but those in `keep` as `\\xNN`, so text from a
    server or a prompt cannot move the cursor, recolour or clear the terminal it reaches."""
    if not any(ord(ch) in _CONTROLS and ch not in keep for ch in text):
        return text
    return "".join(
        f"\\x{ord(ch):02x}" if ord(ch) in _CONTROLS and ch not in keep else ch for ch in text
    )


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
