"""The local history: recorded by create, listed by `gem history`, used by -c and `last`."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from gemini_cli.api.errors import UsageError
from gemini_cli.api.models import Interaction
from gemini_cli.history import store as history

EMU = ["--base-url", "emulator:"]


def make(ident: str, status: str = "completed", **extra) -> Interaction:
    return Interaction.from_dict({"id": ident, "status": status, "model": "m", **extra})


def create(invoke, *args: str, **kw):
    result = invoke([*EMU, "create", "--no-stdin", *args], **kw)
    assert result.exit_code == 0, result.output
    return result


# -- the store ------------------------------------------------------------------------------


def test_record_then_list_newest_first() -> None:
    history.record(make("a"), {"input": "first prompt\nmore", "model": "m"})
    history.record(
        make("b", usage={"total_input_tokens": 3, "total_output_tokens": 4, "total_tokens": 9}),
        {"input": "second"},
    )
    rows = history.entries()
    assert [r.id for r in rows] == ["b", "a"]
    assert rows[1].prompt == "first prompt"
    assert (rows[0].input_tokens, rows[0].output_tokens, rows[0].total_tokens) == (3, 4, 9)
    assert history.last_id() == "b"


def test_recording_again_refreshes_the_row() -> None:
    """stream records at the start (in progress) and again with the final interaction."""
    history.record(Interaction.from_dict({"id": "a"}), {"input": "hi", "model": "m"})
    history.record(make("a", status="in_progress"), {})
    history.record(make("a", usage={"total_tokens": 5}), {"input": "hi"})
    history.record(Interaction.from_dict({"id": "a"}), {})
    [row] = history.entries()
    assert (row.status, row.model, row.prompt, row.total_tokens) == ("completed", "m", "hi", 5)


def test_database_is_private_and_in_wal_mode() -> None:
    history.record(make("a"), {})
    assert stat.S_IMODE(history.db_path().stat().st_mode) == 0o600
    with sqlite3.connect(history.db_path()) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_update_status_touches_only_known_ids() -> None:
    history.record(make("a", status="in_progress"), {"input": "x"})
    assert history.update_status("a", "completed", {"total_tokens": 12}) is True
    assert history.update_status("zzz", "completed") is False
    row = history.entries()[0]
    assert (row.status, row.total_tokens, row.prompt) == ("completed", 12, "x")


def test_update_status_without_a_database_creates_nothing() -> None:
    assert history.update_status("a", "completed") is False
    assert not history.db_path().exists()


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("  \n  hello  \nworld", "hello"),
        ([{"type": "text", "text": "from blocks"}], "from blocks"),
        (
            [
                {
                    "type": "user_input",
                    "content": [
                        {"type": "image", "data": "..."},
                        {"type": "text", "text": "turn text"},
                    ],
                }
            ],
            "turn text",
        ),
        ([{"type": "image", "data": "..."}], None),
        (None, None),
    ],
)
def test_first_line_of_any_input_shape(value, line) -> None:
    assert history.first_line(value) == line


def test_last_without_history_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no previous interaction"):
        history.resolve_id("last")
    assert history.resolve_id("v1_other") == "v1_other"


def test_retry_on_locked_then_give_up() -> None:
    calls, sleeps = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "ok"

    assert history.with_retry(flaky, sleep=sleeps.append) == "ok"
    assert len(sleeps) == 2

    def broken():
        raise sqlite3.OperationalError("no such table: x")

    with pytest.raises(sqlite3.OperationalError):
        history.with_retry(broken, sleep=sleeps.append)


def test_lock_held_by_another_writer_is_waited_out(monkeypatch) -> None:
    """A writer holding the lock past the busy timeout: record retries instead of failing."""
    history.record(make("a"), {})
    monkeypatch.setattr(history, "BUSY_TIMEOUT_MS", 50)
    blocker = sqlite3.connect(history.db_path(), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    released = []

    def sleep(seconds: float) -> None:
        if not released:
            blocker.execute("COMMIT")
            released.append(seconds)

    monkeypatch.setattr(history.time, "sleep", sleep)
    history.record(make("b"), {})
    blocker.close()
    assert released and [r.id for r in history.entries()] == ["b", "a"]


# -- through the CLI and the embedded emulator ------------------------------------------------


def test_create_records_and_continue_chains(invoke) -> None:
    create(invoke, "Hello there")
    first = history.last_id()
    result = create(invoke, "-c", "--json", "And again")
    data = json.loads(result.stdout)
    assert data["previous_interaction_id"] == first
    assert history.last_id() == data["id"] != first
    assert [r.prompt for r in history.entries()] == ["And again", "Hello there"]
    assert history.entries()[0].previous_id == first


def test_get_last(invoke) -> None:
    create(invoke, "Hello")
    result = invoke([*EMU, "get", "last", "--format", "id"])
    assert result.exit_code == 0
    assert result.stdout.strip() == history.last_id()


def test_continue_with_empty_history_exits_2(invoke) -> None:
    result = invoke([*EMU, "create", "--no-stdin", "-c", "Hi"])
    assert result.exit_code == 2
    assert "no previous interaction" in result.stderr


def test_no_log_flag_and_env_keep_runs_out(invoke, monkeypatch) -> None:
    create(invoke, "kept")
    create(invoke, "--no-log", "secret one")
    invoke_result = invoke([*EMU, "--no-log", "create", "--no-stdin", "secret two"])
    assert invoke_result.exit_code == 0
    monkeypatch.setenv("GEM_NO_LOG", "1")
    create(invoke, "secret three")
    assert [r.prompt for r in history.entries()] == ["kept"]


def test_history_write_failure_is_only_a_warning(invoke, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(history, "record", broken)
    result = create(invoke, "Hello")
    assert "Echo: Hello" in result.stdout
    assert "warning: could not write the history" in result.stderr
    assert "Traceback" not in result.stderr
    debug = create(invoke, "--debug", "Hello")
    assert "Traceback" in debug.stderr
    assert "warning" not in create(invoke, "-q", "Hello").stderr


def test_history_command_text_json_and_id(invoke) -> None:
    create(invoke, "one")
    create(invoke, "two")
    piped = invoke(["history"]).stdout.splitlines()
    assert [line.split("\t")[5] for line in piped] == ["two", "one"]
    assert all(line.count("\t") == 5 for line in piped)
    tty = invoke(["history"], tty={"stdout_isatty": True}).stdout.splitlines()
    assert tty[0].split() == ["CREATED", "ID", "MODEL", "STATUS", "TOKENS", "PROMPT"]
    assert tty[1].index("two") == tty[0].index("PROMPT")
    rows = json.loads(invoke(["history", "--json", "--limit", "1"]).stdout)
    assert [r["prompt"] for r in rows] == ["two"] and rows[0]["status"] == "completed"
    assert invoke(["history", "-f", "id"]).stdout.split() == [r.id for r in history.entries()]


def test_history_empty(invoke) -> None:
    assert invoke(["history"]).stdout == ""
    assert json.loads(invoke(["history", "--json"]).stdout) == []
    result = invoke(["history"], tty={"stdout_isatty": True})
    assert result.stdout == "" and "no interactions recorded yet" in result.stderr


def test_history_rejects_yaml(invoke) -> None:
    assert invoke(["history", "--format", "yaml"]).exit_code == 2


def test_state_dir_is_used(invoke, isolated_env: Path) -> None:
    create(invoke, "Hello")
    assert (isolated_env / ".local/state/gem/history.sqlite3").is_file()


def test_corrupt_history_is_reported_not_a_crash(invoke) -> None:
    history.db_path().parent.mkdir(parents=True, exist_ok=True)
    history.db_path().write_bytes(b"this is not a database" * 100)
    for args in (["history"], [*EMU, "get", "last"]):
        result = invoke(args)
        assert result.exit_code == 2 and "cannot read the history" in result.stderr
    result = create(invoke, "still works")
    assert "Echo: still works" in result.stdout and "could not write the history" in result.stderr
