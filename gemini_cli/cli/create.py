"""`gem create`: one interaction from arguments, stdin and files."""

from gemini_cli.cli.answer_options import ANSWER
from gemini_cli.cli.command import ROOT, gem_command
from gemini_cli.cli.options import DRY_RUN_OPTION, INPUT, REQUEST, USAGE_OPTION
from gemini_cli.cli.prepare import dry_run, prepare_request
from gemini_cli.cli.runtime import Runtime
from gemini_cli.cli.tool_options import TOOLS, ToolOptions
from gemini_cli.render.options import AnswerOptions
from gemini_cli.request.body import RequestOptions
from gemini_cli.request.inputs import InputOptions

HELP = """Create an interaction and print its output.

The input is stdin (when it is a pipe or a file), then --attach files, then the PROMPT words.
Text becomes a text block; recognised binary (PNG, JPEG, PDF, WAV, MP3, MP4...) a media block.

Examples:

\b
  gem create "Tell me a joke"
  cat report.md | gem create -m gemini-3-flash-preview "Summarise this" > summary.txt
  gem create -a chart.png "What does this chart show?"
  gem create --background --format id "Write a long essay" | gem poll -
  gem create --dry-run --set generation_config.seed=7 "Hi"
  gem create --function 'get_weather=./weather.py' --function-schema get_weather=w.json \\
      --run-tools "Weather in Paris?"
  gem create --schema 'name str, age int' "Invent a person" | jq .name
  gem create --response-format image --save out/ "A red bicycle"
"""


@gem_command(
    ROOT,
    "create",
    groups=(INPUT, REQUEST, TOOLS, ANSWER),
    help=HELP,
    formats=("text", "json", "yaml", "id", "markdown", "paths"),
)
def create(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    tools: ToolOptions,
    answer: AnswerOptions,
    dry: bool = DRY_RUN_OPTION,
    usage: bool = USAGE_OPTION,
) -> None:
    prepared = prepare_request(run, inputs, request, tools, dry=dry)
    if answer.thoughts:
        from gemini_cli.cli.turns import ask_for_thoughts

        ask_for_thoughts(prepared.body)
    if dry:
        dry_run(run, "POST", body=prepared.body)
        return
    from gemini_cli.cli.turns import execute, render_result  # not for --dry-run

    interaction = execute(run, prepared, tools)
    render_result(
        run, interaction, tools, expect_json=prepared.expect_json, usage=usage, answer=answer
    )
