"""Option groups several commands share (request flags here; input flags in input_options)."""

from pathlib import Path

from gemini_cli.cli.declare import Option
from gemini_cli.cli.input_options import INPUT, RESEARCH_INPUT
from gemini_cli.cli.option_group import (
    DRY_RUN_OPTION,
    GENERATION_PANEL,
    INPUT_PANEL,
    OUTPUT_PANEL,
    REQUEST_PANEL,
    USAGE_OPTION,
    DryRun,
    InteractionId,
    OptionGroup,
    choices,
)
from gemini_cli.request.body import THINKING_LEVELS, RequestOptions

__all__ = [  # (the shared options too: commands import them from here)
    "DRY_RUN_OPTION",
    "GENERATION_PANEL",
    "INPUT",
    "INPUT_PANEL",
    "OUTPUT_PANEL",
    "REQUEST",
    "REQUEST_PANEL",
    "RESEARCH_INPUT",
    "USAGE_OPTION",
    "DryRun",
    "InteractionId",
    "OptionGroup",
    "choices",
]


def _complete_thinking(incomplete: str) -> list[str]:
    return [level for level in THINKING_LEVELS if level.startswith(incomplete)]


def _complete_model(incomplete: str) -> list[str]:
    from gemini_cli.cli.completion_values import model_ids

    return [m for m in model_ids() if m.startswith(incomplete)]


REQUEST = OptionGroup(
    "request",
    RequestOptions,
    {
        "model": (
            str | None,
            Option(
                "--model",
                "-m",
                metavar="MODEL",
                rich_help_panel=REQUEST_PANEL,
                autocompletion=_complete_model,
                help="Model id or alias (default gemini-3-flash-preview) [env: GEM_MODEL].",
            ),
            None,
        ),
        "agent": (
            str | None,
            Option(
                "--agent",
                metavar="AGENT",
                rich_help_panel=REQUEST_PANEL,
                help="Run an agent instead of a model (e.g. deep-research-preview-04-2026).",
            ),
            None,
        ),
        "system": (
            str | None,
            Option(
                "--system",
                "-s",
                metavar="TEXT",
                rich_help_panel=REQUEST_PANEL,
                help="System instruction.",
            ),
            None,
        ),
        "system_file": (
            Path | None,
            Option(
                "--system-file",
                metavar="PATH",
                rich_help_panel=REQUEST_PANEL,
                help="Read the system instruction from a file.",
            ),
            None,
        ),
        "previous": (
            str | None,
            Option(
                "--previous",
                "-p",
                metavar="ID",
                rich_help_panel=REQUEST_PANEL,
                help="Continue from this interaction (previous_interaction_id).",
            ),
            None,
        ),
        "continue_last": (
            bool,
            Option(
                "--continue",
                "-c",
                rich_help_panel=REQUEST_PANEL,
                help="Continue from the last interaction gem created (like --previous last).",
            ),
            False,
        ),
        "fresh": (
            bool,
            Option(
                "--fresh",
                rich_help_panel=REQUEST_PANEL,
                help="With -c/-p: send only what this command line says (a follow-up otherwise "
                "carries the previous turn's model or agent, system instruction, tools, "
                "generation_config and response_format).",
            ),
            False,
        ),
        "background": (
            bool,
            Option(
                "--background",
                rich_help_panel=REQUEST_PANEL,
                help="Run in the background: print the id at once; wait with 'gem poll ID'.",
            ),
            False,
        ),
        "no_store": (
            bool,
            Option(
                "--no-store",
                rich_help_panel=REQUEST_PANEL,
                help="Ask the server not to keep the interaction (store: false).",
            ),
            False,
        ),
        "labels": (
            list[str] | None,
            Option(
                "--label",
                metavar="KEY=VALUE",
                rich_help_panel=REQUEST_PANEL,
                help="Attach a label; repeatable.",
            ),
            None,
        ),
        "body": (
            str | None,
            Option(
                "--body",
                metavar="FILE|-",
                rich_help_panel=REQUEST_PANEL,
                help="A whole JSON or YAML request body; flags override its fields.",
            ),
            None,
        ),
        "sets": (
            list[str] | None,
            Option(
                "--set",
                metavar="KEY.PATH=VALUE",
                rich_help_panel=REQUEST_PANEL,
                help="Set any body field (VALUE is JSON if it parses, else a string); repeatable.",
            ),
            None,
        ),
        "thinking": (
            str | None,
            Option(
                "--thinking",
                metavar="LEVEL",
                rich_help_panel=GENERATION_PANEL,
                autocompletion=_complete_thinking,
                help="Thinking level: minimal, low, medium, high or xhigh.",
            ),
            None,
        ),
        "thinking_summaries": (
            bool,
            Option(
                "--thinking-summaries",
                rich_help_panel=GENERATION_PANEL,
                help="Ask for thought summaries (thinking_summaries: auto).",
            ),
            False,
        ),
        "max_tokens": (
            int | None,
            Option(
                "--max-tokens",
                metavar="N",
                rich_help_panel=GENERATION_PANEL,
                help="max_output_tokens.",
            ),
            None,
        ),
        "seed": (
            int | None,
            Option("--seed", metavar="N", rich_help_panel=GENERATION_PANEL, help="Sampling seed."),
            None,
        ),
        "stop": (
            list[str] | None,
            Option(
                "--stop",
                metavar="TEXT",
                rich_help_panel=GENERATION_PANEL,
                help="Stop sequence; repeatable.",
            ),
            None,
        ),
        "temperature": (
            float | None,
            Option(
                "--temperature",
                metavar="T",
                rich_help_panel=GENERATION_PANEL,
                help="Sampling temperature (deprecated for 3.x models).",
            ),
            None,
        ),
        "top_p": (
            float | None,
            Option(
                "--top-p",
                metavar="P",
                rich_help_panel=GENERATION_PANEL,
                help="Nucleus sampling (deprecated for 3.x models).",
            ),
            None,
        ),
    },
)
