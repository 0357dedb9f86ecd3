"""An interaction for people: the answer with its sources, thoughts, a plan waiting for
approval, or the whole turn as Markdown; json, yaml and id as render_interaction prints them."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress

from gemini_cli.api.errors import RequiresActionError
from gemini_cli.api.models import Interaction
from gemini_cli.api.steps import type_of
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.core.termio import escape_controls
from gemini_cli.render import sources as cites
from gemini_cli.render.options import AnswerOptions
from gemini_cli.render.output import (
    Output,
    fail_on_status,
    note_media,
    note_unknown_status,
    print_calls,
    print_usage,
    render_interaction,
    require_id,
    too_deep,
)

FORMATS = ("text", "markdown")  # what render_answer prints itself; others: render_interaction


def shows_sources(interaction: Interaction, answer: AnswerOptions) -> bool:
    """--sources/--no-sources, else: an agent's answer (a research report) lists them."""
    if answer.sources is not None:
        return answer.sources
    return bool(interaction.agent)


def render_answer(
    run: Output,
    interaction: Interaction,
    answer: AnswerOptions | None = None,
    *,
    usage: bool = False,
    saved: Mapping[tuple[int, int], str] | None = None,
) -> None:
    """Print per --format, report usage, then set the exit code from the final status.
    `saved`: where --save put each media block (the text then need not count them)."""
    answer = answer or AnswerOptions()
    if run.format not in FORMATS:
        if is_plan(interaction):  # json, yaml, id: the same exit 9, saying how to approve
            with suppress(RequiresActionError):
                render_interaction(run, interaction, usage=usage)
            raise plan_waiting(interaction)
        render_interaction(run, interaction, usage=usage)
        return
    if answer.thoughts:
        print_thoughts(run, interaction)
    if run.format == "markdown":
        print_markdown(run, interaction, answer, saved or {})
    else:
        print_answer(run, interaction, answer, media_shown=saved is not None)
    if usage:
        print_usage(run, interaction.data.get("usage"))
    note_unknown_status(run, interaction)
    if is_plan(interaction):
        raise plan_waiting(interaction)
    fail_on_status(run, interaction)
    if wants_plan(interaction) and interaction.status == "completed":
        agent = interaction.agent or ""
        run.hint(f"approve or edit the plan with: {approve_command(interaction.id, agent)}")


def print_answer(
    run: Output, interaction: Interaction, answer: AnswerOptions, *, media_shown: bool = False
) -> None:
    """The answer with citation markers and its numbered sources; function calls behind
    requires_action; the id of a running interaction."""
    if interaction.is_running:
        run.io.out(require_id(interaction), "\n")
        run.hint(f"{interaction.status}; wait for it with: gem poll {interaction.id}")
        return
    if interaction.status == "requires_action" and not is_plan(interaction):
        print_calls(run, interaction)
        return
    steps = interaction.step_dicts
    found = cites.collect(steps)
    shown = shows_sources(interaction, answer) and bool(found.items)
    text = cites.marked_answer(steps, found) if shown else interaction.output_text
    if text:
        run.io.out(text if text.endswith("\n") else text + "\n")
    elif interaction.status == "completed" and not media_shown:
        name = f"interaction {interaction.id}" if interaction.id else "the interaction"
        run.info(f"gem: {name} completed with no output text")
    if shown:
        run.io.out(cites.format_list(found))
    elif found.items and answer.sources is None:
        note_sources(run, found)
    if not media_shown:
        note_media(run, interaction)


def note_sources(run: Output, found: cites.Sources) -> None:
    count = len(found.items)
    run.info(f"gem: {count} source{'s' if count > 1 else ''} not shown; use --sources")


def print_sources_after(run: Output, interaction: Interaction, sources: bool | None) -> None:
    """A streamed answer's sources after its text (the text is out already: no markers)."""
    found = cites.collect(interaction.step_dicts)
    if not found.items:
        return
    if shows_sources(interaction, AnswerOptions(sources=sources)):
        run.io.out(cites.format_list(found))
    elif sources is None:
        note_sources(run, found)


def print_markdown(
    run: Output,
    interaction: Interaction,
    answer: AnswerOptions,
    saved: Mapping[tuple[int, int], str],
) -> None:
    from gemini_cli.render.markdown import render

    steps = interaction.step_dicts
    found = cites.collect(steps) if answer.sources is not False else None
    try:
        text = render(interaction.data, steps, found, saved)
    except RecursionError:  # a hostile server's nesting (--format json still prints it)
        raise too_deep("as Markdown") from None
    run.io.out(text)
    if interaction.is_running:  # as the text format says it
        run.hint(f"{interaction.status}; wait for it with: gem poll {interaction.id}")


def print_thoughts(run: Output, interaction: Interaction) -> None:
    """This turn's thought summaries on stderr, escaped as `gem stream --thoughts` does."""
    from gemini_cli.render.live import DIM, NO_THOUGHTS, RESET, write_err

    printed = False
    for step in cites.this_turn(interaction.step_dicts):
        summary = step.get("summary") if type_of(step) == "thought" else None
        for block in summary if isinstance(summary, list) else []:
            text = block.get("text") if isinstance(block, dict) else None
            if isinstance(text, str) and text.strip():
                shown = escape_controls(text.strip("\n"), keep="\n\t")
                write_err(run.io, f"{DIM}{shown}{RESET}\n" if run.io.color else f"{shown}\n")
                printed = True
    if not printed and not interaction.is_running:  # --thoughts never prints nothing silently
        run.hint(NO_THOUGHTS)


# -- collaborative planning ------------------------------------------------------------------


def wants_plan(interaction: Interaction) -> bool:
    """Asked for with agent_config.collaborative_planning (the service echoes it)."""
    config = interaction.data.get("agent_config")
    return isinstance(config, dict) and config.get("collaborative_planning") is True


def is_plan(interaction: Interaction) -> bool:
    """A plan waiting for approval: requires_action with no function call to answer, from an
    agent (the service asks the user, not a tool)."""
    return (
        interaction.status == "requires_action"
        and not interaction.function_calls()
        and bool(interaction.agent or wants_plan(interaction))
    )


def approve_command(interaction_id: str, agent: str = "") -> str:
    return f'gem research --previous {interaction_id}{_agent_flag(agent)} "Looks good, go ahead"'


def revise_command(interaction_id: str, agent: str = "") -> str:
    flags = f"{_agent_flag(agent)} --plan"
    return f'gem research --previous {interaction_id}{flags} "CHANGES TO THE PLAN"'


def _agent_flag(agent: str) -> str:
    """` --agent AGENT` (` --max`) unless it is research's default: `gem research` sends its
    own agent, so the one that made the plan must be named to be kept."""
    # Imported here: the ids live with the research command, and this runs on exit 9 only.
    import shlex

    from gemini_cli.cli.research import DEFAULT_AGENT, MAX_AGENT

    if not agent or agent == DEFAULT_AGENT:
        return ""
    return " --max" if agent == MAX_AGENT else f" --agent {shlex.quote(agent)}"


def plan_waiting(interaction: Interaction) -> Exception:
    """Exit 9 whose message (kept by --quiet) says how to approve or revise the plan."""
    ident, agent = interaction.id, interaction.agent or ""
    return RequiresActionError(
        f"interaction {ident} waits for its plan to be approved: approve with: "
        f"{approve_command(ident, agent)}; or revise it with: {revise_command(ident, agent)}",
        interaction_id=ident or None,
    )


# -- compatibility ---------------------------------------------------------------------------


def url_citations(steps: list[JSONObject]) -> list[tuple[str, str]]:
    """(title, url) of this turn's url_citation annotations, first seen first, one per URL."""
    found = cites.collect([s for s in steps if type_of(s) != "url_context_result"])
    return [(s.title, s.where) for s in found.items if s.where.startswith(("http:", "https:"))]


def render_report(
    run: Output, interaction: Interaction, *, usage: bool = False, sources: bool = True
) -> None:
    """A research report: render_answer with its sources listed (unless `sources` is False)."""
    render_answer(run, interaction, AnswerOptions(sources=sources), usage=usage)
