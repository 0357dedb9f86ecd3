"""Tests for the step queries: the answer rule, legacy `outputs`, function calls and media."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from gemini_cli.api.steps import (
    answer_text,
    final_run,
    function_calls,
    legacy_steps,
    media_notice,
    output_media,
    steps_of,
)

from .strategies import json_values
from .streams import CALL, RESULT, THOUGHT, mo

IMAGE = {"type": "image", "mime_type": "image/png", "data": "AA=="}
SEARCH_CALL = {"type": "google_search_call", "id": "s", "arguments": {"queries": ["q"]}}
SEARCH_RESULT = {"type": "google_search_result", "call_id": "s", "result": []}


def mixed(*blocks: Any) -> dict[str, Any]:
    return {"type": "model_output", "content": list(blocks)}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # Thought steps inside the run do not end it; an empty model_output neither.
        (
            [THOUGHT, mo("First. "), THOUGHT, mo("Second. "), {"type": "model_output"}]
            + [mo("Third."), THOUGHT],
            "First. Second. Third.",
        ),
        # A tool call or result ends a run: the answer is the final one.
        (
            [mo("Before tool call. "), CALL, RESULT, THOUGHT, mo("Final 1. "), THOUGHT]
            + [mo("Final 2."), CALL],
            "Final 1. Final 2.",
        ),
        # Only what follows the last user_input (a GET holds the whole conversation).
        ([mo("Previous turn. "), {"type": "user_input"}, THOUGHT, mo("A"), THOUGHT, mo("B")], "AB"),
        ([mo("only"), {"type": "user_input", "content": [text("q")]}], ""),
        # Mixed text and media: every text block, media skipped (the SDK keeps only "Y").
        ([mixed(text("X"), IMAGE), THOUGHT, mo("Y")], "XY"),
        (
            [mixed(text("Step 1: mix flour."), IMAGE, text(" Step 2: bake."))],
            "Step 1: mix flour. Step 2: bake.",
        ),
        # The live service lists built-in tool steps after the text they grounded.
        ([THOUGHT, mo("Grounded answer."), SEARCH_CALL, SEARCH_RESULT], "Grounded answer."),
        # An unknown step type ends a run like a tool step.
        ([mo("a"), {"type": "hologram_call"}, mo("b")], "b"),
        ([], ""),
        ([CALL], ""),
        # A text block without `type` is text; a non-text block with a text field is not.
        ([mixed({"text": "typeless"}, {"type": "code", "text": "no"})], "typeless"),
    ],
)
def test_answer_rule(steps: list[dict[str, Any]], expected: str) -> None:
    assert answer_text(steps) == expected


def test_final_run_skips_thoughts_inside_and_keeps_order() -> None:
    first, second = mo("a"), mo("b")
    assert final_run([CALL, first, THOUGHT, second, SEARCH_CALL]) == [first, second]
    assert final_run([first, CALL]) == [first]
    assert final_run([THOUGHT]) == []


def test_legacy_outputs_become_steps() -> None:
    call = {"type": "function_call", "id": "c", "name": "f", "arguments": {"x": 1}}
    data = {
        "id": "old",
        "role": "model",
        "outputs": [
            {"type": "thought", "signature": "s"},
            text("Hello "),
            IMAGE,
            text("world"),
            call,
            "not an item",
            text("after"),
        ],
    }
    steps = steps_of(data)
    assert steps == [
        {"type": "thought", "signature": "s"},
        mixed(text("Hello "), IMAGE, text("world")),
        call,
        mixed(text("after")),
    ]
    assert function_calls(steps) == [call]
    assert answer_text(steps) == "after"
    assert answer_text(legacy_steps([text("agent "), text("report")])) == "agent report"


def test_steps_win_over_outputs_and_junk_is_skipped() -> None:
    assert steps_of({"steps": [mo("new"), 3, None], "outputs": [text("old")]}) == [mo("new")]
    assert steps_of({"steps": [], "outputs": [text("old")]}) == [mixed(text("old"))]
    assert steps_of({"steps": "nope"}) == []
    assert steps_of({}) == []


def test_output_media_and_notice() -> None:
    audio = {"type": "audio", "uri": "files/a"}
    steps = [mixed(text("a"), IMAGE), {"type": "thought", "content": [IMAGE]}, mixed(audio, IMAGE)]
    media = output_media(steps)
    assert media == [(0, 1, IMAGE), (2, 0, audio), (2, 1, IMAGE)]
    assert media_notice(media) == "2 images, 1 audio clip not shown; use --save DIR"
    assert media_notice(media[:1]) == "1 image not shown; use --save DIR"
    assert media_notice([]) is None


@settings(max_examples=300, deadline=None)
@given(data=json_values)
def test_garbage_payloads_never_raise(data: Any) -> None:
    payload = data if isinstance(data, dict) else {"steps": data, "outputs": data}
    steps = steps_of(payload)
    answer_text(steps)
    function_calls(steps)
    media_notice(output_media(steps))
    for step in steps:
        answer_text([step, *steps])
