"""Items the API leaves running (an agent, `background` in a body) are waited for like
`collect` does; one that is still running at the deadline is never lost nor created twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from gemini_cli.batch.journal import Journal
from gemini_cli.emulator import start_background
from gemini_cli.emulator.engine import Engine
from tests.batch.conftest import lines_of
from tests.conftest import FakeClock

AGENT = "deep-research-preview-04-2026"


@pytest.fixture
def paced(api_key: str, fake_clock: FakeClock) -> Iterator[Any]:
    """Background work takes 5 s of the test's fake clock: done once gem has waited for it."""
    engine = Engine(work_seconds=5.0, clock=fake_clock.wall)
    with start_background(engine=engine) as server:
        yield server


@pytest.fixture
def endless(api_key: str) -> Iterator[Any]:
    """Background work that outlasts any test."""
    with start_background(work_seconds=3600.0) as server:
        yield server


def _items(tmp_path: Any) -> str:
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps({"key": "r", "prompt": "research cats", "agent": AGENT})
        + "\n"
        + json.dumps({"key": "b", "body": {"input": "later", "background": True}})
        + "\n"
        + '"plain"\n'
    )
    return str(path)


def test_an_agent_item_is_waited_for_and_its_answer_printed(
    invoke: Any, paced: Any, fake_clock: FakeClock, tmp_path
):
    result = invoke(["--base-url", paced.url, "batch", _items(tmp_path)])
    assert result.exit_code == 0, result.stderr
    lines = lines_of(result)
    assert [(x["key"], x["status"], x["exit_code"]) for x in lines] == [
        ("r", "completed", 0), ("b", "completed", 0), (3, "completed", 0),
    ]  # fmt: skip
    assert "research cats" in lines[0]["text"] and "later" in lines[1]["text"]
    assert sum(fake_clock.sleeps) >= 5.0  # polled until the work was done


def test_still_running_at_the_deadline_without_a_journal_prints_the_id_to_poll(
    invoke: Any, endless: Any, tmp_path
):
    result = invoke(["--base-url", endless.url, "--timeout", "30", "batch", _items(tmp_path)])
    assert result.exit_code == 10, result.stderr
    first, second, plain = lines_of(result)
    assert (first["status"], first["exit_code"], plain["exit_code"]) == ("in_progress", 8, 0)
    assert first["id"] and f"gem poll {first['id']}" in first["error"]["message"]
    assert second["exit_code"] == 8 and "exit 8: 2" in result.stderr


def test_still_running_with_a_journal_is_collected_later_never_created_again(
    invoke: Any, endless: Any, tmp_path
):
    journal = str(tmp_path / "j.db")
    args = ["--base-url", endless.url, "--timeout", "30", "batch", _items(tmp_path)]
    first = invoke([*args, "--journal", journal])
    assert first.exit_code == 8, first.stderr
    assert [x["key"] for x in lines_of(first)] == [3]  # the others wait in the journal
    assert f"2 still running; collect them later with: gem batch collect {journal}" in (
        first.stderr
    )
    ids = _submitted_ids(journal)
    again = invoke([*args, "--journal", journal])
    assert (again.exit_code, again.stdout) == (8, "")
    assert _submitted_ids(journal) == ids  # collected again, not created again


def _submitted_ids(path: str) -> list[str | None]:
    journal = Journal(path)
    try:
        return [entry.interaction_id for entry in journal.pending()]
    finally:
        journal.close()
