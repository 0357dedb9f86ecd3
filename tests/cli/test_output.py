"""What `gem` prints for each --format, on a TTY and in a pipe."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from tests.helpers import IID, FullDevice, fixture_text, interaction, ok

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


@pytest.mark.parametrize("command", ["get", "cancel"])
def test_wrongly_typed_fields_are_tolerated(invoke, api, api_key, command):
    raw = '{"id":5,"status":7,"steps":"nope"}'
    reply = httpx.Response(200, content=raw.encode())
    api.get(f"/interactions/{IID}").mock(return_value=reply)
    api.post(f"/interactions/{IID}/cancel").mock(return_value=reply)
    result = invoke([command, IID])
    assert result.exit_code == 0, result.stderr
    assert "internal error" not in result.stderr
    as_json = invoke([command, IID, "--json"])
    assert as_json.exit_code == 0 and as_json.stdout == raw + "\n"


def test_unknown_status_is_noted_on_stderr(invoke, api, api_key):
    api.get(f"/interactions/{IID}").mock(return_value=ok(status="weird_status"))
    result = invoke(["get", IID])
    assert result.exit_code == 0
    assert result.stdout == "Hello there.\n"
    assert "unknown status 'weird_status'" in result.stderr


def test_a_write_error_on_stdout_is_one_line_exit_2(invoke, monkeypatch):
    import sys

    monkeypatch.setattr("gemini_cli.core.termio.silence_stdout", lambda: None)
    real = sys.stdout
    from gemini_cli.core.termio import IO

    original = IO.from_sys.__func__

    def patched(cls, overrides=None):
        io = original(cls, overrides)
        io.stdout = FullDevice()
        return io

    monkeypatch.setattr(IO, "from_sys", classmethod(patched))
    result = invoke(["create", "--base-url", "emulator:", "--dry-run", "hi"])
    assert sys.stdout is real
    assert result.exit_code == 2
    assert result.stderr == "gem: error: cannot write output: No space left on device\n"


@pytest.mark.parametrize("error", [{"message": "model crashed"}, "model crashed"])
def test_a_top_level_error_is_the_reason(invoke, api, api_key, error):
    api.get(f"/interactions/{IID}").mock(
        return_value=ok(interaction(status="failed", text=None, error=error))
    )
    result = invoke(["get", IID])
    assert result.exit_code == 1
    assert result.stderr == f"gem: error: interaction {IID} failed: model crashed\n"
    as_json = invoke(["get", IID, "--json"])
    assert json.loads(as_json.stderr)["error"]["message"].endswith("failed: model crashed")


def test_no_id_with_format_id_is_exit_6(invoke, api, api_key):
    api.post("/interactions").mock(
        return_value=httpx.Response(200, json={"status": "completed", "steps": []})
    )
    result = invoke(["create", "-f", "id", "hi"])
    assert result.exit_code == 6
    assert "the API returned no interaction id" in result.stderr and result.stdout == ""
    text = invoke(["create", "hi"])
    assert text.exit_code == 0
    assert "the interaction completed with no output text" in text.stderr
    assert "  " not in text.stderr


@pytest.mark.parametrize("where", ["env", "config"])
def test_a_format_no_command_has_is_exit_2_naming_the_source(
    invoke, config_file, monkeypatch, where
):
    if where == "env":
        monkeypatch.setenv("GEM_FORMAT", "xml")
    else:
        config_file.write_text("format: xml\n")
    result = invoke(["create", "--dry-run", "hi"])
    assert result.exit_code == 2
    assert ("GEM_FORMAT" if where == "env" else str(config_file)) in result.stderr


def test_a_format_another_command_has_falls_back(invoke, monkeypatch):
    monkeypatch.setenv("GEM_FORMAT", "ndjson")  # a stream format: create prints text
    result = invoke(["create", "--base-url", "emulator:", "hi"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Echo: hi")


def test_a_server_id_cannot_forge_lines_on_stderr(invoke, api, api_key):
    forged = "v1_x\ngem: error: forged\u202e"
    api.post("/interactions").mock(
        return_value=httpx.Response(200, json={"id": forged, "status": "in_progress"})
    )
    result = invoke(["create", "--background", "hi"])
    assert result.exit_code == 0
    assert "\ngem: error: forged" not in result.stdout + result.stderr
    assert "\u202e" not in result.stderr
    assert "v1_x\\x0agem: error: forged\\u202e" in result.stdout


def test_json_output_keeps_the_server_id_as_sent(invoke, api, api_key):
    body = json.dumps({"id": "v1_x\ny", "status": "completed"})
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, text=body))
    assert invoke(["get", IID, "--json"]).stdout == body + "\n"


def test_a_deeply_nested_answer_is_unreadable(invoke, api, api_key):
    deep = '{"id": "v1_d", "status": "completed", "x": ' + "[" * 50000 + "]" * 50000 + "}"
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, text=deep))
    result = invoke(["get", IID])
    assert result.exit_code == 6
    assert "unreadable response" in result.stderr


def test_a_lone_surrogate_in_the_reply_prints_as_a_question_mark(invoke, api, api_key):
    raw = json.dumps(interaction(text="x")).replace('"x"', '"bad \\ud800 end"')
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, text=raw))
    result = invoke(["get", IID])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "bad ? end\n"


EMU = ["--base-url", "emulator:"]


def test_deprecated_model_leaves_a_trace_under_json_debug(invoke) -> None:
    args = [*EMU, "create", "--no-stdin", "--json", "-m", "gemini-1.5-flash", "Hi"]
    quiet = invoke(args)
    assert quiet.exit_code == 0 and quiet.stderr == ""  # stderr is for the JSON error only
    assert json.loads(quiet.stdout)["model"] == "gemini-3-flash-preview"
    traced = invoke([*args, "--debug"])
    assert "model gemini-1.5-flash is deprecated; using gemini-3-flash-preview" in traced.stderr
    plain = invoke([*EMU, "create", "--no-stdin", "-m", "gemini-1.5-flash", "Hi"])
    assert "warning: model gemini-1.5-flash is deprecated" in plain.stderr
