"""Reading local input without hanging: stdin, pipes, FIFOs and files, each read within the
command's --timeout and all of them together within a size budget."""

from __future__ import annotations

import os
import select
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeAlias

from gemini_cli.core.errors import UsageError

# What gem is given as stdin: the process's text stream (read through its `.buffer`), a
# binary one, or None when fd 0 is closed.
Stdin: TypeAlias = IO[str] | IO[bytes] | None

# Every local input (stdin, each --attach/--body/--tool/--schema/--system-file/--result file,
# and all of them together) is capped: the API's inline limit is far lower anyway, and a
# /dev/zero or an endless pipe must end in a usage error, not a MemoryError.
MAX_INPUT_MIB = 100
MAX_INPUT_BYTES = MAX_INPUT_MIB << 20


@dataclass
class _Reading:
    """The deadline (--timeout) and byte budget shared by all reads of one command."""

    end: float | None
    monotonic: Callable[[], float]
    used: int = 0

    def remaining(self) -> float | None:
        return None if self.end is None else max(self.end - self.monotonic(), 0.0)


_READING: ContextVar[_Reading | None] = ContextVar("gem_reading", default=None)


@contextmanager
def reading(
    timeout: float | None, monotonic: Callable[[], float] = time.monotonic
) -> Iterator[None]:
    """Within this block, every local input read (stdin, pipes, FIFOs, files) ends within
    `timeout` seconds and all of them together hold at most MAX_INPUT_BYTES. Nested blocks
    share the outer one."""
    if _READING.get() is not None:
        yield
        return
    end = None if timeout is None else monotonic() + max(timeout, 0.0)
    token = _READING.set(_Reading(end, monotonic))
    try:
        yield
    finally:
        _READING.reset(token)


def _read_timeout(timeout: float | None) -> float | None:
    if timeout is not None:
        return timeout
    current = _READING.get()
    return current.remaining() if current is not None else None


def _monotonic(default: Callable[[], float]) -> Callable[[], float]:
    current = _READING.get()
    return current.monotonic if current is not None else default


def _too_large(name: str) -> UsageError:
    return UsageError(
        f"{name} is larger than {MAX_INPUT_MIB} MiB",
        hint=f"upload it with `gem files upload {'-' if name == 'stdin' else name}` and pass the "
        "uri it prints with -a (a file given with -a is uploaded by itself when it is too big)",
    )


def _count(size: int) -> None:
    current = _READING.get()
    if current is None:
        return
    current.used += size
    if current.used > MAX_INPUT_BYTES:
        raise UsageError(
            f"the local inputs are larger than {MAX_INPUT_MIB} MiB in total",
            hint="give big files with -a (they are uploaded by themselves), or upload them "
            "with `gem files upload` and pass the uris it prints with -a",
        )


def read_stdin(
    stdin: Stdin,
    is_tty: bool,
    timeout: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    wait: Callable[..., Any] = select.select,
) -> bytes | None:
    """All of stdin when it is a pipe or file; None for a TTY or a closed stdin.

    A pipe, FIFO or socket is read within `timeout` seconds (the --timeout setting; by
    default what is left of the current `reading` block), so an inherited stdin that stays
    open and silent (ssh, cron, CI) cannot hold gem for ever: exit 2 when it passes. Regular
    files and /dev/null are read directly. More than MAX_INPUT_BYTES is exit 2."""
    if stdin is None or is_tty:
        return None
    timeout = _read_timeout(timeout)
    monotonic = _monotonic(monotonic)
    source = getattr(stdin, "buffer", stdin)
    fd = _waitable_fd(source)
    try:
        if fd is None:
            data = source.read(MAX_INPUT_BYTES + 1)
        else:
            data = _read_with_deadline(fd, timeout, monotonic, wait)
    except (OSError, ValueError):
        return None
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if len(data) > MAX_INPUT_BYTES:
        raise _too_large("stdin")
    _count(len(data))
    return data or None


def read_stdin_line(
    stdin: Stdin,
    timeout: float | None,
    what: str,
    monotonic: Callable[[], float] = time.monotonic,
    wait: Callable[..., Any] = select.select,
    limit: int = 1 << 16,
) -> str | None:
    """The first non-empty line of stdin, stripped (None when there is none), read within
    `timeout` seconds like read_stdin; it must be UTF-8 and at most `limit` bytes long.
    Reading stops at that line (a writer may keep stdin open after it)."""
    if stdin is None:
        raise UsageError(f"{what} reads stdin, but stdin is closed")
    timeout = _read_timeout(timeout)
    monotonic = _monotonic(monotonic)
    source = getattr(stdin, "buffer", stdin)
    fd = _waitable_fd(source)
    if fd is not None:
        data = _read_with_deadline(fd, timeout, monotonic, wait, line=True, limit=limit)
        lines: list[bytes | str] = list(data.splitlines())
    else:
        lines = _first_line(source, what, limit)
    for raw in lines:
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > limit:
            raise UsageError(f"{what}: the line on stdin is longer than {limit} bytes")
        if raw.strip():
            try:
                return raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise UsageError(f"{what}: stdin is not valid UTF-8 text") from None
    return None


def _first_line(source: Any, what: str, limit: int) -> list[bytes | str]:
    """A plain file object (no fd to wait on): its first non-blank line, as a list of one."""
    while True:
        try:
            raw = source.readline(limit + 1)
        except (OSError, ValueError):
            raise UsageError(f"{what} reads stdin, but stdin is closed") from None
        if not raw or len(raw) > limit or raw.strip():
            return [raw] if raw else []


def _waitable_fd(source: Any) -> int | None:
    """The file descriptor of a pipe, FIFO or socket (what may stay open with no data)."""
    if os.name == "nt":
        return None
    try:
        fd = source.fileno()
        mode = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):
        return None
    return fd if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else None


def _read_with_deadline(
    fd: int,
    timeout: float | None,
    monotonic: Callable[[], float],
    wait: Callable[..., Any],
    name: str = "stdin",
    *,
    line: bool = False,
    limit: int | None = None,
) -> bytes:
    """Read `fd` to its end (or, with `line`, to its first non-empty line) within `timeout`
    seconds (None: no deadline); more than `limit` bytes is exit 2."""
    end = None if timeout is None else monotonic() + timeout
    limit = MAX_INPUT_BYTES if limit is None else limit
    chunks: list[bytes] = []
    size = 0
    while True:
        left = None if end is None else end - monotonic()
        if left is not None and left <= 0:
            raise _deadline_passed(name, float(timeout or 0), bool(chunks))
        ready, _, _ = wait([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 16 if not line else 4096)
        except BlockingIOError:
            continue
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if line and b"\n" in chunk:
            data = b"".join(chunks)
            if any(part.strip() for part in data.split(b"\n")[:-1]):  # a complete line
                return data
        if size > limit:
            if line:
                return b"".join(chunks)  # the caller says the line is too long
            raise _too_large(name)


def _deadline_passed(name: str, timeout: float, some: bool) -> UsageError:
    shown = f"{round(timeout, 1):g}s"
    if name == "stdin":
        if not some:
            return UsageError(
                f"stdin stayed open without data for {shown}",
                hint="use --no-stdin, or '< /dev/null' (--timeout sets the wait)",
            )
        return UsageError(
            f"stdin did not end within {shown} (--timeout)",
            hint="close stdin when the input is complete, or raise --timeout",
        )
    if not some:
        return UsageError(
            f"{name}: no data arrived within {shown} (a pipe or FIFO that nobody writes to?)",
            hint="--timeout sets the wait",
        )
    return UsageError(
        f"{name}: the pipe did not end within {shown} (--timeout)",
        hint="close it when the input is complete, or raise --timeout",
    )


def read_attachment(
    path: Path,
    timeout: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    wait: Callable[..., Any] = select.select,
) -> bytes:
    """A local file's bytes, at most MAX_INPUT_BYTES. A pipe, FIFO or device (`<(cmd)`,
    mkfifo) is opened without blocking and read within `timeout` (by default what is left of
    the current `reading` block), like stdin."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "Is a directory")
        if stat.S_ISREG(info.st_mode) or os.name == "nt":
            if info.st_size > MAX_INPUT_BYTES:
                raise _too_large(str(path))
            with path.open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        else:
            fd = os.open(
                path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
            )
            try:
                data = _read_with_deadline(
                    fd, _read_timeout(timeout), _monotonic(monotonic), wait, str(path)
                )
            finally:
                os.close(fd)
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UsageError(f"{path}: is a directory") from exc
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_INPUT_BYTES:
        raise _too_large(str(path))
    _count(len(data))
    return data
