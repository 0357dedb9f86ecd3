"""The journal: finished, submitted and printed items survive the process; runs are counted."""

from __future__ import annotations

from gemini_cli.batch.journal import DONE, FAILED, SUBMITTED, Journal


def test_what_finished_is_known_to_the_next_run(tmp_path):
    path = tmp_path / "j.db"
    journal = Journal(path)
    assert journal.run == 1
    journal.finished("a", 1, 0, "id-a", '{"key":"a"}')
    journal.finished("b", 2, 5, None, '{"key":"b"}')
    journal.submitted("c", '"c"', 3, "id-c", True)
    journal.emitted("a")
    journal.close()

    again = Journal(path)
    assert again.run == 2
    a, b, c = (again.lookup(k) for k in "abc")
    assert a is not None and (a.state, a.emitted, a.run) == (DONE, True, 1)
    assert b is not None and (b.state, b.emitted) == (FAILED, False)
    assert c is not None and (c.state, c.interaction_id, c.expect_json) == (SUBMITTED, "id-c", True)
    assert again.lookup("zzz") is None
    assert [e.key for e in again.unemitted()] == ["b"]
    assert [e.key for e in again.pending()] == ["c"]
    assert again.counts() == {DONE: 1, FAILED: 1, SUBMITTED: 1}


def test_listing_pages_through_many_rows_in_line_order(tmp_path):
    journal = Journal(tmp_path / "j.db")
    for n in range(1200, 0, -1):
        journal.submitted(f"k{n}", f'"k{n}"', n, f"id{n}", False)
    assert [e.line for e in journal.pending()] == list(range(1, 1201))


def test_a_path_that_cannot_be_a_journal_is_a_usage_error(tmp_path):
    import pytest

    from gemini_cli.core.errors import UsageError

    (tmp_path / "bad.db").write_text("this is not sqlite " * 100)
    with pytest.raises(UsageError, match="cannot use it as a batch journal"):
        Journal(tmp_path / "bad.db")
