"""The batch journal (`--journal PATH`, SQLite): what finished, what was submitted, what was printed."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gemini_cli.core.errors import UsageError

DONE, FAILED, SUBMITTED = "done", "failed", "submitted"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    line INTEGER NOT NULL,
    state TEXT NOT NULL,
    exit_code INTEGER,
    interaction_id TEXT,
    expect_json INTEGER NOT NULL DEFAULT 0,
    output TEXT,
    emitted INTEGER NOT NULL DEFAULT 0,
    run INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    """What the journal knows about one key."""

    key: str
    line: int
    state: str
    run: int
    interaction_id: str | None = None
    expect_json: bool = False
    output: str | None = None
    emitted: bool = False


class Journal:
    """Every finished item (and every submitted id) is written as it happens, so a killed
    run loses at most what was in flight. Thread-safe: one connection behind a lock."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # durable across a kill -9
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise UsageError(f"{self.path}: cannot use it as a batch journal ({exc})") from exc
        self._lock = threading.Lock()
        self.run = self._next_run()

    def _next_run(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE name = 'runs'").fetchone()
        run = int(row[0]) + 1 if row else 1
        self._set("runs", str(run))
        return run

    def _set(self, name: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    def lookup(self, key: str) -> Entry | None:
        with self._lock:
            row = self._db.execute(_SELECT + " WHERE key = ?", (key,)).fetchone()
        return _entry(row) if row else None

    def submitted(
        self, key: str, key_json: str, line: int, interaction_id: str, expect_json: bool
    ) -> None:
        """A background interaction was created: collect it, never create it again. (Its
        `output` holds the key as JSON until the result replaces it.)"""
        self._write(key, line, SUBMITTED, None, interaction_id, expect_json, key_json, True)

    def finished(
        self, key: str, line: int, exit_code: int, interaction_id: str | None, output: str
    ) -> None:
        state = DONE if exit_code == 0 else FAILED
        self._write(key, line, state, exit_code, interaction_id, False, output, False)

    def _write(self, key: str, line: int, state: str, exit_code: int | None,
               interaction_id: str | None, expect_json: bool, output: str | None,
               emitted: bool) -> None:  # fmt: skip
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO items (key, line, state, exit_code, interaction_id, "
                "expect_json, output, emitted, run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, line, state, exit_code, interaction_id, int(expect_json), output,
                 int(emitted), self.run),
            )  # fmt: skip

    def emitted(self, key: str) -> None:
        """The item's line reached stdout: a resumed run must not print it again."""
        with self._lock:
            self._db.execute("UPDATE items SET emitted = 1 WHERE key = ?", (key,))

    def unemitted(self) -> Iterator[Entry]:
        """Finished items whose line never reached stdout (killed while they waited to be
        printed in order): printed from here on resume, never sent again."""
        yield from self._select(" WHERE emitted = 0 AND state != 'submitted' ORDER BY line")

    def pending(self) -> Iterator[Entry]:
        """Submitted items not yet collected, in input order."""
        yield from self._select(" WHERE state = 'submitted' ORDER BY line")

    def _select(self, where: str) -> Iterator[Entry]:
        last = -1
        while True:  # in pages: a million rows are never held at once
            clause = where.replace(" WHERE ", " WHERE line > ? AND ", 1)
            with self._lock:
                rows = self._db.execute(_SELECT + clause + " LIMIT 500", (last,)).fetchall()
            if not rows:
                return
            for row in rows:
                yield _entry(row)
            last = rows[-1][1]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM items GROUP BY state").fetchall()
        return {str(state): int(count) for state, count in rows}

    def close(self) -> None:
        with self._lock:
            self._db.close()


_SELECT = "SELECT key, line, state, run, interaction_id, expect_json, output, emitted FROM items"


def _entry(row: tuple[object, ...]) -> Entry:
    key, line, state, run, ident, expect_json, output, emitted = row
    return Entry(
        str(key), int(str(line)), str(state), int(str(run)),
        None if ident is None else str(ident), bool(expect_json),
        None if output is None else str(output), bool(emitted),
    )  # fmt: skip
