"""`gem research`: the request on the wire, waiting, the report and its sources, Ctrl-C."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_poll import InterruptingClock
from tests.fake_api import completed, sse, thought
from tests.helpers import IID

DEFAULT_CONFIG = {"type": "deep-research", "thinking_summaries": "auto"}


class SlowCreateClock(InterruptingClock):
    """Time passes during the first reading of the clock after the start (a slow create)."""

    def __init__(self, create_seconds: float) -> None:
        super().__init__(after=10**9)
        self.create_seconds = create_seconds
        self.readings = 0

    def _monotonic(self) -> float:
        self.readings += 1
        if self.readings == 2:
            self.now += self.create_seconds
        return self.now


def report(text: str, *citations: tuple[str, str]) -> dict:
    end = len(text.encode())  # each citation covers the whole text: its marker ends it
    annotations = [
        {"type": "url_citation", "title": title, "url": url, "start_index": 0, "end_index": end}
        for title, url in citations
    ]
    block = {"type": "text", "text": text, "annotations": annotations}
    return {
        "id": IID,
        "status": "completed",
        "agent": "deep-research-preview-04-2026",
        "steps": [
            {"type": "user_input", "content": [{"type": "text", "text": "q"}]},
            {"type": "thought", "summary": [{"type": "text", "text": "**Hm**"}]},
            {"type": "model_output", "content": [block]},
        ],
    }


def sent(invoke, fake_api, *args: str, **kwargs) -> dict:
    result = invoke(["research", "--no-wait", *args], **kwargs)
    assert result.exit_code == 0, result.stderr
    return fake_api.created[-1]


# -- the request --------------------------------------------------------------------------


def test_default_request(invoke, fake_api):
    body = sent(invoke, fake_api, "History", "of", "TPUs")
    assert body == {
        "agent": "deep-research-preview-04-2026",
        "input": "History of TPUs",
        "background": True,
        "agent_config": DEFAULT_CONFIG,
    }


def test_max_and_agent_choose_the_agent(invoke, fake_api):
    assert sent(invoke, fake_api, "--max", "q")["agent"] == "deep-research-max-preview-04-2026"
    body = sent(invoke, fake_api, "--agent", "deep-research-pro-preview-12-2025", "q")
    assert body["agent"] == "deep-research-pro-preview-12-2025"


def test_max_with_agent_is_a_usage_error(invoke, fake_api):
    result = invoke(["research", "--max", "--agent", "x", "q"])
    assert result.exit_code == 2 and not fake_api.created


@pytest.mark.parametrize(
    ("flags", "config"),
    [
        (["--thinking-summaries", "none"], {"thinking_summaries": "none"}),
        (["--visualization", "auto"], {"visualization": "auto"}),
        (["--visualization", "off"], {"visualization": "off"}),
        (["--plan"], {"collaborative_planning": True}),
        (["--bigquery"], {"enable_bigquery_tool": True}),
    ],
)
def test_agent_config_flags(invoke, fake_api, flags, config):
    assert sent(invoke, fake_api, *flags, "q")["agent_config"] == {**DEFAULT_CONFIG, **config}


@pytest.mark.parametrize("flags", [["--visualization", "on"], ["--thinking-summaries", "x"]])
def test_bad_choices_exit_2(invoke, fake_api, flags):
    result = invoke(["research", *flags, "q"])
    assert result.exit_code == 2 and not fake_api.created


@pytest.mark.parametrize("flag", ["--model", "--thinking", "--max-tokens", "--no-store"])
def test_model_flags_are_not_offered(invoke, fake_api, flag):
    assert invoke(["research", flag, "x", "q"]).exit_code == 2


def test_request_flags_and_set_last(invoke, fake_api):
    body = sent(
        invoke,
        fake_api,
        "--system",
        "Be brief",
        "--label",
        "team=ml",
        "--set",
        "agent_config.visualization=off",
        "--visualization",
        "auto",
        "q",
    )
    assert body["system_instruction"] == "Be brief" and body["labels"] == {"team": "ml"}
    assert body["agent_config"]["visualization"] == "off"  # --set wins over the flags


def test_body_file_agent_config_is_kept(invoke, fake_api, tmp_path):
    path = tmp_path / "body.json"
    path.write_text(json.dumps({"input": "from file", "agent_config": {"visualization": "off"}}))
    body = sent(invoke, fake_api, "--body", str(path))
    assert body["input"] == "from file"
    assert body["agent_config"] == {**DEFAULT_CONFIG, "visualization": "off"}


def test_input_like_create(invoke, fake_api, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    body = sent(invoke, fake_api, "-a", str(notes), "Summarise", input="piped")
    texts = [b["text"] for b in body["input"][0]["content"]]
    assert texts == ["piped", "my notes", "Summarise"]


def test_no_input_exits_2(invoke, fake_api):
    assert invoke(["research"]).exit_code == 2 and not fake_api.created


def test_continue_uses_the_last_interaction(invoke, fake_api):
    sent(invoke, fake_api, "first")
    assert sent(invoke, fake_api, "-c", "more")["previous_interaction_id"] == IID
    given = sent(invoke, fake_api, "--previous", "v1_x", "--fresh", "go")  # --fresh: no GET of v1_x
    assert given["previous_interaction_id"] == "v1_x"


def test_dry_run_sends_nothing(invoke, fake_api):
    result = invoke(["research", "--dry-run", "q"])
    assert result.exit_code == 0 and not fake_api.created
    assert json.loads(result.stdout)["body"]["agent_config"] == DEFAULT_CONFIG


# -- waiting and output -------------------------------------------------------------------


def test_no_wait_prints_the_id_at_once(invoke, fake_api):
    result = invoke(["research", "--no-wait", "q"])
    assert result.exit_code == 0 and result.stdout == f"{IID}\n"
    assert fake_api.gets() == [] and f"gem poll {IID}" in result.stderr


def test_waits_and_prints_the_report_with_sources(invoke, fake_api):
    fake_api.bodies["completed"] = report(
        "# Report\n\nText.",
        ("TPU docs", "https://a.example/tpu"),
        ("Blog", "https://b.example"),
        ("TPU docs again", "https://a.example/tpu"),
        ("", "https://c.example"),
    )
    fake_api.statuses = ["in_progress", "completed"]
    result = invoke(["research", "q"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "# Report\n\nText.[1][2][3]\n\nSources:\n[1] TPU docs - https://a.example/tpu\n"
        "[2] Blog - https://b.example\n[3] https://c.example\n"
    )


def test_no_sources(invoke, fake_api):
    fake_api.bodies["completed"] = report("Text.", ("T", "https://a.example"))
    result = invoke(["research", "--no-sources", "q"])
    assert result.stdout == "Text.\n"


def test_sources_of_earlier_turns_are_not_listed(invoke, fake_api):
    body = report("New.")
    old = report("Old.", ("Old", "https://old.example"))["steps"]
    body["steps"] = old + body["steps"]
    fake_api.bodies["completed"] = body
    assert invoke(["research", "q"]).stdout == "New.\n"


def test_format_json_is_the_final_get_body_even_after_streaming(invoke, fake_api):
    fake_api.bodies["completed"] = report("Text.", ("T", "https://a.example"))
    fake_api.statuses = ["in_progress", "completed"]
    fake_api.streams = [sse(thought("**Searching**", "e1"), completed())]
    result = invoke(["research", "--format", "json", "q"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == fake_api.bodies["completed"]
    assert fake_api.gets() == ["get", "stream", "get"]


def test_plan_prints_the_plan_and_how_to_approve_it(invoke, fake_api):
    fake_api.bodies["completed"] = report("1. Search\n2. Read\n3. Write")
    result = invoke(["research", "--plan", "q"])
    assert result.exit_code == 0
    assert result.stdout == "1. Search\n2. Read\n3. Write\n"
    assert f"gem research --previous {IID}" in result.stderr
    assert fake_api.created[0]["agent_config"]["collaborative_planning"] is True


def test_failed_research_exits_1(invoke, fake_api):
    fake_api.statuses = ["in_progress", "failed"]
    assert invoke(["research", "q"]).exit_code == 1


def test_timeout_exits_8_with_the_id(invoke, fake_api, fake_clock):
    fake_api.statuses = ["in_progress"]
    result = invoke(["research", "--timeout", "20", "q"])
    assert result.exit_code == 8 and result.stdout == f"{IID}\n"
    assert sum(fake_clock.sleeps) == pytest.approx(20)


def test_ctrl_c_leaves_the_research_running(invoke, fake_api):
    fake_api.statuses = ["in_progress"]
    result = invoke(["research", "q"], clock=InterruptingClock())
    assert result.exit_code == 130 and f"gem poll {IID}" in result.stderr
    assert [r.method for r in fake_api.requests].count("POST") == 1  # the create only


def test_cancel_on_interrupt_cancels(invoke, fake_api):
    fake_api.statuses = ["in_progress"]
    result = invoke(["research", "--cancel-on-interrupt", "q"], clock=InterruptingClock())
    assert result.exit_code == 130 and "cancelled" in result.stderr
    assert fake_api.requests[-1].url.path.endswith(f"/{IID}/cancel")


def test_cancel_on_interrupt_updates_the_history(invoke, fake_api):
    from gemini_cli.history import store as history

    fake_api.statuses = ["in_progress"]
    invoke(["research", "--cancel-on-interrupt", "q"], clock=InterruptingClock())
    assert history.entries()[0].status == "cancelled"


def test_timeout_message_rounds_the_seconds(invoke, fake_api):
    fake_api.statuses = ["in_progress"]
    result = invoke(
        ["research", "--timeout", "1.5", "q"], clock=SlowCreateClock(create_seconds=0.04467)
    )
    assert result.exit_code == 8
    assert "after 1.5s (--timeout)" in result.stderr


def test_timeout_message_names_the_timeout_given(invoke, fake_api):
    # The wait gets what the create left of --timeout; the message names --timeout, like poll.
    fake_api.statuses = ["in_progress"]
    result = invoke(["research", "--timeout", "1", "q"], clock=SlowCreateClock(0.04))
    assert result.exit_code == 8
    assert "after 1s (--timeout)" in result.stderr


def test_no_input_hint_names_the_command(invoke, fake_api):
    result = invoke(["research"])
    assert result.exit_code == 2 and "e.g. gem research " in result.stderr


def test_json_errors_are_one_json_object_on_stderr(invoke, fake_api):
    fake_api.statuses = ["in_progress", "in_progress", "failed"]
    result = invoke(["research", "--json", "q"])
    assert result.exit_code == 1
    error = json.loads(result.stderr)  # no progress lines or hints beside it
    assert error["error"]["exit_code"] == 1


def test_history_records_the_research(invoke, fake_api):
    invoke(["research", "--no-wait", "q"])
    assert invoke(["get", "last", "--format", "id"]).stdout == f"{IID}\n"


OTHER = "deep-research-pro-preview-12-2025"


def test_a_follow_up_keeps_the_carried_agent_and_thinking_summaries(invoke, fake_api):
    sent(invoke, fake_api, "--agent", OTHER, "--thinking-summaries", "none", "first")
    body = sent(invoke, fake_api, "-c", "more")
    assert body["agent"] == OTHER
    assert body["agent_config"]["thinking_summaries"] == "none"
    assert body["previous_interaction_id"] == IID


def test_flags_given_on_a_follow_up_still_win(invoke, fake_api):
    sent(invoke, fake_api, "--agent", OTHER, "--thinking-summaries", "none", "first")
    body = sent(invoke, fake_api, "-c", "--max", "--thinking-summaries", "auto", "more")
    assert body["agent"] == "deep-research-max-preview-04-2026"
    assert body["agent_config"]["thinking_summaries"] == "auto"


def test_a_follow_up_of_a_model_turn_uses_the_default_agent(invoke, fake_api):
    assert invoke(["create", "--background", "hi"]).exit_code == 0
    body = sent(invoke, fake_api, "-c", "research it")
    assert body["agent"] == "deep-research-preview-04-2026" and "model" not in body
    assert body["agent_config"]["thinking_summaries"] == "auto"


def test_no_wait_with_save_or_output_is_refused_before_sending(invoke, fake_api, tmp_path):
    for flags in (["--save", str(tmp_path)], ["-o", str(tmp_path / "chart.png")]):
        result = invoke(["research", "--no-wait", *flags, "q"])
        assert result.exit_code == 2, result.stderr
        assert "no media to save yet" in result.stderr
    assert not fake_api.created


def test_the_plan_hint_is_the_approve_command(invoke, fake_api):
    from gemini_cli.render.report import approve_command

    fake_api.statuses = ["completed"]
    result = invoke(["research", "--plan", "q"])
    assert result.exit_code == 0, result.stderr
    assert approve_command(IID, "deep-research-preview-04-2026") in result.stderr
