"""--schema and --response-format: request bodies, the compact notation and the JSON check."""

from __future__ import annotations

import json

import pytest

from gemini_cli.core.errors import UsageError
from gemini_cli.request.response_format import compact_schema, format_entries
from tests.helpers import ok, sent_json


@pytest.mark.parametrize(
    ("notation", "schema"),
    [
        (
            "name str, age int",
            {
                "type": "object",
                "required": ["name", "age"],
                "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            },
        ),
        (
            "score: float, ok bool, note? str",
            {
                "type": "object",
                "required": ["score", "ok"],
                "properties": {
                    "score": {"type": "number"},
                    "ok": {"type": "boolean"},
                    "note": {"type": "string"},
                },
            },
        ),
        (
            "tags list[str], grid list[list[int]]",
            {
                "type": "object",
                "required": ["tags", "grid"],
                "properties": {
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "grid": {
                        "type": "array",
                        "items": {"type": "array", "items": {"type": "integer"}},
                    },
                },
            },
        ),
        (
            "x list[int | str]",
            {
                "type": "object",
                "required": ["x"],
                "properties": {
                    "x": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                    }
                },
            },
        ),
    ],
)
def test_compact_notation(notation, schema):
    assert compact_schema(notation) == schema


@pytest.mark.parametrize("notation", ["name", "name strr", "a list[int", ","])
def test_bad_notation_is_a_usage_error(notation):
    with pytest.raises(UsageError):
        compact_schema(notation)


def test_schema_from_json_and_file(invoke, api, api_key, tmp_path):
    route = api.post("/interactions").mock(return_value=ok(text='{"a": 1}'))
    path = tmp_path / "s.yaml"
    path.write_text("type: object\nproperties: {a: {type: integer}}\n")
    for spec in (str(path), '{"type": "object", "properties": {"a": {"type": "integer"}}}'):
        assert invoke(["create", "--schema", spec, "Hi"]).exit_code == 0
        assert sent_json(route)["response_format"] == {
            "type": "text",
            "mime_type": "application/json",
            "schema": {"type": "object", "properties": {"a": {"type": "integer"}}},
        }


def test_text_output_is_the_document_compact_in_a_pipe(invoke, api, api_key):
    api.post("/interactions").mock(return_value=ok(text='{\n  "a": [1, 2]\n}'))
    result = invoke(["create", "--schema", "a list[int]", "Hi"])
    assert result.exit_code == 0 and result.stdout == '{"a":[1,2]}\n'


def test_text_output_is_pretty_on_a_tty(invoke, api, api_key):
    api.post("/interactions").mock(return_value=ok(text='{"a": 1}'))
    result = invoke(["create", "--schema", "a int", "Hi"], tty={"stdout_isatty": True})
    assert result.stdout == '{\n  "a": 1\n}\n'


def test_invalid_json_reply_exits_1(invoke, api, api_key):
    api.post("/interactions").mock(return_value=ok(text="Sure! Here is {a: 1"))
    result = invoke(["create", "--schema", "a int", "Hi"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "not valid JSON" in result.stderr and "gem get v1_abc123 --json" in result.stderr


def test_json_format_prints_the_interaction_unchecked(invoke, api, api_key):
    api.post("/interactions").mock(return_value=ok(text="not json"))
    result = invoke(["create", "--schema", "a int", "--json", "Hi"])
    assert result.exit_code == 0 and json.loads(result.stdout)["id"] == "v1_abc123"


def test_response_format_entries(invoke, api, api_key, tmp_path):
    route = api.post("/interactions").mock(return_value=ok(text="{}"))
    path = tmp_path / "rf.json"
    path.write_text(json.dumps([{"type": "audio", "mime_type": "audio/wav"}]))
    result = invoke(
        [
            "create",
            "--response-format",
            "image",
            "--response-format",
            str(path),
            "--response-format",
            '{"type": "video", "aspect_ratio": "16:9"}',
            "--schema",
            "a int",
            "Hi",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert [e["type"] for e in sent_json(route)["response_format"]] == [
        "image",
        "audio",
        "video",
        "text",
    ]


@pytest.mark.parametrize("spec", ["nope", "[1]", "{bad json"])
def test_bad_response_format(spec):
    with pytest.raises(UsageError):
        format_entries(spec)


def test_emulator_reply_satisfies_the_schema(emulator, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = {
        "type": "object",
        "required": ["name", "age", "tags", "kind", "when"],
        "properties": {
            "name": {"type": "string", "minLength": 3},
            "age": {"type": "integer", "minimum": 18, "maximum": 99},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "kind": {"enum": ["cat", "dog"]},
            "when": {"type": "string", "format": "date"},
            "owner": {"$ref": "#/$defs/person"},
        },
        "$defs": {"person": {"type": "object", "properties": {"ok": {"type": "boolean"}}}},
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(schema))
    result = emulator(["create", "--schema", str(path), "Invent a pet"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema)
    assert document["kind"] == "cat" and document["age"] == 18 and len(document["tags"]) == 2


def test_emulator_invalid_json_marker(emulator):
    result = emulator(["create", "--schema", "a int", "[[invalid-json]]"])
    assert result.exit_code == 1 and "not valid JSON" in result.stderr


def test_emulator_streamed_invalid_json_exits_1(emulator):
    result = emulator(["stream", "--schema", "a int", "[[invalid-json]]"])
    assert result.exit_code == 1 and "not valid JSON" in result.stderr
