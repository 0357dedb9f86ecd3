"""A research report in text form: the markdown output, then its numbered list of sources."""

from __future__ import annotations

from collections.abc import Iterator

from gemini_cli.api.models import Interaction
from gemini_cli.api.steps import is_text_block, type_of
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.render.output import (
    Output,
    fail_on_status,
    print_text,
    print_usage,
    render_interaction,
)


def url_citations(steps: list[JSONObject]) -> list[tuple[str, str]]:
    """(title, url) of the url_citation annotations in this turn's output, first seen first,
    deduplicated by URL."""
    found: dict[str, str] = {}
    for note in _annotations(_this_turn(steps)):
        url = note.get("url")
        if type_of(note) == "url_citation" and isinstance(url, str) and url:
            found.setdefault(url, str(note.get("title") or "").strip())
    return [(title, url) for url, title in found.items()]


def _annotations(steps: list[JSONObject]) -> Iterator[JSONObject]:
    for step in steps:
        content = step.get("content") if type_of(step) == "model_output" else None
        for block in content if isinstance(content, list) else []:
            notes: JSONValue = block.get("annotations") if is_text_block(block) else None
            for note in notes if isinstance(notes, list) else []:
                if isinstance(note, dict):
                    yield note


def _this_turn(steps: list[JSONObject]) -> list[JSONObject]:
    # GET returns the whole conversation: earlier turns' sources are not this report's.
    for index in range(len(steps) - 1, -1, -1):
        if type_of(steps[index]) == "user_input":
            return steps[index + 1 :]
    return steps


def format_sources(sources: list[tuple[str, str]]) -> str:
    lines = [
        f"[{n}] {title} - {url}" if title else f"[{n}] {url}"
        for n, (title, url) in enumerate(sources, 1)
    ]
    return "\nSources:\n" + "\n".join(lines) + "\n"


def render_report(
    run: Output, interaction: Interaction, *, usage: bool = False, sources: bool = True
) -> None:
    """Like render_interaction, with the sources after the text in text format."""
    if run.format != "text" or not sources:
        render_interaction(run, interaction, usage=usage)
        return
    print_text(run, interaction)
    cited = url_citations(interaction.step_dicts) if not interaction.is_running else []
    if cited:
        run.io.out(format_sources(cited))
    if usage:
        print_usage(run, interaction.data.get("usage"))
    fail_on_status(run, interaction)
