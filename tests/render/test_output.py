"""Rendering an interaction: any JSON a server sends ends in output or one of gem's errors."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_cli.api.models import Interaction
from gemini_cli.core.errors import GemError
from gemini_cli.core.termio import IO
from gemini_cli.render.output import print_json, render_interaction
from gemini_cli.render.report import render_report, url_citations
from tests.api.strategies import interactions, json_values


class FakeRun:
    """What the renderers need from a run, with stdout and stderr in memory."""

    def __init__(self, fmt: str = "text", tty: bool = False) -> None:
        self.format = fmt
        self.io = IO(
            stdin=io.StringIO(),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdin_isatty=False,
            stdout_isatty=tty,
            stderr_isatty=False,
            color=False,
        )

    def warn(self, message: str) -> None:
        self.io.err(f"gem: warning: {message}")

    def hint(self, message: str) -> None:
        self.io.err(f"gem: {message}")

    def info(self, message: str) -> None:
        self.io.err(message)

    @property
    def stdout(self) -> str:
        return self.io.stdout.getvalue()  # type: ignore[attr-defined,no-any-return]

    @property
    def stderr(self) -> str:
        return self.io.stderr.getvalue()  # type: ignore[attr-defined,no-any-return]


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": [value]}
    return value


def test_mixed_answer_and_media_notice() -> None:
    run = FakeRun()
    data = {
        "id": "i",
        "status": "completed",
        "steps": [
            {
                "type": "model_output",
                "content": [
                    {"type": "text", "text": "Step 1."},
                    {"type": "image", "data": "AA=="},
                    {"type": "audio", "uri": "files/a"},
                    {"type": "text", "text": " Step 2."},
                ],
            }
        ],
    }
    render_interaction(run, Interaction(data))
    assert run.stdout == "Step 1. Step 2.\n"
    assert run.stderr == "gem: 1 image, 1 audio clip not shown; use --save DIR\n"


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_too_deep_to_print_is_a_protocol_error(fmt: str) -> None:
    run = FakeRun(fmt, tty=True)  # a TTY: json is re-indented, not printed as sent
    data = {"id": "i", "status": "completed", "deep": nested(5000)}
    with pytest.raises(GemError) as caught:
        render_interaction(run, Interaction(data))
    assert caught.value.exit_code == 6
    assert "nested too deeply" in caught.value.message


def test_too_deep_to_indent_prints_the_server_bytes() -> None:
    run = FakeRun("json", tty=True)
    raw = json.dumps({"id": "i", "status": "completed", "deep": nested(400)})
    render_interaction(run, Interaction.from_json(raw))
    assert json.loads(run.stdout) == json.loads(raw)


def test_rebuilt_interaction_is_compact_on_a_pipe() -> None:
    run = FakeRun("json")
    print_json(run, {"a": [1, "é"]}, compact=True)
    assert run.stdout == '{"a": [1, "é"]}\n'


def test_sources_skip_malformed_annotations() -> None:
    good = {"type": "url_citation", "url": "https://a", "title": " A "}
    steps = [
        {
            "type": "model_output",
            "content": [
                {"type": "text", "text": "x", "annotations": ["junk", 3, good, {"type": ["x"]}]},
                {"type": "text", "text": "y", "annotations": "not a list"},
            ],
        }
    ]
    assert url_citations(steps) == [("A", "https://a")]


@settings(max_examples=300, deadline=None)
@given(
    data=interactions | json_values.filter(lambda v: isinstance(v, dict)),
    fmt=st.sampled_from(["text", "json", "yaml", "id"]),
    tty=st.booleans(),
    report=st.booleans(),
)
def test_garbage_interactions_render_or_fail_cleanly(
    data: dict[str, Any], fmt: str, tty: bool, report: bool
) -> None:
    run = FakeRun(fmt, tty)
    interaction = Interaction(data, raw=json.dumps(data))
    try:
        if report:
            render_report(run, interaction, usage=True)
        else:
            render_interaction(run, interaction, usage=True)
    except GemError as exc:
        assert exc.exit_code != 70
