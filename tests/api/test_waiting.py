"""gemini_cli.api.waiting: backoff, timeouts, transient errors and the event stream, no sleeping."""

from __future__ import annotations

import itertools

import httpx
import pytest

from gemini_cli.api.client import InteractionsClient
from gemini_cli.api.errors import NetworkError, NotFoundError, ServerError, StillRunningError
from gemini_cli.api.waiting import heading, latest_thought, poll_intervals, wait_until_done
from tests.fake_api import Dropped, completed, sse, thought
from tests.helpers import IID


@pytest.fixture
def client(fake_api, fake_clock):
    with InteractionsClient(api_key="k", max_retries=0, clock=fake_clock) as c:
        yield c


def wait(client, fake_clock, updates=None, **kwargs):
    on_update = updates.append if updates is not None else None
    return wait_until_done(client, IID, clock=fake_clock, on_update=on_update, **kwargs)


def test_intervals_start_at_one_second_and_back_off_to_the_cap():
    got = list(itertools.islice(poll_intervals(15.0), 9))
    assert got == pytest.approx([1, 1.5, 2.25, 3.375, 5.0625, 7.59375, 11.390625, 15, 15])


def test_intervals_never_exceed_a_small_cap():
    assert list(itertools.islice(poll_intervals(0.5), 3)) == [0.5, 0.5, 0.5]


def test_polls_with_backoff_until_completed(client, fake_api, fake_clock):
    fake_api.statuses = ["queued"] + ["in_progress"] * 5 + ["completed"]
    result = wait(client, fake_clock, stream=False)
    assert result.status == "completed" and result.output_text == "The report."
    assert fake_clock.sleeps == pytest.approx([1, 1.5, 2.25, 3.375, 5.0625, 7.59375])
    assert fake_api.gets() == ["get"] * 7


def test_max_interval_caps_the_pauses(client, fake_api, fake_clock):
    fake_api.statuses = ["in_progress"] * 5 + ["completed"]
    wait(client, fake_clock, stream=False, max_interval=2)
    assert fake_clock.sleeps == [1, 1.5, 2, 2, 2]


@pytest.mark.parametrize(
    "status", ["failed", "cancelled", "incomplete", "budget_exceeded", "requires_action"]
)
def test_any_final_status_ends_the_wait(client, fake_api, fake_clock, status):
    fake_api.statuses = ["in_progress", status]
    assert wait(client, fake_clock, stream=False).status == status


def test_timeout_raises_still_running_after_a_last_check(client, fake_api, fake_clock):
    fake_api.statuses = ["in_progress"]
    with pytest.raises(StillRunningError) as caught:
        wait(client, fake_clock, stream=False, timeout=4)
    assert fake_clock.sleeps == [1, 1.5, 1.5]  # the last pause ends exactly at the deadline
    assert fake_api.gets() == ["get"] * 4
    assert caught.value.exit_code == 8 and caught.value.interaction_id == IID
    assert "still in_progress" in caught.value.message


def test_transient_errors_are_survived_and_reported(client, fake_api, fake_clock):
    fake_api.statuses = ["in_progress", 503, 429, "completed"]
    updates = []
    assert wait(client, fake_clock, updates, stream=False).status == "completed"
    assert fake_clock.sleeps == [1, 1.5, 2.25]
    notes = [u.note for u in updates if u.note]
    assert len(notes) == 2 and "retrying" in notes[0]
    assert updates[-1].status == "completed" and updates[-1].note is None


def test_transient_errors_until_the_timeout_end_in_still_running(client, fake_api, fake_clock):
    fake_api.statuses = [503, 503, "in_progress", 503]
    with pytest.raises(StillRunningError):
        wait(client, fake_clock, stream=False, timeout=3)


def test_a_server_that_keeps_failing_ends_the_wait(client, fake_api, fake_clock):
    # Waiting without a limit is right only while the server answers.
    fake_api.statuses = [503]
    with pytest.raises(ServerError) as caught:
        wait(client, fake_clock)
    assert fake_api.gets() == ["get"] * 3
    assert caught.value.exit_code == 6 and caught.value.interaction_id == IID
    assert "gem poll" in caught.value.hint


def test_an_unreachable_server_ends_the_wait_with_exit_6(fake_clock):
    tries = []

    def refuse(request):
        tries.append(request)
        raise httpx.ConnectError("connection refused")

    transport = httpx.MockTransport(refuse)
    client = InteractionsClient(api_key="k", transport=transport, clock=fake_clock, max_retries=2)
    with client, pytest.raises(NetworkError) as caught:
        wait(client, fake_clock)
    assert caught.value.exit_code == 6 and "cannot reach" in caught.value.message
    assert len(tries) == 1 + 2  # never reached: the usual retries of one request, like `gem get`


def test_an_unreachable_server_after_answers_gets_more_checks(client, fake_api, fake_clock):
    fake_api.statuses = ["in_progress", 503, 503, "completed"]
    assert wait(client, fake_clock, stream=False).status == "completed"


def test_a_request_cut_by_the_deadline_is_still_running_not_a_failure(fake_clock):
    def stall(request):
        fake_clock.advance(10)  # the deadline passes while the request is on its way
        raise httpx.ConnectTimeout("timed out")

    client = InteractionsClient(api_key="k", transport=httpx.MockTransport(stall), clock=fake_clock)
    with client, pytest.raises(StillRunningError) as caught:
        wait(client, fake_clock, timeout=5)
    assert "gave no status after 5s (--timeout)" in caught.value.message
    assert "retrying" not in caught.value.message


def test_each_request_gets_a_bounded_deadline(client, fake_api, fake_clock):
    seen = []
    original = client.get

    def spy(*args, **kwargs):
        seen.append(client.timeout)
        return original(*args, **kwargs)

    client.get = spy
    fake_api.statuses = ["in_progress", "completed"]
    wait(client, fake_clock, stream=False, timeout=1000)
    assert seen == [60, 60] and client.timeout == 600  # restored afterwards


def test_not_found_is_fatal(client, fake_api, fake_clock):
    fake_api.statuses = [404]
    with pytest.raises(NotFoundError):
        wait(client, fake_clock)


def test_progress_reports_status_changes_only(client, fake_api, fake_clock):
    fake_api.statuses = ["queued", "queued", "in_progress", "in_progress", "completed"]
    updates = []
    wait(client, fake_clock, updates, stream=False)
    assert [u.status for u in updates] == ["queued", "in_progress", "completed"]
    assert updates[1].elapsed == 2.5


# -- the event stream ---------------------------------------------------------------------


def test_stream_shows_thoughts_then_a_final_get(client, fake_api, fake_clock):
    fake_api.statuses = ["in_progress", "completed"]
    fake_api.streams = [
        sse(
            {
                "event_type": "interaction.created",
                "interaction": {"id": IID, "status": "in_progress"},
            },
            thought("**Planning the research**\n\nFirst, ...", "e1"),
            thought("**Searching the web**", "e2"),
            completed(),
        )
    ]
    updates = []
    result = wait(client, fake_clock, updates)
    assert result.status == "completed" and result.output_text == "The report."
    assert fake_api.gets() == ["get", "stream", "get"]
    assert fake_clock.sleeps == []  # no polling delay at all
    thoughts = [u.thought for u in updates if u.thought]
    assert thoughts[0] == "Planning the research" and thoughts[-1] == "Searching the web"


def test_a_finished_interaction_needs_no_stream(client, fake_api, fake_clock):
    fake_api.statuses = ["completed"]
    wait(client, fake_clock)
    assert fake_api.gets() == ["get"]


def test_dropped_stream_is_reattached_after_the_last_event(client, fake_api, fake_clock):
    fake_api.statuses = ["in_progress", "completed"]
    # The server replays everything after e1, including the events without an id we saw.
    fake_api.streams = [
        Dropped(sse(thought("one", "e1"), thought("two"), thought("one"), done=False)),
        sse(thought("two"), thought("one"), thought("three", "e3"), completed()),
    ]
    updates = []
    wait(client, fake_clock, updates)
    assert fake_api.gets() == ["get", "stream", "stream@e1", "get"]
    shown = [k for k, _ in itertools.groupby(u.thought for u in updates if u.thought)]
    assert shown == ["one", "two", "one", "three"]  # the replayed two events were skipped


def test_a_quiet_stream_is_checked_and_reattached(client, fake_api, fake_clock):
    class Quiet(Dropped):
        def __iter__(self):
            yield self.data
            raise httpx.ReadTimeout("idle")

    fake_api.statuses = ["in_progress", "in_progress", "completed"]
    fake_api.streams = [Quiet(sse(thought("one", "e1"), done=False)), sse(completed())]
    assert wait(client, fake_clock).status == "completed"
    assert fake_api.gets() == ["get", "stream", "get", "stream@e1", "get"]


def test_refused_stream_falls_back_to_polling(client, fake_api, fake_clock):
    fake_api.statuses = ["in_progress", "in_progress", "completed"]
    fake_api.streams = [400]
    assert wait(client, fake_clock).status == "completed"
    assert fake_api.gets() == ["get", "stream", "get", "get"]
    assert fake_clock.sleeps == [1, 1.5]


def test_a_stream_that_keeps_failing_is_given_up(client, fake_api, fake_clock):
    fake_api.statuses = ["in_progress", "completed"]
    fake_api.streams = [503, 503, sse(completed())]
    updates = []
    wait(client, fake_clock, updates)
    assert fake_api.gets() == ["get", "stream", "stream", "get"]
    assert any("event stream" in (u.note or "") for u in updates)


def test_stream_ending_early_is_confirmed_by_polling(client, fake_api, fake_clock):
    fake_api.statuses = ["in_progress", "in_progress", "completed"]
    # [DONE] without interaction.completed: re-attached once (refused here), then polled.
    fake_api.streams = [sse(thought("one", "e1"))]
    assert wait(client, fake_clock).status == "completed"
    assert fake_api.gets() == ["get", "stream", "stream@e1", "get", "get"]


def test_stream_respects_the_timeout(client, fake_api, fake_clock):
    fake_api.statuses = ["in_progress"]

    class Slow(Dropped):
        def __iter__(self):
            fake_clock.advance(10)  # a quiet stream: the deadline passes while reading
            yield sse(thought("late", "e1"), done=False)

    fake_api.streams = [Slow(b"")]
    with pytest.raises(StillRunningError):
        wait(client, fake_clock, timeout=5)
    assert fake_api.gets() == ["get", "stream", "get"]


# -- thought headings ---------------------------------------------------------------------


def test_heading_strips_markdown():
    assert heading("**Planning the research**\n\nI will look") == "Planning the research"
    assert heading("## Reading sources") == "Reading sources"
    assert heading("\n  \n") is None


def test_latest_thought_from_steps():
    steps = [
        {"type": "thought", "summary": [{"type": "text", "text": "**A**"}]},
        {"type": "model_output", "content": []},
        {"type": "thought", "summary": [{"type": "text", "text": "B\nmore"}]},
    ]
    assert latest_thought(steps) == "B"
    assert latest_thought([]) is None


# -- one stream reader: the same events whichever command reads ------------------------------


def test_garbage_a_drop_and_a_replay_give_the_same_events_to_stream_and_poll(
    client, fake_api, fake_clock, monkeypatch
):
    # Issue 10: a proxy's non-JSON line, then a drop, then a replay from the start (no ids).
    from gemini_cli.api import waiting
    from gemini_cli.api.streaming import follow

    one, two, three = thought("one"), thought("two"), thought("three")
    broken = sse(one, done=False) + b"data: {not json\n\n" + sse(two, done=False)

    def script():
        fake_api.statuses = ["in_progress", "completed"]
        fake_api.streams = [Dropped(broken), sse(one, two, three, completed())]

    script()
    streamed = list(follow(client, interaction_id=IID, clock=fake_clock))
    script()
    seen: list[dict] = []
    monkeypatch.setattr(waiting._Waiter, "on_event", lambda self, event: seen.append(event))
    wait(client, fake_clock)
    assert seen == streamed == [one, two, three, completed()]


def test_keep_alives_do_not_outrun_the_timeout(client, fake_api, fake_clock):
    # Issue 12/17.3: a quiet in_progress interaction, the server sending only comments.
    class KeepAlive(Dropped):
        def __iter__(self):
            while True:
                fake_clock.advance(1)
                yield b": keep-alive\n\n"

    fake_api.statuses = ["in_progress"]
    fake_api.streams = [KeepAlive(b"")]
    start = fake_clock.now
    with pytest.raises(StillRunningError) as caught:
        wait(client, fake_clock, timeout=3)
    assert fake_clock.now - start == 3
    assert caught.value.exit_code == 8
    assert fake_api.gets() == ["get", "stream", "get"]
