"""`gem history`: what gem created, newest first, from the local SQLite history."""

import json
import shutil

import typer

from gemini_cli.api.errors import UsageError
from gemini_cli.cli.app import app
from gemini_cli.cli.runtime import Runtime, gem_command

HELP = """List the interactions gem created, newest first.

The history lives in $XDG_STATE_HOME/gem/history.sqlite3 (see 'gem config path'); runs with
--no-log or GEM_NO_LOG=1 are not recorded. Text is an aligned table on a terminal and
tab-separated rows without a header when piped (ID is the second column).

Examples:

\b
  gem history --limit 5
  gem history | cut -f2 | head -1          # the newest id (same as 'gem get last')
  gem history --json | jq -r '.[] | select(.status == "failed") | .id'
  gem history --format id | xargs -n1 gem get --format json > all.jsonl
"""

HEADERS = ("CREATED", "ID", "MODEL", "STATUS", "TOKENS", "PROMPT")


@gem_command(app, "history", formats=("text", "json", "id"), help=HELP)
def history(
    run: Runtime,
    limit: int = typer.Option(
        20, "--limit", "-n", metavar="N", help="Show the newest N (0 for all)."
    ),
) -> None:
    from gemini_cli.history.store import read_entries

    if limit < 0:  # checked here, not by Typer: a range would import pydantic to parse it
        raise UsageError("--limit must be 0 or more")
    rows = read_entries(limit)
    if run.format == "json":
        run.io.out(json.dumps([row.to_dict() for row in rows], indent=2, ensure_ascii=False), "\n")
    elif run.format == "id":
        run.io.out("".join(f"{row.id}\n" for row in rows))
    elif rows or not run.io.stdout_isatty:
        run.io.out(_table(run, rows))
    else:
        run.info("no interactions recorded yet")


def _table(run: Runtime, rows: list) -> str:
    from gemini_cli.render.table import aligned, tab_separated

    cells = [
        (r.created, r.id, r.model or r.agent, r.status, r.total_tokens, r.prompt) for r in rows
    ]
    if not run.io.stdout_isatty:
        return tab_separated(cells)
    return aligned(cells, HEADERS, shutil.get_terminal_size().columns)
