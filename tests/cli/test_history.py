"""The local history: recorded by create, listed by `gem history`, used by -c and `last`."""

from __future__ import annotations

import json
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
import yaml

from gemini_cli.api.models import Interaction
from gemini_cli.core.errors import UsageError
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
    from gemini_cli.history import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)
    blocker = sqlite3.connect(history.db_path(), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    released = []

    def sleep(seconds: float) -> None:
        if not released:
            blocker.execute("COMMIT")
            released.append(seconds)

    monkeypatch.setattr(db.time, "sleep", sleep)
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
    piped = invoke([*EMU, "history"]).stdout.splitlines()
    assert [line.split("\t")[5] for line in piped] == ["two", "one"]
    assert all(line.count("\t") == 5 for line in piped)
    tty = invoke([*EMU, "history"], tty={"stdout_isatty": True}, env={"COLUMNS": "200"})
    lines = tty.stdout.splitlines()
    assert lines[0].split() == ["CREATED", "ID", "MODEL", "STATUS", "TOKENS", "PROMPT"]
    assert lines[1].index("two") == lines[0].index("PROMPT")
    rows = json.loads(invoke([*EMU, "history", "--json", "--limit", "1"]).stdout)
    assert [r["prompt"] for r in rows] == ["two"] and rows[0]["status"] == "completed"
    assert rows[0]["base_url"] == "emulator:" and rows[0]["deleted"] is False
    ids = invoke([*EMU, "history", "-f", "id"]).stdout.split()
    assert ids == [r.id for r in history.entries()]
    assert yaml.safe_load(invoke([*EMU, "history", "-f", "yaml"]).stdout) == json.loads(
        invoke([*EMU, "history", "--json"]).stdout
    )


def test_history_empty(invoke) -> None:
    assert invoke(["history"]).stdout == ""
    assert json.loads(invoke(["history", "--json"]).stdout) == []
    result = invoke(["history"], tty={"stdout_isatty": True})
    assert result.stdout == "" and "no interactions recorded yet" in result.stderr


def test_history_rejects_formats_it_lacks(invoke) -> None:
    result = invoke(["history", "--format", "ndjson"])
    assert result.exit_code == 2 and "text, json, yaml, id" in result.stderr


def test_state_dir_is_used(invoke, isolated_env: Path) -> None:
    create(invoke, "Hello")
    assert (isolated_env / ".local/state/gem/history.sqlite3").is_file()


def test_corrupt_history_is_reported_not_a_crash(invoke) -> None:
    history.db_path().parent.mkdir(parents=True, exist_ok=True)
    history.db_path().write_bytes(b"this is not a database" * 100)
    for args in ([*EMU, "history"], [*EMU, "get", "last"]):
        result = invoke(args)
        assert result.exit_code == 2 and "cannot read the history" in result.stderr
    result = create(invoke, "still works")
    assert "Echo: still works" in result.stdout and "could not write the history" in result.stderr


# -- back-ends: an emulator id never goes to the real API, nor the other way round -----------


def test_continue_and_last_use_the_current_backend(invoke, api_key) -> None:
    import respx

    from tests.helpers import INTERACTIONS

    create(invoke, "on the emulator")
    emulator_id = history.last_id()
    with respx.mock(assert_all_called=False) as api:
        route = api.post(INTERACTIONS)
        result = invoke(["create", "--no-stdin", "-c", "on the real API"])
        assert result.exit_code == 2 and not route.called
        assert "no previous interaction to continue from on https://" in result.stderr
        got = invoke(["get", "last"])
        assert got.exit_code == 2 and emulator_id not in got.stderr
    assert invoke([*EMU, "get", "last", "-f", "id"]).stdout.strip() == emulator_id


def test_history_lists_the_current_backend_unless_all_backends(invoke, api_key) -> None:
    import respx

    from tests.helpers import INTERACTIONS, ok

    create(invoke, "emulated")
    with respx.mock() as api:
        api.post(INTERACTIONS).mock(return_value=ok(ident="v1_real"))
        assert invoke(["create", "--no-stdin", "real"]).exit_code == 0
    assert invoke(["history", "-f", "id"]).stdout.split() == ["v1_real"]
    assert invoke([*EMU, "history", "-f", "id"]).stdout.split() == [history.entries()[1].id]
    everything = json.loads(invoke(["history", "--all-backends", "--json"]).stdout)
    assert [r["base_url"] for r in everything] == [
        "https://generativelanguage.googleapis.com",
        "emulator:",
    ]
    tty = invoke(["history", "--all-backends"], tty={"stdout_isatty": True}).stdout
    assert "BASE URL" in tty.splitlines()[0] and "emulator:" in tty


def test_empty_list_on_a_terminal_says_other_backends_have_rows(invoke) -> None:
    create(invoke, "emulated")
    result = invoke(["history"], tty={"stdout_isatty": True})
    assert result.exit_code == 0 and result.stdout == ""
    assert "1 on other back-ends" in result.stderr and "--all-backends" in result.stderr


# -- gem delete keeps the history true -----------------------------------------------------


def test_delete_marks_the_row_and_last_skips_it(invoke) -> None:
    create(invoke, "first")
    first = history.last_id()
    create(invoke, "second")
    second = history.last_id()
    result = invoke([*EMU, "delete", "last"])
    assert result.exit_code == 0 and result.stdout == f"{second}\n"
    assert invoke([*EMU, "history", "-f", "id"]).stdout.split() == [first]
    shown = invoke([*EMU, "history", "--all"]).stdout.splitlines()
    assert [line.split("\t")[1:4:2] for line in shown] == [
        [second, "deleted"],
        [first, "completed"],
    ]
    assert json.loads(invoke([*EMU, "history", "--all", "--json"]).stdout)[0]["deleted"] is True
    continued = invoke([*EMU, "create", "--no-stdin", "-c", "--dry-run", "third"])
    assert json.loads(continued.stdout)["body"]["previous_interaction_id"] == first
    assert invoke([*EMU, "get", "last", "-f", "id"]).stdout.strip() == first


def test_delete_of_an_id_the_server_no_longer_has_marks_it_too(invoke) -> None:
    create(invoke, "first")
    ident = history.last_id()
    assert invoke([*EMU, "delete", ident]).exit_code == 0
    history.record(make(ident), {"input": "first"}, base_url="emulator:")  # stale again
    history.update_status(ident, "completed")
    with sqlite3.connect(history.db_path()) as conn:
        conn.execute("UPDATE interactions SET deleted = NULL")
    again = invoke([*EMU, "delete", ident])
    assert again.exit_code == 3
    assert invoke([*EMU, "history", "-f", "id"]).stdout == ""


def test_the_delete_help_example_works_on_repeated_runs(invoke) -> None:
    """`gem history --json | jq -r '.[] | select(.stored) | .id' | xargs -r -n1 gem delete`:
    the second run finds nothing left to delete (xargs -r runs no gem at all)."""
    create(invoke, "one")
    create(invoke, "two")
    history.record(make("v1_unstored"), {"input": "x", "store": False}, base_url="emulator:")
    deleted = []
    for _ in range(2):
        rows = json.loads(invoke([*EMU, "history", "--json"]).stdout)
        for ident in [r["id"] for r in rows if r["stored"]]:
            result = invoke([*EMU, "delete", ident])
            assert result.exit_code == 0, result.stderr
            deleted.append(ident)
    assert len(deleted) == 2
    left = json.loads(invoke([*EMU, "history", "--json"]).stdout)
    assert [r["id"] for r in left] == ["v1_unstored"]


def test_delete_in_json_mode_keeps_stderr_clean_when_history_is_off(invoke, monkeypatch) -> None:
    create(invoke, "a")
    monkeypatch.setenv("GEM_NO_LOG", "1")
    result = invoke([*EMU, "delete", "last", "--json"])
    assert result.exit_code == 0 and result.stderr == ""
    assert history.entries(deleted=False) == []  # marking is not recording: it still happens


# -- the table fits the terminal -----------------------------------------------------------


def test_table_fits_the_terminal_width(invoke) -> None:
    for n in range(3):
        history.record(
            make(f"v1_{n}", model="gemini-3.1-flash-lite-preview-with-a-long-name"),
            {"input": f"prompt {n} " + "word " * 60},
            base_url="emulator:",
        )
    for width in (60, 80, 100, 150):
        result = invoke([*EMU, "history"], tty={"stdout_isatty": True}, env={"COLUMNS": str(width)})
        lines = result.stdout.splitlines()
        assert len(lines) == 4 and all(len(line) <= width for line in lines), (width, lines)
        assert all(f"v1_{n}" in lines[3 - n] for n in range(3))  # ids stay whole
        assert "prompt 2" in lines[1]
    wide = invoke([*EMU, "history"], tty={"stdout_isatty": True}, env={"COLUMNS": "400"})
    assert "word " * 30 in wide.stdout and "TOKENS" in wide.stdout


def test_a_long_id_is_never_cut(invoke) -> None:
    ident = "v1_" + "x" * 90
    history.record(make(ident), {"input": "hello"}, base_url="emulator:")
    result = invoke([*EMU, "history"], tty={"stdout_isatty": True}, env={"COLUMNS": "80"})
    assert ident in result.stdout


def test_a_state_dir_gem_cannot_create_is_a_warning_naming_the_file(
    invoke, api_key, tmp_path: Path, monkeypatch
) -> None:
    import respx

    from tests.helpers import INTERACTIONS, ok

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("GEM_STATE_DIR", str(blocker / "gem"))
    with respx.mock() as api:
        api.post(INTERACTIONS).mock(return_value=ok())
        result = invoke(["create", "--no-stdin", "Hello"])
    assert result.exit_code == 0 and result.stdout == "Hello there.\n"
    assert result.stderr == (
        f"gem: warning: could not write the history {blocker / 'gem' / 'history.sqlite3'}: "
        "a part of the path is not a directory; run with --debug for details\n"
    )
    assert invoke(["history"]).exit_code == 0  # reading finds no history, no error


def test_permission_denied_on_the_history_is_a_warning(invoke, api_key, monkeypatch) -> None:
    import respx

    from gemini_cli.history import db
    from tests.helpers import INTERACTIONS, ok

    def refused(path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(db, "_create_private", refused)
    with respx.mock() as api:
        api.post(INTERACTIONS).mock(return_value=ok())
        result = invoke(["create", "--no-stdin", "Hello"])
    assert result.exit_code == 0
    assert f"could not write the history {history.db_path()}: permission denied" in result.stderr


@pytest.mark.e2e
def test_the_delete_help_example_runs_twice_in_a_real_shell(shell_env: dict[str, str]) -> None:
    """The example line of `gem delete --help`, verbatim, run twice: both exit 0."""
    import re
    import shutil
    import subprocess

    if not shutil.which("jq"):
        pytest.skip("jq is not installed")
    from gemini_cli.cli.delete import HELP

    example = next(line.strip() for line in HELP.splitlines() if "xargs" in line)
    env = {**shell_env, "GEM_BASE_URL": "emulator:"}
    script = f"set -o pipefail; gem create --no-stdin one >/dev/null; {example}"
    outcomes = []
    for _ in range(2):
        done = subprocess.run(
            ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120
        )
        outcomes.append(done)
        assert done.returncode == 0, done.stderr
        assert re.fullmatch(r"v1_\S+\n", done.stdout), done.stdout  # the one new id, deleted
    assert outcomes[0].stdout != outcomes[1].stdout
    assert history.entries(deleted=False) == []


def test_embedded_emulator_state_dir_gem_cannot_create_is_exit_2(
    invoke, tmp_path: Path, monkeypatch
) -> None:
    """The embedded emulator keeps its state beside the history: a state dir under a regular
    file is exit 2 naming it, before anything runs (never exit 70)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("GEM_STATE_DIR", str(blocker / "gem"))
    result = invoke([*EMU, "create", "--no-stdin", "Hello"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(
        f"gem: error: the embedded emulator cannot use the state directory {blocker / 'gem'}"
    )


def test_continue_picks_the_last_stored_run(invoke) -> None:
    assert invoke([*EMU, "create", "--no-stdin", "first"]).exit_code == 0
    first = history.entries()[0].id
    assert invoke([*EMU, "create", "--no-stdin", "--no-store", "second"]).exit_code == 0
    result = invoke([*EMU, "create", "--no-stdin", "-c", "--dry-run", "third"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["previous_interaction_id"] == first


@pytest.mark.e2e
def test_a_tool_run_is_one_row_pointing_at_its_last_hop(invoke, tmp_path) -> None:
    script = tmp_path / "f.py"
    script.write_text("import sys; print('{\"ok\": 1}')\n")
    result = invoke(
        [
            *EMU,
            "create",
            "--no-stdin",
            "--function",
            f"f={sys.executable} {script}",
            "--run-tools",
            "--json",
            "call f please",
        ]
    )
    assert result.exit_code == 0, result.stderr
    final = json.loads(result.stdout)["id"]
    rows = history.entries()
    assert [r.id for r in rows] == [final]
    assert rows[0].prompt == "call f please" and rows[0].status == "completed"
    assert history.last_id() == final


def test_streamed_continuation_hops_are_one_row(invoke) -> None:
    result = invoke([*EMU, "stream", "--no-stdin", "--json", "a long story [[continue:2]]"])
    assert result.exit_code == 0, result.stderr
    rows = history.entries()
    assert len(rows) == 1 and rows[0].id == json.loads(result.stdout)["id"]


def test_history_escapes_control_characters(invoke) -> None:
    history.record(make("v1_a\x00b"), {"input": "red \x1b[31mALERT\x1b[0m"})
    for tty in ({}, {"stdout_isatty": True}):
        result = invoke(["history", "--all-backends"], tty=tty)
        assert result.exit_code == 0
        assert "\x1b" not in result.stdout and "\x00" not in result.stdout
        assert "\\x1b[31mALERT" in result.stdout and "v1_a\\x00b" in result.stdout
    assert (
        "\x1b[31m"
        in json.loads(invoke(["history", "--all-backends", "--json"]).stdout)[0]["prompt"]
    )


def test_an_unusable_state_dir_is_a_usage_error(embedded, tmp_path, monkeypatch):
    (tmp_path / "notadir").write_text("")
    monkeypatch.setenv("GEM_STATE_DIR", str(tmp_path / "notadir"))
    result = embedded(["create", "a"])
    assert result.exit_code == 2
    assert "state directory" in result.stderr and "notadir" in result.stderr
    assert "internal error" not in result.stderr
