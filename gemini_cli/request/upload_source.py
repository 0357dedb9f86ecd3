"""Local files and stdin as upload sources: sized, re-readable, read within the deadline."""

from __future__ import annotations

import os
import re
import select
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from gemini_cli.core.errors import UsageError
from gemini_cli.request import mime
from gemini_cli.request.localread import Stdin

SPOOL_READ = 1 << 20
_MIME_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*(?:\s*;[ -~]*)?$")


@dataclass
class LocalSource:
    """What an upload reads: `size` bytes of `handle` from `base`, with their MIME type."""

    label: str  # the path as given, or "stdin"
    display_name: str | None  # the file's base name (None for stdin)
    size: int
    mime_type: str
    handle: IO[bytes]
    base: int = 0

    def read_at(self, offset: int, size: int) -> bytes:
        self.handle.seek(self.base + offset)
        return self.handle.read(min(size, self.size - offset))

    def close(self) -> None:
        self.handle.close()


def human_size(size: int) -> str:
    """`812 bytes`, `1.5 MiB`, `2.0 GiB`."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


def open_source(
    spec: str,
    *,
    stdin: Stdin,
    stdin_is_tty: bool,
    mime_type: str | None,
    limit: int,
    timeout: float | None,
    monotonic: Callable[[], float] = time.monotonic,
) -> LocalSource:
    """`spec` (a path, or `-` for stdin) ready to upload. A regular file is read where it is;
    a pipe, FIFO or stdin is first copied to a temporary file within `timeout` (--timeout),
    as `-a` reads them. More than `limit` bytes is exit 2, before anything is sent."""
    if mime_type and not _MIME_TYPE.match(mime_type):  # it goes into a header as given
        raise UsageError(f"--mime-type {mime_type!r}: not a MIME type (like text/plain)")
    if spec == "-":
        if stdin is None or stdin_is_tty:
            state = "closed" if stdin is None else "a terminal"
            raise UsageError(f"PATH '-' reads stdin, but stdin is {state}")
        stream, base, size = _open_stream(stdin, "stdin", limit, timeout, monotonic)
        return _source("stdin", None, stream, base, size, mime_type)
    path = Path(spec)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{spec}: is a directory")
        if stat.S_ISREG(info.st_mode):
            check_size(spec, info.st_size, limit)
            handle: IO[bytes] = path.open("rb")
            base, size = 0, info.st_size
        else:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            try:
                handle = _spool(fd, spec, limit, timeout, monotonic)
                size = handle.seek(0, os.SEEK_END)
            finally:
                os.close(fd)
            base = 0
    except FileNotFoundError:
        raise UsageError(f"{spec}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{spec}: {exc.strerror or exc}") from None
    return _source(spec, path.name, handle, base, size, mime_type)


def _source(
    label: str, name: str | None, handle: IO[bytes], base: int, size: int, given: str | None
) -> LocalSource:
    if size == 0:  # as for -a: an empty input is a mistake, not something to keep 48 hours
        handle.close()
        raise UsageError(f"{label}: is empty")
    source = LocalSource(label, name, size, "", handle, base)
    head = source.read_at(0, 4096)
    source.mime_type = given or detect_mime(name, head)
    return source


def detect_mime(name: str | None, head: bytes) -> str:
    """From the name, else the first bytes; text is text/plain, anything else octet-stream."""
    guessed = (mime.from_name(name) if name else None) or mime.sniff(head)
    if guessed:
        return guessed
    return "text/plain" if mime.decode_text(head) is not None else "application/octet-stream"


def check_size(label: str, size: int, limit: int, *, cut: bool = False) -> None:
    """Exit 2 when `size` bytes are over the API's `limit`; `cut`: a stream read no further."""
    if size <= limit:
        return
    shown, most = human_size(size), human_size(limit)
    if cut:
        raise UsageError(f"{label}: more than the {most} the API takes")
    if shown == most:  # 2147483649 bytes is not "2.0 GiB, more than 2.0 GiB"
        shown, most = f"{size} bytes", f"{limit} bytes"
    raise UsageError(f"{label}: {shown} is more than the API takes ({most} at most)")


def _open_stream(
    stdin: Stdin, label: str, limit: int, timeout: float | None, monotonic: Callable[[], float]
) -> tuple[IO[bytes], int, int]:
    """stdin as (handle, base, size): a regular file is used in place, else copied."""
    source: Any = getattr(stdin, "buffer", stdin)  # a text stream's bytes, or a binary stream
    try:
        fd = source.fileno()
        info = os.fstat(fd)
    except (AttributeError, OSError, ValueError):
        fd, info = -1, None
    if info is not None and stat.S_ISREG(info.st_mode):
        base = os.lseek(fd, 0, os.SEEK_CUR)
        check_size(label, info.st_size - base, limit)
        return os.fdopen(os.dup(fd), "rb"), base, info.st_size - base
    if fd >= 0:
        spool = _spool(fd, label, limit, timeout, monotonic)
    else:  # a file-like object with no descriptor (tests, embedding)
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - returned to the caller, who closes it
        data = source.read(limit + 1)
        spool.write(data.encode() if isinstance(data, str) else data)
    size = spool.seek(0, os.SEEK_END)
    check_size(label, size, limit, cut=True)
    return spool, 0, size


def _spool(
    fd: int, label: str, limit: int, timeout: float | None, monotonic: Callable[[], float]
) -> IO[bytes]:
    """Copy a pipe to a temporary file; its end must come within `timeout` seconds."""
    end = None if timeout is None else monotonic() + timeout
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - returned to the caller, who closes it
    size = 0
    while True:
        left = None if end is None else end - monotonic()
        if left is not None and left <= 0:
            spool.close()
            raise _deadline_passed(label, float(timeout or 0), size)
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, SPOOL_READ)
        except BlockingIOError:
            continue
        if not chunk:
            return spool
        size += len(chunk)
        if size > limit:
            spool.close()
            check_size(label, size, limit, cut=True)
        spool.write(chunk)


def _deadline_passed(label: str, timeout: float, size: int) -> UsageError:
    shown = f"{round(timeout, 1):g}s"
    if size == 0:
        return UsageError(
            f"{label}: no data arrived within {shown} (a pipe that nobody writes to?)",
            hint="--timeout sets the wait",
        )
    return UsageError(
        f"{label}: the input did not end within {shown} (--timeout)",
        hint="close it when the input is complete, or raise --timeout",
    )
