"""`gem create`: one interaction from arguments, stdin and files."""

import typer

from gemini_cli.cli.app import app
from gemini_cli.cli.options import INPUT, REQUEST
from gemini_cli.cli.prepare import dry_run
from gemini_cli.cli.runtime import Runtime, gem_command
from gemini_cli.cli.tool_options import TOOLS, ToolOptions
from gemini_cli.request.inputs import InputOptions, RequestOptions

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
    app,
    "create",
    groups=(INPUT, REQUEST, TOOLS),
    help=HELP,
    formats=("text", "json", "yaml", "id", "paths"),
)
def create(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    tools: ToolOptions,
    dry: bool = typer.Option(
        False, "--dry-run", help="Print the request as JSON (key redacted); send nothing."
    ),
    usage: bool = typer.Option(False, "--usage", help="Print token usage on stderr."),
) -> None:
    from gemini_cli.cli.turns import execute, prepare_tool_body, render_result

    body = prepare_tool_body(run, inputs, request, tools)
    if dry:
        dry_run(run, "POST", body=body)
        return
    interaction = execute(run, body, tools)
    render_result(run, interaction, tools, usage=usage)
