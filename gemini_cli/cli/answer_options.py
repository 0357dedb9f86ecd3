"""Options of every command that prints an answer: --sources, --thoughts, and media saving."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gemini_cli.cli.declare import Option
from gemini_cli.cli.option_group import OUTPUT_PANEL, OptionGroup
from gemini_cli.cli.tool_options import TOOLS
from gemini_cli.render.options import AnswerOptions

if TYPE_CHECKING:
    from gemini_cli.cli.runtime import Runtime
    from gemini_cli.cli.tool_options import ToolOptions

# Formats of the commands that print an interaction (stream adds ndjson, create paths).
ANSWER_FORMATS = ("text", "json", "yaml", "id", "markdown")

ANSWER = OptionGroup(
    "answer",
    AnswerOptions,
    {
        "sources": (
            bool | None,
            Option(
                "--sources/--no-sources",
                rich_help_panel=OUTPUT_PANEL,
                show_default=False,
                help="List the answer's sources (numbered, matching the [N] markers in the "
                "text) [default: on for agents' answers].",
            ),
            None,
        ),
        "thoughts": (
            bool,
            Option(
                "--thoughts",
                rich_help_panel=OUTPUT_PANEL,
                help="Print thought summaries on stderr (a new request asks for them).",
            ),
            False,
        ),
    },
)

# --save / -o for commands that fetch an interaction (get, poll): the media options of create.
MEDIA = TOOLS.without(*(k for k in TOOLS.options if k not in ("save", "output")))


def check_media(run: Runtime, media: ToolOptions) -> None:
    """--save/-o checked before anything is sent (exit 2), as create does."""
    from gemini_cli.cli.tool_body import check_outputs
    from gemini_cli.cli.tool_options import validate

    validate(media)
    check_outputs(run, media)
