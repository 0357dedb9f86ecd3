"""Commands gem starts (tool commands, api_key_command): each in its own process group, and
none left running when gem ends, whether by Ctrl-C, SIGTERM or SIGHUP."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

# Each command runs in a process group of its own (POSIX), so a timeout or a signal ends the
# command *and* what it started; elsewhere only the command itself can be killed.
NEW_GROUP: dict[str, Any] = {"start_new_session": True} if os.name == "posix" else {}
# The signals that end gem by default and do not reach a child in a group of its own (SIGINT
# is Python's KeyboardInterrupt: `tracked` kills on it; SIGKILL cannot be caught).
ENDING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name)
)

_RUNNING: set[subprocess.Popen[bytes]] = set()
_LOCK = threading.Lock()


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the command's whole process group (just the command where groups are not
    available); never raises."""
    try:
        if NEW_GROUP:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            proc.kill()


def kill_running(wait: float = 0.0) -> None:
    """Kill every command still running (they do not share gem's process group, so neither
    the terminal's SIGINT nor a signal to gem reaches them); `wait`: seconds to give each to
    be gone (when gem itself is about to end)."""
    with _LOCK:
        running = list(_RUNNING)
    for proc in running:
        kill_group(proc)
    for proc in running if wait else ():
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            proc.wait(timeout=wait)


@contextlib.contextmanager
def tracked(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Count `proc` among the running commands while the block runs; kill its group if the
    block ends with an exception (Ctrl-C, an error, a signal turned into an exception)."""
    with _LOCK:
        _RUNNING.add(proc)
    try:
        yield proc
    except BaseException:
        kill_group(proc)
        raise
    finally:
        with _LOCK:
            _RUNNING.discard(proc)


@contextlib.contextmanager
def killed_on_signals() -> Iterator[None]:
    """While the block runs, SIGTERM, SIGHUP and SIGQUIT first kill the running commands, then
    do what they did before (gem's own handler, or end gem as by default). Main thread only:
    signal handlers cannot be installed elsewhere, and a no-op there."""
    if threading.current_thread() is not threading.main_thread() or not ENDING_SIGNALS:
        yield
        return
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        kill_running(wait=1.0)
        before = previous.get(signum, signal.SIG_DFL)
        if callable(before):
            before(signum, frame)
        elif before != signal.SIG_IGN:
            signal.signal(signum, signal.SIG_DFL)  # end gem as the signal would have
            os.kill(os.getpid(), signum)

    for signum in ENDING_SIGNALS:
        if signal.getsignal(signum) == signal.SIG_IGN:
            continue  # ignored on purpose (`nohup` ignores SIGHUP): the commands must live on
        previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, before in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, before if before is not None else signal.SIG_DFL)
