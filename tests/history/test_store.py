"""The history store: rows per back-end, deleted rows, upgrades of an older file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from gemini_cli.api.models import Interaction
from gemini_cli.core.errors import UsageError
from gemini_cli.history import store as history
from gemini_cli.history.rows import backend_of

REAL = "https://generativelanguage.googleapis.com"


def make(ident: str, status: str = "completed") -> Interaction:
    return Interaction.from_dict({"id": ident, "status": status, "model": "m"})


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("emulator:", "emulator:"),
        ("EMULATOR:anything", "emulator:"),
        ("https://generativelanguage.googleapis.com/", REAL),
        ("HTTPS://GenerativeLanguage.googleapis.com:443", REAL),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("http://[::1]:80/proxy/", "http://[::1]/proxy"),
        ("", None),
        (None, None),
    ],
)
def test_backend_is_spelled_one_way(url, backend) -> None:
    assert backend_of(url) == backend


def test_last_is_per_backend() -> None:
    history.record(make("emu-1"), {"input": "a"}, base_url="emulator:")
    history.record(make("real-1"), {"input": "b"}, base_url=REAL + "/")
    history.record(make("local-1"), {"input": "c"}, base_url="http://127.0.0.1:9")
    assert history.last_id("emulator:x") == "emu-1"
    assert history.last_id(REAL) == "real-1"
    assert history.resolve_id("last", "http://127.0.0.1:9/") == "local-1"
    assert history.last_id() == "local-1"  # (library use: any back-end)
    with pytest.raises(UsageError, match="on http://127.0.0.1:10"):
        history.last_id("http://127.0.0.1:10")
    assert [r.id for r in history.entries(base_url="emulator:")] == ["emu-1"]
    assert {r.base_url for r in history.entries()} == {"emulator:", REAL, "http://127.0.0.1:9"}


def test_a_later_hop_keeps_the_backend() -> None:
    history.record(make("a"), {"input": "x"}, base_url="emulator:")
    history.record(make("b"), {}, replaces="a", base_url="emulator:")
    [row] = history.entries()
    assert (row.id, row.base_url, row.prompt) == ("b", "emulator:", "x")


def test_deleted_rows_are_kept_but_never_picked() -> None:
    history.record(make("old"), {"input": "a"}, base_url="emulator:")
    history.record(make("new"), {"input": "b"}, base_url="emulator:")
    assert history.mark_deleted("new", REAL) is False  # another back-end's row is untouched
    assert history.mark_deleted("new", "emulator:") is True
    assert history.last_id("emulator:") == "old"
    assert [r.id for r in history.read_entries(base_url="emulator:")] == ["old"]
    rows = history.read_entries(base_url="emulator:", deleted=True)
    assert [(r.id, r.deleted) for r in rows] == [("new", True), ("old", False)]
    history.mark_deleted("old", "emulator:")
    with pytest.raises(UsageError, match="deleted"):
        history.last_id("emulator:")


def test_mark_deleted_without_a_history_creates_nothing() -> None:
    assert history.mark_deleted("a", "emulator:") is False
    assert not history.db_path().exists()


def test_limit_counts_only_matching_rows() -> None:
    for n in range(5):
        history.record(make(f"e{n}"), {}, base_url="emulator:")
        history.record(make(f"r{n}"), {}, base_url=REAL)
    assert [r.id for r in history.entries(2, "emulator:")] == ["e4", "e3"]
    assert len(history.entries(0, REAL)) == 5


def test_an_older_history_gains_the_new_columns() -> None:
    """Rows an older gem wrote have no back-end: listed with every back-end only, never
    `last` of one (their id could be an emulator's or the real API's)."""
    path = history.db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    old_schema = history.SCHEMA.replace(",\n    base_url TEXT,\n    deleted INTEGER", "")
    with sqlite3.connect(path) as conn:
        conn.execute(old_schema)
        conn.execute("INSERT INTO interactions (id, created, updated) VALUES ('old', 'c', 'u')")
    assert [(r.id, r.base_url, r.deleted) for r in history.entries()] == [("old", None, False)]
    assert history.continuable_id("emulator:") is None
    history.record(make("new"), {"input": "x"}, base_url="emulator:")
    assert history.last_id("emulator:") == "new"
    assert history.mark_deleted("new", "emulator:")
    assert [r.id for r in history.entries(deleted=False)] == ["old"]


def test_write_failure_names_the_file_and_the_reason() -> None:
    message = history.write_failure(PermissionError(13, "Permission denied"))
    assert message == f"could not write the history {history.db_path()}: permission denied"
    assert history.write_failure(NotADirectoryError(20, "Not a directory")).endswith(
        "a part of the path is not a directory"
    )
    assert history.write_failure(sqlite3.OperationalError("disk I/O error")).endswith(
        ": disk I/O error"
    )


class FakeTime:
    """Stands in for the `time` module in history/db.py: sleeping advances the clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds + 1.0  # each attempt also waited out SQLite's busy timeout


def test_a_history_locked_for_good_costs_a_bounded_wait_and_one_warning(
    invoke, monkeypatch
) -> None:
    """Another process holding the history locked must not keep a finished command waiting
    (it once waited 8 x 5 s, past --timeout): one warning, the command's own exit code."""
    from gemini_cli.history import db

    history.record(make("a"), {"input": "first"}, base_url="emulator:")
    fake = FakeTime()
    monkeypatch.setattr(db, "time", fake)
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 10)
    blocker = sqlite3.connect(history.db_path(), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        result = invoke(["--base-url", "emulator:", "create", "--no-stdin", "second"])
    finally:
        blocker.close()
    assert result.exit_code == 0, result.output
    assert result.stdout == "Echo: second (turn 1)\n"
    assert result.stderr.count("could not write the history") == 1
    assert "database is locked" in result.stderr
    assert fake.sleeps and fake.now <= 6.0  # WAIT_SECONDS and one last busy timeout
    assert [r.id for r in history.entries()][-1] == "a"


JOBS = 8


WRITER = """
import sys
from gemini_cli.history import store as history
from gemini_cli.api.models import Interaction
for n in range(int(sys.argv[2])):
    history.record(Interaction.from_dict({{"id": f"{{sys.argv[1]}}-{{n}}", "status": "completed"}}),
                   {{"input": "p"}})
"""


@pytest.mark.e2e
def test_parallel_creates_are_all_recorded(shell_env: dict[str, str], gem_bin) -> None:
    env = {**shell_env, "GEM_BASE_URL": "emulator:"}
    procs = [
        subprocess.Popen(
            [str(gem_bin), "create", "--no-stdin", f"job {i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(JOBS)
    ]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert all(code == 0 for code, _, _ in outcomes), outcomes
    assert not any("warning" in err for _, _, err in outcomes), outcomes
    prompts = sorted(r.prompt for r in history.entries(limit=0))
    assert prompts == sorted(f"job {i}" for i in range(JOBS))


@pytest.mark.e2e
def test_xargs_parallel_pipeline(shell_env: dict[str, str]) -> None:
    script = f"set -o pipefail; seq {JOBS} | xargs -P {JOBS} -I{{}} gem create --no-stdin 'x {{}}'"
    done = subprocess.run(
        ["bash", "-c", script],
        env={**shell_env, "GEM_BASE_URL": "emulator:"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == JOBS
    assert len(history.entries(limit=0)) == JOBS


@pytest.mark.e2e
def test_many_writers_lose_no_rows(shell_env: dict[str, str]) -> None:
    """History writes alone, hammered by 8 processes at once: every row is kept."""
    per_proc = 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER.format(), f"w{i}", str(per_proc)],
            env=shell_env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(JOBS)
    ]
    errors = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
    assert all(code == 0 for code, _ in errors), errors
    assert len(history.entries(limit=0)) == JOBS * per_proc


def test_last_skips_interactions_created_without_store() -> None:
    history.record(make("kept"), {"input": "a"})
    history.record(make("gone"), {"input": "b", "store": False})
    assert history.last_id() == "kept"
    rows = history.entries()
    assert [(r.id, r.stored) for r in rows] == [("gone", False), ("kept", True)]


def test_only_no_store_runs_means_nothing_to_continue() -> None:
    history.record(make("gone"), {"input": "b", "store": False})
    with pytest.raises(Exception, match="no previous interaction"):
        history.last_id()


def test_an_older_history_without_the_stored_column_still_works() -> None:
    import sqlite3

    path = history.db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute(history.SCHEMA.replace(",\n    stored INTEGER", ""))
        conn.execute("INSERT INTO interactions (id, created, updated) VALUES ('old', 'c', 'u')")
    assert history.last_id() == "old"
    assert history.entries()[0].stored is None
    history.record(make("new"), {"input": "x"})
    assert [r.id for r in history.entries()] == ["new", "old"]
