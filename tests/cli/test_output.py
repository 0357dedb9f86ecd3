"""What `gem` prints for each --format, on a TTY and in a pipe."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from tests.helpers import IID, fixture_text, interaction, ok

PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kg"
    "AAAABJRU5ErkJggg=="
)


@pytest.fixture
def get_route(api, api_key):
    return api.get(f"/interactions/{IID}")


def test_text_is_the_output_text_with_a_final_newline(invoke, get_route):
    get_route.mock(return_value=ok(text="no newline at the end"))
    result = invoke(["get", IID])
    assert result.exit_code == 0
    assert result.stdout == "no newline at the end\n"
    assert result.stderr == ""


def test_text_skips_thoughts_and_joins_the_final_text_blocks(invoke, get_route):
    get_route.mock(
        return_value=ok(
            interaction(
                steps=[
                    {"type": "thought", "summary": [{"type": "text", "text": "thinking..."}]},
                    {
                        "type": "model_output",
                        "content": [
                            {"type": "text", "text": "Hello, "},
                            {"type": "text", "text": "world."},
                        ],
                    },
                ]
            )
        )
    )
    assert invoke(["get", IID]).stdout == "Hello, world.\n"


def test_json_piped_is_byte_identical_to_the_server_answer(invoke, get_route):
    raw = fixture_text("unknown-fields.response.json")
    get_route.mock(
        return_value=httpx.Response(
            200, content=raw.encode(), headers={"content-type": "application/json"}
        )
    )
    result = invoke(["get", IID, "--format", "json"])
    assert result.exit_code == 0
    assert result.stdout_bytes == raw.encode()


def test_json_on_a_tty_is_pretty_and_keeps_unknown_fields(invoke, get_route):
    raw = fixture_text("unknown-fields.response.json")
    get_route.mock(return_value=httpx.Response(200, content=raw.encode()))
    result = invoke(["get", IID, "--json"], tty={"stdout_isatty": True})
    assert result.stdout.startswith("{\n  ")
    assert json.loads(result.stdout) == json.loads(raw)


def test_create_json_piped_is_raw(invoke, api, api_key):
    raw = fixture_text("01-simple-text.response.json")
    api.post("/interactions").mock(return_value=httpx.Response(200, content=raw.encode()))
    result = invoke(["create", "--json", "hi"])
    assert result.stdout == (raw if raw.endswith("\n") else raw + "\n")


def test_yaml_has_every_field(invoke, get_route):
    raw = fixture_text("unknown-fields.response.json")
    get_route.mock(return_value=httpx.Response(200, content=raw.encode()))
    result = invoke(["get", IID, "--format", "yaml"])
    assert yaml.safe_load(result.stdout) == json.loads(raw)


def test_id_format_prints_only_the_id(invoke, get_route):
    get_route.mock(return_value=ok())
    assert invoke(["get", IID, "-f", "id"]).stdout == f"{IID}\n"


def test_unknown_format_exits_2(invoke, get_route):
    get_route.mock(return_value=ok())
    result = invoke(["get", IID, "--format", "xml"])
    assert result.exit_code == 2
    assert "--format" in result.stderr
    assert not get_route.called


def test_format_from_env(invoke, get_route, monkeypatch):
    get_route.mock(return_value=ok())
    monkeypatch.setenv("GEM_FORMAT", "id")
    assert invoke(["get", IID]).stdout == f"{IID}\n"


def test_running_background_interaction_prints_its_id_and_a_poll_hint(invoke, api, api_key):
    api.post("/interactions").mock(return_value=ok(status="in_progress", text=None))
    result = invoke(["create", "--background", "Write an essay"])
    assert result.exit_code == 0
    assert result.stdout == f"{IID}\n"
    assert f"gem poll {IID}" in result.stderr


def test_quiet_drops_the_poll_hint(invoke, api, api_key):
    api.post("/interactions").mock(return_value=ok(status="queued", text=None))
    result = invoke(["create", "--background", "-q", "Write an essay"])
    assert result.stdout == f"{IID}\n" and result.stderr == ""


def test_media_is_never_dumped_as_base64(invoke, get_route):
    get_route.mock(
        return_value=ok(
            interaction(
                steps=[
                    {
                        "type": "model_output",
                        "content": [
                            {"type": "text", "text": "Here you go."},
                            {"type": "image", "mime_type": "image/png", "data": PNG_B64},
                            {"type": "image", "mime_type": "image/png", "data": PNG_B64},
                        ],
                    }
                ]
            )
        )
    )
    result = invoke(["get", IID])
    assert PNG_B64 not in result.stdout + result.stderr
    assert "gem: 2 images not shown; use --save DIR" in result.stderr


def test_completed_without_text_exits_0_with_a_note(invoke, get_route):
    get_route.mock(return_value=ok(text=None))
    result = invoke(["get", IID])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no output text" in result.stderr


def test_usage_goes_to_stderr(invoke, get_route):
    get_route.mock(
        return_value=ok(
            usage={"total_input_tokens": 19, "total_output_tokens": 14, "total_tokens": 74}
        )
    )
    result = invoke(["get", IID, "--usage"])
    assert result.stdout == "Hello there.\n"
    assert "input 19" in result.stderr and "total 74" in result.stderr


def test_usage_with_json_keeps_stdout_parseable(invoke, get_route):
    get_route.mock(return_value=ok(usage={"total_tokens": 5}))
    result = invoke(["get", IID, "--usage", "--json"])
    assert json.loads(result.stdout)["usage"] == {"total_tokens": 5}
    assert "total 5" in result.stderr


def test_requires_action_prints_the_function_calls(invoke, get_route):
    raw = fixture_text("02-function-call.requires_action.response.json")
    get_route.mock(return_value=httpx.Response(200, content=raw.encode()))
    result = invoke(["get", IID])
    call = json.loads(result.stdout)
    assert call["name"] == "get_weather" and call["arguments"] == {"location": "Boston, MA"}
