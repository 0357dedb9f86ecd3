"""The INPUT option group (prompt words, stdin, --attach), as create, stream and research use it."""

from gemini_cli.cli.declare import Argument, Option
from gemini_cli.cli.option_group import INPUT_PANEL, OptionGroup
from gemini_cli.request.inputs import InputOptions

INPUT = OptionGroup(
    "inputs",
    InputOptions,
    {
        "words": (
            list[str] | None,
            Argument(
                metavar="PROMPT",
                show_default=False,
                help="The prompt. Text piped on stdin comes first; '-' reads stdin explicitly.",
            ),
            None,
        ),
        "no_stdin": (
            bool,
            Option(
                "--no-stdin",
                rich_help_panel=INPUT_PANEL,
                help="Do not read stdin even when it is a pipe (for loops reading stdin).",
            ),
            False,
        ),
        "mime_type": (
            str | None,
            Option(
                "--mime-type",
                metavar="TYPE",
                rich_help_panel=INPUT_PANEL,
                help="The MIME type of binary stdin, and of --attach files whose type gem cannot "
                "tell from their bytes or name.",
            ),
            None,
        ),
        "attach": (
            # str, not Path: a Path turns `https://x//y` into `https:/x/y` (the shells
            # still complete file names: a value with no completions gets them).
            list[str] | None,
            Option(
                "--attach",
                "-a",
                metavar="PATH",
                rich_help_panel=INPUT_PANEL,
                help="Add a file (text, image, audio, video, PDF...), a Files API name or uri "
                "(files/ID), or an https:// URL (sent by reference); repeatable. A file over "
                "20 MiB is uploaded with the Files API first.",
            ),
            None,
        ),
        "no_upload": (
            bool,
            Option(
                "--no-upload",
                rich_help_panel=INPUT_PANEL,
                help="Refuse an --attach file too big to send inline instead of uploading it.",
            ),
            False,
        ),
    },
)

# research: the words are the question.
RESEARCH_INPUT = INPUT.with_argument(
    "words",
    "QUERY",
    "The question to research. Text piped on stdin comes first; '-' reads stdin explicitly.",
)
