"""The official google-genai SDK, pointed at the emulator, works unchanged in both flavors.

Run with the SDK's own interpreter, e.g. `/tmp/genai/bin/python -m pytest -m compat tests/emulator`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

genai = pytest.importorskip("google.genai")

from gemini_cli.emulator import start_background  # noqa: E402
from gemini_cli.emulator.faults import HEADER  # noqa: E402

pytestmark = pytest.mark.compat


@pytest.fixture(scope="module", params=["live", "sdk"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def url(flavor: str) -> Iterator[str]:
    with start_background(work_seconds=0.3, flavor=flavor) as server:
        yield server.url


def sdk(url: str, **options: Any) -> Any:
    return genai.Client(api_key="test", http_options={"base_url": url, **options})


def wait_done(client: Any, interaction_id: str) -> Any:
    for _ in range(100):
        got = client.interactions.get(interaction_id)
        if got.status != "in_progress":
            return got
        time.sleep(0.05)
    raise AssertionError("never finished")


@pytest.mark.parametrize("version", ["v1", "v1beta", "v1alpha"])
def test_create_and_get(url: str, version: str) -> None:
    client = sdk(url, api_version=version)
    created = client.interactions.create(
        model="gemini-3.8-flash",
        input="hello sdk",
        system_instruction="Be brief",
        generation_config={"thinking_summaries": "auto"},
    )
    assert created.status == "completed"
    assert created.output_text == "[system: Be brief] Echo: hello sdk (turn 1)"
    got = client.interactions.get(created.id, include_input=True)
    assert [step.type for step in got.steps] == ["user_input", "thought", "model_output"]
    assert got.input == "hello sdk"
    follow = client.interactions.create(
        model="gemini-3.8-flash", input="again", previous_interaction_id=created.id
    )
    assert follow.output_text == "Echo: again (turn 2)"


def test_content_list_input_is_accepted(url: str) -> None:
    # The SDK wraps a content list into a user_input step before sending it.
    client = sdk(url)  # kept in a variable: a collected Client closes its HTTP client
    created = client.interactions.create(
        model="gemini-3.8-flash", input=[{"type": "text", "text": "a"}, {"text": "b"}]
    )
    assert created.output_text == "Echo: a b (turn 1)"


def test_stream(url: str) -> None:
    client = sdk(url)
    events = list(
        client.interactions.create(
            model="gemini-3.8-flash", input="one two three four five six seven", stream=True
        )
    )
    kinds = [event.event_type for event in events]
    assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
    text = "".join(
        e.delta.text for e in events if e.event_type == "step.delta" and e.delta.type == "text"
    )
    assert text == "Echo: one two three four five six seven (turn 1)"


CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def test_store_false_and_a_streamed_function_call(url: str, flavor: str) -> None:
    client = sdk(url)
    plain = client.interactions.create(model="gemini-3.8-flash", input="x", store=False)
    assert plain.output_text == "Echo: x (turn 1)"
    assert (plain.id or "") == "" if flavor == "live" else plain.id
    events = list(
        client.interactions.create(
            model="gemini-3.8-flash",
            input="call get_weather",
            tools=[{"type": "function", "name": "get_weather", "parameters": CITY}],
            stream=True,
        )
    )
    fragments = [
        e.delta.arguments
        for e in events
        if e.event_type == "step.delta" and e.delta.type == "arguments_delta"
    ]
    assert len(fragments) >= (3 if flavor == "live" else 2)
    assert json.loads("".join(fragments)) == {"city": "call get_weather"}
    assert events[-1].interaction.status == "requires_action"


def test_background_stream_resume_and_poll(url: str, flavor: str) -> None:
    client = sdk(url)
    created = client.interactions.create(
        agent="deep-research-preview-04-2026",
        input="TPU history",
        background=True,
        agent_config={"type": "deep-research", "thinking_summaries": "auto"},
    )
    assert created.status == "in_progress"
    events = list(client.interactions.get(created.id, stream=True))
    assert events[-1].event_type == "interaction.completed"
    if flavor == "sdk":
        resumed = list(
            client.interactions.get(created.id, stream=True, last_event_id=events[0].event_id)
        )
        assert len(resumed) == len(events) - 1
    else:  # no event ids live: a re-attach replays the whole stream
        assert all(event.event_id is None for event in events)
        assert len(list(client.interactions.get(created.id, stream=True))) == len(events)
    done = wait_done(client, created.id)
    assert done.status == "completed" and done.output_text.startswith("# Research report")


def test_cancel_and_delete(url: str) -> None:
    client = sdk(url)
    created = client.interactions.create(model="gemini-3.8-flash", input="x", background=True)
    assert client.interactions.cancel(created.id).status == "cancelled"
    client.interactions.delete(created.id)
    with pytest.raises(Exception) as caught:
        client.interactions.get(created.id)
    assert getattr(caught.value, "status_code", None) == 404


def test_errors_map_to_sdk_exceptions(url: str) -> None:
    client = sdk(url)
    with pytest.raises(Exception) as caught:
        client.interactions.create(model="gemini-3.8-flash", input={"type": "sticker"})
    assert getattr(caught.value, "status_code", None) == 400


def test_sdk_retries_on_429_using_retry_after_ms(url: str) -> None:
    client = sdk(url, headers={HEADER: "429:2;key=sdk-retry"})
    began = time.monotonic()
    created = client.interactions.create(model="gemini-3.8-flash", input="retry")
    assert created.status == "completed"
    assert time.monotonic() - began < 2  # slept retry-after-ms (50 ms), not the 0.5 s backoff
