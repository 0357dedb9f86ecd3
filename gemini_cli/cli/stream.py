"""`gem stream`: create (or follow) an interaction and print its output live, resumably."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from gemini_cli.cli.command import ROOT, gem_command
from gemini_cli.cli.declare import Option
from gemini_cli.cli.options import DRY_RUN_OPTION, INPUT, REQUEST, USAGE_OPTION
from gemini_cli.cli.prepare import PreparedRequest, dry_run, prepare_body, prepare_request
from gemini_cli.cli.runtime import Runtime
from gemini_cli.cli.tool_options import TOOLS, ToolOptions
from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.request.body import RequestOptions
from gemini_cli.request.inputs import InputOptions

HELP = """Create an interaction and print its output as it is generated.

Takes the same input and request flags as 'gem create'. Text appears the moment it arrives;
a dropped or stalled connection is re-attached without losing or repeating output.
--format ndjson prints every event as one JSON line; json and yaml print the final interaction.

Examples:

\b
  gem stream "Write a haiku about pipes"
  gem stream --thoughts "Why is the sky blue?"
  gem stream --format ndjson "Count to 10" | jq -c 'select(.event_type=="step.delta")'
  id=$(gem create --background --format id "Write a long essay")
  gem stream --follow "$id" > essay.md    # re-attach (or --attach ID)
"""

FORMATS = ("text", "ndjson", "json", "yaml", "id", "markdown")


THOUGHTS_OPTION = Option(
    False, "--thoughts", help="Show thought summaries on stderr (asks for them)."
)
SOURCES_OPTION = Option(
    None,
    "--sources/--no-sources",
    show_default=False,
    help="List the answer's sources after it [default: on for agents' answers].",
)
IDLE_TIMEOUT_OPTION = Option(
    60.0,
    "--idle-timeout",
    metavar="SECONDS",
    help="Re-attach when no data arrives for this long.",
)
FOLLOW_OPTION = Option(
    None,
    "--follow",
    metavar="ID",
    help="Stream an existing interaction (e.g. a --background one) instead of creating one; "
    "'--attach ID' works too when ID is not a file.",
)
LAST_EVENT_ID_OPTION = Option(
    None,
    "--last-event-id",
    metavar="EVENT_ID",
    help="With --follow: start after this event (from a Ctrl-C hint or NDJSON event_id).",
)
CANCEL_ON_INTERRUPT_OPTION = Option(
    False, "--cancel-on-interrupt", help="On Ctrl-C, cancel the interaction before exiting."
)


@dataclass(frozen=True)
class Plan:
    """What to stream: a new interaction (`body`) or an existing one (`interaction_id`)."""

    body: JSONObject | None
    interaction_id: str | None
    last_event_id: str | None
    idle_timeout: float
    # Whether the rebuilt interaction needs the text (json/yaml, the JSON check, tool rounds);
    # text output printed it already, and keeping 100 MB of it would only cost memory.
    keep_text: bool = True
    prepared: PreparedRequest | None = None  # a new request's tool commands and JSON check


@gem_command(ROOT, "stream", formats=FORMATS, groups=(INPUT, REQUEST, TOOLS), help=HELP)
def stream(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    tools: ToolOptions,
    thoughts: bool = THOUGHTS_OPTION,
    sources: bool | None = SOURCES_OPTION,
    idle_timeout: float = IDLE_TIMEOUT_OPTION,
    follow_id: str | None = FOLLOW_OPTION,
    last_event_id: str | None = LAST_EVENT_ID_OPTION,
    cancel_on_interrupt: bool = CANCEL_ON_INTERRUPT_OPTION,
    usage: bool = USAGE_OPTION,
    dry: bool = DRY_RUN_OPTION,
) -> None:
    plan = make_plan(run, inputs, request, follow_id, last_event_id, idle_timeout, tools, dry)
    expect_json = plan.prepared is not None and plan.prepared.expect_json
    keep_text = run.format in ("json", "yaml", "markdown") or tools.run_tools or expect_json
    if thoughts and plan.body is not None:
        from gemini_cli.cli.turns import ask_for_thoughts

        ask_for_thoughts(plan.body)
    plan = dataclasses.replace(plan, keep_text=keep_text)
    if dry:
        show_dry_run(run, plan)
        return
    from gemini_cli.cli.stream_turns import stream_turns
    from gemini_cli.render.live import make_sink
    from gemini_cli.render.output import fail_on_status, print_usage

    # --format id prints one id, the final one: at once only when no hop or round can follow.
    hops = plan.body is not None and (tools.run_tools or not tools.no_continue)
    resumed = plan.last_event_id is not None
    sink = make_sink(run, thoughts, resumed=resumed, early_id=not hops, sources=sources)
    final = stream_turns(run, plan, tools, sink, cancel_on_interrupt)
    if usage:
        print_usage(run, final.data.get("usage"))
    fail_on_status(run, final)


def make_plan(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    follow_id: str | None,
    last_event_id: str | None,
    idle_timeout: float,
    tools: ToolOptions | None = None,
    dry: bool = False,
) -> Plan:
    if not idle_timeout > 0:
        raise UsageError("--idle-timeout must be a positive number of seconds")
    if follow_id is None and attach_names_an_interaction(inputs, stdin_offers_input(run, inputs)):
        follow_id = str(inputs.attach[-1])
        inputs = dataclasses.replace(inputs, attach=inputs.attach[:-1])
    if follow_id is None:
        if last_event_id:
            raise UsageError("--last-event-id needs --attach ID (or --follow ID)")
        if tools is not None:
            prepared = prepare_request(run, inputs, request, tools, command="stream", dry=dry)
            return Plan(prepared.body, None, None, idle_timeout, prepared=prepared)
        return Plan(
            prepare_body(run, inputs, request, example='gem stream "Tell me a joke"', dry=dry)[0],
            None,
            None,
            idle_timeout,
        )
    if inputs.words or inputs.attach or request != RequestOptions():
        raise UsageError(
            "--follow streams an existing interaction: give no prompt, files or request flags"
        )
    return Plan(None, run.resolve_id(follow_id), last_event_id or None, idle_timeout)


def attach_names_an_interaction(inputs: InputOptions, stdin_given: bool = False) -> bool:
    """`gem stream --attach ID`: a lone --attach that is no file, with no prompt and nothing
    piped in, is an id.

    --attach adds files everywhere else (as in create); this keeps the spelling people use
    for re-attaching working too. --follow ID says the same without any guessing. A value
    that looks like a file name (an extension, a slash) is a file: a typo in it must say "no
    such file" (exit 2), not send a GET for an interaction called `notez.md`."""
    if len(inputs.attach) != 1 or inputs.words or stdin_given or Path(inputs.attach[0]).exists():
        return False
    name = inputs.attach[0]
    return "/" not in name and not Path(name).suffix


def stdin_offers_input(run: Runtime, inputs: InputOptions) -> bool:
    """stdin is a pipe or a non-empty file that gem would read (`echo hi | gem stream -a X`):
    then -a X is a file to send with it, never an id. /dev/null, a terminal or --no-stdin
    offer nothing."""
    import os
    import stat

    stdin = run.io.stdin
    if inputs.no_stdin or stdin is None or run.io.stdin_isatty:
        return False
    try:
        mode = os.fstat(stdin.fileno()).st_mode
        size = os.fstat(stdin.fileno()).st_size
    except (AttributeError, OSError, ValueError):  # not a real file descriptor
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or (stat.S_ISREG(mode) and size > 0)


def show_dry_run(run: Runtime, plan: Plan) -> None:
    if plan.body is not None:
        dry_run(run, "POST", body={**plan.body, "stream": True}, stream=True)
        return
    assert plan.interaction_id is not None
    params = {"last_event_id": plan.last_event_id} if plan.last_event_id else {}
    dry_run(run, "GET", plan.interaction_id, params={**params, "stream": "true"}, stream=True)
