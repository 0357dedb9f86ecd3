"""Terminal control codes a server sends never reach stderr raw (issue 17.5): thought
summaries, the progress line and error messages show them as \\xNN."""

from __future__ import annotations

import io
import json

import pytest

from gemini_cli.api.waiting import Progress
from gemini_cli.render.progress import WaitDisplay
from tests.processes import JSON
from tests.scripted_server import ScriptedServer

pytestmark = pytest.mark.usefixtures("api_key")
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x00"
SHOWN = "\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\x00"


def no_raw_controls(text: str) -> bool:
    return not any(ord(ch) < 0x20 and ch not in "\n\t" or 0x7F <= ord(ch) < 0xA0 for ch in text)


def sse(*events: dict) -> bytes:
    return b"".join(f"event: {e['event_type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def thought_stream() -> bytes:
    created = {"id": "v1_t", "status": "in_progress"}
    done = {"id": "v1_t", "status": "completed"}
    thought = {"type": "thought_summary", "content": {"type": "text", "text": f"hm{HOSTILE}"}}
    return sse(
        {"event_type": "interaction.created", "interaction": created},
        {"event_type": "step.start", "index": 0, "step": {"type": "thought"}},
        {"event_type": "step.delta", "index": 0, "delta": thought},
        {"event_type": "step.stop", "index": 0},
        {"event_type": "step.start", "index": 1, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "ok"}},
        {"event_type": "step.stop", "index": 1},
        {"event_type": "interaction.completed", "interaction": done},
    )


def test_thought_summaries_are_escaped(invoke, scripted_server: ScriptedServer):
    scripted_server.reply(200, headers={"Content-Type": "text/event-stream"}, body=thought_stream())
    args = ["stream", "--thoughts", "--base-url", scripted_server.url, "--no-log", "think"]
    result = invoke(args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ok\n"
    assert f"hm{SHOWN}" in result.stderr
    assert no_raw_controls(result.stderr)


def test_a_server_error_message_is_escaped(invoke, scripted_server: ScriptedServer):
    error = {"error": {"code": 400, "message": f"bad{HOSTILE}"}}
    scripted_server.reply(400, headers=JSON, body=json.dumps(error).encode())
    result = invoke(["create", "--base-url", scripted_server.url, "--no-log", "hi"])
    assert result.exit_code == 3
    assert f"bad{SHOWN}" in result.stderr
    assert no_raw_controls(result.stderr)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("live", [True, False])
def test_the_progress_line_escapes_status_and_thought(live):
    from gemini_cli.core.termio import IO

    err = Terminal() if live else io.StringIO()
    tty = IO(None, io.StringIO(), err, False, False, live, False)
    display = WaitDisplay(tty, label="gem")
    with display:
        display.update(Progress("v1_x", f"in_{HOSTILE}", 1.0, thought=f"t{HOSTILE}"))
        if display._line is not None:
            shown = display._line._text().plain
            assert SHOWN in shown and no_raw_controls(shown)
    if not live:
        assert SHOWN in err.getvalue()
        assert no_raw_controls(err.getvalue())
