"""-c after a --no-store run: the older conversation it continues is named on stderr."""

from __future__ import annotations

import json

import httpx

from tests.helpers import interaction


def test_continue_after_no_store_names_the_older_interaction(invoke, api, api_key):
    route = api.post("/interactions")
    route.side_effect = [
        httpx.Response(200, json=interaction(ident="v1_a")),
        httpx.Response(200, json=interaction(ident="")),  # store: false answers carry no id
        httpx.Response(200, json=interaction(ident="v1_c")),
    ]
    assert invoke(["create", "first"]).exit_code == 0
    assert invoke(["create", "--no-store", "second"]).exit_code == 0
    result = invoke(["create", "-c", "third"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(route.calls[2].request.content)["previous_interaction_id"] == "v1_a"
    assert "was not stored (--no-store); continuing from v1_a of " in result.stderr


def test_the_unstored_run_is_not_listed_and_a_plain_continue_says_nothing(invoke, api, api_key):
    route = api.post("/interactions")
    route.side_effect = [
        httpx.Response(200, json=interaction(ident="")),
        httpx.Response(200, json=interaction(ident="v1_a")),
        httpx.Response(200, json=interaction(ident="v1_b")),
    ]
    assert invoke(["create", "--no-store", "zero"]).exit_code == 0
    assert invoke(["create", "first"]).exit_code == 0
    result = invoke(["create", "-c", "second"])
    assert result.exit_code == 0 and "not stored" not in result.stderr
    listed = invoke(["history", "--format", "id"])
    assert listed.stdout == "v1_b\nv1_a\n"
