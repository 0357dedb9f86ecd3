"""Options that cannot work together are refused (exit 2) before anything is sent."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.helpers import interaction

AGENT = "deep-research-preview-04-2026"


def test_create_agent_thoughts_asks_the_deep_research_agent_for_summaries(invoke, api_key):
    result = invoke(["create", "--dry-run", "--agent", AGENT, "--thoughts", "q"])
    assert result.exit_code == 0, result.stderr
    config = json.loads(result.stdout)["body"]["agent_config"]
    assert config == {"type": "deep-research", "thinking_summaries": "auto"}


def test_create_agent_thoughts_keeps_a_given_agent_config(invoke, api_key):
    args = ["--set", 'agent_config={"type":"deep-research","thinking_summaries":"none"}']
    result = invoke(["create", "--dry-run", "--agent", AGENT, "--thoughts", *args, "q"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["agent_config"]["thinking_summaries"] == "none"


@pytest.mark.parametrize("command", ["create", "stream"])
def test_fresh_without_a_follow_up_is_a_usage_error(invoke, api, api_key, command):
    result = invoke([command, "--fresh", "hi"])
    assert result.exit_code == 2
    assert "--fresh only applies with -c or -p" in result.stderr
    assert not api.calls


@pytest.mark.parametrize("command", ["create", "stream"])
def test_format_id_with_no_store_is_refused_before_sending(invoke, api, api_key, command):
    result = invoke(["--format", "id", command, "--no-store", "hi"])
    assert result.exit_code == 2, result.stderr
    assert "--no-store" in result.stderr and "id" in result.stderr
    assert not api.calls


def test_a_server_omitting_the_id_with_store_on_is_still_exit_6(invoke, api, api_key):
    api.post("/interactions").mock(return_value=httpx.Response(200, json=interaction(ident="")))
    result = invoke(["--format", "id", "create", "hi"])
    assert result.exit_code == 6


def test_an_agent_with_no_store_is_refused_before_sending(invoke, api, api_key):
    result = invoke(["create", "--agent", AGENT, "--no-store", "hi"])
    assert result.exit_code == 2
    assert "agent" in result.stderr and "stored" in result.stderr
    assert not api.calls
