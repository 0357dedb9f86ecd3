"""`--format markdown`: the whole turn as a transcript, on every command that prints one."""

from __future__ import annotations

import re
from pathlib import Path

from gemini_cli.render.markdown import fence
from tests.conversations.conftest import Gem, last_id


def test_code_execution_shows_the_code_and_its_result(gem: Gem) -> None:
    result = gem("create", "--code-exec", "-f", "markdown", "count these words")
    assert result.exit_code == 0, result.stderr
    assert "Echo: count these words (turn 1)" in result.stdout
    assert "**Code**\n\n```python\nwords = 'count these words'.split()\nprint(len(words))\n```" in (
        result.stdout
    )
    assert "**Code result**\n\n```\n3\n```" in result.stdout


def test_thoughts_are_quotes_and_searches_are_listed(gem: Gem) -> None:
    result = gem("create", "--thinking-summaries", "--search", "-f", "markdown", "hello")
    assert "> **Reading the request**\n>\n> The user wrote 1 words" in result.stdout
    assert "**Searched:** `hello`" in result.stdout
    assert "Echo: hello (turn 1)[^1]" in result.stdout
    assert result.stdout.endswith(
        "[^1]: [Search result for hello](https://example.com/search/hello)\n"
    )


def test_a_research_report_keeps_its_sources_as_footnotes(gem: Gem, tmp_path: Path) -> None:
    gem("research", "--visualization", "auto", "Batteries")
    ident = last_id(gem)
    media = tmp_path / "media"
    result = gem("get", ident, "-f", "markdown", "--save", str(media))
    assert result.exit_code == 0, result.stderr
    (image,) = media.iterdir()
    text = result.stdout
    assert "The emulator consulted one source for this question.[^1]" in text
    assert f"![image (image/png)]({image.as_posix()})" in text
    assert "**Reading:** <https://example.com/emulated-source>" in text
    assert text.endswith("[^1]: [Emulated source](https://example.com/emulated-source)\n")
    assert gem("poll", ident, "-f", "markdown").stdout.count("[^1]") == 2
    assert "[^1]" not in gem("get", ident, "-f", "markdown", "--no-sources").stdout


def test_media_not_saved_is_said_in_place(gem: Gem) -> None:
    result = gem("create", "-f", "markdown", "[[mixed]] bake")
    assert result.stdout == (
        "Step 1: Echo: [[mixed]] bake (turn 1)\n\n"
        "*[image (image/png) not saved; use --save DIR]*\n\n"
        "Step 2: the end.\n"
    )
    streamed = gem("stream", "-f", "markdown", "[[mixed]] bake")
    assert streamed.stdout == result.stdout


def test_function_calls_and_a_plan_status(gem: Gem) -> None:
    calls = gem("create", "--function", "get_weather=true", "-f", "markdown", "call get_weather")
    assert calls.exit_code == 9
    # the call's id is shown: `--result CALL_ID=FILE` answers it
    assert re.match(
        r"\*\*Function call\*\* `get_weather` \(id `call_[\w-]+`\)\n\n```json\n\{\}\n```",
        calls.stdout,
    )
    assert calls.stdout.endswith("*Status: requires_action*\n")
    plan = gem("research", "--plan", "-f", "markdown", "Batteries")
    assert plan.exit_code == 9 and "Research plan for: Batteries" in plan.stdout


def test_a_fence_is_longer_than_any_backticks_inside() -> None:
    assert fence("x = '```'", "python") == "````python\nx = '```'\n````"
    assert fence("plain\n") == "```\nplain\n```"


def test_json_nested_too_deeply_for_markdown_is_a_protocol_error() -> None:
    from gemini_cli.api.models import Interaction
    from gemini_cli.render.report import render_answer
    from tests.render.test_output import FakeRun

    deep: dict = {}
    for _ in range(5000):
        deep = {"a": deep}
    data = {"id": "v1_d", "status": "completed", "steps": [{"type": "odd_step", "x": deep}]}
    run = FakeRun("markdown")
    try:
        render_answer(run, Interaction(data))
    except Exception as exc:  # noqa: BLE001 - the type and exit code are what is checked
        assert getattr(exc, "exit_code", None) == 6 and "nested too deeply" in str(exc)
    else:
        raise AssertionError("rendered a 5000-deep value")


def test_stream_markdown_follows_no_sources(gem: Gem) -> None:
    with_notes = gem("stream", "-f", "markdown", "--search", "hi")
    assert with_notes.stdout.endswith(
        "[^1]: [Search result for hi](https://example.com/search/hi)\n"
    )
    bare = gem("stream", "-f", "markdown", "--no-sources", "--search", "hi")
    assert "[^1]" not in bare.stdout and "Echo: hi (turn 1)" in bare.stdout


def test_a_running_interaction_says_how_to_wait_for_it(gem: Gem, monkeypatch) -> None:
    monkeypatch.setenv("GEM_EMULATOR_WORK_SECONDS", "600")
    ident = gem("create", "--background", "-f", "id", "slow").stdout.strip()
    result = gem("get", ident, "-f", "markdown")
    assert (result.exit_code, result.stdout) == (0, "*Status: in_progress*\n")
    assert f"gem: hint: in_progress; wait for it with: gem poll {ident}" in result.stderr
