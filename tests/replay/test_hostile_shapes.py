"""Server bytes of the wrong shape end in a documented exit code, never 70 (issue 17.4)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from tests.conftest import TEST_KEY
from tests.scripted_server import ScriptedServer

from .conftest import JSON, SSE, fixture_bytes

GEM = [sys.executable, "-m", "gemini_cli.cli.main"]


def nested(depth: int) -> str:
    return '{"a":[' * depth + "1" + "]}" * depth


def transcript(*payloads: str) -> bytes:
    blocks = [f"event: x\ndata: {p}\n\n" for p in payloads]
    return ("".join(blocks) + "event: done\ndata: [DONE]\n\n").encode()


CREATED = '{"event_type":"interaction.created","interaction":{"id":"v1_h","status":"in_progress"}}'
DONE = '{"event_type":"interaction.completed","interaction":{"id":"v1_h","status":"completed"}}'
TEXT = '{"event_type":"step.delta","index":0,"delta":{"type":"text","text":"ok"}}'


Serve = Callable[..., Result]


@pytest.fixture
def serve(scripted_server: ScriptedServer, invoke: Callable[..., Result], api_key: str) -> Serve:
    """`serve(body, *args, sse=True)`: one reply with these bytes, then `gem ARGS`."""

    def run(body: bytes, *args: str, sse: bool = True) -> Result:
        scripted_server.reply(200, body=body, headers=SSE if sse else JSON)
        scripted_server.repeat_last = False
        return invoke([*args, "--base-url", scripted_server.url, "--max-retries", "0"])

    return run


@pytest.mark.parametrize("fmt", ["text", "ndjson", "json"])
def test_stream_with_an_event_too_deep_to_decode(serve: Serve, fmt: str) -> None:
    body = transcript(CREATED, TEXT, nested(100_000), DONE)
    result = serve(body, "stream", "-f", fmt, "hi")
    assert result.exit_code == 0, result.stderr
    if fmt == "text":
        assert result.stdout == "ok\n"


@pytest.mark.parametrize(("fmt", "code"), [("yaml", 6), ("json", 0), ("text", 0)])
def test_stream_with_a_deep_payload(serve: Serve, fmt: str, code: int) -> None:
    deep = '{"event_type":"interaction.completed","interaction":{"id":"v1_h","status":"completed",'
    deep += '"x":' + nested(300) + "}}"
    result = serve(transcript(CREATED, TEXT, deep), "stream", "-f", fmt, "hi")
    assert result.exit_code == code, result.stderr
    if code == 6:
        assert "nested too deeply" in result.stderr


def test_get_yaml_too_deep(serve: Serve) -> None:
    body = ('{"id":"v1_h","status":"completed","x":' + nested(300) + "}").encode()
    result = serve(body, "get", "-f", "yaml", "v1_h", sse=False)
    assert result.exit_code == 6
    assert "nested too deeply to print as YAML" in result.stderr


@pytest.mark.parametrize(
    "payload",
    [
        '{"event_type":"step.delta","index":0,"delta":{"type":"text","text":["a","b"]}}',
        '{"event_type":["step.delta"],"index":0,"delta":{"type":"text","text":"x"}}',
        '{"event_type":{"a":1}}',
        '{"event_type":"step.start","index":0,"step":{"type":["model_output"]}}',
        '{"event_type":"step.delta","index":0,"delta":{"type":"image","data":["x"]}}',
        '{"event_type":"step.delta","index":0,"delta":{"type":"text_annotation_delta","annotations":"x"}}',
        '{"event_type":"interaction.status_update","interaction_id":["v"],"status":{"s":1}}',
    ],
)
def test_wrong_typed_fields_are_ignored(serve: Serve, payload: str) -> None:
    result = serve(transcript(CREATED, TEXT, payload, DONE), "stream", "hi")
    assert (result.exit_code, result.stdout) == (0, "ok\n"), result.stderr


@pytest.mark.parametrize("command", ["get", "poll"])
def test_lone_surrogates_from_the_server(serve: Serve, command: str) -> None:
    body = b'{"id":"v1_h","status":"completed","steps":[{"type":"model_output","content":'
    body += b'[{"type":"text","text":"bad \\ud800 text"}]}],"model":"\\udfff"}'
    result = serve(body, command, "v1_h", sse=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("bad ") and result.stdout.endswith(" text\n")


# -- through the real executable ---------------------------------------------------------------


def run_gem(server: ScriptedServer, home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "GEMINI_API_KEY": TEST_KEY,
        "NO_COLOR": "1",
    }
    argv = [*GEM, *args, "--base-url", server.url, "--max-retries", "0"]
    return subprocess.run(argv, capture_output=True, env=env, timeout=60, check=False)


@pytest.mark.e2e
def test_e2e_stream_store_false(scripted_server: ScriptedServer, isolated_env: Path) -> None:
    scripted_server.reply(200, body=fixture_bytes("stream-store-false.sse"), headers=SSE)
    done = run_gem(scripted_server, isolated_env, "stream", "--no-store", "hi")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"Pipes carry bytes.\n", b"")
    sent = json.loads(scripted_server.requests[0].body)
    assert sent["store"] is False and sent["stream"] is True


@pytest.mark.e2e
def test_e2e_legacy_function_call(scripted_server: ScriptedServer, isolated_env: Path) -> None:
    scripted_server.reply(200, body=fixture_bytes("legacy-function-call.json"), headers=JSON)
    done = run_gem(scripted_server, isolated_env, "get", "v1_legacy_call")
    assert done.returncode == 9
    assert json.loads(done.stdout)["name"] == "get_weather"
    assert b"Traceback" not in done.stderr


@pytest.mark.e2e
def test_e2e_deep_yaml_stream(scripted_server: ScriptedServer, isolated_env: Path) -> None:
    deep = '{"event_type":"interaction.completed","interaction":{"id":"v1_h","status":"completed",'
    deep += '"x":' + nested(300) + "}}"
    scripted_server.reply(200, body=transcript(CREATED, TEXT, deep), headers=SSE)
    done = run_gem(scripted_server, isolated_env, "stream", "-f", "yaml", "hi")
    assert done.returncode == 6, done.stderr
    assert b"Traceback" not in done.stderr
