"""-c / -p ID carry the previous turn's settings forward; flags override; --fresh drops them."""

from __future__ import annotations

import json
import sys

import pytest

from tests.conversations.conftest import Gem, body_of, last_id

FIRST = ["-m", "gemini-3.1-pro-preview", "-s", "Be terse", "--search", "--thinking", "high"]


def test_a_follow_up_carries_model_system_tools_and_generation_config(gem: Gem) -> None:
    assert gem("create", *FIRST, "List three primes").exit_code == 0
    body = body_of(gem("create", "-c", "--dry-run", "Now multiply them"))
    assert body["model"] == "gemini-3.1-pro-preview"
    assert body["system_instruction"] == "Be terse"
    assert body["tools"] == [{"type": "google_search"}]
    assert body["generation_config"] == {"thinking_level": "high"}
    sent = gem("create", "-c", "Now multiply them")
    assert sent.exit_code == 0, sent.stderr
    assert sent.stdout.startswith("[system: Be terse] Echo: Now multiply them (turn 2)")


def test_the_server_sees_the_carried_settings(gem: Gem) -> None:
    gem("create", *FIRST, "--response-format", "image", "one")
    result = gem("create", "-c", "--json", "two")
    assert result.exit_code == 0, result.stderr
    echoed = json.loads(result.stdout)  # the server's bytes: the request fields it echoes
    assert echoed["model"] == "gemini-3.1-pro-preview"
    assert echoed["generation_config"] == {"thinking_level": "high"}
    assert echoed["response_format"] == {"type": "image"}


def test_flags_on_the_follow_up_override_what_was_carried(gem: Gem) -> None:
    gem("create", *FIRST, "one")
    body = body_of(
        gem(
            "create", "-c", "--dry-run", "-m", "gemini-3-flash-preview", "-s", "Be kind",
            "--thinking", "low", "--search", "--code-exec", "two",
        )
    )  # fmt: skip
    assert body["model"] == "gemini-3-flash-preview"
    assert body["system_instruction"] == "Be kind"
    assert body["generation_config"] == {"thinking_level": "low"}
    assert body["tools"] == [{"type": "google_search"}, {"type": "code_execution"}]  # one search


def test_set_and_body_override_too(gem: Gem, tmp_path) -> None:
    gem("create", *FIRST, "one")
    body = body_of(gem("create", "-c", "--dry-run", "--set", "generation_config.seed=7", "two"))
    assert body["generation_config"] == {"thinking_level": "high", "seed": 7}
    file = tmp_path / "body.json"
    file.write_text('{"agent": "deep-research-preview-04-2026", "background": true}')
    body = body_of(gem("create", "-c", "--dry-run", "--body", str(file), "two"))
    assert "model" not in body and "generation_config" not in body
    assert body["agent"] == "deep-research-preview-04-2026"


def test_fresh_sends_only_what_the_command_line_says(gem: Gem) -> None:
    gem("create", *FIRST, "one")
    body = body_of(gem("create", "-c", "--fresh", "--dry-run", "two"))
    assert body == {
        "input": "two",
        "previous_interaction_id": body["previous_interaction_id"],
        "model": "gemini-3-flash-preview",
    }
    result = gem("create", "-c", "--fresh", "two")
    assert result.stdout == "Echo: two (turn 2)\n"


def test_an_interaction_not_in_the_history_is_read_back_from_the_server(gem: Gem) -> None:
    first = gem("--no-log", "create", *FIRST, "--format", "id", "one")
    ident = first.stdout.strip()
    dry = gem("create", "-p", ident, "--dry-run", "two")
    assert "model" in body_of(dry) and body_of(dry)["model"] == "gemini-3-flash-preview"
    assert f"{ident} is not in the local history" in dry.stderr  # --dry-run sends nothing
    result = gem("create", "-p", ident, "--json", "two")
    assert result.exit_code == 0, result.stderr
    echoed = json.loads(result.stdout)
    assert echoed["model"] == "gemini-3.1-pro-preview"
    assert echoed["system_instruction"] == "Be terse"
    assert echoed["tools"] == [{"type": "google_search"}]


def test_a_missing_previous_interaction_fails_as_before(gem: Gem) -> None:
    result = gem("create", "-p", "v1_nosuch", "two")
    assert result.exit_code == 3
    assert "could not fetch v1_nosuch to carry its settings" in result.stderr


@pytest.mark.e2e
def test_local_function_commands_carry_forward(gem: Gem, tmp_path) -> None:
    tool = tmp_path / "weather.py"
    tool.write_text('import sys, json\njson.load(sys.stdin)\nprint(json.dumps({"temp": 21}))\n')
    command = f"get_weather={sys.executable} {tool}"
    first = gem("create", "--function", command, "call get_weather")
    assert first.exit_code == 9  # the call waits for an answer
    result = gem("create", "-c", "--run-tools", "again, call get_weather")
    assert result.exit_code == 0, result.stderr
    assert 'function get_weather returned {"temp": 21}' in result.stdout
    follow = body_of(gem("create", "-c", "--dry-run", "thanks"))
    assert follow["tools"] == [{"type": "function", "name": "get_weather"}]


def test_research_plan_approval_carries_the_agent_but_not_the_planning(gem: Gem) -> None:
    plan = gem("research", "--plan", "--visualization", "auto", "Batteries")
    assert plan.exit_code == 9
    ident = last_id(gem)
    body = body_of(gem("research", "--previous", ident, "--dry-run", "Go ahead"))
    assert body["agent_config"] == {
        "type": "deep-research",
        "thinking_summaries": "auto",
        "visualization": "auto",
    }
    done = gem("research", "--previous", ident, "Go ahead")
    assert done.exit_code == 0, done.stderr
    assert "# Research report" in done.stdout


def test_an_agent_conversation_continues_with_the_agent(gem: Gem) -> None:
    gem("research", "Batteries")
    body = body_of(gem("create", "-c", "--dry-run", "Summarise it"))
    assert body["agent"] == "deep-research-preview-04-2026" and body["background"] is True
    assert "model" not in body
    body = body_of(gem("create", "-c", "--dry-run", "-m", "gemini-3-flash-preview", "Summarise"))
    assert body["model"] == "gemini-3-flash-preview"
    assert "agent" not in body and "agent_config" not in body and "background" not in body
