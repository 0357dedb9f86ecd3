"""`gem delete ID`: remove a stored interaction."""

import json

import typer

from gemini_cli.cli.app import app
from gemini_cli.cli.prepare import dry_run
from gemini_cli.cli.runtime import Runtime, gem_command

HELP = """Delete a stored interaction; exit 0 when the API accepted it.

Prints the deleted id (text, id) or the API's JSON answer (json).

Examples:

\b
  gem delete "$id"
  gem history --format json | jq -r '.[].id' | xargs -n1 gem delete
"""


@gem_command(app, "delete", help=HELP)
def delete(
    run: Runtime,
    interaction_id: str = typer.Argument(..., metavar="ID", help="The interaction id."),
    dry: bool = typer.Option(False, "--dry-run", help="Print the request; send nothing."),
) -> None:
    interaction_id = run.resolve_id(interaction_id)
    if dry:
        dry_run(run, "DELETE", interaction_id)
        return
    raw = run.client().delete(interaction_id)
    if run.format in ("json", "yaml"):
        try:
            data = json.loads(raw) if raw.strip() else {}
        except ValueError:
            data = {}
        from gemini_cli.render.output import print_json, print_yaml

        (print_json if run.format == "json" else print_yaml)(run, data, *(
            [raw] if run.format == "json" and raw.strip() else []))
    else:
        run.io.out(interaction_id, "\n")
