"""`gem stream`: formats, exit codes, resumption, Ctrl-C, and the flags around them."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from gemini_cli.history import store as history
from tests.helpers import FullDevice
from tests.stream_fakes import (
    CALL_ID,
    CALL_SSE,
    TEXT_ID,
    TEXT_OUT,
    TEXT_SSE,
    blocks,
    dropped,
    payloads,
    replayer,
    sse,
    sse_response,
)

# Every test here talks to the respx `api` router with a key configured.
pytestmark = pytest.mark.usefixtures("api_key")

CREATED = {
    "event_type": "interaction.created",
    "event_id": "e0",
    "interaction": {"id": "v1_x", "status": "in_progress"},
}


def completed(status: str = "completed", **extra) -> dict:
    return {
        "event_type": "interaction.completed",
        "event_id": "e9",
        "interaction": {"id": "v1_x", "status": status, **extra},
    }


def text(index: int, value: str, event_id: str | None = None) -> dict:
    event = {"event_type": "step.delta", "index": index, "delta": {"type": "text", "text": value}}
    return {**event, "event_id": event_id} if event_id else event


def thought(index: int, value: str) -> dict:
    return {
        "event_type": "step.delta",
        "index": index,
        "delta": {"type": "thought_summary", "content": {"type": "text", "text": value}},
    }


@pytest.fixture
def post(api):
    """The streaming create; tests set its side effect."""
    return api.post("/interactions")


@pytest.fixture
def attach(api):
    """Re-attaching replays TEXT_SSE; a plain GET returns the stored (completed) interaction."""
    replay = replayer(TEXT_SSE)

    def handle(request):
        if request.url.params.get("stream") == "true":
            return replay(request)
        return httpx.Response(200, json=STORED)

    return api.get(f"/interactions/{TEXT_ID}").mock(side_effect=handle)


# -- formats ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 7, 64, 10_000])
def test_text_arrives_whole_however_the_bytes_are_chunked(invoke, post, size):
    post.mock(return_value=sse_response(TEXT_SSE, size=size))
    result = invoke(["stream", "Count to 10"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == TEXT_OUT
    assert result.stderr == ""


def test_crlf_transcripts_work_too(invoke, post):
    post.mock(return_value=sse_response(TEXT_SSE.replace(b"\n", b"\r\n"), size=3))
    assert invoke(["stream", "hi"]).stdout == TEXT_OUT


def test_sends_stream_true_and_asks_for_sse(invoke, post):
    post.mock(return_value=sse_response(TEXT_SSE))
    invoke(["stream", "-m", "gemini-3-flash-preview", "Count", "to", "10"])
    request = post.calls[0].request
    assert json.loads(request.content) == {
        "input": "Count to 10",
        "model": "gemini-3-flash-preview",
        "stream": True,
    }
    assert request.headers["accept"] == "text/event-stream"


def test_text_that_ends_with_a_newline_gets_no_extra_one(invoke, post):
    post.mock(return_value=sse_response(sse(CREATED, text(0, "a\n"), text(0, "b\n"), completed())))
    assert invoke(["stream", "hi"]).stdout == "a\nb\n"


def test_no_text_prints_nothing(invoke, post):
    post.mock(return_value=sse_response(sse(CREATED, completed())))
    result = invoke(["stream", "hi"])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no output text" in result.stderr


def test_ndjson_prints_every_payload_exactly_as_sent(invoke, post):
    post.mock(return_value=sse_response(TEXT_SSE, size=5))
    result = invoke(["stream", "--format", "ndjson", "hi"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == payloads(TEXT_SSE)


def test_json_prints_the_rebuilt_interaction_once(invoke, post):
    post.mock(return_value=sse_response(TEXT_SSE))
    result = invoke(["stream", "--json", "hi"])
    data = json.loads(result.stdout)
    assert data["id"] == TEXT_ID and data["status"] == "completed"
    assert data["usage"]["total_tokens"] == 80
    assert data["steps"][1] == {
        "type": "model_output",
        "content": [{"type": "text", "text": TEXT_OUT.strip()}],
    }


def test_yaml_and_id_formats(invoke, post):
    post.mock(side_effect=lambda request: sse_response(TEXT_SSE))
    assert yaml.safe_load(invoke(["stream", "-f", "yaml", "hi"]).stdout)["id"] == TEXT_ID
    assert invoke(["stream", "-f", "id", "hi"]).stdout == TEXT_ID + "\n"


def test_unknown_format_is_a_usage_error(invoke, post):
    result = invoke(["stream", "-f", "csv", "hi"])
    assert result.exit_code == 2
    assert post.call_count == 0


# -- outcomes -----------------------------------------------------------------------------


def test_requires_action_prints_the_rebuilt_calls_and_exits_9(invoke, api):
    api.post("/interactions").mock(return_value=sse_response(CALL_SSE, size=11))
    result = invoke(["stream", "What is the weather in Boston?"])
    assert result.exit_code == 9
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {
            "type": "function_call",
            "id": "un6k8t18",
            "name": "get_weather",
            "arguments": {"location": "Boston, MA"},
        }
    ]
    assert "requires action" in result.stderr and CALL_ID in result.stderr


def test_an_error_event_exits_1_with_its_message(invoke, post):
    error = {"event_type": "error", "error": {"code": "gateway_timeout", "message": "Upstream"}}
    post.mock(return_value=sse_response(sse(CREATED, text(0, "partial"), error)))
    result = invoke(["stream", "hi"])
    assert result.exit_code == 1
    assert result.stdout == "partial"  # a file gets the text as it came, nothing added
    assert "Upstream (gateway_timeout)" in result.stderr
    on_screen = invoke(["stream", "hi"], tty={"stdout_isatty": True})
    assert on_screen.stdout == "partial\n"  # the error line starts on a line of its own


@pytest.mark.parametrize(("status", "code"), [("failed", 1), ("cancelled", 7), ("incomplete", 7)])
def test_the_final_status_sets_the_exit_code(invoke, post, status, code):
    post.mock(return_value=sse_response(sse(CREATED, text(0, "x"), completed(status))))
    assert invoke(["stream", "hi"]).exit_code == code


def test_usage_goes_to_stderr(invoke, post):
    post.mock(return_value=sse_response(TEXT_SSE))
    result = invoke(["stream", "--usage", "hi"])
    assert result.stdout == TEXT_OUT
    assert (
        "gem: usage: input 11, output 24, thought 45, cached 0, tool use 0, total 80 tokens"
        in result.stderr
    )


def test_thoughts_go_to_stderr_only_when_asked(invoke, post):
    # Each thought_summary delta is a summary block: each starts on a line of its own.
    events = sse(
        CREATED,
        thought(0, "**Pondering**"),
        thought(0, "**Deciding**\n"),
        thought(0, "Done"),
        {"event_type": "step.stop", "index": 0},
        text(1, "Answer"),
        completed(),
    )
    post.mock(side_effect=lambda request: sse_response(events))
    quiet = invoke(["stream", "hi"])
    assert (quiet.stdout, quiet.stderr) == ("Answer\n", "")
    shown = invoke(["stream", "--thoughts", "hi"])
    assert (shown.stdout, shown.stderr) == ("Answer\n", "**Pondering**\n**Deciding**\nDone\n")
    dim = invoke(["stream", "--thoughts", "hi"], tty={"color": True})
    assert dim.stderr == (
        "\x1b[2m**Pondering**\x1b[0m\n\x1b[2m**Deciding**\n\x1b[0m\x1b[2mDone\x1b[0m\n"
    )


def test_the_interaction_goes_into_the_history(invoke, post):
    post.mock(return_value=sse_response(TEXT_SSE))
    invoke(["stream", "hi"])
    assert history.last_id() == TEXT_ID
    assert history.entries()[0].status == "completed"


# -- resumption ---------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [len(blocks(TEXT_SSE)[0]) + n for n in (0, 100, 400, 700, 900)])
def test_a_dropped_stream_resumes_with_identical_output(invoke, post, attach, cut):
    post.mock(return_value=dropped(TEXT_SSE, cut))
    result = invoke(["stream", "hi"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == TEXT_OUT
    assert attach.call_count == 1
    assert "re-attaching" in result.stderr


def test_the_reattach_carries_the_last_event_id(invoke, post, attach, fake_clock):
    post.mock(return_value=dropped(TEXT_SSE, TEXT_SSE.index(b"6, 7, 8")))
    result = invoke(["stream", "--format", "ndjson", "hi"])
    assert result.stdout.splitlines() == payloads(TEXT_SSE)
    assert dict(attach.calls[0].request.url.params) == {
        "stream": "true",
        "last_event_id": "v1_MV90ZXh0XzE",
    }
    assert fake_clock.sleeps == [0.5]


def test_a_stall_reattaches(invoke, post, attach):
    post.mock(return_value=sse_response(TEXT_SSE, cut=900, fail=httpx.ReadTimeout("slow")))
    result = invoke(["stream", "--idle-timeout", "3", "hi"])
    assert result.stdout == TEXT_OUT
    assert "no data for 3s" in result.stderr


def test_an_eof_before_completed_reattaches(invoke, post, attach):
    post.mock(return_value=sse_response(b"".join(blocks(TEXT_SSE)[:8])))
    result = invoke(["stream", "hi"])
    assert result.stdout == TEXT_OUT
    assert dict(attach.calls[0].request.url.params)["last_event_id"] == "v1_MV90ZXh0XzI"


def test_quiet_hides_the_reconnect_notice(invoke, post, attach):
    post.mock(return_value=dropped(TEXT_SSE, 900))
    result = invoke(["stream", "-q", "hi"])
    assert (result.stdout, result.stderr) == (TEXT_OUT, "")


def test_max_retries_exhausted_exits_6_with_a_reattach_hint(invoke, post, api):
    post.mock(return_value=dropped(TEXT_SSE, TEXT_SSE.index(b"6, 7, 8")))
    dead = api.get(f"/interactions/{TEXT_ID}").mock(side_effect=lambda request: dropped(b"", 0))
    result = invoke(["stream", "--max-retries", "2", "hi"])
    assert result.exit_code == 6
    assert dead.call_count == 2
    assert result.stdout == "1, 2, 3, 4, 5, "
    assert "gave up re-attaching" in result.stderr
    resume = f"re-attach later with: gem stream --attach {TEXT_ID} --last-event-id v1_MV90ZXh0XzE"
    assert resume in result.stderr and "hint:" not in result.stderr  # said once
    assert resume in invoke(["stream", "-q", "--max-retries", "2", "hi"]).stderr
    error = json.loads(invoke(["stream", "--max-retries", "2", "-f", "json", "hi"]).stderr)
    assert (error["error"]["hint"], error["error"]["interaction_id"]) == (resume, TEXT_ID)


STORED_STEPS = [
    {"type": "user_input", "content": [{"type": "text", "text": "Count to 10"}]},
    {"type": "thought", "signature": "EpoGCpcGAXLI2nx"},
    {"type": "model_output", "content": [{"type": "text", "text": TEXT_OUT.strip()}]},
]
# What GET returns once TEXT_SSE's interaction is done (its completed event, plus the steps).
STORED = {**json.loads(payloads(TEXT_SSE)[-1])["interaction"], "steps": STORED_STEPS}
EARLY_DONE = b"".join(blocks(TEXT_SSE)[:7]) + b"data: [DONE]\n\n"  # one text delta, then [DONE]


def cut_short_server(api, status: str = "completed"):
    """Every stream ends with [DONE] before interaction.completed; GET has the stored result."""

    def handle(request):
        if request.url.params.get("stream") == "true":
            return sse_response(b"data: [DONE]\n\n")
        return httpx.Response(
            200,
            json={
                "id": TEXT_ID,
                "status": status,
                "steps": STORED_STEPS,
                "usage": {"total_tokens": 80},
            },
        )

    api.post("/interactions").mock(return_value=sse_response(EARLY_DONE))
    return api.get(f"/interactions/{TEXT_ID}").mock(side_effect=handle)


def test_a_stream_cut_short_by_done_prints_the_rest_from_a_get(invoke, api):
    route = cut_short_server(api)
    result = invoke(["stream", "hi"])
    assert (result.exit_code, result.stdout) == (0, TEXT_OUT), result.stderr
    assert [dict(c.request.url.params) for c in route.calls] == [
        {"stream": "true", "last_event_id": "v1_MV90ZXh0XzE"},
        {"stream": "false"},
    ]
    assert history.entries()[0].status == "completed"


def test_a_stream_cut_short_by_done_rebuilds_the_json_from_the_get(invoke, api):
    cut_short_server(api)
    data = json.loads(invoke(["stream", "--json", "hi"]).stdout)
    assert data["status"] == "completed" and data["usage"] == {"total_tokens": 80}
    assert data["steps"] == STORED_STEPS[1:]  # the output, as a create shows it


def test_a_stream_cut_short_by_done_and_still_running_exits_6(invoke, api):
    cut_short_server(api, status="in_progress")
    result = invoke(["stream", "hi"])
    assert result.exit_code == 6
    assert result.stdout == "1, 2, 3, 4, 5, "  # so the re-attach's output can be appended
    assert "still in_progress" in result.stderr
    assert (
        f"re-attach later with: gem stream --attach {TEXT_ID} --last-event-id v1_MV90ZXh0XzE"
        in result.stderr
    )


def test_a_reattach_answered_with_5xx_uses_the_usual_retries_then_exits_6(invoke, post, api):
    post.mock(return_value=dropped(TEXT_SSE, TEXT_SSE.index(b"6, 7, 8")))
    bad = api.get(f"/interactions/{TEXT_ID}").mock(
        return_value=httpx.Response(502, text="<html>Bad Gateway</html>")
    )
    result = invoke(["stream", "--max-retries", "2", "hi"])
    assert result.exit_code == 6
    # One re-attach, retried twice by the client: --max-retries is not multiplied.
    assert bad.call_count == 3
    assert "HTTP 502" in result.stderr
    assert (
        f"re-attach later with: gem stream --attach {TEXT_ID} --last-event-id v1_MV90ZXh0XzE"
        in result.stderr
    )


def test_a_reattach_answered_with_404_ends_at_once(invoke, post, api):
    post.mock(return_value=dropped(TEXT_SSE, TEXT_SSE.index(b"6, 7, 8")))
    gone = api.get(f"/interactions/{TEXT_ID}").mock(
        return_value=httpx.Response(404, json={"error": {"code": 404, "message": "gone"}})
    )
    result = invoke(["stream", "hi"])
    assert (result.exit_code, gone.call_count) == (3, 1)


def test_a_plain_json_answer_is_printed_like_create(invoke, post):
    post.mock(
        return_value=httpx.Response(
            200, json={"id": TEXT_ID, "status": "completed", "steps": STORED_STEPS[1:]}
        )
    )
    result = invoke(["stream", "hi"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, TEXT_OUT, "")
    assert history.last_id() == TEXT_ID


def test_unknown_deltas_stay_out_of_the_rebuilt_interaction(invoke, post):
    odd = {"event_type": "step.delta", "index": 0, "delta": {"type": "hologram", "x": 1}}
    start = {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}}
    events = sse(CREATED, start, odd, text(0, "hi"), odd | {"index": 3}, completed())
    post.mock(side_effect=lambda request: sse_response(events))
    data = json.loads(invoke(["stream", "--json", "hi"]).stdout)
    assert data["steps"] == [{"type": "model_output", "content": [{"type": "text", "text": "hi"}]}]
    lines = invoke(["stream", "-f", "ndjson", "hi"]).stdout.splitlines()
    assert json.loads(lines[2])["delta"] == {"type": "hologram", "x": 1}


def test_a_drop_before_the_id_exits_6(invoke, post):
    post.mock(return_value=dropped(TEXT_SSE, 30))
    result = invoke(["stream", "hi"])
    assert result.exit_code == 6
    assert "before the interaction id was known" in result.stderr


def test_garbage_is_shown_only_with_debug(invoke, post):
    junk = b'[{"error":{"code":503,"status":"UNAVAILABLE"}}]\n\n'
    parts = blocks(TEXT_SSE)
    post.mock(
        side_effect=lambda request: sse_response(b"".join(parts[:3]) + junk + b"".join(parts[3:]))
    )
    plain = invoke(["stream", "hi"])
    assert (plain.stdout, plain.stderr) == (TEXT_OUT, "")
    debug = invoke(["stream", "--debug", "hi"])
    assert debug.stdout == TEXT_OUT
    assert "ignored non-SSE data" in debug.stderr and "UNAVAILABLE" in debug.stderr


# -- Ctrl-C -------------------------------------------------------------------------------


def test_ctrl_c_prints_how_to_reattach_and_exits_130(invoke, post, api):
    post.mock(
        return_value=sse_response(
            TEXT_SSE, cut=TEXT_SSE.index(b"6, 7, 8"), fail=KeyboardInterrupt()
        )
    )
    cancel = api.post(f"/interactions/{TEXT_ID}/cancel")
    result = invoke(["stream", "hi"])
    assert result.exit_code == 130
    assert result.stdout == "1, 2, 3, 4, 5, "
    reattach = f"re-attach with: gem stream --attach {TEXT_ID} --last-event-id v1_MV90ZXh0XzE"
    assert result.stderr == f"gem: error: interrupted; {reattach}\n"
    assert cancel.call_count == 0
    assert invoke(["stream", "hi"], tty={"stdout_isatty": True}).stdout == "1, 2, 3, 4, 5, \n"
    assert reattach in invoke(["stream", "-q", "hi"]).stderr
    error = json.loads(invoke(["stream", "--json", "hi"]).stderr)["error"]
    assert (error["message"], error["hint"]) == (f"interrupted; {reattach}", reattach)


def test_ctrl_c_with_cancel_on_interrupt_cancels_first(invoke, post, api):
    post.mock(return_value=sse_response(TEXT_SSE, cut=900, fail=KeyboardInterrupt()))
    cancel = api.post(f"/interactions/{TEXT_ID}/cancel").mock(
        return_value=httpx.Response(200, json={"id": TEXT_ID, "status": "cancelled"})
    )
    result = invoke(["stream", "--cancel-on-interrupt", "hi"])
    assert result.exit_code == 130
    assert cancel.call_count == 1
    assert f"cancelled interaction {TEXT_ID}" in result.stderr


def test_ctrl_c_before_the_id_is_known(invoke, post):
    post.mock(return_value=sse_response(TEXT_SSE, cut=10, fail=KeyboardInterrupt()))
    result = invoke(["stream", "hi"])
    assert result.exit_code == 130
    assert "before the interaction id was known" in result.stderr


def test_the_ctrl_c_hint_resumes_exactly_where_it_stopped(invoke, post, attach):
    cut = TEXT_SSE.index(b"6, 7, 8")
    post.mock(return_value=sse_response(TEXT_SSE, cut=cut, fail=KeyboardInterrupt()))
    first = invoke(["stream", "hi"])
    hint = first.stderr.split("re-attach with: ")[1].split()
    assert hint[:2] == ["gem", "stream"]
    second = invoke(hint[1:])
    assert second.exit_code == 0
    assert first.stdout + second.stdout == TEXT_OUT  # `> f`, then `>> f`: byte for byte


# -- --follow, --dry-run, usage errors ----------------------------------------------------


def test_follow_streams_an_existing_interaction_from_the_start(invoke, attach):
    result = invoke(["stream", "--follow", TEXT_ID])
    assert result.stdout == TEXT_OUT
    assert dict(attach.calls[0].request.url.params) == {"stream": "true"}


def test_attach_with_an_id_streams_that_interaction(invoke, attach):
    result = invoke(["stream", "--attach", TEXT_ID, "--last-event-id", "v1_MV90ZXh0XzE"])
    assert result.exit_code == 0
    assert dict(attach.calls[0].request.url.params) == {
        "last_event_id": "v1_MV90ZXh0XzE",
        "stream": "true",
    }


def test_attach_with_a_file_and_a_prompt_still_adds_the_file(invoke, post, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("file text")
    post.mock(return_value=sse_response(TEXT_SSE))
    result = invoke(["stream", "--attach", str(note), "summarise"])
    assert result.exit_code == 0
    sent = json.loads(post.calls[0].request.content)
    assert sent["input"][0]["content"][0] == {"type": "text", "text": "file text"}


def test_follow_from_an_event_id(invoke, attach):
    result = invoke(["stream", "--follow", TEXT_ID, "--last-event-id", "v1_MV90ZXh0XzE", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["id"] == TEXT_ID
    assert dict(attach.calls[0].request.url.params)["last_event_id"] == "v1_MV90ZXh0XzE"


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_follow_from_an_event_id_prints_the_whole_final_interaction(invoke, attach, fmt):
    # The events before the id were not seen: the result comes from a GET, the same as from
    # the start (not just the text after the event).
    whole = invoke(["stream", "--follow", TEXT_ID, "-f", fmt])
    later = invoke(["stream", "--follow", TEXT_ID, "--last-event-id", "v1_MV90ZXh0XzE", "-f", fmt])
    assert (whole.exit_code, later.exit_code) == (0, 0), later.stderr
    assert yaml.safe_load(later.stdout) == yaml.safe_load(whole.stdout)
    assert yaml.safe_load(later.stdout)["steps"][-1]["content"][0]["text"] == TEXT_OUT.strip()
    assert [dict(c.request.url.params)["stream"] for c in attach.calls] == ["true", "true", "false"]


def test_follow_after_the_last_event_takes_the_status_from_a_get(invoke, api):
    def handle(request):
        if request.url.params["stream"] == "true":
            return replayer(TEXT_SSE)(request)  # just [DONE]: nothing after that event
        return httpx.Response(200, json={"id": TEXT_ID, "status": "cancelled"})

    route = api.get(f"/interactions/{TEXT_ID}").mock(side_effect=handle)
    result = invoke(["stream", "--follow", TEXT_ID, "--last-event-id", "v1_Ml9jb21wbGV0ZWQ"])
    assert (result.exit_code, result.stdout) == (7, "")
    assert [dict(c.request.url.params)["stream"] for c in route.calls] == ["true", "false"]


def test_follow_after_the_last_text_does_not_claim_there_was_none(invoke, attach):
    result = invoke(["stream", "--follow", TEXT_ID, "--last-event-id", "v1_MV90ZXh0XzI"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_follow_after_the_last_event_prints_nothing_again(invoke, api):
    def handle(request):
        if request.url.params["stream"] == "true":
            return sse_response(b"data: [DONE]\n\n")
        return httpx.Response(
            200, json={"id": TEXT_ID, "status": "completed", "steps": STORED_STEPS}
        )

    api.get(f"/interactions/{TEXT_ID}").mock(side_effect=handle)
    result = invoke(["stream", "--follow", TEXT_ID, "--last-event-id", "v1_Ml9jb21wbGV0ZWQ"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_follow_last_uses_the_history(invoke, post, attach):
    post.mock(return_value=sse_response(TEXT_SSE))
    invoke(["stream", "hi"])
    assert invoke(["stream", "--follow", "last"]).stdout == TEXT_OUT


@pytest.mark.parametrize(
    "args",
    [
        ["--follow", "v1_x", "a prompt"],
        ["--follow", "v1_x", "-m", "gemini-3-flash-preview"],
        ["--last-event-id", "e1", "hi"],
        ["--idle-timeout", "0", "hi"],
        [],
    ],
)
def test_usage_errors_exit_2(invoke, post, args):
    result = invoke(["stream", *args])
    assert result.exit_code == 2, result.stderr
    assert post.call_count == 0


def test_dry_run_shows_the_streaming_create(invoke, post):
    result = invoke(["stream", "--dry-run", "hi"])
    request = json.loads(result.stdout)
    assert request["method"] == "POST" and request["body"]["stream"] is True
    assert request["headers"]["Accept"] == "text/event-stream"
    assert post.call_count == 0


def test_dry_run_shows_the_attach(invoke, attach):
    result = invoke(["stream", "--dry-run", "--follow", TEXT_ID, "--last-event-id", "e5"])
    request = json.loads(result.stdout)
    assert request["method"] == "GET"
    assert request["url"].endswith(f"/interactions/{TEXT_ID}?last_event_id=e5&stream=true")
    assert attach.call_count == 0


def test_a_bad_emulator_fault_is_a_usage_error(invoke):
    result = invoke(
        ["--base-url", "emulator:", "stream", "hi"], env={"GEM_EMULATOR_FAULT": "teapot:1"}
    )
    assert result.exit_code == 2
    assert "GEM_EMULATOR_FAULT" in result.stderr and "teapot" in result.stderr


def test_the_stream_timeout_bounds_the_wait_for_headers(invoke):
    # The embedded emulator stalls 30 s before answering; --timeout 0.2 gives up on it.
    result = invoke(
        ["--base-url", "emulator:", "stream", "--timeout", "0.2", "hi"],
        env={"GEM_EMULATOR_FAULT": "stall:30@create"},
    )
    assert result.exit_code == 6
    assert "timed out" in result.stderr


def test_no_input_hint_names_stream(invoke, post):
    result = invoke(["stream"])
    assert result.exit_code == 2 and 'hint: e.g. gem stream "' in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "ndjson", "id"])
def test_a_full_stdout_names_the_interaction_it_could_not_print(invoke, post, monkeypatch, fmt):

    from gemini_cli.core.termio import IO

    original = IO.from_sys.__func__

    def patched(cls, overrides=None):
        io = original(cls, overrides)
        io.stdout = FullDevice()
        return io

    monkeypatch.setattr("gemini_cli.core.termio.silence_stdout", lambda: None)
    monkeypatch.setattr(IO, "from_sys", classmethod(patched))
    post.mock(return_value=sse_response(TEXT_SSE))
    result = invoke(
        ["stream", "-f", fmt, "--json", "hi"] if fmt == "json" else ["stream", "-f", fmt, "hi"]
    )
    assert result.exit_code == 2
    if fmt in ("json", "ndjson"):
        assert json.loads(result.stderr)["error"]["interaction_id"] == TEXT_ID


def test_without_event_ids_the_resume_hint_says_it_starts_over(invoke, post, api):
    # The live service sends no event ids: re-attaching prints the answer from its start, so
    # the hint must not pass for a continuation (`>> f` would repeat the beginning).
    post.mock(return_value=dropped(CALL_SSE, len(blocks(CALL_SSE)[0]) + 1))
    api.get(f"/interactions/{CALL_ID}").mock(
        return_value=httpx.Response(503, json={"error": {"code": 503, "message": "busy"}})
    )
    result = invoke(["stream", "--max-retries", "0", "hi"])
    assert result.exit_code == 6
    assert (
        f"re-attach later with: gem stream --attach {CALL_ID} "
        "(from the start: this stream has no event ids)" in result.stderr
    )


HINT = "gem: hint: no thought summaries in this answer"


def test_thoughts_asked_but_none_sent_gives_the_hint(invoke, post):
    events = sse(CREATED, text(0, "Answer"), completed())
    post.mock(side_effect=lambda request: sse_response(events))
    result = invoke(["stream", "--thoughts", "hi"])
    assert result.exit_code == 0 and result.stdout == "Answer\n"
    assert HINT in result.stderr
    assert HINT not in invoke(["stream", "hi"]).stderr


def test_no_hint_when_thoughts_were_shown(invoke, post):
    events = sse(CREATED, thought(0, "Hm"), text(1, "Answer"), completed())
    post.mock(side_effect=lambda request: sse_response(events))
    result = invoke(["stream", "--thoughts", "hi"])
    assert result.exit_code == 0 and HINT not in result.stderr
