"""Tool declarations on the wire: --tool files, the built-in shortcuts, MCP and --function."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest

from gemini_cli.core.errors import UsageError
from gemini_cli.request.tools import parse_mcp
from tests.helpers import FIXTURES, ok, sent_json

SCHEMA = json.loads((FIXTURES / "schema" / "create-interaction-request.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


@pytest.fixture
def create(api, api_key):
    return api.post("/interactions").mock(return_value=ok())


def sent(invoke, create, args):
    result = invoke(["create", *args, "Hi"])
    assert result.exit_code == 0, result.stderr
    body = sent_json(create)
    errors = sorted(VALIDATOR.iter_errors(body), key=str)
    assert not errors, errors[0].message
    return body


@pytest.mark.parametrize(
    ("flags", "tools"),
    [
        (["--search"], [{"type": "google_search"}]),
        (["--code-exec"], [{"type": "code_execution"}]),
        (["--url-context"], [{"type": "url_context"}]),
        (["--maps"], [{"type": "google_maps"}]),
        (
            ["--file-search", "stores/a", "--file-search", "stores/b"],
            [{"type": "file_search", "file_search_store_names": ["stores/a", "stores/b"]}],
        ),
        (["--search", "--code-exec"], [{"type": "google_search"}, {"type": "code_execution"}]),
    ],
)
def test_builtin_shortcuts(invoke, create, flags, tools):
    assert sent(invoke, create, flags)["tools"] == tools


def test_mcp_with_name_headers_and_allowed_tools(invoke, create):
    spec = "https://mcp.example.com/mcp,name=docs,header=Authorization: Bearer a,b,tool=search"
    assert sent(invoke, create, ["--mcp", spec])["tools"] == [
        {
            "type": "mcp_server",
            "name": "docs",
            "url": "https://mcp.example.com/mcp",
            "headers": {"Authorization": "Bearer a,b"},
            "allowed_tools": [{"tools": ["search"]}],
        }
    ]


def test_mcp_name_defaults_to_the_host():
    assert parse_mcp("https://Docs.Example.com/mcp") == {
        "type": "mcp_server",
        "name": "docs_example_com",
        "url": "https://Docs.Example.com/mcp",
    }


@pytest.mark.parametrize(
    "spec",
    ["ftp://x/mcp", "not a url", "https://x/mcp,colour=red", "https://x/mcp,header=no-colon"],
)
def test_bad_mcp_specs_are_usage_errors(spec):
    with pytest.raises(UsageError):
        parse_mcp(spec)


def test_tool_file_entries_are_sent_verbatim(invoke, create, tmp_path):
    tools = [
        {"type": "computer_use", "environment": "browser"},
        {
            "type": "retrieval",
            "retrieval_types": ["vertex_ai_search"],
            "vertex_ai_search_config": {"datastores": ["d1"]},
        },
        {"type": "google_maps", "enable_widget": True, "latitude": 1.5, "longitude": 2.5},
    ]
    path = tmp_path / "tools.json"
    path.write_text(json.dumps(tools))
    single = tmp_path / "one.yaml"
    single.write_text("type: google_search\nsearch_types: [web_search, image_search]\n")
    body = sent(invoke, create, ["--tool", str(path), "--tool", str(single)])
    assert body["tools"] == tools + [
        {"type": "google_search", "search_types": ["web_search", "image_search"]}
    ]


def test_yaml_command_key_is_stripped_before_sending(invoke, create, tmp_path):
    path = tmp_path / "tools.yaml"
    path.write_text(
        "- name: get_weather\n  description: Weather for a city\n  command: ./weather --json\n"
        "  parameters:\n    type: object\n    properties: {city: {type: string}}\n"
    )
    assert sent(invoke, create, ["--tool", str(path)])["tools"] == [
        {
            "name": "get_weather",
            "description": "Weather for a city",
            "type": "function",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]


def test_function_with_schema_file(invoke, create, tmp_path):
    schema = tmp_path / "w.json"
    schema.write_text(
        json.dumps(
            {
                "description": "Weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            }
        )
    )
    bare = tmp_path / "t.yaml"
    bare.write_text("type: object\nproperties: {tz: {type: string}}\n")
    body = sent(
        invoke,
        create,
        [
            "--function",
            "get_weather=./w.py",
            "--function",
            "now=date",
            "--function-schema",
            f"get_weather={schema}",
            "--function-schema",
            f"now={bare}",
        ],
    )
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
        {
            "type": "function",
            "name": "now",
            "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
        },
    ]


def test_function_flag_attaches_a_command_to_a_declared_tool(invoke, create, tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"type": "function", "name": "f", "description": "d"}))
    body = sent(invoke, create, ["--tool", str(path), "--function", "f=true"])
    assert body["tools"] == [{"type": "function", "name": "f", "description": "d"}]


def test_tools_from_body_are_kept_and_extended(invoke, create, tmp_path):
    path = tmp_path / "body.json"
    path.write_text(json.dumps({"tools": [{"type": "url_context"}]}))
    body = sent(invoke, create, ["--body", str(path), "--search"])
    assert body["tools"] == [{"type": "url_context"}, {"type": "google_search"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--function-schema", "f=x.json"], "no function f is declared"),
        (["--function", "bad name=x"], "expected NAME=COMMAND"),
        (["--function", "f="], "expected NAME=COMMAND"),
        (["--run-tools"], "--run-tools needs a local command"),
        (["--function", "f=/no/such/cmd", "--run-tools"], "command not found: /no/such/cmd"),
        (["--function", "f=echo 'unclosed", "--run-tools"], "cannot split the command"),
        (["--max-steps", "-1"], "--max-steps"),
        (["--save", "d", "-o", "f"], "cannot be combined"),
        (["--function", "f=true", "--run-tools", "--background"], "--background"),
    ],
)
def test_usage_errors_send_nothing(invoke, create, args, message):
    result = invoke(["create", *args, "Hi"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not create.called


def test_research_takes_declarations(invoke, api_key, tmp_path):
    result = invoke(["research", "--dry-run", "--search", "--mcp", "https://x.dev/mcp", "Q"])
    assert result.exit_code == 0, result.stderr
    tools = json.loads(result.stdout)["body"]["tools"]
    assert tools == [
        {"type": "google_search"},
        {"type": "mcp_server", "name": "x_dev", "url": "https://x.dev/mcp"},
    ]


def test_stream_sends_tools_too(invoke, api_key):
    result = invoke(["stream", "--dry-run", "--code-exec", "--schema", "a int", "Hi"])
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)["body"]
    assert body["tools"] == [{"type": "code_execution"}]
    assert body["response_format"]["schema"]["required"] == ["a"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--function", "f=cat", "--function", "f=ls"], "duplicate function f"),
        (["--schema", "a int, a str"], "duplicate field"),
        (["--file-search", ""], "store name is empty"),
        (["--schema", ""], "empty schema"),
    ],
)
def test_input_refused_with_a_clear_reason(invoke, api, api_key, args, message):
    route = api.post("/interactions").mock(return_value=ok())
    result = invoke(["create", *args, "hi"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not route.called


def test_tool_file_command_and_function_flag_for_one_name(invoke, api_key, tmp_path):
    tools = tmp_path / "t.yaml"
    tools.write_text("- {type: function, name: f, command: cat}\n")
    result = invoke(["create", "--dry-run", "--tool", str(tools), "--function", "f=ls", "hi"])
    assert result.exit_code == 2 and "duplicate function f" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the tool file is empty"),
        (b"  \n", "the tool file is empty"),
        (b"\x7fELF\x02\x01\x00\x00binary", "looks binary"),
        (b"just words", "not a JSON or YAML"),
    ],
)
def test_unusable_tool_files(invoke, api_key, tmp_path, content, message):
    path = tmp_path / "t.yaml"
    path.write_bytes(content)
    result = invoke(["create", "--dry-run", "--tool", str(path), "hi"])
    assert result.exit_code == 2 and message in result.stderr, result.stderr


@pytest.mark.skipif(os.name != "posix", reason="executable bits")
def test_a_function_command_that_is_not_executable(invoke, api_key, tmp_path):
    path = tmp_path / "noexec.sh"
    path.write_text("#!/bin/sh\necho hi\n")
    result = invoke(["create", "--dry-run", "--function", f"f={path}", "--run-tools", "hi"])
    assert result.exit_code == 2
    assert "is not executable" in result.stderr and "not found" not in result.stderr


def test_the_readme_tools_example_works(invoke, api_key):
    result = invoke(
        [
            "create",
            "--dry-run",
            "--set",
            'tools=[{"type":"google_search","search_types":["image_search"]}]',
            "hi",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["tools"][0]["search_types"] == ["image_search"]
