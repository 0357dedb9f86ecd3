"""`gem history`: what gem created, newest first, from the local SQLite history."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import typer

from gemini_cli.cli.app import app
from gemini_cli.cli.command import gem_command
from gemini_cli.cli.runtime import Runtime
from gemini_cli.core.errors import UsageError

if TYPE_CHECKING:
    from gemini_cli.history.rows import Entry

HELP = """List the interactions gem created on the current back-end, newest first.

The history lives in $XDG_STATE_HOME/gem/history.sqlite3; runs with --no-log or GEM_NO_LOG=1
are not recorded. Each row belongs to the base URL it was created on (see --base-url): the
list, 'last' and -c use the rows of the back-end in use, so an emulator id never goes to the
real API. Interactions 'gem delete' removed are hidden (--all shows them, as deleted).
Text is an aligned table on a terminal, fitted to its width, and tab-separated rows without a
header when piped (ID is the second column, the prompt the last).

Examples:

\b
  gem history --limit 5
  gem history | cut -f2 | head -1          # the newest id (same as 'gem get last')
  gem history --json | jq -r '.[] | select(.status == "failed") | .id'
  gem history --format id | xargs -r -n1 gem get --format json > all.jsonl
  gem history --all --all-backends -f yaml
"""

HEADERS = ("CREATED", "ID", "MODEL", "STATUS", "TOKENS", "PROMPT")
MIN_PROMPT = 10
PROMPT_GOAL = 30
MIN_SHOWN = 4  # less room than this: no PROMPT column at all


@gem_command(
    app,
    "history",
    formats=("text", "json", "yaml", "id"),
    help=HELP,
    omit=("api_version", "timeout", "max_retries", "no_log"),  # --base-url picks the back-end
)
def history(
    run: Runtime,
    limit: int = typer.Option(
        20, "--limit", "-n", metavar="N", help="Show the newest N (0 for all)."
    ),
    show_all: bool = typer.Option(
        False, "--all", help="Include interactions 'gem delete' removed (status deleted)."
    ),
    all_backends: bool = typer.Option(
        False,
        "--all-backends",
        help="Rows of every base URL (emulator and real API alike), not only the current one.",
    ),
) -> None:
    from gemini_cli.history.store import ANY_BACKEND, read_entries

    if limit < 0:  # checked here, not by Typer: a range would import pydantic to parse it
        raise UsageError("--limit must be 0 or more")
    backend = ANY_BACKEND if all_backends else run.settings.base_url
    rows = read_entries(limit, backend, deleted=show_all)
    if run.format in ("json", "yaml"):
        _print_data(run, [row.to_dict() for row in rows])
    elif run.format == "id":
        run.io.out("".join(f"{row.id}\n" for row in rows))
    elif not run.io.stdout_isatty:
        run.io.out(_tab_separated(rows))
    elif rows:
        run.io.out(fitted(_cells(rows, all_backends), _headers(all_backends), _width()))
    else:
        run.info(_nothing_here(all_backends, show_all))


def _nothing_here(all_backends: bool, show_all: bool) -> str:
    """The empty list's note on a terminal: the rows of other back-ends are not lost."""
    from gemini_cli.history.store import ANY_BACKEND, read_entries

    if all_backends:
        return "no interactions recorded yet"
    elsewhere = len(read_entries(0, ANY_BACKEND, deleted=show_all))
    if not elsewhere:
        return "no interactions recorded yet"
    return (
        f"no interactions recorded on this back-end ({elsewhere} on other back-ends: "
        "see 'gem history --all-backends')"
    )


def _print_data(run: Runtime, data: list[dict[str, object]]) -> None:
    if run.format == "yaml":
        from gemini_cli.render.output import print_yaml

        print_yaml(run, data)
    else:
        run.io.out(json.dumps(data, indent=2, ensure_ascii=False), "\n")


def _status(row: Entry) -> str | None:
    return "deleted" if row.deleted else row.status


def _tab_separated(rows: list[Entry]) -> str:
    from gemini_cli.render.table import tab_separated

    return tab_separated(
        [(r.created, r.id, r.model or r.agent, _status(r), r.total_tokens, r.prompt) for r in rows]
    )


def _headers(all_backends: bool) -> tuple[str, ...]:
    return (*HEADERS[:-1], "BASE URL", HEADERS[-1]) if all_backends else HEADERS


def _cells(rows: list[Entry], all_backends: bool) -> list[list[str]]:
    from gemini_cli.render.table import clean

    cells = []
    for r in rows:
        row = [r.created, r.id, r.model or r.agent, _status(r), r.total_tokens]
        row += [r.base_url or "(unknown)"] if all_backends else []
        cells.append([clean(value) for value in (*row, r.prompt)])
    return cells


def _width() -> int:
    return shutil.get_terminal_size().columns


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…" if limit > 1 else ""


def _short_time(cell: str) -> str:
    """`2026-11-30T05:40:12Z` as `11-30 05:40` (UTC, like the full form)."""
    return f"{cell[5:10]} {cell[11:16]}" if len(cell) >= 16 and cell[10:11] == "T" else cell


# Each step makes the table narrower, gentlest first: (column, new cell or None to drop it,
# the room for the prompt below which it is taken). The ID is never cut (it is what gets
# copied); the prompt keeps PROMPT_GOAL characters before the time and the model go.
NARROWING: tuple[tuple[str, Callable[[str], str] | None, int], ...] = (
    ("CREATED", _short_time, PROMPT_GOAL),
    ("MODEL", lambda cell: _shorten(cell, 20), PROMPT_GOAL),
    ("TOKENS", None, PROMPT_GOAL),
    ("BASE URL", lambda cell: _shorten(cell, 24), PROMPT_GOAL),
    ("MODEL", lambda cell: _shorten(cell, 12), PROMPT_GOAL),
    ("CREATED", None, MIN_PROMPT),
    ("MODEL", None, MIN_PROMPT),
)


def _room(table: list[list[str]], width: int) -> int:
    """What is left for the last column (the prompt) after the others and their gaps."""
    columns = len(table[0]) - 1
    return width - sum(max(len(row[i]) for row in table) + 2 for i in range(columns))


def _narrowed(
    table: list[list[str]], column: str, change: Callable[[str], str] | None
) -> list[list[str]]:
    if column not in table[0]:
        return table
    at = table[0].index(column)
    if change is None:
        return [[*row[:at], *row[at + 1 :]] for row in table]
    return [table[0], *([*row[:at], change(row[at]), *row[at + 1 :]] for row in table[1:])]


def fitted(cells: list[list[str]], headers: Sequence[str], width: int) -> str:
    """An aligned table no wider than `width` (when the ids allow it): the time, model and
    token columns shrink first, then the prompt is truncated (or left out: no room at all)."""
    from gemini_cli.render.table import aligned

    table = [list(headers), *cells]
    longest = max(len(row[-1]) for row in table[1:])
    for column, change, goal in NARROWING:
        if _room(table, width) < min(goal, longest):
            table = _narrowed(table, column, change)
    room = _room(table, width)
    if room < MIN_SHOWN:
        return aligned([row[:-1] for row in table[1:]], table[0][:-1])
    return aligned([[*row[:-1], _shorten(row[-1], room)] for row in table[1:]], table[0])
