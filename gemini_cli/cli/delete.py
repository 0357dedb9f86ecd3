"""`gem delete ID`: remove a stored interaction."""

import json
from typing import Any

from gemini_cli.cli.command import ROOT, gem_command
from gemini_cli.cli.options import DryRun, InteractionId
from gemini_cli.cli.prepare import dry_run
from gemini_cli.cli.runtime import Runtime

HELP = """Delete a stored interaction; exit 0 when the API accepted it.

Prints the deleted id (text, id) or the API's JSON answer (json, yaml). The id's row in
'gem history' is marked deleted (also when the API says it no longer exists): 'last' and -c
skip it, and 'gem history' hides it (--all shows it).

Examples:

\b
  gem delete "$id"
  gem create "A throw-away question" > /dev/null; gem delete last
  gem history --json | jq -r '.[] | select(.stored) | .id' | xargs -r -n1 gem delete
"""


@gem_command(ROOT, "delete", help=HELP)
def delete(
    run: Runtime,
    interaction_id: InteractionId,
    dry: DryRun = False,
) -> None:
    interaction_id = run.resolve_id(interaction_id)
    if dry:
        dry_run(run, "DELETE", interaction_id)
        return
    from gemini_cli.api.errors import NotFoundError

    try:
        raw = run.client().delete(interaction_id)
    except NotFoundError:  # gone already: the history must stop offering it
        forget(run, interaction_id)
        raise
    forget(run, interaction_id)
    if run.format in ("json", "yaml"):
        print_answer(run, raw)
    else:
        run.io.out(interaction_id, "\n")


def forget(run: Runtime, interaction_id: str) -> None:
    """Mark the history row of this back-end deleted; a failure is only a warning."""
    from gemini_cli.history import store

    try:
        store.mark_deleted(interaction_id, run.settings.base_url)
    except Exception as exc:  # noqa: BLE001 - the delete itself is done
        run.warn(store.write_failure(exc))


def print_answer(run: Runtime, raw: str) -> None:
    """The API's answer to a delete (usually `{}`): an empty body (204) shows as `{}`; a body
    that is not JSON is printed as it came (never a made-up `{}`)."""
    from gemini_cli.render.output import print_json, print_yaml

    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except ValueError:
            run.io.out(raw if raw.endswith("\n") else raw + "\n")
            return
    if run.format == "yaml":
        print_yaml(run, data)
    else:
        print_json(run, data, raw if raw.strip() else None)
