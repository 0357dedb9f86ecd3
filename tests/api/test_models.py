"""The response model: lenient on what the server sends, the exact bytes kept for JSON output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gemini_cli.api.models import Interaction, displayable_id


def test_from_json_keeps_the_servers_bytes_and_unknown_fields() -> None:
    text = '{"id":"v1_a","status":"completed","new_field":{"x":1},"steps":[{"type":"odd"}]}'
    got = Interaction.from_json(text)
    assert got.raw == text
    assert got.data["new_field"] == {"x": 1}
    assert got.step_dicts == [{"type": "odd"}]


@pytest.mark.parametrize(
    "field, value, read_as",
    [
        ("id", 5, "5"),
        ("id", None, ""),
        ("status", ["completed"], ""),
        ("status", 2.5, "2.5"),
        ("model", True, None),
        ("continuation_token", 7, "7"),
    ],
)
def test_fields_of_the_wrong_type_read_as_text_or_absent(field, value, read_as) -> None:
    got = Interaction.from_dict({field: value})
    assert getattr(got, field) == read_as


def test_shapes_that_are_not_lists_or_objects_read_as_absent() -> None:
    got = Interaction.from_dict({"steps": "nope", "usage": [1], "errors": {"a": 1}})
    assert (got.step_dicts, got.usage, got.errors) == ([], None, None)
    assert got.output_text == "" and got.function_calls() == [] and got.output_media() == []


def test_a_top_level_json_value_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ValueError):
        Interaction.from_json("[1, 2]")


def test_a_rebuilt_interaction_is_serialised_only_when_asked() -> None:
    data = {"id": "v1_a", "status": "completed"}
    got = Interaction.from_dict(data)
    assert got._raw is None  # a streamed interaction printed as text never pays for it
    assert json.loads(got.raw) == data


def test_steps_answer_calls_and_media() -> None:
    image = {"type": "image", "mime_type": "image/png", "data": "iVBO"}
    got = Interaction.from_dict(
        {
            "status": "requires_action",
            "steps": [
                {"type": "user_input", "content": [{"type": "text", "text": "q"}]},
                {"type": "model_output", "content": [{"type": "text", "text": "a"}, image]},
                {"type": "function_call", "id": "c1", "name": "f", "arguments": {}},
            ],
        }
    )
    assert got.function_calls() == [got.step_dicts[2]]
    assert got.output_media() == [(1, 1, image)]
    assert not got.is_running and not got.is_terminal


@pytest.mark.parametrize(
    "data, message",
    [
        ({"error": " broken "}, "broken"),
        ({"error": {"message": "quota"}}, "quota"),
        ({"errors": [{"code": 1}, {"message": "second"}]}, "second"),
        ({"errors": ["plain text"]}, "plain text"),
        ({"steps": [{"type": "model_output", "error": {"message": "in a step"}}]}, "in a step"),
        ({"error": "", "errors": [], "steps": []}, None),
    ],
)
def test_error_message_branches(data, message) -> None:
    assert Interaction.from_dict(data).error_message() == message


def test_ids_with_control_or_bidi_characters_are_escaped_for_display() -> None:
    assert displayable_id("v1_ok") == "v1_ok"
    assert displayable_id("a\nb\u202ec") == "a\\x0ab\\u202ec"
    got = Interaction.from_json('{"id": "x\\u0007y"}')
    assert got.id == "x\\x07y"
    assert json.loads(got.raw)["id"] == "x\u0007y"  # --format json keeps the server's value


@pytest.mark.e2e
def test_the_model_imports_no_pydantic() -> None:
    code = "import sys, gemini_cli.api.models; print('pydantic' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False"
