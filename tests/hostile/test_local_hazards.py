"""Local hazards: the key in argv, and a tool round through the CLI against a hostile call
(issue 17.4, 17.10)."""

from __future__ import annotations

import json
import sys

import pytest

from tests.processes import JSON, body, calling
from tests.scripted_server import ScriptedServer


def test_config_set_api_key_in_argv_warns_and_points_to_stdin(invoke, config_file):
    result = invoke(["config", "set", "api_key", "AIza-secret-value"])
    assert result.exit_code == 0, result.stderr
    assert "gem: warning: the key is now in your shell history" in result.stderr
    assert "gem config set api_key -" in result.stderr
    assert "AIza-secret-value" not in result.stderr


def test_config_set_api_key_from_stdin_does_not_warn(invoke, config_file):
    result = invoke(["config", "set", "api_key", "-"], input="AIza-secret-value\n")
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr


@pytest.mark.e2e
@pytest.mark.usefixtures("api_key")
def test_a_hostile_call_id_reaches_the_tool_escaped_and_the_key_does_not(
    invoke, scripted_server: ScriptedServer, tmp_path
):
    call_id = "c\x00\x1b[2J\ud800"
    scripted_server.reply(200, headers=JSON, body=calling("probe", call_id=call_id))
    scripted_server.reply(200, headers=JSON, body=body(steps=[]))
    script = tmp_path / "probe.py"
    script.write_text(
        "import json, os\n"
        "print(json.dumps({k: os.environ.get(k) for k in "
        "('GEM_CALL_ID', 'GEMINI_API_KEY', 'GOOGLE_API_KEY')}))\n"
    )
    args = ["create", "--base-url", scripted_server.url, "--function"]
    result = invoke([*args, f"probe={sys.executable} {script}", "--run-tools", "--no-log", "go"])
    assert result.exit_code == 0, result.stderr
    sent = json.loads(scripted_server.requests[1].body)["input"][0]
    assert sent["call_id"] == call_id  # answered under the server's own id
    assert sent["result"] == {
        "GEM_CALL_ID": "c\\x00\\x1b[2J\\ud800",
        "GEMINI_API_KEY": None,
        "GOOGLE_API_KEY": None,
    }
