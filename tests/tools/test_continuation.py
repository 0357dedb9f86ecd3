"""requires_continuation: automatic hops with the token (§7), merged into one result."""

from __future__ import annotations

import json

import httpx
import pytest

from gemini_cli.api.models import Interaction
from gemini_cli.turns.continuation import merge_hops
from tests.helpers import interaction, sent_json


def hop(ident, text, token=None, prefix_input=False, tokens=10):
    steps = (
        [{"type": "user_input", "content": [{"type": "text", "text": "q"}]}] if prefix_input else []
    )
    steps += [
        {"type": "thought", "signature": "c2ln"},
        {"type": "model_output", "content": [{"type": "text", "text": text}]},
    ]
    data = interaction(
        "requires_continuation" if token else "completed",
        None,
        ident=ident,
        steps=steps,
        usage={
            "total_input_tokens": tokens,
            "total_tokens": tokens,
            "input_tokens_by_modality": [{"modality": "text", "tokens": tokens}],
        },
    )
    if token:
        data["continuation_token"] = token
    return data


def hops(api, *datas):
    route = api.post("/interactions")
    route.side_effect = [httpx.Response(200, json=d) for d in datas]
    return route


def test_hops_are_followed_and_merged(invoke, api, api_key):
    route = hops(
        api,
        hop("v1_1", "Part one. ", "t1"),
        hop("v1_2", "Part two. ", "t2"),
        hop("v1_3", "Part three."),
    )
    result = invoke(["create", "-s", "sys", "--search", "Write"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Part one. Part two. Part three.\n"
    first, second, third = (sent_json(route, i) for i in range(3))
    assert "continuation_token" not in first and first["input"] == "Write"
    assert second == {
        **{k: v for k, v in first.items() if k != "input"},
        "continuation_token": "t1",
        "previous_interaction_id": "v1_1",
    }
    assert third["continuation_token"] == "t2" and third["previous_interaction_id"] == "v1_2"


def test_json_output_is_the_merged_interaction(invoke, api, api_key):
    hops(api, hop("v1_1", "A", "t1", tokens=3), hop("v1_2", "B", prefix_input=True, tokens=4))
    result = invoke(["create", "--json", "Write"])
    merged = json.loads(result.stdout)
    assert merged["id"] == "v1_2" and merged["status"] == "completed"
    assert [s["type"] for s in merged["steps"]] == ["thought", "model_output"] * 2
    assert merged["usage"]["total_tokens"] == 7
    assert merged["usage"]["input_tokens_by_modality"] == [{"modality": "text", "tokens": 7}]


def test_store_false_resends_the_input(invoke, api, api_key):
    route = hops(api, hop("v1_1", "A", "t1"), hop("v1_2", "B"))
    assert invoke(["create", "--no-store", "Write"]).exit_code == 0
    second = sent_json(route, 1)
    assert second["input"] == "Write" and second["continuation_token"] == "t1"
    assert "previous_interaction_id" not in second


def test_no_continue_exits_7_with_the_token(invoke, api, api_key):
    route = hops(api, hop("v1_1", "A", "tok-123"))
    result = invoke(["create", "--no-continue", "Write"])
    assert result.exit_code == 7 and "continuation_token tok-123" in result.stderr
    assert route.call_count == 1 and result.stdout == "A\n"


def test_max_continuations_caps_the_hops(invoke, api, api_key):
    route = hops(api, hop("v1_1", "A", "t1"), hop("v1_2", "B", "t2"), hop("v1_3", "C", "t3"))
    result = invoke(["create", "--max-continuations", "2", "Write"])
    assert result.exit_code == 7 and route.call_count == 3
    assert result.stdout == "ABC\n" and "continuation_token t3" in result.stderr


def test_a_hop_without_progress_stops(invoke, api, api_key):
    route = hops(api, hop("v1_1", "A", "same"), hop("v1_2", "B", "same"))
    result = invoke(["create", "Write"])
    assert result.exit_code == 7 and route.call_count == 2
    assert "no progress" in result.stderr


def test_merge_keeps_first_hop_fields():
    first = Interaction.from_dict(
        {
            **hop("v1_1", "A", "t"),
            "previous_interaction_id": "v1_0",
            "created": "c1",
            "usage": {"initial_input_tokens": 5, "total_input_tokens": 5},
        }
    )
    last = Interaction.from_dict(
        {
            **hop("v1_2", "B"),
            "created": "c2",
            "usage": {"initial_input_tokens": 9, "total_input_tokens": 9},
        }
    )
    merged = merge_hops([first, last]).data
    assert merged["previous_interaction_id"] == "v1_0" and merged["created"] == "c1"
    assert merged["id"] == "v1_2" and "continuation_token" not in merged
    assert merged["usage"] == {"initial_input_tokens": 5, "total_input_tokens": 14}


def test_emulator_multi_hop(emulator):
    result = emulator(["create", "Write [[continue:3]]"])
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout == "Echo: Write [[continue:3]]. Part 1 of 4. Part 2 of 4. "
        "Part 3 of 4. Part 4 of 4.\n"
    )
    assert result.stderr.count("continuing") == 3


def test_emulator_multi_hop_streamed(emulator):
    result = emulator(["stream", "Write [[continue:2]]"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("Part 1 of 3. Part 2 of 3. Part 3 of 3.\n")


def test_emulator_stuck_continuation(emulator):
    result = emulator(["create", "Write [[continue:stuck]]"])
    assert result.exit_code == 7 and "no progress" in result.stderr


# -- one command, one id, one history row (continuation hops and tool rounds) -----------------


MULTI_HOP = "Write [[continue:2]]"


def test_stream_format_id_prints_only_the_final_hop(emulator):
    from gemini_cli.history import store as history

    result = emulator(["stream", "-f", "id", MULTI_HOP])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [history.last_id()]  # what `last` points to
    created = emulator(["create", "-f", "id", MULTI_HOP])
    assert created.stdout.splitlines() == [history.last_id()]


@pytest.mark.e2e
def test_stream_format_id_with_run_tools_prints_one_id(emulator, script):
    result = emulator(
        [
            "stream",
            "-f",
            "id",
            "--function",
            f"f={script('w', 'print(1)')}",
            "--run-tools",
            "please call f",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_stream_format_id_prints_early_when_no_hop_can_follow(emulator):
    result = emulator(["stream", "-f", "id", "--no-continue", "hi"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 1


@pytest.mark.parametrize("command", ["create", "stream"])
def test_history_row_sums_the_hops_and_keeps_the_command_previous_id(emulator, command):
    from gemini_cli.history import store as history

    result = emulator([command, "--json", MULTI_HOP])
    usage = json.loads(result.stdout)["usage"]
    [row] = history.entries()
    assert (row.input_tokens, row.output_tokens, row.total_tokens) == (
        usage["total_input_tokens"],
        usage["total_output_tokens"],
        usage["total_tokens"],
    )
    assert row.previous_id is None  # a fresh command: not its own first hop
    emulator(["get", "last"])  # a later look at the last hop alone lowers nothing
    assert history.entries()[0].total_tokens == usage["total_tokens"]
    first = row.id
    emulator([command, "-c", "--json", MULTI_HOP])
    newest = history.entries()[0]
    assert newest.previous_id == first


@pytest.mark.e2e
def test_history_row_sums_the_tool_rounds(emulator, script):
    from gemini_cli.history import store as history

    for command in ("create", "stream"):
        result = emulator(
            [
                command,
                "--json",
                "--function",
                f"f={script('w', 'print(1)')}",
                "--run-tools",
                "please call f",
            ]
        )
        assert result.exit_code == 0, result.stderr
        final = json.loads(result.stdout)
        row = history.entries()[0]
        assert row.id == final["id"] and row.previous_id is None
        assert row.total_tokens > final["usage"]["total_tokens"]  # both rounds counted
