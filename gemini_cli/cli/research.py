"""`gem research QUERY`: run the Deep Research agent in the background and wait for its report."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gemini_cli.cli.answer_options import ANSWER, ANSWER_FORMATS, check_media
from gemini_cli.cli.command import ROOT, gem_command
from gemini_cli.cli.declare import Option
from gemini_cli.cli.options import (
    DRY_RUN_OPTION,
    REQUEST,
    RESEARCH_INPUT,
    USAGE_OPTION,
    OptionGroup,
    choices,
)
from gemini_cli.cli.poll import MAX_INTERVAL_OPTION, check_max_interval, wait_budget, wait_for
from gemini_cli.cli.prepare import dry_run, prepare_body
from gemini_cli.cli.runtime import Runtime
from gemini_cli.cli.tool_options import RESEARCH_TOOLS, ToolOptions
from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.render.options import AnswerOptions
from gemini_cli.request.body import RequestOptions
from gemini_cli.request.inputs import InputOptions
from gemini_cli.request.setpath import apply_set

if TYPE_CHECKING:
    from gemini_cli.api.models import Interaction

DEFAULT_AGENT = "deep-research-preview-04-2026"
MAX_AGENT = "deep-research-max-preview-04-2026"
RESEARCH_PANEL = "Research"

HELP = """Research a question with the Deep Research agent and print its report (markdown).

The input is read like `gem create` (stdin, --attach files, then the QUERY words). The agent
runs in the background (it can take many minutes); gem follows it with live progress on stderr,
then prints the report and its numbered sources. A --plan comes back as the plan and exit 9:
stderr says how to approve or revise it. Ctrl-C stops waiting (the research goes on:
resume with `gem poll ID`) unless --cancel-on-interrupt. Waits without limit unless --timeout.

Examples:

\b
  gem research "History of Google TPUs, 2025-2026" > tpu.md
  id=$(gem research --no-wait "Compare EU and US AI rules"); gem poll "$id" > rules.md
  gem research --plan "Battery chemistry trends" || test $? -eq 9   # the plan waits, then:
  gem research --previous last "Looks good, go ahead"
  gem research --max --visualization auto -a data.csv "What drives these numbers?"
"""

# Model-only flags make no sense for an agent; background is implied and store must stay on.
MODEL_ONLY: tuple[str, ...] = ("model", "agent", "background", "no_store", "thinking")
MODEL_ONLY += ("thinking_summaries", "max_tokens", "seed", "stop", "temperature", "top_p")
RESEARCH_REQUEST = REQUEST.without(*MODEL_ONLY)


@dataclass(frozen=True)
class ResearchOptions:
    """Which agent, and its agent_config."""

    agent: str | None = None
    max_: bool = False
    thinking_summaries: str | None = None  # None: a follow-up's carried one, else "auto"
    visualization: str | None = None
    plan: bool = False
    bigquery: bool = False

    def explicit_agent(self) -> str | None:
        """The agent --agent or --max names (None: the default, or a follow-up's carried one)."""
        if self.agent and self.max_:
            raise UsageError(
                f"--max and --agent cannot be combined: --max means --agent {MAX_AGENT}"
            )
        return self.agent or (MAX_AGENT if self.max_ else None)

    def agent_config(self, given: JSONObject) -> JSONObject:
        """`given` (carried or from --body) with the flags given applied over it."""
        config: JSONObject = {**given, "type": "deep-research"}
        if self.thinking_summaries is not None:
            config["thinking_summaries"] = _choice(
                "--thinking-summaries", self.thinking_summaries, ("auto", "none")
            )
        config.setdefault("thinking_summaries", "auto")
        if self.visualization is not None:
            config["visualization"] = _choice(
                "--visualization", self.visualization, ("auto", "off")
            )
        if self.plan:
            config["collaborative_planning"] = True
        if self.bigquery:
            config["enable_bigquery_tool"] = True
        return config


def _choice(flag: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise UsageError(f"{flag} {value!r}: choose one of {', '.join(allowed)}")
    return value


RESEARCH = OptionGroup(
    "deep_research",
    ResearchOptions,
    {
        "agent": (
            str | None,
            Option(
                "--agent",
                metavar="AGENT",
                rich_help_panel=RESEARCH_PANEL,
                help=f"The agent (default {DEFAULT_AGENT}, or the previous turn's; e.g. "
                "deep-research-pro-preview-12-2025).",
            ),
            None,
        ),
        "max_": (
            bool,
            Option(
                "--max",
                rich_help_panel=RESEARCH_PANEL,
                help=f"Deep Research Max ({MAX_AGENT}): slower, more exhaustive.",
            ),
            False,
        ),
        "thinking_summaries": (
            str | None,
            Option(
                "--thinking-summaries",
                metavar="auto|none",
                autocompletion=choices("auto", "none"),
                rich_help_panel=RESEARCH_PANEL,
                help="Thought summaries (the live progress on stderr comes from them; default "
                "auto, or what the previous turn used).",
            ),
            None,
        ),
        "visualization": (
            str | None,
            Option(
                "--visualization",
                metavar="auto|off",
                autocompletion=choices("auto", "off"),
                rich_help_panel=RESEARCH_PANEL,
                help="Let the agent add charts and images (default: the agent's).",
            ),
            None,
        ),
        "plan": (
            bool,
            Option(
                "--plan",
                rich_help_panel=RESEARCH_PANEL,
                help="Collaborative planning: print the agent's plan and stop; approve or edit it "
                "with --previous ID.",
            ),
            False,
        ),
        "bigquery": (
            bool,
            Option(
                "--bigquery",
                rich_help_panel=RESEARCH_PANEL,
                help="Enable the BigQuery tool (enable_bigquery_tool).",
            ),
            False,
        ),
    },
)


NO_WAIT_OPTION = Option(
    False, "--no-wait", help="Print the id at once and exit 0; wait later with gem poll."
)
CANCEL_ON_INTERRUPT_OPTION = Option(
    False,
    "--cancel-on-interrupt",
    help="Ctrl-C cancels the research instead of leaving it running.",
)
NO_WAIT_SAVE = (
    "--no-wait prints the id at once: there is no media to save yet "
    "(save it later with: gem poll ID --save DIR)"
)


@gem_command(
    ROOT,
    "research",
    groups=(RESEARCH_INPUT, RESEARCH_REQUEST, RESEARCH, RESEARCH_TOOLS, ANSWER),
    formats=ANSWER_FORMATS,
    help=HELP,
)
def research(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    deep_research: ResearchOptions,
    tools: ToolOptions,
    answer: AnswerOptions,
    no_wait: bool = NO_WAIT_OPTION,
    cancel_on_interrupt: bool = CANCEL_ON_INTERRUPT_OPTION,
    max_interval: float = MAX_INTERVAL_OPTION,
    usage: bool = USAGE_OPTION,
    dry: bool = DRY_RUN_OPTION,
) -> None:
    from gemini_cli.cli.tool_body import apply_tools

    started = run.clock.monotonic()
    check_max_interval(max_interval)
    check_media(run, tools)
    if no_wait and (tools.save or tools.output):
        raise UsageError(NO_WAIT_SAVE)
    body = research_body(run, inputs, request, deep_research, dry)
    apply_tools(body, tools)
    if dry:
        dry_run(run, "POST", body=body)
        return
    from gemini_cli.core.status import is_done

    interaction = run.client().create(body)
    run.created(interaction, body)
    if no_wait:
        print_started(run, interaction)
        return
    if not is_done(interaction.status):
        interaction = wait_for(
            run,
            interaction.id,
            max_interval=max_interval,
            timeout=wait_budget(run, started),
            label="research",
            cancel_on_interrupt=cancel_on_interrupt,
        )
        run.observed(interaction)
    show_report(run, interaction, tools, answer, usage=usage, plan=deep_research.plan)


def show_report(
    run: Runtime,
    interaction: Interaction,
    tools: ToolOptions,
    answer: AnswerOptions,
    *,
    usage: bool,
    plan: bool,
) -> None:
    """Print the finished research; after a plan, say how to approve or edit it."""
    from gemini_cli.cli.turns import render_result
    from gemini_cli.render.report import approve_command, wants_plan

    render_result(run, interaction, tools, usage=usage, answer=answer)
    if plan and interaction.status == "completed" and not wants_plan(interaction):
        command = approve_command(interaction.id, interaction.agent or "")
        run.hint(f"approve or edit the plan with: {command}")


def research_body(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    research: ResearchOptions,
    dry: bool = False,
) -> JSONObject:
    """The create body: the input as for `gem create`, the agent (--agent/--max, else a
    follow-up's carried one, else the default), background and agent_config (flags given over
    the carried one); --set applies last so it can still change anything."""
    sets = request.sets
    request = replace(request, agent=research.explicit_agent(), sets=[])
    body, _ = prepare_body(
        run, inputs, request, example='gem research "History of Google TPUs"', dry=dry
    )
    if "agent" not in body:  # nothing carried an agent: the default model gives way to ours
        for key in ("model", "generation_config"):
            body.pop(key, None)
        body["agent"] = DEFAULT_AGENT
    body["background"] = True
    given = body.get("agent_config")
    body["agent_config"] = research.agent_config(given if isinstance(given, dict) else {})
    for assignment in sets:
        apply_set(body, assignment)
    return body


def print_started(run: Runtime, interaction: Interaction) -> None:
    """--no-wait: the id (or the created interaction in json/yaml), and how to wait for it."""
    from gemini_cli.render.output import print_json, print_yaml

    if run.format == "json":
        print_json(run, interaction.data, interaction.raw)
    elif run.format == "yaml":
        print_yaml(run, interaction.data)
    else:
        run.io.out(interaction.id, "\n")
    run.hint(f"{interaction.status or 'started'}; wait for it with: gem poll {interaction.id}")
