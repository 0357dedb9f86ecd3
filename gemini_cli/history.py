"""Local history of what gem created (SQLite in the state dir): `gem history`, `-c`, `last`."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from gemini_cli.api.errors import UsageError
from gemini_cli.state import state_dir

DB_NAME = "history.sqlite3"
BUSY_TIMEOUT_MS = 5000
ATTEMPTS = 8
PROMPT_CHARS = 200
NO_LOG_ENV = "GEM_NO_LOG"

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
    total_tokens INTEGER
)
"""
UPSERT = """
INSERT INTO interactions (id, created, updated, model, agent, status, prompt, previous_id,
                          input_tokens, output_tokens, total_tokens)
VALUES (:id, :created, :created, :model, :agent, :status, :prompt, :previous_id,
        :input_tokens, :output_tokens, :total_tokens)
ON CONFLICT(id) DO UPDATE SET updated = excluded.updated,
    status = coalesce(excluded.status, status),
    model = coalesce(model, excluded.model), agent = coalesce(agent, excluded.agent),
    prompt = coalesce(prompt, excluded.prompt),
    previous_id = coalesce(previous_id, excluded.previous_id),
    input_tokens = coalesce(excluded.input_tokens, input_tokens),
    output_tokens = coalesce(excluded.output_tokens, output_tokens),
    total_tokens = coalesce(excluded.total_tokens, total_tokens)
"""
UPDATE_STATUS = """
UPDATE interactions SET status = ?, updated = ?, input_tokens = coalesce(?, input_tokens),
    output_tokens = coalesce(?, output_tokens), total_tokens = coalesce(?, total_tokens)
WHERE id = ?
"""
COLUMNS = ("id", "created", "updated", "model", "agent", "status", "prompt", "previous_id",
           "input_tokens", "output_tokens", "total_tokens")

T = TypeVar("T")


@dataclass
class Entry:
    """One row of the history, newest first when listed."""

    id: str
    created: str
    updated: str
    model: str | None = None
    agent: str | None = None
    status: str | None = None
    prompt: str | None = None
    previous_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def db_path() -> Path:
    return state_dir() / DB_NAME


def logging_disabled() -> bool:
    """`GEM_NO_LOG=1` turns the history off (like `--no-log` on every command)."""
    return os.environ.get(NO_LOG_ENV, "").strip().lower() not in ("", "0", "false", "no")


# -- connection and retries -----------------------------------------------------------------


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def with_retry(operation: Callable[[], T], sleep: Callable[[float], None] | None = None) -> T:
    """Run `operation`, retrying with jittered backoff while another process holds the lock."""
    sleep = sleep or time.sleep
    for attempt in range(ATTEMPTS):
        try:
            return operation()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or attempt == ATTEMPTS - 1:
                raise
            sleep(min(0.05 * 2**attempt, 1.0) * random.uniform(0.5, 1.5))
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


# -- writing -------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(interaction: Any, body: dict[str, Any] | None = None) -> None:
    """Add (or refresh) the row for an interaction gem created. Raises on failure: the caller
    decides how loud to be (Runtime.created turns it into a warning)."""
    row = row_for(interaction, body or {})
    if not row["id"]:
        return

    def write() -> None:
        with connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(UPSERT, row)
            conn.execute("COMMIT")

    with_retry(write)


def update_status(interaction_id: str, status: str, usage: Any = None) -> bool:
    """Refresh the status (and usage) of a known interaction; False when gem did not create it."""
    if not interaction_id or not status or not db_path().exists():
        return False
    tokens = _tokens(usage)
    params = (status, _now(), tokens["input_tokens"], tokens["output_tokens"],
              tokens["total_tokens"], interaction_id)

    def write() -> bool:
        with connect(create=False) as conn:
            return conn.execute(UPDATE_STATUS, params).rowcount > 0

    return with_retry(write)


def row_for(interaction: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The columns for one interaction, from the response and the request body that made it."""
    return {
        "id": getattr(interaction, "id", "") or "",
        "created": _now(),
        "model": getattr(interaction, "model", None) or body.get("model"),
        "agent": getattr(interaction, "agent", None) or body.get("agent"),
        "status": getattr(interaction, "status", None) or None,
        "prompt": first_line(body.get("input")),
        "previous_id": body.get("previous_interaction_id")
        or getattr(interaction, "previous_interaction_id", None),
        **_tokens(getattr(interaction, "usage", None)),
    }


def _tokens(usage: Any) -> dict[str, int | None]:
    def get(name: str) -> int | None:
        value = usage.get(name) if isinstance(usage, dict) else getattr(usage, name, None)
        return value if isinstance(value, int) else None

    return {"input_tokens": get("total_input_tokens"), "output_tokens": get("total_output_tokens"),
            "total_tokens": get("total_tokens")}


def first_line(value: Any) -> str | None:
    """The first non-empty line of the prompt text (a string, blocks or turns)."""
    text = _first_text(value)
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:PROMPT_CHARS]
    return None


def _first_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            return value["text"]
        return _first_text(value.get("content"))
    if isinstance(value, list):
        for item in value:
            text = _first_text(item)
            if text and text.strip():
                return text
    return None


# -- reading -------------------------------------------------------------------------------


def entries(limit: int = 20) -> list[Entry]:
    """The newest `limit` rows first (all of them when limit <= 0)."""
    if not db_path().exists():
        return []
    sql = f"SELECT {', '.join(COLUMNS)} FROM interactions ORDER BY seq DESC"
    params: tuple[int, ...] = ()
    if limit > 0:
        sql, params = sql + " LIMIT ?", (limit,)

    def read() -> list[Entry]:
        with connect(create=False) as conn:
            return [Entry(*row) for row in conn.execute(sql, params)]

    return with_retry(read)


def read_entries(limit: int = 20) -> list[Entry]:
    """`entries` for commands: an unreadable database is exit 2 naming the file."""
    try:
        return entries(limit)
    except sqlite3.Error as exc:
        raise UsageError(f"cannot read the history {db_path()}: {exc}",
                         hint="move it away to start a new history") from exc


def last_id() -> str:
    """The id of the newest interaction gem recorded; exit 2 when there is none."""
    newest = read_entries(limit=1)
    if not newest:
        raise UsageError(
            "no previous interaction to continue from (gem has recorded none yet)",
            hint="'last' and -c use the local history; --no-log/GEM_NO_LOG=1 runs are not in it",
        )
    return newest[0].id


def resolve_id(interaction_id: str) -> str:
    """`last` stands for the most recent interaction gem created."""
    return last_id() if interaction_id == "last" else interaction_id
