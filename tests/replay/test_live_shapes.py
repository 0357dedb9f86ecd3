"""The live service's shapes (interactions-api.md §13), replayed byte-exact through the CLI."""

from __future__ import annotations

import json

import pytest

from tests.scripted_server import ScriptedServer

from .conftest import Replay, fixture_bytes


def ndjson_lines(fixture: str) -> list[str]:
    """The `data:` payloads of a transcript except [DONE]: what --format ndjson prints."""
    lines = fixture_bytes(fixture).decode().splitlines()
    return [line[6:] for line in lines if line.startswith("data: ") and line != "data: [DONE]"]


def call_step(ident: str, name: str, arguments: dict[str, str]) -> dict[str, object]:
    return {"type": "function_call", "id": ident, "name": name, "arguments": arguments}


# -- store: false: no id, a normal answer ------------------------------------------------------


def test_stream_store_false_text(replay: Replay, scripted_server: ScriptedServer) -> None:
    result = replay(["stream", "--no-store", "hi"], "stream-store-false.sse")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Pipes carry bytes.\n", "")
    assert len(scripted_server.requests) == 1  # nothing to re-attach to, nothing fetched


def test_stream_store_false_ndjson_is_the_server_bytes(replay: Replay) -> None:
    result = replay(["stream", "--no-store", "-f", "ndjson", "hi"], "stream-store-false.sse")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ndjson_lines("stream-store-false.sse")


def test_stream_store_false_json_is_the_rebuilt_interaction(replay: Replay) -> None:
    result = replay(["stream", "--no-store", "--json", "hi"], "stream-store-false.sse")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["id"] == "" and data["status"] == "completed"
    assert data["steps"][1]["content"] == [{"type": "text", "text": "Pipes carry bytes."}]
    assert data["usage"]["raw_prompt_token"] == 6  # undocumented usage fields pass through
    assert data["usage"]["model_invocation_token_counts"] == [{"model": "m", "tokens": 15}]


def test_create_without_id_is_a_normal_answer(replay: Replay) -> None:
    result = replay(["create", "--no-store", "hi"], "create-store-false.json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Pipes carry bytes.\n", "")
    result = replay(["create", "--no-store", "--json", "hi"], "create-store-false.json")
    assert result.stdout == fixture_bytes("create-store-false.json").decode() + "\n"


def test_create_incomplete_prints_the_text_and_exits_7(replay: Replay) -> None:
    result = replay(["create", "hi"], "create-incomplete.json")
    assert result.exit_code == 7
    assert result.stdout == "The list so far: 1, 2,\n"
    assert "v1_live_short ended incomplete" in result.stderr


# -- steps as the live service streams them ----------------------------------------------------


def test_search_tool_steps_after_the_text(replay: Replay) -> None:
    result = replay(["stream", "--search", "capital of Portugal?"], "stream-search-after-text.sse")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Lisbon is the capital of Portugal.\n"
    assert result.stderr == ""


def test_search_json_keeps_the_tool_steps(replay: Replay) -> None:
    result = replay(["stream", "--json", "q"], "stream-search-after-text.sse")
    steps = json.loads(result.stdout)["steps"]
    assert [s["type"] for s in steps] == [
        "thought",
        "model_output",
        "google_search_call",
        "google_search_result",
    ]
    assert steps[2] == {
        "type": "google_search_call",
        "id": "gs1",
        "signature": "",
        "arguments": {"queries": ["capital of Portugal"]},
    }
    assert steps[3]["result"] == [{"search_suggestions": "<div>x</div>"}]
    assert steps[3]["is_error"] is False


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_function_call_in_fragments_exits_9_with_the_call(replay: Replay, fmt: str) -> None:
    result = replay(["stream", "-f", fmt, "weather?"], "stream-function-call-fragments.sse")
    assert result.exit_code == 9
    call = {
        "type": "function_call",
        "id": "call_1",
        "name": "get_weather",
        "arguments": {"location": "Boston, MA"},
        "signature": "",
    }
    if fmt == "text":
        assert [json.loads(line) for line in result.stdout.splitlines()] == [call]
    else:
        assert json.loads(result.stdout)["steps"] == [call]
    assert "the model called get_weather" in result.stderr


def test_incomplete_stream_without_steps(replay: Replay) -> None:
    result = replay(["stream", "hi"], "stream-incomplete-no-steps.sse")
    assert result.exit_code == 7
    assert result.stdout == ""
    assert "v1_live_incomplete ended incomplete" in result.stderr
    result = replay(["stream", "-f", "ndjson", "hi"], "stream-incomplete-no-steps.sse")
    assert result.exit_code == 7
    assert result.stdout.splitlines() == ndjson_lines("stream-incomplete-no-steps.sse")


def test_typeless_text_delta_is_text(replay: Replay) -> None:
    result = replay(["stream", "hi"], "stream-typeless-text-delta.sse")
    assert (result.exit_code, result.stdout) == (0, "# Report\nFindings.\n")


def test_400_with_a_string_code(replay: Replay) -> None:
    result = replay(["create", "hi"], "error-400-string-code.json", status=400)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "gem: error: HTTP 400: Invalid value at 'generation_config.temperature'. "
        "(invalid_request)\n"
    )


# -- the answer rule on a stored interaction ---------------------------------------------------


@pytest.mark.parametrize("command", ["get", "poll"])
def test_mixed_media_answer_keeps_every_text_block(replay: Replay, command: str) -> None:
    result = replay([command, "v1_live_media"], "get-mixed-media.json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Step 1: mix flour. Step 2: bake.\n"
    assert result.stderr.endswith("\ngem: 1 image not shown; use --save DIR\n"[command == "get" :])


def test_get_json_is_the_server_bytes(replay: Replay) -> None:
    result = replay(["get", "--json", "v1_live_media"], "get-mixed-media.json")
    assert result.stdout == fixture_bytes("get-mixed-media.json").decode() + "\n"


# -- legacy stored payloads --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "text"),
    [
        ("legacy-outputs.json", "Stored before the switch.\n"),
        ("legacy-agent-outputs.json", "# Old report\nBody.\n"),
    ],
)
@pytest.mark.parametrize("command", ["get", "poll"])
def test_legacy_outputs_print_their_text(
    replay: Replay, command: str, fixture: str, text: str
) -> None:
    result = replay([command, "v1_legacy"], fixture)
    assert (result.exit_code, result.stdout) == (0, text), result.stderr


@pytest.mark.parametrize("command", ["get", "poll"])
def test_legacy_function_call_exits_9_with_the_call(replay: Replay, command: str) -> None:
    result = replay([command, "v1_legacy_call"], "legacy-function-call.json")
    assert result.exit_code == 9
    assert json.loads(result.stdout) == call_step("call_7", "get_weather", {"location": "Paris"})
    assert "the model called get_weather" in result.stderr


def test_legacy_stream_prints_its_text(replay: Replay) -> None:
    result = replay(["stream", "--follow", "v1_legacy_stream"], "legacy-stream.sse")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Old schema.\n", "")


def test_legacy_stream_function_call(replay: Replay) -> None:
    result = replay(["stream", "hi"], "legacy-stream-function-call.sse")
    assert result.exit_code == 9
    assert json.loads(result.stdout) == call_step("call_9", "lookup", {"q": "gem"})


@pytest.mark.parametrize("command", ["create", "stream"])
def test_format_id_without_an_id_is_an_error(replay: Replay, command: str) -> None:
    # A server that sends no id although the request was stored: exit 6 (--no-store with
    # --format id is refused before sending: tests/cli/test_request_refusals.py).
    fixture = "create-store-false.json" if command == "create" else "stream-store-false.sse"
    result = replay([command, "-f", "id", "hi"], fixture)
    assert (result.exit_code, result.stdout) == (6, "")
    assert "the API returned no interaction id" in result.stderr
