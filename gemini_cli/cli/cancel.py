"""`gem cancel ID`: stop a running background interaction."""

from gemini_cli.cli.command import ROOT, gem_command
from gemini_cli.cli.options import DryRun, InteractionId
from gemini_cli.cli.prepare import dry_run
from gemini_cli.cli.runtime import Runtime

HELP = """Cancel a running background interaction; exit 0 when the API accepted it.

Prints the interaction's id (text), or the interaction the API returned (json, yaml).

Examples:

\b
  gem cancel "$id"
  gem cancel "$id" --json | jq -r .status
"""


@gem_command(ROOT, "cancel", help=HELP)
def cancel(
    run: Runtime,
    interaction_id: InteractionId,
    dry: DryRun = False,
) -> None:
    from gemini_cli.render.output import print_json, print_yaml

    interaction_id = run.resolve_id(interaction_id)
    if dry:
        dry_run(run, "POST", interaction_id, "cancel")
        return
    interaction = run.client().cancel(interaction_id)
    if run.format == "json":
        print_json(run, interaction.data, interaction.raw)
    elif run.format == "yaml":
        print_yaml(run, interaction.data)
    else:
        run.io.out(interaction.id or interaction_id, "\n")
        run.info(f"gem: {interaction.id or interaction_id}: {interaction.status or 'cancelled'}")
