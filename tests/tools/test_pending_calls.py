"""Pending function calls: the hint names their ids; `-c --run-tools` answers them; Ctrl-C in a
tool round names the interaction."""

from __future__ import annotations

import sys

import httpx
import pytest

from tests.helpers import interaction, sent_json
from tests.tools.test_run_tools import WEATHER, answers, calling

PARIS = ("c1", "get_weather", {"city": "Paris"})
ROME = ("c2", "get_weather", {"city": "Rome"})


def test_the_requires_action_hint_names_the_real_call_ids(invoke, api, api_key):
    answers(api, calling("v1_a", PARIS, ROME))
    result = invoke(["create", "--function", f"get_weather={sys.executable}", "Weather?"])
    assert result.exit_code == 9
    assert "gem create --previous v1_a --result c1=FILE --result c2=FILE" in result.stderr
    assert "CALL_ID" not in result.stderr


@pytest.mark.e2e
def test_continue_with_run_tools_and_no_prompt_answers_the_pending_call(
    invoke, api, api_key, script
):
    route = answers(api, calling("v1_a", PARIS), interaction(text="21C in Paris", ident="v1_b"))
    api.get("/interactions/v1_a").mock(
        return_value=httpx.Response(200, json=calling("v1_a", PARIS))
    )
    first = invoke(["create", "--function", f"get_weather={script('w', WEATHER)}", "Weather?"])
    assert first.exit_code == 9
    result = invoke(["create", "-c", "--run-tools"])
    assert result.exit_code == 0, result.stderr
    sent = sent_json(route, 1)
    assert sent["previous_interaction_id"] == "v1_a"
    assert sent["input"][0]["call_id"] == "c1" and sent["input"][0]["type"] == "function_result"
    assert result.stdout == "21C in Paris\n"


def test_continue_with_run_tools_and_nothing_pending_is_no_input(invoke, api, api_key):
    route = answers(api, interaction(ident="v1_a"))
    api.get("/interactions/v1_a").mock(
        return_value=httpx.Response(200, json=interaction(ident="v1_a"))
    )
    assert invoke(["create", "--function", f"get_weather={sys.executable}", "hi"]).exit_code == 0
    result = invoke(["create", "-c", "--run-tools"])
    assert result.exit_code == 2 and "no pending function calls" in result.stderr
    assert route.call_count == 1


def test_ctrl_c_in_a_tool_round_names_the_interaction_and_its_calls(
    invoke, api, api_key, monkeypatch
):
    def interrupted(self, calls):
        raise KeyboardInterrupt

    monkeypatch.setattr("gemini_cli.turns.toolrun.ToolLoop.answer", interrupted)
    answers(api, calling("v1_a", PARIS))
    command = f"get_weather={sys.executable}"
    result = invoke(["create", "--function", command, "--run-tools", "Weather?"])
    assert result.exit_code == 130
    assert "interaction v1_a is requires_action" in result.stderr
    assert "gem create --previous v1_a --result c1=FILE" in result.stderr


@pytest.mark.e2e
def test_sigterm_during_a_create_tool_round_names_the_interaction(scripted_server, tmp_path):
    import json
    import signal
    import time

    from tests.hostile.test_deadline_e2e import gem

    reply = calling("v1_a", PARIS)
    scripted_server.reply(
        200, body=json.dumps(reply).encode(), headers={"Content-Type": "application/json"}
    )
    started = tmp_path / "started"
    tool = tmp_path / "tool.sh"
    tool.write_text(f"#!/bin/sh\ntouch {started}\nexec sleep 30\n")
    tool.chmod(0o755)
    proc = gem(
        scripted_server.url, "create", "--run-tools", "--function", f"get_weather={tool}", "hi"
    )
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:  # the tool command runs
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "interaction v1_a is requires_action" in err
    assert "gem create --previous v1_a --result c1=FILE" in err
