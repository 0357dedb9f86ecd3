"""Option groups shared by several commands (input and request flags), declared once."""

from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any

import typer

from gemini_cli.request.inputs import THINKING_LEVELS, InputOptions, RequestOptions

INPUT_PANEL = "Input"
REQUEST_PANEL = "Request"
GENERATION_PANEL = "Generation"


def _complete_thinking(incomplete: str) -> list[str]:
    return [level for level in THINKING_LEVELS if level.startswith(incomplete)]


def _complete_model(incomplete: str) -> list[str]:
    from gemini_cli.cli.completion_values import model_ids

    return [m for m in model_ids() if m.startswith(incomplete)]


# The ID argument and --dry-run, as every command that names an interaction declares them.
InteractionId = Annotated[
    str,
    typer.Argument(
        metavar="ID",
        show_default=False,
        help="The interaction id; 'last' for the newest one gem created, '-' to read it from stdin.",
    ),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Print the request as JSON (key redacted); send nothing.")
]


class OptionGroup:
    """A dataclass whose fields are command-line options; the command receives one instance."""

    def __init__(self, name: str, factory: type, options: dict[str, tuple[Any, Any, Any]]):
        self.name = name
        self.factory = factory
        self.options = options  # field -> (type, typer.Option/Argument, default)

    def without(self, *names: str) -> "OptionGroup":
        kept = {k: v for k, v in self.options.items() if k not in names}
        return OptionGroup(self.name, self.factory, kept)

    def build(self, values: dict[str, Any]) -> Any:
        known = {f.name for f in fields(self.factory)}
        return self.factory(**{k: v for k, v in values.items() if k in known})


INPUT = OptionGroup(
    "inputs",
    InputOptions,
    {
        "words": (
            list[str] | None,
            typer.Argument(
                metavar="PROMPT",
                show_default=False,
                help="The prompt. Text piped on stdin comes first; '-' reads stdin explicitly.",
            ),
            None,
        ),
        "no_stdin": (
            bool,
            typer.Option(
                "--no-stdin",
                rich_help_panel=INPUT_PANEL,
                help="Do not read stdin even when it is a pipe (for loops reading stdin).",
            ),
            False,
        ),
        "mime_type": (
            str | None,
            typer.Option(
                "--mime-type",
                metavar="TYPE",
                rich_help_panel=INPUT_PANEL,
                help="The MIME type of binary stdin, and of --attach files whose type gem cannot "
                "tell from their bytes or name.",
            ),
            None,
        ),
        "attach": (
            list[Path] | None,
            typer.Option(
                "--attach",
                "-a",
                metavar="PATH",
                rich_help_panel=INPUT_PANEL,
                help="Add a file (text, image, audio, video, PDF...); repeatable.",
            ),
            None,
        ),
    },
)

REQUEST = OptionGroup(
    "request",
    RequestOptions,
    {
        "model": (
            str | None,
            typer.Option(
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
            typer.Option(
                "--agent",
                metavar="AGENT",
                rich_help_panel=REQUEST_PANEL,
                help="Run an agent instead of a model (e.g. deep-research-preview-04-2026).",
            ),
            None,
        ),
        "system": (
            str | None,
            typer.Option(
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
            typer.Option(
                "--system-file",
                metavar="PATH",
                rich_help_panel=REQUEST_PANEL,
                help="Read the system instruction from a file.",
            ),
            None,
        ),
        "previous": (
            str | None,
            typer.Option(
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
            typer.Option(
                "--continue",
                "-c",
                rich_help_panel=REQUEST_PANEL,
                help="Continue from the last interaction gem created (like --previous last).",
            ),
            False,
        ),
        "background": (
            bool,
            typer.Option(
                "--background",
                rich_help_panel=REQUEST_PANEL,
                help="Run in the background: print the id at once; wait with 'gem poll ID'.",
            ),
            False,
        ),
        "no_store": (
            bool,
            typer.Option(
                "--no-store",
                rich_help_panel=REQUEST_PANEL,
                help="Ask the server not to keep the interaction (store: false).",
            ),
            False,
        ),
        "labels": (
            list[str] | None,
            typer.Option(
                "--label",
                metavar="KEY=VALUE",
                rich_help_panel=REQUEST_PANEL,
                help="Attach a label; repeatable.",
            ),
            None,
        ),
        "body": (
            str | None,
            typer.Option(
                "--body",
                metavar="FILE|-",
                rich_help_panel=REQUEST_PANEL,
                help="A whole JSON or YAML request body; flags override its fields.",
            ),
            None,
        ),
        "sets": (
            list[str] | None,
            typer.Option(
                "--set",
                metavar="KEY.PATH=VALUE",
                rich_help_panel=REQUEST_PANEL,
                help="Set any body field (VALUE is JSON if it parses, else a string); repeatable.",
            ),
            None,
        ),
        "thinking": (
            str | None,
            typer.Option(
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
            typer.Option(
                "--thinking-summaries",
                rich_help_panel=GENERATION_PANEL,
                help="Ask for thought summaries (thinking_summaries: auto).",
            ),
            False,
        ),
        "max_tokens": (
            int | None,
            typer.Option(
                "--max-tokens",
                metavar="N",
                rich_help_panel=GENERATION_PANEL,
                help="max_output_tokens.",
            ),
            None,
        ),
        "seed": (
            int | None,
            typer.Option(
                "--seed", metavar="N", rich_help_panel=GENERATION_PANEL, help="Sampling seed."
            ),
            None,
        ),
        "stop": (
            list[str] | None,
            typer.Option(
                "--stop",
                metavar="TEXT",
                rich_help_panel=GENERATION_PANEL,
                help="Stop sequence; repeatable.",
            ),
            None,
        ),
        "temperature": (
            float | None,
            typer.Option(
                "--temperature",
                metavar="T",
                rich_help_panel=GENERATION_PANEL,
                help="Sampling temperature (deprecated for 3.x models).",
            ),
            None,
        ),
        "top_p": (
            float | None,
            typer.Option(
                "--top-p",
                metavar="P",
                rich_help_panel=GENERATION_PANEL,
                help="Nucleus sampling (deprecated for 3.x models).",
            ),
            None,
        ),
    },
)
