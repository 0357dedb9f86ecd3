"""Local history of what gem created (SQLite in the state dir): `gem history`, `-c`, `last`."""

from __future__ import annotations

import contextlib
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
from gemini_cli.settings.paths import state_dir

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
    total_tokens INTEGER,
    stored INTEGER
)
"""
UPSERT = """
INSERT INTO interactions (id, created, updated, model, agent, status, prompt, previous_id,
                          input_tokens, output_tokens, total_tokens, stored)
VALUES (:id, :created, :created, :model, :agent, :status, :prompt, :previous_id,
        :input_tokens, :output_tokens, :total_tokens, :stored)
ON CONFLICT(id) DO UPDATE SET updated = excluded.updated, stored = excluded.stored,
    status = coalesce(excluded.status, status),
    model = coalesce(model, excluded.model), agent = coalesce(agent, excluded.agent),
    prompt = coalesce(prompt, excluded.prompt),
    previous_id = coalesce(previous_id, excluded.previous_id),
    input_tokens = coalesce(excluded.input_tokens, input_tokens),
    output_tokens = coalesce(excluded.output_tokens, output_tokens),
    total_tokens = coalesce(excluded.total_tokens, total_tokens)
"""
# A later hop of the same command (tool round, continuation): the row moves to the new id, so
# `last` and -c continue from where the conversation now ends; prompt, created, previous_id stay.
RENAME = """
UPDATE interactions SET id = :id, updated = :created, stored = :stored,
    status = coalesce(:status, status),
    model = coalesce(model, :model), agent = coalesce(agent, :agent),
    prompt = coalesce(prompt, :prompt),
    input_tokens = coalesce(:input_tokens, input_tokens),
    output_tokens = coalesce(:output_tokens, output_tokens),
    total_tokens = coalesce(:total_tokens, total_tokens)
WHERE id = :replaces
"""
# Seeing an interaction again never lowers its counts: a multi-hop command's row holds the sum
# of its hops, and a later `gem get`/`poll` of the last hop reports that hop alone.
UPDATE_STATUS = """
UPDATE interactions SET status = :status, updated = :updated,
    input_tokens = max(coalesce(:input_tokens, input_tokens),
                       coalesce(input_tokens, :input_tokens)),
    output_tokens = max(coalesce(:output_tokens, output_tokens),
                        coalesce(output_tokens, :output_tokens)),
    total_tokens = max(coalesce(:total_tokens, total_tokens), coalesce(total_tokens, :total_tokens))
WHERE id = :id
"""
COLUMNS = (
    "id",
    "created",
    "updated",
    "model",
    "agent",
    "status",
    "prompt",
    "previous_id",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "stored",
)

TOKEN_COLUMNS = ("input_tokens", "output_tokens", "total_tokens")

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
    stored: bool | None = None  # False: created with store: false, cannot be continued

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
    columns = {row[1] for row in conn.execute("PRAGMA table_info(interactions)")}
    if "stored" not in columns:  # a history written by an older gem
        with contextlib.suppress(sqlite3.OperationalError):  # another process just added it
            conn.execute("ALTER TABLE interactions ADD COLUMN stored INTEGER")


# -- writing -------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(
    interaction: Any,
    body: dict[str, Any] | None = None,
    replaces: str | None = None,
    earlier: dict[str, int | None] | None = None,
) -> None:
    """Add (or refresh) the row for an interaction gem created; with `replaces` (the id an
    earlier hop of the same command recorded, or this id again), that row moves to this id and
    keeps its prompt, created and previous_id. `earlier`: the tokens of the command's earlier
    hops, added to this one's. Raises on failure: the caller decides how loud to be
    (Runtime.created turns it into a warning)."""
    row = row_for(interaction, body or {})
    if not row["id"]:
        return
    if earlier:
        row.update(add_tokens(earlier, row))
    row["replaces"] = replaces or None

    def write() -> None:
        with connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                moved = row["replaces"] and conn.execute(RENAME, row).rowcount > 0
            except sqlite3.IntegrityError:  # the new id has a row already: keep that one
                conn.execute("DELETE FROM interactions WHERE id = ?", (row["replaces"],))
                moved = False
            if not moved:
                conn.execute(UPSERT, row)
            conn.execute("COMMIT")

    with_retry(write)


def update_status(interaction_id: str, status: str, usage: Any = None) -> bool:
    """Refresh the status (and usage) of a known interaction; False when gem did not create it."""
    if not interaction_id or not status or not db_path().exists():
        return False
    params = {"status": status, "updated": _now(), "id": interaction_id, **_tokens(usage)}

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
        "stored": 0 if body.get("store") is False else 1,
    }


def tokens_of(interaction: Any) -> dict[str, int | None]:
    return _tokens(getattr(interaction, "usage", None))


def add_tokens(*counts: dict[str, int | None] | None) -> dict[str, int | None]:
    """Token counts summed per column (None where no count has it)."""
    total: dict[str, int | None] = dict.fromkeys(TOKEN_COLUMNS)
    for count in counts:
        for key in TOKEN_COLUMNS:
            value = (count or {}).get(key)
            if isinstance(value, int):
                total[key] = (total[key] or 0) + value
    return total


def _tokens(usage: Any) -> dict[str, int | None]:
    def get(name: str) -> int | None:
        value = usage.get(name) if isinstance(usage, dict) else getattr(usage, name, None)
        return value if isinstance(value, int) else None

    return {
        "input_tokens": get("total_input_tokens"),
        "output_tokens": get("total_output_tokens"),
        "total_tokens": get("total_tokens"),
    }


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
    sql = "SELECT * FROM interactions ORDER BY seq DESC"  # `*`: older files lack `stored`
    params: tuple[int, ...] = ()
    if limit > 0:
        sql, params = sql + " LIMIT ?", (limit,)

    def read() -> list[Entry]:
        with connect(create=False) as conn:
            conn.row_factory = sqlite3.Row
            return [_entry(row) for row in conn.execute(sql, params)]

    return with_retry(read)


def _entry(row: sqlite3.Row) -> Entry:
    present = set(row.keys())  # (`in row` would test the values)
    values = {key: row[key] for key in COLUMNS if key in present}
    if values.get("stored") is not None:
        values["stored"] = bool(values["stored"])
    return Entry(**values)


def continuable_id() -> str | None:
    """The newest recorded id that can be continued (not created with store: false)."""
    if not db_path().exists():
        return None

    def read() -> str | None:
        with connect(create=False) as conn:
            conn.row_factory = sqlite3.Row
            for row in conn.execute("SELECT * FROM interactions ORDER BY seq DESC"):
                present = set(row.keys())
                if "stored" not in present or row["stored"] != 0:
                    return str(row["id"])
        return None

    try:
        return with_retry(read)
    except sqlite3.Error as exc:
        raise UsageError(
            f"cannot read the history {db_path()}: {exc}",
            hint="move it away to start a new history",
        ) from exc


def read_entries(limit: int = 20) -> list[Entry]:
    """`entries` for commands: an unreadable database is exit 2 naming the file."""
    try:
        return entries(limit)
    except sqlite3.Error as exc:
        raise UsageError(
            f"cannot read the history {db_path()}: {exc}",
            hint="move it away to start a new history",
        ) from exc


def last_id() -> str:
    """The id of the newest interaction gem recorded; exit 2 when there is none."""
    newest = continuable_id()
    if newest is None:
        raise UsageError(
            "no previous interaction to continue from (gem has recorded none yet, or only "
            "--no-store ones)",
            hint="'last' and -c use the local history; --no-log/GEM_NO_LOG=1 and --no-store "
            "runs are not what they pick",
        )
    return newest


def resolve_id(interaction_id: str) -> str:
    """`last` stands for the most recent interaction gem created."""
    return last_id() if interaction_id == "last" else interaction_id
