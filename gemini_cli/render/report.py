"""A research report in text form: the markdown output, then its numbered list of sources."""

from __future__ import annotations

from typing import Any

from gemini_cli.api.models import Interaction
from gemini_cli.render.output import fail_on_status, print_text, print_usage, render_interaction


def url_citations(steps: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(title, url) of the url_citation annotations in this turn's output, first seen first,
    deduplicated by URL."""
    found: dict[str, str] = {}
    for step in _this_turn(steps):
        if step.get("type") != "model_output":
            continue
        for block in step.get("content") or []:
            if not isinstance(block, dict) or block.get("type") != "text":
                continue
            for note in block.get("annotations") or []:
                url = note.get("url") if isinstance(note, dict) else None
                if note.get("type") == "url_citation" and isinstance(url, str) and url:
                    found.setdefault(url, str(note.get("title") or "").strip())
    return [(title, url) for url, title in found.items()]


def _this_turn(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # GET returns the whole conversation: earlier turns' sources are not this report's.
    for index in range(len(steps) - 1, -1, -1):
        if steps[index].get("type") == "user_input":
            return steps[index + 1 :]
    return steps


def format_sources(sources: list[tuple[str, str]]) -> str:
    lines = [
        f"[{n}] {title} - {url}" if title else f"[{n}] {url}"
        for n, (title, url) in enumerate(sources, 1)
    ]
    return "\nSources:\n" + "\n".join(lines) + "\n"


def render_report(
    run: Any, interaction: Interaction, *, usage: bool = False, sources: bool = True
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
