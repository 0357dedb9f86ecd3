"""Where the emulator keeps interaction records: in memory (server) or in SQLite (embedded)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

Record = dict[str, Any]
T = TypeVar("T")
_ATTEMPTS = 5


class Store(Protocol):
    def get(self, interaction_id: str) -> Record | None: ...

    def put(self, record: Record) -> None: ...

    def update(self, interaction_id: str, change: Callable[[Record], Record]) -> Record | None: ...

    def delete(self, interaction_id: str) -> bool: ...


class MemoryStore:
    """A dict behind a lock; records are copied in and out so callers never share state."""

    def __init__(self) -> None:
        self._records: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, interaction_id: str) -> Record | None:
        with self._lock:
            raw = self._records.get(interaction_id)
        return None if raw is None else json.loads(raw)

    def put(self, record: Record) -> None:
        with self._lock:
            self._records[record["id"]] = json.dumps(record)

    def update(self, interaction_id: str, change: Callable[[Record], Record]) -> Record | None:
        with self._lock:
            raw = self._records.get(interaction_id)
            if raw is None:
                return None
            record = change(json.loads(raw))
            self._records[interaction_id] = json.dumps(record)
            return record

    def delete(self, interaction_id: str) -> bool:
        with self._lock:
            return self._records.pop(interaction_id, None) is not None


def _private(path: Path) -> None:
    """The file holds prompts and answers: readable by its owner only (0600). SQLite gives its
    -wal and -shm files the database file's mode, so they follow."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            with contextlib.suppress(PermissionError):  # someone else's file: theirs to fix
                os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


class SqliteStore:
    """One JSON row per interaction; WAL + busy_timeout let several gem processes share the file.

    Each thread keeps its own connection (re-opened after a fork). Writes run in
    BEGIN IMMEDIATE transactions, so a read-modify-write never interleaves with another writer.
    """

    def __init__(self, path: str | Path, busy_timeout_ms: int = 10_000) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _private(self.path)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._retrying(self._create_schema)

    def _create_schema(self) -> None:
        conn = self._connection()
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS interactions (id TEXT PRIMARY KEY, data TEXT NOT NULL)"
        )

    def _connection(self) -> sqlite3.Connection:
        cached = getattr(self._local, "conn", None)
        if cached is None or cached[0] != os.getpid():
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves.
            conn = sqlite3.connect(
                self.path, timeout=self._busy_timeout_ms / 1000, isolation_level=None
            )
            conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            self._local.conn = cached = (os.getpid(), conn)
        return cached[1]

    def close(self) -> None:
        """Close this thread's connection (others close when their thread's objects go)."""
        cached = getattr(self._local, "conn", None)
        if cached is not None:
            cached[1].close()
            self._local.conn = None

    def limit_waits(self, seconds: float | None) -> None:
        """Let this thread's next operations wait for a lock only `seconds` from now in all
        (None: the busy timeout each). The embedded emulator runs in gem's own thread, where
        no watchdog can cut a SQLite wait short: its --timeout must bound the lock waits."""
        self._local.until = None if seconds is None else time.monotonic() + seconds

    def _bound_wait(self) -> bool:
        """Set this attempt's busy timeout; False once the time limit has passed."""
        until: float | None = getattr(self._local, "until", None)
        wait_ms = float(self._busy_timeout_ms)
        if until is not None:
            wait_ms = min(wait_ms, (until - time.monotonic()) * 1000)
        self._connection().execute(f"PRAGMA busy_timeout={max(int(wait_ms), 0)}")
        return wait_ms > 0

    def _retrying(self, operation: Callable[[], T]) -> T:
        # busy_timeout covers ordinary lock waits; SQLite still reports BUSY without waiting in
        # a few races (e.g. around WAL recovery), so retry those briefly.
        for attempt in range(1, _ATTEMPTS + 1):
            in_time = self._bound_wait()
            try:
                return operation()
            except sqlite3.OperationalError as error:
                transient = "locked" in str(error) or "busy" in str(error)
                if not transient or attempt == _ATTEMPTS or not in_time:
                    raise
                time.sleep(0.02 * attempt)
        raise AssertionError("unreachable")

    def get(self, interaction_id: str) -> Record | None:
        def read() -> Record | None:
            row = (
                self._connection()
                .execute("SELECT data FROM interactions WHERE id = ?", (interaction_id,))
                .fetchone()
            )
            return None if row is None else json.loads(row[0])

        return self._retrying(read)

    def put(self, record: Record) -> None:
        def insert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO interactions (id, data) VALUES (?, ?)",
                (record["id"], json.dumps(record)),
            )

        self._transaction(insert)

    def delete(self, interaction_id: str) -> bool:
        def remove(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute("DELETE FROM interactions WHERE id = ?", (interaction_id,))
            return cursor.rowcount > 0

        return self._transaction(remove)

    def update(self, interaction_id: str, change: Callable[[Record], Record]) -> Record | None:
        def modify(conn: sqlite3.Connection) -> Record | None:
            row = conn.execute(
                "SELECT data FROM interactions WHERE id = ?", (interaction_id,)
            ).fetchone()
            if row is None:
                return None
            record = change(json.loads(row[0]))
            conn.execute(
                "UPDATE interactions SET data = ? WHERE id = ?",
                (json.dumps(record), interaction_id),
            )
            return record

        return self._transaction(modify)

    def _transaction(self, body: Callable[[sqlite3.Connection], T]) -> T:
        def run() -> T:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = body(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # a failed COMMIT leaves it open; never retry inside it
                    conn.execute("ROLLBACK")
                raise
            return result

        return self._retrying(run)
