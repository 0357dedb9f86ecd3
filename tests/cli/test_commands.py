"""`gem get`, `gem cancel`, `gem delete`: the request each sends and what each prints."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.helpers import IID, ok


@pytest.fixture(autouse=True)
def _key(api_key):
    return api_key


def test_get_sends_stream_false(invoke, api):
    route = api.get(f"/interactions/{IID}").mock(return_value=ok())
    invoke(["get", IID])
    assert route.calls.last.request.url.query == b"stream=false"


def test_get_include_input(invoke, api):
    route = api.get(f"/interactions/{IID}").mock(return_value=ok())
    invoke(["get", IID, "--include-input"])
    assert route.calls.last.request.url.query == b"include_input=true&stream=false"


def test_get_percent_encodes_the_id(invoke, api):
    route = api.route(method="GET").mock(return_value=ok())
    invoke(["get", "odd/id with space"])
    assert route.calls.last.request.url.raw_path.startswith(
        b"/v1/interactions/odd%2Fid%20with%20space?"
    )


def test_get_dry_run(invoke, api):
    result = invoke(["get", IID, "--include-input", "--dry-run"])
    shown = json.loads(result.stdout)
    assert shown["method"] == "GET"
    assert shown["url"] == (
        f"https://generativelanguage.googleapis.com/v1/interactions/{IID}"
        "?include_input=true&stream=false"
    )
    assert "body" not in shown
    assert not api.calls


def test_get_last_uses_the_last_created_id(invoke, api):
    api.post("/interactions").mock(return_value=ok(ident="v1_latest"))
    route = api.get("/interactions/v1_latest").mock(return_value=ok(ident="v1_latest"))
    assert invoke(["create", "hi"]).exit_code == 0
    assert invoke(["get", "last"]).exit_code == 0
    assert route.called


def test_cancel_posts_and_prints_the_id(invoke, api):
    route = api.post(f"/interactions/{IID}/cancel").mock(
        return_value=ok(status="cancelled", text=None)
    )
    result = invoke(["cancel", IID])
    assert result.exit_code == 0
    assert result.stdout == f"{IID}\n"
    assert "cancelled" in result.stderr
    assert route.calls.last.request.method == "POST"


def test_cancel_json_is_the_server_answer(invoke, api):
    answer = json.dumps({"id": IID, "status": "cancelled", "extra": 1})
    api.post(f"/interactions/{IID}/cancel").mock(return_value=httpx.Response(200, text=answer))
    assert invoke(["cancel", IID, "--json"]).stdout == answer + "\n"


def test_cancel_dry_run(invoke, api):
    result = invoke(["cancel", IID, "--dry-run"])
    assert json.loads(result.stdout)["url"].endswith(f"/v1/interactions/{IID}/cancel")
    assert not api.calls


def test_cancel_of_a_finished_interaction_is_refused(invoke, api):
    api.post(f"/interactions/{IID}/cancel").mock(
        return_value=httpx.Response(400, json={"error": {"code": 400, "message": "not running"}})
    )
    result = invoke(["cancel", IID])
    assert result.exit_code == 3 and "not running" in result.stderr


def test_delete_sends_delete_and_prints_the_id(invoke, api):
    route = api.delete(f"/interactions/{IID}").mock(return_value=httpx.Response(200, text="{}"))
    result = invoke(["delete", IID])
    assert result.exit_code == 0
    assert result.stdout == f"{IID}\n"
    assert route.called


def test_delete_json(invoke, api):
    api.delete(f"/interactions/{IID}").mock(return_value=httpx.Response(200, text=""))
    assert json.loads(invoke(["delete", IID, "--json"]).stdout) == {}


def test_delete_of_an_unknown_id_exits_3(invoke, api):
    api.delete(f"/interactions/{IID}").mock(return_value=httpx.Response(404))
    assert invoke(["delete", IID]).exit_code == 3


def test_delete_dry_run(invoke, api):
    result = invoke(["delete", IID, "--dry-run"])
    assert json.loads(result.stdout)["method"] == "DELETE"
    assert not api.calls


@pytest.mark.parametrize("command", ["get", "cancel", "delete"])
def test_dash_reads_the_id_from_stdin(invoke, api, command):
    route = api.route(url__regex=rf".*/interactions/{IID}.*").mock(return_value=ok())
    result = invoke([command, "-"], input=f"\n{IID}\n")
    assert result.exit_code == 0, result.stderr
    assert route.called


@pytest.mark.parametrize("ident", ["", "  "])
def test_an_empty_id_is_a_usage_error(invoke, api, ident):
    result = invoke(["get", ident])
    assert result.exit_code == 2
    assert not api.calls


@pytest.mark.parametrize(
    "reply, printed",
    [
        (httpx.Response(204), "{}\n"),
        (httpx.Response(200, text="deleted, thanks"), "deleted, thanks\n"),
        (httpx.Response(200, json={}), "{}\n"),
    ],
)
def test_delete_json_prints_the_answer_as_sent(invoke, api, api_key, reply, printed):
    api.delete(f"/interactions/{IID}").mock(return_value=reply)
    result = invoke(["delete", IID, "--json"])
    assert result.exit_code == 0
    assert result.stdout == printed


def test_an_id_on_stdin_that_is_not_utf8_is_exit_2(invoke, api, api_key):
    result = invoke(["get", "-"], input=b"\xff\xfe\n")
    assert result.exit_code == 2
    assert "not valid UTF-8" in result.stderr
    assert not api.calls


@pytest.mark.parametrize(
    "ident, message",
    [
        ("a" * 70_000, "the interaction id is too long"),
        ("v1_a\x01b", "contains a control character"),
    ],
)
def test_odd_ids_are_refused_before_sending(invoke, api, api_key, ident, message):
    result = invoke(["get", ident])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not api.calls


def test_a_huge_id_on_stdin_is_refused(invoke, api, api_key):
    result = invoke(["get", "-"], input="a" * 3_000_000)
    assert result.exit_code == 2
    assert not api.calls


def test_an_id_too_long_for_a_url_is_a_usage_error_before_sending(invoke, api, api_key):
    result = invoke(["get", "a" * 70_000])
    assert result.exit_code == 2 and "too long" in result.stderr
    assert not api.calls
