"""Emulator payloads validate against the JSON Schemas exported from the official SDK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gemini_cli.emulator import Engine

from .conftest import FakeClock, call, events_only, parse_sse

jsonschema = pytest.importorskip("jsonschema")

# Copies of ../shared/api/schema: the repository tests on its own.
SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "schema"
V = "/v1beta/interactions"
REQUESTS = [
    {"model": "m", "input": "plain", "generation_config": {"thinking_summaries": "auto"}},
    {"model": "m", "input": "cut me short please", "generation_config": {"max_output_tokens": 2}},
    {
        "model": "m",
        "input": "call get_weather",
        "tools": [{"type": "function", "name": "get_weather"}],
    },
    {
        "agent": "deep-research-preview-04-2026",
        "input": "q",
        "background": True,
        "agent_config": {"type": "deep-research", "thinking_summaries": "auto"},
    },
]


def validator(name: str):
    schema = json.loads((SCHEMAS / name).read_text())
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("body", REQUESTS)
def test_resources_and_events_match_the_schemas(
    any_engine: Engine, clock: FakeClock, body: dict
) -> None:
    engine = any_engine
    validator("create-interaction-request.schema.json").validate(body)
    interaction, event_schema = (
        validator("interaction.schema.json"),
        validator("interaction-sse-event.schema.json"),
    )
    _, created = call(engine, "POST", V, body)
    interaction.validate(created)
    clock.advance(10)
    _, got = call(engine, "GET", f"{V}/{created['id']}", query="include_input=true")
    interaction.validate(got)
    _, raw = call(engine, "GET", f"{V}/{created['id']}", query="stream=true")
    for event in events_only(parse_sse(raw)):
        partial_tool_start = event["event_type"] == "step.start" and event["step"]["type"] not in (
            "thought",
            "model_output",
        )
        if not partial_tool_start:  # partial built-in tool steps are legal on the wire (§6.4)
            event_schema.validate(event)
