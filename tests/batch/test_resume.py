"""The journal across runs: finished items are skipped, failed ones retried on request, items a
killed run never printed are printed from the journal, background ids are collected."""

from __future__ import annotations

import json
from typing import Any

from gemini_cli.api.retry import Clock
from gemini_cli.batch.journal import Journal
from tests.batch.conftest import Batch, lines_of, write_items


def test_a_rerun_skips_what_finished(batch: Batch, tmp_path):
    source = write_items(tmp_path / "in.jsonl", 6)
    journal = str(tmp_path / "j.db")
    first = batch(str(source), "--journal", journal)
    assert len(lines_of(first)) == 6
    source.write_text(source.read_text() + '"prompt 7"\n')
    second = batch(str(source), "--journal", journal)
    assert [x["key"] for x in lines_of(second)] == [7]
    assert "6 skipped (journal)" in second.stderr


def test_failed_items_are_retried_only_with_retry_failed(batch: Batch, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '"ok"\n' + json.dumps({"prompt": "x", "attach": str(tmp_path / "late.txt")}) + "\n"
    )
    journal = str(tmp_path / "j.db")
    assert batch(str(source), "--journal", journal).exit_code == 10
    again = batch(str(source), "--journal", journal)
    assert (again.exit_code, again.stdout) == (0, "")
    (tmp_path / "late.txt").write_text("here now")
    retried = batch(str(source), "--journal", journal, "--retry-failed")
    assert retried.exit_code == 0
    assert [(x["key"], x["exit_code"]) for x in lines_of(retried)] == [(2, 0)]


def test_items_finished_but_never_printed_are_printed_from_the_journal(
    batch: Batch, emulator: Any, tmp_path
):
    source = write_items(tmp_path / "in.jsonl", 3)
    path = tmp_path / "j.db"
    journal = Journal(path)  # as a run killed while item 2 waited for item 1 to be printed
    journal.finished("2", 2, 0, "id-2", '{"key":2,"status":"completed","exit_code":0}')
    journal.close()
    result = batch(str(source), "--journal", str(path))
    keys = [x["key"] for x in lines_of(result)]
    assert sorted(keys) == [1, 2, 3] and keys[0] == 2  # never sent again
    assert "1 printed from the journal" in result.stderr
    assert batch(str(source), "--journal", str(path)).stdout == ""


def test_duplicate_keys_are_bad_lines_with_a_journal(batch: Batch, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"key": "a", "prompt": "x"}\n"y"\n{"key": "a", "prompt": "z"}\n')
    result = batch(str(source), "--journal", str(tmp_path / "j.db"), "-j", "1")
    assert result.exit_code == 10
    assert "line 3: duplicate key 'a'" in result.stderr


def test_background_submits_everything_then_collects(batch: Batch, tmp_path):
    source = write_items(tmp_path / "in.jsonl", 5)
    journal = str(tmp_path / "j.db")
    result = batch(str(source), "--background", "--journal", journal, clock=Clock())
    assert result.exit_code == 0, result.stderr
    lines = lines_of(result)
    assert [x["key"] for x in lines] == [1, 2, 3, 4, 5]
    assert {x["status"] for x in lines} == {"completed"}
    assert "5 submitted" in result.stderr
    assert Journal(journal).counts() == {"done": 5}


def test_submit_then_collect(batch: Batch, tmp_path):
    source = write_items(tmp_path / "in.jsonl", 4)
    journal = str(tmp_path / "j.db")
    submitted = batch("submit", str(source), "--journal", journal)
    assert (submitted.exit_code, submitted.stdout) == (0, "")
    assert "4 submitted" in submitted.stderr
    collected = batch("collect", journal, clock=Clock())  # polls on the real clock
    assert collected.exit_code == 0, collected.stderr
    assert [x["key"] for x in lines_of(collected)] == [1, 2, 3, 4]
    assert batch("collect", journal).stdout == ""  # collected once


def test_submit_again_skips_what_was_submitted_and_waits_for_nothing(batch: Batch, tmp_path):
    source = write_items(tmp_path / "in.jsonl", 3)
    journal = str(tmp_path / "j.db")
    assert batch("submit", str(source), "--journal", journal).exit_code == 0
    again = batch("submit", str(source), "--journal", journal)
    assert (again.exit_code, again.stdout) == (0, "")  # nothing collected, nothing printed
    assert "3 skipped (journal)" in again.stderr
    assert Journal(journal).counts() == {"submitted": 3}  # all left for `collect`


def test_submit_needs_a_journal_and_collect_an_existing_one(batch: Batch, tmp_path):
    source = str(write_items(tmp_path / "in.jsonl", 1))
    assert "--journal" in batch("submit", source).stderr
    missing = batch("collect", str(tmp_path / "none.db"))
    assert missing.exit_code == 2 and "no such journal" in missing.stderr
