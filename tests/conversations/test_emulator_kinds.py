"""The emulator answers with tool work, citations, mixed media and plans, in both flavors."""

from __future__ import annotations

import json

import pytest

from gemini_cli.emulator.engine import Engine
from tests.conversations.conftest import Gem


def create(engine: Engine, body: dict) -> dict:
    response = engine.handle(
        "POST", "/v1/interactions", "", {"x-goog-api-key": "k"}, json.dumps(body).encode()
    )
    assert response.status == 200, response.body
    return json.loads(response.body)


def kinds(data: dict) -> list[str]:
    return [step["type"] for step in data["steps"]]


@pytest.fixture(params=["live", "sdk"])
def engine(request: pytest.FixtureRequest) -> Engine:
    return Engine(require_api_key=False, work_seconds=0, flavor=request.param)


def test_search_and_url_context_ground_the_answer_with_citations(engine: Engine) -> None:
    tools = [{"type": "google_search"}, {"type": "url_context"}]
    data = create(engine, {"model": "m", "input": "read https://a.example", "tools": tools})
    assert {"google_search_call", "google_search_result", "url_context_call"} <= set(kinds(data))
    (output,) = [s for s in data["steps"] if s["type"] == "model_output"]
    block = output["content"][0]
    urls = [note["url"] for note in block["annotations"]]
    assert urls == [
        "https://example.com/search/read%20https%3A%2F%2Fa.example",
        "https://a.example",
    ]
    assert block["annotations"][0]["end_index"] == len(block["text"].encode())


def test_code_execution_runs_code_before_answering(engine: Engine) -> None:
    data = create(engine, {"model": "m", "input": "a b c", "tools": [{"type": "code_execution"}]})
    (call,) = [s for s in data["steps"] if s["type"] == "code_execution_call"]
    (result,) = [s for s in data["steps"] if s["type"] == "code_execution_result"]
    assert (
        call["arguments"]["language"] == "python"
        and "print(len(words))" in call["arguments"]["code"]
    )
    assert result["call_id"] == call["id"] and result["result"] == "3\n"


def test_mixed_answers_and_visualised_reports_hold_text_media_text(engine: Engine) -> None:
    mixed = create(engine, {"model": "m", "input": "[[mixed]] bake"})
    (output,) = [s for s in mixed["steps"] if s["type"] == "model_output"]
    assert [b["type"] for b in output["content"]] == ["text", "image", "text"]
    agent = {"type": "deep-research", "visualization": "auto"}
    report = create(
        engine,
        {"agent": "deep-research-preview-04-2026", "input": "q", "background": True,
         "agent_config": agent},
    )  # fmt: skip
    assert report["status"] in ("in_progress", "completed")


def test_a_plan_comes_back_requires_action(engine: Engine) -> None:
    agent = {"type": "deep-research", "collaborative_planning": True}
    body = {
        "agent": "deep-research-preview-04-2026",
        "input": "q",
        "background": True,
        "agent_config": agent,
    }
    created = create(engine, body)
    got = engine.handle("GET", f"/v1/interactions/{created['id']}", "", {}, b"")
    data = json.loads(got.body)
    assert data["status"] == "requires_action"
    assert kinds(data)[-1] == "model_output"


def test_a_url_at_the_end_of_a_sentence_is_read_without_its_full_stop(gem: Gem) -> None:
    result = gem("create", "--url-context", "--sources", "Summarise https://a.example/x.")
    assert result.stdout.endswith("\n\nSources:\n[1] https://a.example/x\n"), result.stdout
