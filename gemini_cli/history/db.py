"""The history's SQLite file: where it is, its schema (and upgrades), connections and retries."""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from gemini_cli.settings.paths import state_dir

DB_NAME = "history.sqlite3"
# SQLite waits this long for a lock per statement; with_retry retries within WAIT_SECONDS in
# all. (5 s per attempt times 8 attempts once kept a finished command waiting 44 s, past its
# --timeout, on a history another process held locked.)
BUSY_TIMEOUT_MS = 1000
WAIT_SECONDS = 5.0
ATTEMPTS = 8

SCHEMA = """
CREATE TABLE IF NOT EXISTS interactions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    model TEXT,
    agent TEXT,
    status TEXT,
    prompt TEXT,
    previous_id TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    total_tokens INTEGER,
    stored INTEGER,
    base_url TEXT,
    deleted INTEGER
)
"""
# Columns later versions added, and their types: a history written by an older gem gets them.
ADDED_COLUMNS = {"stored": "INTEGER", "base_url": "TEXT", "deleted": "INTEGER"}

T = TypeVar("T")


def db_path() -> Path:
    return state_dir() / DB_NAME


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def with_retry(
    operation: Callable[[], T],
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> T:
    """Run `operation`, retrying with jittered backoff while another process holds the lock,
    for at most ATTEMPTS tries and about WAIT_SECONDS (a lock held for good must not hold gem)."""
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    began = clock()
    for attempt in range(ATTEMPTS):
        try:
            return operation()
        except sqlite3.OperationalError as exc:
            pause = min(0.05 * 2**attempt, 1.0) * random.uniform(0.5, 1.5)
            late = clock() - began + pause > WAIT_SECONDS
            if not _is_busy(exc) or attempt == ATTEMPTS - 1 or late:
                raise
            sleep(pause)
    raise AssertionError("unreachable")


def _create_private(path: Path) -> None:
    """The history holds prompts: create it readable by its owner only."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


@contextmanager
def connect(create: bool = True) -> Iterator[sqlite3.Connection]:
    """A connection in autocommit mode with WAL and a busy timeout; closed on exit."""
    path = (state_dir(create=True) if create else state_dir()) / DB_NAME
    if create:
        _create_private(path)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if create:
            _prepare(conn)
        yield conn
    finally:
        conn.close()


def _prepare(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(SCHEMA)
    upgrade(conn)


def upgrade(conn: sqlite3.Connection) -> None:
    """Add the columns an older gem's history lacks (a no-op once they are there)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(interactions)")}
    for name, kind in ADDED_COLUMNS.items():
        if name not in columns:
            with contextlib.suppress(sqlite3.OperationalError):  # another process just added it
                conn.execute(f"ALTER TABLE interactions ADD COLUMN {name} {kind}")


def write_failure(exc: BaseException) -> str:
    """A failed history write as one line naming the file (a warning: the command's work is
    done, the history is a convenience)."""
    import errno

    if isinstance(exc, FileExistsError) or getattr(exc, "errno", None) == errno.ENOTDIR:
        reason = "a part of the path is not a directory"
    elif getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:
        reason = str(exc) or type(exc).__name__
    return f"could not write the history {db_path()}: {reason[:1].lower()}{reason[1:]}"
