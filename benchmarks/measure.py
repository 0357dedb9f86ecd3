"""Shared by the benchmarks: run a child and read its wall time, CPU time and peak RSS; the server."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Sample:
    """One finished child: seconds of wall and CPU (user + system), peak RSS in KiB, status."""

    wall: float
    cpu: float
    rss_kib: int
    status: int | None  # None: killed at the time limit


def run_child(argv: Sequence[str], env: dict[str, str], limit: float = 300.0) -> Sample:
    """Run argv with stdin from /dev/null and stdout/stderr to /dev/null; the resource usage
    of that one child (os.wait4), so nothing else running on the machine is counted."""
    start = time.perf_counter()
    child = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=env.get("HOME"),
    )
    status: int | None = None
    deadline = start + limit
    while True:
        pid, wait_status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            status = os.waitstatus_to_exitcode(wait_status)
            break
        if time.perf_counter() > deadline:
            child.kill()
            _, _, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.002)
    child.returncode = status if status is not None else -9  # reaped here, not by Popen
    wall = time.perf_counter() - start
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, status)


def median_of(samples: Sequence[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        int(statistics.median(s.rss_kib for s in samples)),
        samples[-1].status,
    )


@contextmanager
def bench_server() -> Iterator[int]:
    """benchmarks/bench_server.py in its own process (its CPU is not gem's); yields its port."""
    server = subprocess.Popen(
        [sys.executable, str(HERE / "bench_server.py")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().strip())
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def environment(home: str, bytecode: bool = True) -> dict[str, str]:
    """A throw-away HOME; with `bytecode`, .pyc files cached under it (as an installed package
    has them) even when PYTHONDONTWRITEBYTECODE is set, without writing into the source tree."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GEM_", "GOOGLE_", "GEMINI_", "PYTHONDONTWRITEBYTECODE"))
    }
    env.update(
        HOME=home,
        XDG_CONFIG_HOME=f"{home}/.config",
        XDG_STATE_HOME=f"{home}/.state",
        GEMINI_API_KEY="benchmark-key",
        NO_COLOR="1",
    )
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = f"{home}/pycache"
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def gem_argv() -> list[str]:
    """gem as installed next to this interpreter (the console script), else `python -m`."""
    script = Path(sys.executable).with_name("gem")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gemini_cli"]
