"""`--result CALL_ID=FILE|-`: answering a function call by hand."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.helpers import IID, interaction, ok, sent_json

PREVIOUS = interaction(
    "requires_action",
    None,
    ident="v1_prev",
    steps=[{"type": "function_call", "id": "c1", "name": "get_weather", "arguments": {}}],
)


def test_result_from_a_file_names_the_call(invoke, api, api_key, tmp_path):
    api.get("/interactions/v1_prev").mock(return_value=httpx.Response(200, json=PREVIOUS))
    route = api.post("/interactions").mock(return_value=ok())
    path = tmp_path / "r.json"
    path.write_text('{"temp_c": 5}')
    result = invoke(["create", "--previous", "v1_prev", "--result", f"c1={path}"])
    assert result.exit_code == 0, result.stderr
    body = sent_json(route)
    assert body["previous_interaction_id"] == "v1_prev"
    assert body["input"] == [
        {"type": "function_result", "call_id": "c1", "name": "get_weather", "result": {"temp_c": 5}}
    ]


def test_result_from_stdin_then_a_prompt(invoke, api, api_key):
    api.get("/interactions/v1_prev").mock(return_value=httpx.Response(200, json=PREVIOUS))
    route = api.post("/interactions").mock(return_value=ok())
    result = invoke(
        ["create", "-p", "v1_prev", "--result", "c1=-", "Thanks", "and", "go"], input="sunny, 5C\n"
    )
    assert result.exit_code == 0, result.stderr
    assert sent_json(route)["input"] == [
        {"type": "function_result", "call_id": "c1", "name": "get_weather", "result": "sunny, 5C"},
        {"type": "user_input", "content": [{"type": "text", "text": "Thanks and go"}]},
    ]


def test_the_name_is_left_out_when_the_lookup_fails(invoke, api, api_key, tmp_path):
    api.get("/interactions/v1_gone").mock(return_value=httpx.Response(404, json={}))
    route = api.post("/interactions").mock(return_value=ok())
    path = tmp_path / "r.txt"
    path.write_text("done")
    result = invoke(["create", "-p", "v1_gone", "--result", f"c1={path}"])
    assert result.exit_code == 0, result.stderr
    assert sent_json(route)["input"] == [
        {"type": "function_result", "call_id": "c1", "result": "done"}
    ]
    assert "could not fetch v1_gone" in result.stderr


def test_result_needs_previous(invoke, api, api_key):
    route = api.post("/interactions").mock(return_value=ok())
    result = invoke(["create", "--result", "c1=-"], input="x")
    assert result.exit_code == 2 and "--previous" in result.stderr
    assert not route.called


def test_emulator_manual_round_trip(emulator, tmp_path):
    first = emulator(["create", "--function", "get_weather=true", "call get_weather"])
    assert first.exit_code == 9
    call = json.loads(first.stdout)
    answer = emulator(
        ["create", "-c", "--function", "get_weather=true", "--result", f"{call['id']}=-"],
        input='{"temp_c": 5}',
    )
    assert answer.exit_code == 0, answer.stderr
    assert answer.stdout == 'Echo: function get_weather returned {"temp_c": 5} (turn 2)\n'


def test_result_with_dry_run_sends_nothing(invoke, api, api_key, tmp_path):
    get = api.get("/interactions/v1_prev").mock(return_value=ok())
    path = tmp_path / "r.json"
    path.write_text('{"t": 5}')
    result = invoke(["create", "--dry-run", "-p", "v1_prev", "--result", f"c1={path}"])
    assert result.exit_code == 0, result.stderr
    assert not get.called
    assert '"function_result"' in result.stdout


@pytest.mark.parametrize("spec", ["c1", "=x", "c1=/no/such/file"])
def test_a_malformed_result_sends_nothing(invoke, api, api_key, spec):
    get = api.get("/interactions/v1_prev").mock(return_value=ok())
    post = api.post("/interactions").mock(return_value=ok())
    result = invoke(["create", "-p", "v1_prev", "--result", "c2=-", "--result", spec], input="x")
    assert result.exit_code == 2
    assert not get.called and not post.called


def test_result_dash_refuses_a_terminal(invoke, api, api_key):
    result = invoke(
        ["create", "-p", IID, "--result", "c1=-"], input="{}", tty={"stdin_isatty": True}
    )
    assert result.exit_code == 2
    assert "--result c1=-: stdin is a terminal" in result.stderr
    assert not api.calls
