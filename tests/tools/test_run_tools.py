"""--run-tools: local commands answer function calls until the model is done (or --max-steps)."""

from __future__ import annotations

import json

import httpx
import pytest

from gemini_cli.turns.toolrun import parse_result, run_command
from tests.helpers import IID, interaction, sent_json

WEATHER = """
    import json, sys
    args = json.load(sys.stdin)
    print(json.dumps({"city": args["city"], "temp_c": 21}))
"""
FAILING = """
    import sys
    sys.stderr.write("no such city\\n")
    sys.exit(3)
"""
NOT_JSON = """
    import sys
    sys.stdout.buffer.write(b"sunny \\xff[1, 2")
"""


def calling(ident, *calls, status="requires_action"):
    steps = [{"type": "thought", "signature": "c2ln"}]
    steps += [
        {"type": "function_call", "id": cid, "name": name, "arguments": args}
        for cid, name, args in calls
    ]
    return interaction(status, None, ident=ident, steps=steps)


def answers(api, *responses):
    route = api.post("/interactions")
    route.side_effect = [httpx.Response(200, json=r) for r in responses]
    return route


@pytest.mark.e2e
def test_loop_runs_the_command_and_resends_the_turn_scoped_fields(invoke, api, api_key, script):
    route = answers(
        api,
        calling("v1_a", ("c1", "get_weather", {"city": "Paris"})),
        interaction(text='{"answer": "21C"}', ident="v1_b"),
    )
    result = invoke(
        [
            "create",
            "--function",
            f"get_weather={script('w', WEATHER)}",
            "--run-tools",
            "-s",
            "Be brief",
            "--thinking",
            "low",
            "--search",
            "--schema",
            "answer str",
            "Weather in Paris?",
        ]
    )
    assert result.exit_code == 0, result.stderr
    first, second = sent_json(route, 0), sent_json(route, 1)
    assert second["previous_interaction_id"] == "v1_a"
    assert second["input"] == [
        {
            "type": "function_result",
            "call_id": "c1",
            "name": "get_weather",
            "result": {"city": "Paris", "temp_c": 21},
        }
    ]
    for key in ("model", "tools", "system_instruction", "generation_config", "response_format"):
        assert second[key] == first[key]
    assert result.stdout == '{"answer":"21C"}\n'
    assert 'gem: call get_weather {"city": "Paris"}' in result.stderr
    assert "gem: result get_weather" in result.stderr


@pytest.mark.e2e
def test_quiet_silences_the_call_report(invoke, api, api_key, script):
    answers(api, calling("v1_a", ("c1", "get_weather", {"city": "P"})), interaction(ident="v1_b"))
    result = invoke(
        ["create", "-q", "--function", f"get_weather={script('w', WEATHER)}", "--run-tools", "Hi"]
    )
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == "Hello there.\n"


@pytest.mark.e2e
def test_failing_command_becomes_an_error_result(invoke, api, api_key, script):
    route = answers(api, calling("v1_a", ("c1", "f", {})), interaction(ident="v1_b"))
    result = invoke(["create", "--function", f"f={script('bad', FAILING)}", "--run-tools", "Hi"])
    assert result.exit_code == 0, result.stderr
    assert sent_json(route, 1)["input"] == [
        {
            "type": "function_result",
            "call_id": "c1",
            "name": "f",
            "result": "no such city",
            "is_error": True,
        }
    ]
    assert "gem: error f" in result.stderr


@pytest.mark.e2e
def test_invalid_output_is_sent_as_text(invoke, api, api_key, script):
    route = answers(api, calling("v1_a", ("c1", "f", {})), interaction(ident="v1_b"))
    result = invoke(["create", "--function", f"f={script('odd', NOT_JSON)}", "--run-tools", "Hi"])
    assert result.exit_code == 0, result.stderr
    assert sent_json(route, 1)["input"][0]["result"] == "sunny \ufffd[1, 2"


@pytest.mark.e2e
def test_a_model_that_keeps_calling_stops_at_max_steps(invoke, api, api_key, script):
    route = api.post("/interactions")
    route.side_effect = lambda request: httpx.Response(
        200, json=calling(f"v1_{len(route.calls)}", (f"c{len(route.calls)}", "f", {"n": 1}))
    )
    result = invoke(
        [
            "create",
            "--function",
            f"f={script('w', 'print(1)')}",
            "--run-tools",
            "--max-steps",
            "3",
            "Hi",
        ]
    )
    assert result.exit_code == 9
    assert route.call_count == 4  # the first turn and three answered rounds
    assert "stopped after 3 tool round(s)" in result.stderr
    assert json.loads(result.stdout)["name"] == "f"  # the unanswered call, as without --run-tools


def test_a_call_without_a_local_command_exits_9_with_the_calls(invoke, api, api_key, script):
    route = answers(api, calling("v1_a", ("c1", "f", {}), ("c2", "other", {"x": 1})))
    result = invoke(["create", "--function", f"f={script('w', 'print(1)')}", "--run-tools", "Hi"])
    assert result.exit_code == 9
    assert route.call_count == 1
    assert [json.loads(line)["name"] for line in result.stdout.splitlines()] == ["f", "other"]
    assert "no local command for other" in result.stderr


@pytest.mark.e2e
def test_parallel_calls_keep_their_order(invoke, api, api_key, script):
    slow = "import time, json, sys; a = json.load(sys.stdin); time.sleep(a['s']); print(a['s'])"
    route = answers(
        api,
        calling("v1_a", ("c1", "f", {"s": 0.3}), ("c2", "f", {"s": 0.0})),
        interaction(ident="v1_b"),
    )
    result = invoke(["create", "--function", f"f={script('slow', slow)}", "--run-tools", "Hi"])
    assert result.exit_code == 0, result.stderr
    assert [r["call_id"] for r in sent_json(route, 1)["input"]] == ["c1", "c2"]
    assert [r["result"] for r in sent_json(route, 1)["input"]] == ["0.3", "0.0"]


def test_without_run_tools_calls_are_printed_and_exit_9(invoke, api, api_key, script):
    answers(api, calling("v1_a", ("c1", "f", {"a": 1})))
    result = invoke(["create", "--function", f"f={script('w', 'print(1)')}", "Hi"])
    assert result.exit_code == 9
    assert json.loads(result.stdout) == {
        "type": "function_call",
        "id": "c1",
        "name": "f",
        "arguments": {"a": 1},
    }
    assert "--previous v1_a --result c1=FILE" in result.stderr


@pytest.mark.e2e
def test_store_false_resends_the_whole_conversation(invoke, api, api_key, script):
    route = answers(api, calling("v1_a", ("c1", "f", {})), interaction(ident="v1_b"))
    result = invoke(
        ["create", "--no-store", "--function", f"f={script('w', 'print(7)')}", "--run-tools", "Hi"]
    )
    assert result.exit_code == 0, result.stderr
    second = sent_json(route, 1)
    assert "previous_interaction_id" not in second and second["store"] is False
    assert [s["type"] for s in second["input"]] == [
        "user_input",
        "thought",
        "function_call",
        "function_result",
    ]
    assert second["input"][-1]["result"] == "7"


@pytest.mark.e2e
def test_tool_timeout_kills_the_command(script):
    command = script("sleepy", "import time; time.sleep(5)").split()
    outcome = run_command(command, {"name": "f", "arguments": {}}, timeout=0.2)
    assert outcome.is_error and "timed out after 0.2s" in outcome.result


@pytest.mark.e2e
def test_the_command_gets_arguments_on_stdin_and_the_call_in_env(script):
    echo = (
        "import json, os, sys; print(json.dumps({'in': json.load(sys.stdin), "
        "'name': os.environ['GEM_FUNCTION_NAME'], 'id': os.environ['GEM_CALL_ID']}))"
    )
    outcome = run_command(
        script("env", echo).split(), {"name": "f", "id": "c9", "arguments": {"q": "x; rm -rf /"}}, 5
    )
    assert outcome.result == {"in": {"q": "x; rm -rf /"}, "name": "f", "id": "c9"}


@pytest.mark.parametrize(
    ("stdout", "result"),
    [
        ('{"a": 1}', {"a": 1}),
        ("plain text\n", "plain text"),
        ("42", "42"),
        ('"quoted"', "quoted"),
        ("[1, 2]", "[1, 2]"),
        ('[{"type": "text", "text": "t"}]', [{"type": "text", "text": "t"}]),
        ("", ""),
    ],
)
def test_parse_result(stdout, result):
    assert parse_result(stdout) == result


# -- against the emulator ----------------------------------------------------------------------


@pytest.mark.e2e
def test_emulator_function_round_trip(emulator, script, tmp_path):
    schema = tmp_path / "w.json"
    schema.write_text(
        json.dumps(
            {
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                }
            }
        )
    )
    args = [
        "--function",
        f"get_weather={script('w', WEATHER)}",
        "--function-schema",
        f"get_weather={schema}",
        "--run-tools",
        "call get_weather",
    ]
    result = emulator(["create", *args])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        'Echo: function get_weather returned {"city": "call get_weather", "temp_c": 21} (turn 2)\n'
    )


@pytest.mark.e2e
def test_emulator_streamed_round_trip(emulator, script, tmp_path):
    schema = tmp_path / "w.json"
    schema.write_text(
        json.dumps(
            {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
        )
    )
    result = emulator(
        [
            "stream",
            "--function",
            f"get_weather={script('w', WEATHER)}",
            "--function-schema",
            f"get_weather={schema}",
            "--run-tools",
            "call get_weather",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert 'returned {"city": "call get_weather", "temp_c": 21}' in result.stdout
    assert 'gem: call get_weather {"city": "call get_weather"}' in result.stderr


def test_emulator_stream_without_run_tools_prints_the_reassembled_call(emulator, tmp_path):
    schema = tmp_path / "w.json"
    schema.write_text(
        json.dumps(
            {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
        )
    )
    result = emulator(
        [
            "stream",
            "--function",
            "get_weather=true",
            "--function-schema",
            f"get_weather={schema}",
            "call get_weather",
        ]
    )
    assert result.exit_code == 9
    assert json.loads(result.stdout)["arguments"] == {"city": "call get_weather"}


@pytest.mark.e2e
def test_emulator_stream_json_prints_only_the_final_turn(emulator, script):
    result = emulator(
        [
            "stream",
            "--json",
            "--function",
            f"f={script('w', 'print(1)')}",
            "--run-tools",
            "please call f",
        ]
    )
    assert result.exit_code == 0, result.stderr
    final = json.loads(result.stdout)  # one document, not one per turn
    assert final["status"] == "completed"
    assert IID not in result.stdout
