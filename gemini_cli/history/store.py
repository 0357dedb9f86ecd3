"""Local history of what gem created (SQLite in the state dir): `gem history`, `-c`, `last`.

Each row records the back-end (base URL) it was created on: `last` and -c pick only rows of
the back-end in use, so an emulator id never goes to the real server, nor the other way round.
Rows `gem delete` removed stay, marked deleted, and are never picked again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING

from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.history.db import (  # noqa: F401 - the history's public names, in one place
    SCHEMA,
    connect,
    db_path,
    with_retry,
)
from gemini_cli.history.db import (
    write_failure as write_failure,  # re-exported: mypy --strict wants it explicit
)
from gemini_cli.history.rows import (  # noqa: F401
    Entry,
    Tokens,
    add_tokens,
    backend_of,
    entry_of,
    first_line,
    now,
    row_for,
    tokens_of_usage,
)

if TYPE_CHECKING:
    from gemini_cli.api.models import Interaction

ANY_BACKEND = None  # read every back-end's rows (`gem history --all-backends`, library use)

UPSERT = """
INSERT INTO interactions (id, created, updated, model, agent, status, prompt, previous_id,
                          input_tokens, output_tokens, total_tokens, stored, base_url)
VALUES (:id, :created, :created, :model, :agent, :status, :prompt, :previous_id,
        :input_tokens, :output_tokens, :total_tokens, :stored, :base_url)
ON CONFLICT(id) DO UPDATE SET updated = excluded.updated, stored = excluded.stored,
    status = coalesce(excluded.status, status),
    model = coalesce(model, excluded.model), agent = coalesce(agent, excluded.agent),
    prompt = coalesce(prompt, excluded.prompt),
    previous_id = coalesce(previous_id, excluded.previous_id),
    input_tokens = coalesce(excluded.input_tokens, input_tokens),
    output_tokens = coalesce(excluded.output_tokens, output_tokens),
    total_tokens = coalesce(excluded.total_tokens, total_tokens),
    base_url = coalesce(excluded.base_url, base_url)
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
    total_tokens = coalesce(:total_tokens, total_tokens),
    base_url = coalesce(:base_url, base_url)
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
MARK_DELETED = "UPDATE interactions SET deleted = 1, updated = ? WHERE id = ? AND base_url IS ?"
# The request settings a follow-up (-c, -p ID) carries forward (turns/carry.py): one JSON
# document per id, in a table of its own so the rows and `gem history --json` stay as they are.
SETTINGS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS settings (id TEXT PRIMARY KEY, document TEXT NOT NULL)"
)
SAVE_SETTINGS = "INSERT OR REPLACE INTO settings (id, document) VALUES (?, ?)"


# -- writing -------------------------------------------------------------------------------


def record(
    interaction: Interaction,
    body: JSONObject | None = None,
    replaces: str | None = None,
    earlier: Tokens | None = None,
    base_url: str | None = None,
    settings: str | None = None,
) -> None:
    """Add (or refresh) the row for an interaction gem created on the back-end `base_url`;
    with `replaces` (the id an earlier hop of the same command recorded, or this id again),
    that row moves to this id and keeps its prompt, created and previous_id. `earlier`: the
    tokens of the command's earlier hops, added to this one's. Raises on failure: the caller
    decides how loud to be (Runtime.created turns it into a warning). `settings`: the
    carried request settings (turns/carry.py snapshot), kept under this id."""
    row = row_for(interaction, body or {}, base_url)
    if not row["id"] and row["stored"]:
        return
    if earlier:
        row.update(add_tokens(earlier, row))
    row["replaces"] = (replaces or None) if row["id"] else None
    settings = settings if row["id"] else None

    def write() -> None:
        with connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            if not row["id"]:  # store: false, no id: one row, the newest, so -c can tell
                conn.execute("DELETE FROM interactions WHERE id = ''")
            try:
                moved = row["replaces"] and conn.execute(RENAME, row).rowcount > 0
            except sqlite3.IntegrityError:  # the new id has a row already: keep that one
                conn.execute("DELETE FROM interactions WHERE id = ?", (row["replaces"],))
                moved = False
            if not moved:
                conn.execute(UPSERT, row)
            if settings is not None:
                conn.execute(SETTINGS_SCHEMA)
                conn.execute(SAVE_SETTINGS, (row["id"], settings))
            conn.execute("COMMIT")

    with_retry(write)


def update_status(interaction_id: str, status: str, usage: JSONValue = None) -> bool:
    """Refresh the status (and usage) of a known interaction; False when gem did not create it."""
    if not interaction_id or not status or not db_path().exists():
        return False
    params = {"status": status, "updated": now(), "id": interaction_id, **tokens_of_usage(usage)}

    def write() -> bool:
        with connect(create=False) as conn:
            return conn.execute(UPDATE_STATUS, params).rowcount > 0

    return with_retry(write)


def mark_deleted(interaction_id: str, base_url: str | None) -> bool:
    """`gem delete` removed it: the row stays (shown by `gem history --all`) but `last` and -c
    never pick it again. Only the row of that back-end; False when there is none."""
    if not interaction_id or not db_path().exists():
        return False

    def write() -> bool:
        with connect() as conn:  # (connect upgrades an older file: it may lack the column)
            params = (now(), interaction_id, backend_of(base_url))
            return conn.execute(MARK_DELETED, params).rowcount > 0

    return with_retry(write)


# -- reading -------------------------------------------------------------------------------


def _rows(conn: sqlite3.Connection) -> Iterator[Entry]:
    conn.row_factory = sqlite3.Row
    # `*` and filters in Python: an older file may lack columns and be read-only.
    for row in conn.execute("SELECT * FROM interactions ORDER BY seq DESC"):
        yield entry_of(row)


def _matches(entry: Entry, base_url: str | None, deleted: bool) -> bool:
    if entry.deleted and not deleted:
        return False
    return base_url is ANY_BACKEND or entry.base_url == backend_of(base_url)


def entries(
    limit: int = 20, base_url: str | None = ANY_BACKEND, deleted: bool = True
) -> list[Entry]:
    """The newest `limit` rows first (all of them when limit <= 0): of the back-end
    `base_url` (every back-end when None), and without deleted rows unless `deleted`."""
    if not db_path().exists():
        return []

    def read() -> list[Entry]:
        found: list[Entry] = []
        with connect(create=False) as conn:
            for entry in _rows(conn):
                if entry.id and _matches(entry, base_url, deleted):
                    found.append(entry)
                    if 0 < limit <= len(found):
                        break
        return found

    return with_retry(read)


def _unreadable(exc: sqlite3.Error) -> UsageError:
    return UsageError(
        f"cannot read the history {db_path()}: {exc}",
        hint="move it away to start a new history",
    )


def read_entries(
    limit: int = 20, base_url: str | None = ANY_BACKEND, deleted: bool = False
) -> list[Entry]:
    """`entries` for commands: an unreadable database is exit 2 naming the file."""
    try:
        return entries(limit, base_url, deleted)
    except sqlite3.Error as exc:
        raise _unreadable(exc) from exc


def continuable_id(base_url: str | None = ANY_BACKEND) -> str | None:
    """The newest recorded id of that back-end that can be continued: not created with
    store: false, not deleted."""
    if not db_path().exists():
        return None

    def read() -> str | None:
        with connect(create=False) as conn:
            for entry in _rows(conn):
                if _matches(entry, base_url, False) and entry.stored is not False:
                    return entry.id
        return None

    try:
        return with_retry(read)
    except sqlite3.Error as exc:
        raise _unreadable(exc) from exc


def skipped_unstored(base_url: str | None = ANY_BACKEND) -> tuple[Entry, Entry | None] | None:
    """When the newest row of that back-end was created with store: false (which -c and
    `last` skip): that row, and the one they continue from instead (None: there is none)."""
    if not db_path().exists():
        return None

    def read() -> tuple[Entry, Entry | None] | None:
        with connect(create=False) as conn:
            rows = (e for e in _rows(conn) if _matches(e, base_url, False))
            newest = next(rows, None)
            if newest is None or newest.stored is not False:
                return None
            return newest, next((e for e in rows if e.stored is not False), None)

    try:
        return with_retry(read)
    except sqlite3.Error as exc:
        raise _unreadable(exc) from exc


def settings_of(interaction_id: str) -> str | None:
    """The settings document recorded for an interaction gem created; None when there is none
    (not created by this gem, by an older gem, or the history cannot be read)."""
    if not interaction_id or not db_path().exists():
        return None

    def read() -> str | None:
        with connect(create=False) as conn:
            found = conn.execute("SELECT document FROM settings WHERE id = ?", (interaction_id,))
            row = found.fetchone()
        return str(row[0]) if row else None

    try:
        return with_retry(read)
    except sqlite3.Error:  # no settings table yet, or unreadable: the server is asked instead
        return None


def last_id(base_url: str | None = ANY_BACKEND) -> str:
    """The id of the newest interaction gem recorded on that back-end; exit 2 when none."""
    newest = continuable_id(base_url)
    if newest is None:
        where = "" if base_url is ANY_BACKEND else f" on {backend_of(base_url)}"
        raise UsageError(
            f"no previous interaction to continue from{where} (gem has recorded none yet, or "
            "only --no-store or deleted ones)",
            hint="'last' and -c use the local history of the current --base-url "
            "(see 'gem history --all-backends'); --no-log/GEM_NO_LOG=1 runs are not recorded",
        )
    return newest


def resolve_id(interaction_id: str, base_url: str | None = ANY_BACKEND) -> str:
    """`last` stands for the most recent interaction gem created on that back-end."""
    return last_id(base_url) if interaction_id == "last" else interaction_id
