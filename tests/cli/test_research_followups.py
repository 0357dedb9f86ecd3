"""`gem research` follow-ups keep the previous turn's agent and config; --no-wait saves nothing."""

from __future__ import annotations

from tests.cli.test_research import sent
from tests.helpers import IID

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
