"""Feeding a command its stdin and reading what it prints, with a size cap and a time limit."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from dataclasses import dataclass, field
from typing import IO

from gemini_cli.core.children import kill_group
from gemini_cli.core.limits import TOOL_OUTPUT_BYTES, TOOL_STDERR_BYTES, limit

READ_SIZE = 64 * 1024
# After a kill: how long the pipes may stay open (a grandchild that left the group holds them).
REAP_SECONDS = 5.0


@dataclass
class Capped:
    """The first `cap` bytes of a stream; everything after is counted and dropped."""

    cap: int
    kept: bytearray = field(default_factory=bytearray)
    total: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > self.cap

    def text(self) -> str:
        text = bytes(self.kept).decode("utf-8", "replace")
        # the cut can split the last UTF-8 character: drop what is left of it
        return text.rstrip("\ufffd") if self.truncated else text

    def drain(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):
            # IO[bytes] declares no read1 in typeshed; Popen pipes are BufferedReaders, which do
            while chunk := stream.read1(READ_SIZE):  # type: ignore[attr-defined]
                room = self.cap - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
                self.total += len(chunk)


@dataclass
class Captured:
    """A tool command's stdout and stderr, each capped."""

    stdout: Capped
    stderr: Capped


def collect(proc: subprocess.Popen[bytes], data: bytes, timeout: float) -> Captured | None:
    """Write `data` to the command, read its output (capped) until it exits; None when it
    outlived `timeout` (its process group is then killed)."""
    got = Captured(Capped(limit(TOOL_OUTPUT_BYTES)), Capped(TOOL_STDERR_BYTES))
    threads = [
        threading.Thread(target=_feed, args=(proc.stdin, data), daemon=True),
        threading.Thread(target=got.stdout.drain, args=(proc.stdout,), daemon=True),
        threading.Thread(target=got.stderr.drain, args=(proc.stderr,), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        _reap(proc, threads)
        return None
    for thread in threads:  # the pipes close when the last process holding them ends
        thread.join(REAP_SECONDS)
    _close(proc, threads)
    return got


def _feed(stream: IO[bytes] | None, data: bytes) -> None:
    if stream is None:
        return
    with contextlib.suppress(OSError, ValueError):  # the command need not read its stdin
        stream.write(data)
    with contextlib.suppress(OSError, ValueError):
        stream.close()


def _reap(proc: subprocess.Popen[bytes], threads: list[threading.Thread]) -> None:
    """Collect a killed command; pipes a surviving grandchild holds cannot keep gem waiting."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=REAP_SECONDS)
    for thread in threads:
        thread.join(0.5)
    _close(proc, threads)


def _close(proc: subprocess.Popen[bytes], threads: list[threading.Thread]) -> None:
    """Close the pipes no thread is still blocked on (closing one under a blocked read would
    wait for that read); those are left to the end of gem."""
    for stream, thread in zip((proc.stdin, proc.stdout, proc.stderr), threads, strict=True):
        if stream is not None and not thread.is_alive():
            with contextlib.suppress(OSError, ValueError):
                stream.close()
