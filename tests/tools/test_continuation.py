"""requires_continuation: automatic hops with the token (§7), merged into one result."""

from __future__ import annotations

import json

import httpx

from gemini_cli.api.models import Interaction
from gemini_cli.continuation import merge_hops
from tests.helpers import interaction, sent_json


def hop(ident, text, token=None, prefix_input=False, tokens=10):
    steps = [{"type": "user_input", "content": [{"type": "text", "text": "q"}]}] \
        if prefix_input else []
    steps += [{"type": "thought", "signature": "c2ln"},
              {"type": "model_output", "content": [{"type": "text", "text": text}]}]
    data = interaction("requires_continuation" if token else "completed", None, ident=ident,
                       steps=steps, usage={"total_input_tokens": tokens, "total_tokens": tokens,
                                           "input_tokens_by_modality": [
                                               {"modality": "text", "tokens": tokens}]})
    if token:
        data["continuation_token"] = token
    return data


def hops(api, *datas):
    route = api.post("/interactions")
    route.side_effect = [httpx.Response(200, json=d) for d in datas]
    return route


def test_hops_are_followed_and_merged(invoke, api, api_key):
    route = hops(api, hop("v1_1", "Part one. ", "t1"), hop("v1_2", "Part two. ", "t2"),
                 hop("v1_3", "Part three."))
    result = invoke(["create", "-s", "sys", "--search", "Write"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Part one. Part two. Part three.\n"
    first, second, third = (sent_json(route, i) for i in range(3))
    assert "continuation_token" not in first and first["input"] == "Write"
    assert second == {**{k: v for k, v in first.items() if k != "input"},
                      "continuation_token": "t1", "previous_interaction_id": "v1_1"}
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
    first = Interaction.from_dict({**hop("v1_1", "A", "t"), "previous_interaction_id": "v1_0",
                                   "created": "c1", "usage": {"initial_input_tokens": 5,
                                                              "total_input_tokens": 5}})
    last = Interaction.from_dict({**hop("v1_2", "B"), "created": "c2",
                                  "usage": {"initial_input_tokens": 9, "total_input_tokens": 9}})
    merged = merge_hops([first, last]).data
    assert merged["previous_interaction_id"] == "v1_0" and merged["created"] == "c1"
    assert merged["id"] == "v1_2" and "continuation_token" not in merged
    assert merged["usage"] == {"initial_input_tokens": 5, "total_input_tokens": 14}


def test_emulator_multi_hop(emulator):
    result = emulator(["create", "Write [[continue:3]]"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Echo: Write [[continue:3]]. Part 1 of 4. Part 2 of 4. " \
                            "Part 3 of 4. Part 4 of 4.\n"
    assert result.stderr.count("continuing") == 3


def test_emulator_multi_hop_streamed(emulator):
    result = emulator(["stream", "Write [[continue:2]]"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("Part 1 of 3. Part 2 of 3. Part 3 of 3.\n")


def test_emulator_stuck_continuation(emulator):
    result = emulator(["create", "Write [[continue:stuck]]"])
    assert result.exit_code == 7 and "no progress" in result.stderr
