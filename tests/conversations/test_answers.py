"""The whole answer in every command: mixed text and media, thoughts, plans waiting for approval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_cli.api.models import Interaction
from gemini_cli.core.errors import GemError
from gemini_cli.render.options import AnswerOptions
from gemini_cli.render.report import render_answer
from tests.api.strategies import interactions, json_values
from tests.conversations.conftest import Gem, body_of, last_id
from tests.render.test_output import FakeRun

MIXED = "Step 1: Echo: [[mixed]] bake (turn 1)\n\n\n\nStep 2: the end.\n"


@pytest.mark.parametrize("flavor", ["live", "sdk"])
def test_a_mixed_answer_keeps_every_text_block_in_every_command(
    gem: Gem, flavor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEM_EMULATOR_FLAVOR", flavor)
    created = gem("create", "[[mixed]] bake")
    assert (created.exit_code, created.stdout) == (0, MIXED)
    assert "1 image not shown; use --save DIR" in created.stderr
    ident = last_id(gem)
    for args in (("get", ident), ("poll", ident), ("stream", "[[mixed]] bake")):
        result = gem(*args)
        assert (result.exit_code, result.stdout) == (0, MIXED), args


def test_a_visualised_report_prints_the_text_around_its_chart(gem: Gem, tmp_path: Path) -> None:
    out = tmp_path / "media"
    result = gem("research", "--visualization", "auto", "--save", str(out), "Charts")
    assert result.exit_code == 0, result.stderr
    assert "# Research report" in result.stdout and "Figure 1: the emulated chart." in result.stdout
    saved = list(out.iterdir())
    assert len(saved) == 1 and saved[0].read_bytes().startswith(b"\x89PNG")
    assert f"gem: saved {saved[0]}" in result.stderr


def test_thoughts_ask_for_summaries_and_go_to_stderr(gem: Gem) -> None:
    dry = body_of(gem("create", "--thoughts", "--dry-run", "hi"))
    assert dry["generation_config"] == {"thinking_summaries": "auto"}
    created = gem("create", "--thoughts", "hi there")
    assert created.stdout == "Echo: hi there (turn 1)\n"
    assert "**Reading the request**" in created.stderr
    for command in ("get", "poll"):
        again = gem(command, "last", "--thoughts")
        assert again.stdout == created.stdout and "**Reading the request**" in again.stderr
    quiet = gem("get", "last")
    assert "Reading the request" not in quiet.stderr


def test_an_explicit_thinking_summaries_setting_is_kept(gem: Gem) -> None:
    dry = body_of(
        gem("create", "--thoughts", "--set", "generation_config.thinking_summaries=none",
            "--dry-run", "hi")
    )  # fmt: skip
    assert dry["generation_config"] == {"thinking_summaries": "none"}


def test_thought_summaries_from_the_server_are_escaped() -> None:
    summary = {"type": "text", "text": "evil \x1b]52;c;AAAA\x07 title\x1b[2J"}
    data = {
        "id": "v1_t",
        "status": "completed",
        "steps": [
            {"type": "thought", "summary": [summary]},
            {"type": "model_output", "content": [{"type": "text", "text": "ok"}]},
        ],
    }
    run = FakeRun("text")
    render_answer(run, Interaction(data), AnswerOptions(thoughts=True))
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr
    assert "evil" in run.stderr and run.stdout == "ok\n"


def test_a_plan_prints_itself_and_how_to_approve_or_revise_it(gem: Gem) -> None:
    plan = gem("research", "--plan", "Batteries")
    ident = last_id(gem)
    assert plan.exit_code == 9
    assert plan.stdout.startswith("Research plan for: Batteries\n\n1. Search the web")
    approve = f'approve with: gem research --previous {ident} "Looks good, go ahead"'
    revise = f'revise it with: gem research --previous {ident} --plan "CHANGES TO THE PLAN"'
    assert approve in plan.stderr and revise in plan.stderr
    for command in ("get", "poll"):
        again = gem(command, ident, "-q")  # --quiet keeps the commands: they are the error
        assert (again.exit_code, again.stdout) == (9, plan.stdout)
        assert approve in again.stderr
    as_json = gem("get", ident, "--json")
    assert as_json.exit_code == 9 and json.loads(as_json.stdout)["status"] == "requires_action"
    assert approve in json.loads(as_json.stderr)["error"]["message"]
    revised = gem("research", "--previous", ident, "--plan", "Also cover sodium")
    assert revised.exit_code == 9 and "Research plan for: Also cover sodium" in revised.stdout
    done = gem("research", "--previous", last_id(gem), "Looks good, go ahead")
    assert done.exit_code == 0 and "# Research report" in done.stdout


@settings(max_examples=300, deadline=None)
@given(
    data=interactions | json_values.filter(lambda v: isinstance(v, dict)),
    fmt=st.sampled_from(["text", "markdown"]),
    sources=st.sampled_from([None, True, False]),
)
def test_garbage_interactions_render_or_fail_cleanly(
    data: dict, fmt: str, sources: bool | None
) -> None:
    run = FakeRun(fmt)
    try:
        render_answer(
            run, Interaction(data), AnswerOptions(sources=sources, thoughts=True), usage=True
        )
    except GemError as exc:
        assert exc.exit_code != 70


def test_the_commands_for_a_plan_keep_the_agent_that_made_it(gem: Gem) -> None:
    """`gem research` sends its default agent unless told: a Max plan's commands say --max."""
    plan = gem("research", "--max", "--plan", "Batteries")
    ident = last_id(gem)
    approve = f'approve with: gem research --previous {ident} --max "Looks good, go ahead"'
    revise = f'gem research --previous {ident} --max --plan "CHANGES TO THE PLAN"'
    assert plan.exit_code == 9 and approve in plan.stderr and revise in plan.stderr
    approved = gem("research", "--previous", ident, "--max", "--dry-run", "Looks good, go ahead")
    assert json.loads(approved.stdout)["body"]["agent"] == "deep-research-max-preview-04-2026"
    other = gem("research", "--agent", "deep-research-pro-preview-12-2025", "--plan", "Batteries")
    assert "--agent deep-research-pro-preview-12-2025 --plan" in other.stderr


def test_thoughts_on_an_answer_without_summaries_says_so(gem: Gem) -> None:
    gem("create", "plain")
    result = gem("get", "last", "--thoughts")
    assert result.exit_code == 0 and result.stdout == "Echo: plain (turn 1)\n"
    assert "gem: hint: no thought summaries in this answer" in result.stderr
    asked = gem("create", "--thoughts", "asked")
    assert "The user wrote 1 words" in asked.stderr and "no thought summaries" not in asked.stderr
