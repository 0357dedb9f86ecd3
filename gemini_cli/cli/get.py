"""`gem get ID`: fetch an interaction and print it like `create` does."""

from gemini_cli.cli.answer_options import ANSWER, ANSWER_FORMATS, MEDIA, check_media
from gemini_cli.cli.command import ROOT, gem_command
from gemini_cli.cli.declare import Option
from gemini_cli.cli.options import USAGE_OPTION, DryRun, InteractionId
from gemini_cli.cli.prepare import dry_run
from gemini_cli.cli.runtime import Runtime
from gemini_cli.cli.tool_options import ToolOptions
from gemini_cli.render.options import AnswerOptions

HELP = """Fetch an interaction and print it; the exit code follows its status.

Examples:

\b
  gem get "$id" --json | jq .status
  gem get "$id" --include-input --format yaml
  gem get "$id" -f markdown --save media/ > report.md
"""


@gem_command(ROOT, "get", groups=(ANSWER, MEDIA), formats=ANSWER_FORMATS, help=HELP)
def get(
    run: Runtime,
    answer: AnswerOptions,
    tools: ToolOptions,
    interaction_id: InteractionId,
    include_input: bool = Option(
        False, "--include-input", help="Include the request input in the response."
    ),
    dry: DryRun = False,
    usage: bool = USAGE_OPTION,
) -> None:
    from gemini_cli.cli.turns import render_result

    check_media(run, tools)
    interaction_id = run.resolve_id(interaction_id)
    if dry:
        params = {"include_input": "true"} if include_input else {}
        dry_run(run, "GET", interaction_id, params={**params, "stream": "false"})
        return
    interaction = run.client().get(interaction_id, include_input=include_input)
    run.observed(interaction)
    render_result(run, interaction, tools, usage=usage, answer=answer)
