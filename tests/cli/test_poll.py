"""`gem poll`: status sequences, exit codes, timeout, Ctrl-C, `-` and the progress on stderr."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FakeClock
from tests.fake_api import completed, sse, thought
from tests.helpers import IID


class InterruptingClock(FakeClock):
    """Ctrl-C arrives during the n-th pause."""

    def __init__(self, after: int = 1) -> None:
        super().__init__()
        self.after = after

    def _sleep(self, seconds: float) -> None:
        super()._sleep(seconds)
        if len(self.sleeps) >= self.after:
            raise KeyboardInterrupt


def test_waits_then_prints_the_output(invoke, fake_api, fake_clock):
    fake_api.statuses = ["in_progress", "in_progress", "in_progress", "completed"]
    result = invoke(["poll", IID])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "The report.\n"
    # GET, the stream is refused, then pause and GET until done
    assert fake_clock.sleeps == [1, 1.5, 2.25]
    assert fake_api.gets() == ["get", "stream", "get", "get", "get"]


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("failed", 1),
        ("cancelled", 7),
        ("incomplete", 7),
        ("budget_exceeded", 7),
        ("requires_action", 9),
    ],
)
def test_exit_code_follows_the_final_status(invoke, fake_api, status, code):
    fake_api.statuses = ["in_progress", status]
    result = invoke(["poll", IID])
    assert result.exit_code == code
    assert status.replace("_", " ").split()[0] in result.stderr


def test_transient_503_mid_wait_is_retried(invoke, fake_api, fake_clock):
    fake_api.statuses = ["in_progress", "in_progress", 503, 503, "completed"]
    result = invoke(["poll", IID, "--max-retries", "0"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "The report.\n"
    assert "503" in result.stderr and "retrying" in result.stderr


def test_timeout_exits_8_with_the_id_on_stdout(invoke, fake_api, fake_clock):
    fake_api.statuses = ["in_progress"]
    result = invoke(["poll", IID, "--timeout", "30"])
    assert result.exit_code == 8
    assert result.stdout == f"{IID}\n"
    assert "still in_progress" in result.stderr and f"gem poll {IID}" in result.stderr
    assert sum(fake_clock.sleeps) == pytest.approx(30)
    assert not [r for r in fake_api.requests if r.method == "POST"]  # nothing cancelled


def test_timeout_from_the_environment_bounds_the_wait(invoke, fake_api, monkeypatch):
    fake_api.statuses = ["in_progress"]
    monkeypatch.setenv("GEM_TIMEOUT", "5")
    assert invoke(["poll", IID]).exit_code == 8


def test_without_timeout_it_waits_past_the_request_default(invoke, fake_api, fake_clock):
    fake_api.statuses = ["in_progress"] * 60 + ["completed"]
    result = invoke(["poll", IID])
    assert result.exit_code == 0
    assert sum(fake_clock.sleeps) > 600  # the 600 s request deadline does not cap a poll
    assert max(fake_clock.sleeps) == 15


def test_max_interval_option(invoke, fake_api, fake_clock):
    fake_api.statuses = ["in_progress"] * 5 + ["completed"]
    assert invoke(["poll", IID, "--max-interval", "2"]).exit_code == 0
    assert max(fake_clock.sleeps) == 2


def test_dash_reads_the_id_from_stdin(invoke, fake_api):
    result = invoke(["poll", "-"], input=f"\n  {IID}  \nignored\n")
    assert result.exit_code == 0 and result.stdout == "The report.\n"


def test_dash_with_empty_stdin_is_a_usage_error(invoke, fake_api):
    result = invoke(["poll", "-"], input="\n\n")
    assert result.exit_code == 2 and "no interaction id" in result.stderr


def test_dash_on_a_terminal_is_a_usage_error(invoke, fake_api):
    result = invoke(["poll", "-"], tty={"stdin_isatty": True})
    assert result.exit_code == 2


def test_last_is_the_last_created(invoke, fake_api):
    assert invoke(["research", "--no-wait", "q"]).exit_code == 0
    result = invoke(["poll", "last"])
    assert result.exit_code == 0 and result.stdout == "The report.\n"


def test_format_json_prints_the_get_body(invoke, fake_api):
    fake_api.statuses = ["in_progress", "completed"]
    result = invoke(["poll", IID, "--format", "json"])
    assert json.loads(result.stdout) == fake_api.body("completed")


@pytest.mark.parametrize("fmt", ["id", "yaml"])
def test_other_formats(invoke, fake_api, fmt):
    result = invoke(["poll", IID, "--format", fmt])
    assert result.exit_code == 0 and IID in result.stdout


def test_ctrl_c_exits_130_with_the_resume_command(invoke, fake_api):
    fake_api.statuses = ["in_progress"]
    result = invoke(["poll", IID], clock=InterruptingClock())
    assert result.exit_code == 130
    assert f"gem poll {IID}" in result.stderr and result.stdout == ""
    assert not [r for r in fake_api.requests if r.method == "POST"]  # nothing cancelled


def test_ctrl_c_resume_command_survives_quiet(invoke, fake_api):
    fake_api.statuses = ["in_progress"]
    result = invoke(["poll", IID, "-q"], clock=InterruptingClock())
    assert result.exit_code == 130 and f"gem poll {IID}" in result.stderr


def test_ctrl_c_message_starts_with_interrupted_and_json_has_the_hint(invoke, fake_api):
    fake_api.statuses = ["in_progress"]
    resume = f"resume with: gem poll {IID}"
    message = f"interrupted; interaction {IID} is still running; {resume}"
    text = invoke(["poll", IID], clock=InterruptingClock())
    assert text.stderr.splitlines()[-1] == f"gem: error: {message}"  # said once, no hint part
    error = json.loads(invoke(["poll", "--json", IID], clock=InterruptingClock()).stderr)
    assert error["error"]["message"] == message and error["error"]["hint"] == resume


@pytest.mark.parametrize(
    "args",
    [
        ["poll", "--max-interval", "0.05", IID],
        ["research", "--max-interval", "0", "q"],
        ["history", "--limit", "-1"],
    ],
)
def test_out_of_range_numbers_exit_2(invoke, fake_api, args):
    result = invoke(args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"gem: error: {args[1]} must be")
    assert not fake_api.requests


def test_one_plain_line_per_status_change_when_stderr_is_not_a_tty(invoke, fake_api):
    fake_api.statuses = ["queued", "queued", "in_progress", "in_progress", "completed"]
    result = invoke(["poll", IID])
    lines = result.stderr.splitlines()
    assert [line.split(": ")[-1].split(" (")[0] for line in lines] == [
        "queued",
        "in_progress",
        "completed",
    ]


@pytest.mark.parametrize("flag", [["--json"], ["--format", "json"]])
def test_json_errors_are_one_json_object_on_stderr(invoke, fake_api, flag):
    fake_api.statuses = ["queued", "in_progress"]
    result = invoke(["poll", IID, "--timeout", "5", *flag])
    assert result.exit_code == 8 and result.stdout == f"{IID}\n"
    error = json.loads(result.stderr)  # `2> err.json && jq` works: no progress lines
    assert error["error"]["exit_code"] == 8 and "after 5s" in error["error"]["message"]


def test_json_keeps_the_live_line_on_a_tty(invoke, fake_api):
    fake_api.statuses = ["in_progress", "completed"]
    result = invoke(["poll", IID, "--json"], tty={"stderr_isatty": True})
    assert result.exit_code == 0 and json.loads(result.stdout)["status"] == "completed"


def test_quiet_shows_no_progress(invoke, fake_api):
    fake_api.statuses = ["in_progress", "completed"]
    result = invoke(["poll", IID, "--quiet"])
    assert result.exit_code == 0 and result.stderr == ""


def test_live_status_line_on_a_tty_stays_off_stdout(invoke, fake_api):
    fake_api.statuses = ["in_progress", "completed"]
    fake_api.streams = [sse(thought("**Reading sources**", "e1"), completed())]
    result = invoke(["poll", IID], tty={"stderr_isatty": True, "stdout_isatty": False})
    assert result.exit_code == 0
    assert result.stdout == "The report.\n"
    assert "gem: v1_" not in result.stderr  # the plain lines are replaced by the live line


def test_unknown_id_exits_3(invoke, fake_api):
    fake_api.statuses = [404]
    assert invoke(["poll", IID]).exit_code == 3


def test_requests_near_the_deadline_get_only_a_short_read_timeout(invoke, fake_api):
    """A stalled server cannot hold poll long past --timeout: each request's own deadline
    shrinks with what is left (down to a 1 s floor for the last check)."""
    fake_api.statuses = ["in_progress"]
    result = invoke(["poll", IID, "--timeout", "0.5"])
    assert result.exit_code == 8
    reads = [r.extensions["timeout"]["read"] for r in fake_api.requests]
    assert reads and max(reads) <= 1.0
