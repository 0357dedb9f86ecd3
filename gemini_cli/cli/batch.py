"""`gem batch [run] FILE`, `gem batch submit FILE`, `gem batch collect JOURNAL`: many requests."""

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from gemini_cli.batch.options import BatchOptions
from gemini_cli.cli.app import app
from gemini_cli.cli.command import gem_command
from gemini_cli.cli.option_group import OptionGroup
from gemini_cli.cli.options import REQUEST
from gemini_cli.cli.runtime import Runtime
from gemini_cli.cli.tool_options import TOOLS, ToolOptions
from gemini_cli.request.body import RequestOptions

BATCH_PANEL = "Batch"
FORMATS = ("jsonl", "json")
# Flags that make no sense per item in a batch (local tool runs, media files, --result).
_NOT_PER_ITEM = ("run_tools", "max_steps", "tool_timeout", "results", "save", "output")
BATCH_TOOLS = TOOLS.without(*_NOT_PER_ITEM).with_help(
    "functions",
    "Declare function NAME (repeatable). A batch runs no local commands: COMMAND is not run, "
    "and an item whose model calls NAME ends requires_action (exit 9 for that item).",
)
# Each item has its own deadline (a worker's client and wait); the batch as a whole has none.
BATCH_TIMEOUT = {
    "timeout": "Deadline for each item: its request, retries and (background) wait, not the "
    "whole batch (default 600) [env: GEM_TIMEOUT].",
}
# --background means something else for a batch: submit everything, then collect.
BATCH_REQUEST = OptionGroup(
    REQUEST.name,
    REQUEST.factory,
    {
        **REQUEST.options,
        "background": (
            bool,
            typer.Option(
                "--background",
                rich_help_panel=BATCH_PANEL,
                help="Create every item as a background interaction first, then collect them.",
            ),
            False,
        ),
    },
)


class BatchGroup(TyperGroup):
    """`gem batch FILE` is short for `gem batch run FILE`; so is `... | gem batch`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        elif not args and not _stdin_is_terminal(ctx):
            args = ["run"]
        return super().parse_args(ctx, args)


def _stdin_is_terminal(ctx: Any) -> bool:
    import sys

    tty = ctx.obj.get("tty") if isinstance(ctx.obj, dict) else None
    if isinstance(tty, dict) and "stdin_isatty" in tty:
        return bool(tty["stdin_isatty"])
    try:
        return sys.stdin is None or sys.stdin.isatty()
    except (AttributeError, ValueError):
        return True


batch_app = typer.Typer(
    name="batch",
    cls=BatchGroup,
    help="Run many requests from a JSON Lines file: one output line per item, resumable.\n\n"
    "`gem batch FILE` is short for `gem batch run FILE`. See docs/batch.md.\n\n"
    "Examples:\n\n\b\n"
    '  printf \'%s\\n\' \'"Tell me a joke"\' \'{"key": "b", "prompt": "Hi"}\' | gem batch -\n'
    "  gem batch prompts.jsonl -j 16 --journal run.db > answers.jsonl",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(batch_app, name="batch")


def _opt(*names: str, **kw: Any) -> Any:
    return typer.Option(*names, rich_help_panel=BATCH_PANEL, **kw)


# The batch flags: one BatchOptions per run (submit and collect take a part of them).
BATCH = OptionGroup(
    "batch",
    BatchOptions,
    {
        "source": (
            str,
            typer.Argument(
                metavar="[FILE|-]",
                show_default=False,
                help="JSON Lines: a prompt string or an object per line ('-', the default: stdin).",
            ),
            "-",
        ),
        "jobs": (
            int,
            _opt("--jobs", "-j", metavar="N", help="Requests in flight at once (1-256)."),
            4,
        ),
        "rpm": (
            float | None,
            _opt("--rpm", metavar="N", help="At most N requests per minute."),
            None,
        ),
        "tpm": (
            float | None,
            _opt(
                "--tpm",
                metavar="N",
                help="At most N tokens per minute (counted as answers arrive).",
            ),
            None,
        ),
        "unordered": (
            bool,
            _opt("--unordered", help="Print each item as it finishes (default: input order)."),
            False,
        ),
        "journal": (
            Path | None,
            _opt("--journal", metavar="PATH", help="SQLite journal: a rerun skips what finished."),
            None,
        ),
        "retry_failed": (
            bool,
            _opt("--retry-failed", help="With --journal: send the items that failed again."),
            False,
        ),
        "strict": (
            bool,
            _opt(
                "--strict", help="Stop at the first invalid line (exit 2) instead of skipping it."
            ),
            False,
        ),
        "shard": (
            str | None,
            _opt(
                "--shard",
                metavar="K/N|auto",
                help="Take only shard K of N (by key hash); auto: a Kubernetes Indexed Job.",
            ),
            None,
        ),
    },
)


RUN_HELP = """Send every item of a JSON Lines file and print one JSON line per item.

A line is a prompt ("Tell me a joke") or an object: {"key", "prompt", "attach", "model",
"system", "schema", "set", ... or a whole "body"}. The request flags are the defaults of every
item. Each output line: key, status, exit_code, text (the parsed object with --schema), id,
usage, error; --format json puts the whole interaction in it. Exit 0 when every item
succeeded, 10 when some failed (their lines say how), 130/143 when stopped (resume with the
same command and --journal).

Examples:

\b
  printf '%s\\n' '"Tell me a joke"' '{"key": "b", "prompt": "Hi"}' | gem batch run -
  gem batch run prompts.jsonl -j 16 --rpm 600 --journal run.db > answers.jsonl
  gem batch run prompts.jsonl --schema 'label str, urgent bool' --shard 2/4
"""


@gem_command(
    batch_app,
    "run",
    groups=(BATCH, BATCH_REQUEST, BATCH_TOOLS),
    help=RUN_HELP,
    formats=FORMATS,
    global_help=BATCH_TIMEOUT,
)
def run_(run: Runtime, batch: BatchOptions, request: RequestOptions, tools: ToolOptions) -> None:
    from gemini_cli.batch.commands import run_batch

    run_batch(run, batch, request, tools)


SUBMIT_HELP = """Create every item as a background interaction; the journal keeps the ids.

Prints only the items that could not be submitted (and invalid lines); `gem batch collect
JOURNAL` prints the rest later, from another job or another day.

Examples:

\b
  gem batch submit prompts.jsonl --journal run.db
  gem batch collect run.db > answers.jsonl
"""


@gem_command(
    batch_app,
    "submit",
    groups=(BATCH.without("tpm", "unordered"), REQUEST.without("background"), BATCH_TOOLS),
    help=SUBMIT_HELP,
    formats=FORMATS,
    global_help=BATCH_TIMEOUT,
)
def submit(run: Runtime, batch: BatchOptions, request: RequestOptions, tools: ToolOptions) -> None:
    from gemini_cli.batch.commands import run_batch

    run_batch(run, batch, request, tools, submit_only=True)


COLLECT_HELP = """Wait for the items `gem batch submit` created and print one line per item.

Items still running at the --timeout deadline stay in the journal (exit 8): run collect again.

Examples:

\b
  gem batch submit prompts.jsonl --journal run.db
  gem batch collect run.db --unordered --timeout 3600 | jq -r .text
"""


COLLECT = BATCH.without("source", "tpm", "journal", "retry_failed", "strict", "shard")


@gem_command(
    batch_app,
    "collect",
    groups=(COLLECT,),
    help=COLLECT_HELP,
    formats=FORMATS,
    global_help=BATCH_TIMEOUT,
)
def collect(
    run: Runtime,
    batch: BatchOptions,
    journal: Path = typer.Argument(..., metavar="JOURNAL", help="The journal of a submit."),
) -> None:
    from gemini_cli.batch.commands import collect_batch

    collect_batch(run, journal, batch)
