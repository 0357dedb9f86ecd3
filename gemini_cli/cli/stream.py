"""`gem stream`: create (or follow) an interaction and print its output live, resumably."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from gemini_cli.api.errors import (
    GemError,
    Interrupted,
    NetworkError,
    RateLimitError,
    ServerError,
    StreamError,
    UsageError,
)
from gemini_cli.cli.app import app
from gemini_cli.cli.options import INPUT, REQUEST
from gemini_cli.cli.prepare import dry_run, prepare_body
from gemini_cli.cli.runtime import Runtime, gem_command
from gemini_cli.cli.tool_options import TOOLS, ToolOptions
from gemini_cli.request.inputs import InputOptions, RequestOptions

if TYPE_CHECKING:  # pydantic stays out of start-up (`gem --help`, `--dry-run`)
    from gemini_cli.api.models import Interaction

HELP = """Create an interaction and print its output as it is generated.

Takes the same input and request flags as 'gem create'. Text appears the moment it arrives;
a dropped or stalled connection is re-attached without losing or repeating output.
--format ndjson prints every event as one JSON line; json and yaml print the final interaction.

Examples:

\b
  gem stream "Write a haiku about pipes"
  gem stream --thoughts --thinking-summaries "Why is the sky blue?"
  gem stream --format ndjson "Count to 10" | jq -c 'select(.event_type=="step.delta")'
  gem stream --attach "$id" --last-event-id "$event"    # re-attach (same as --follow)
"""

FORMATS = ("text", "ndjson", "json", "yaml", "id")
SERVER_FIELDS = ("status", "usage", "errors", "continuation_token", "updated")


@dataclass
class Plan:
    """What to stream: a new interaction (`body`) or an existing one (`interaction_id`)."""

    body: dict[str, Any] | None
    interaction_id: str | None
    last_event_id: str | None
    idle_timeout: float


@gem_command(app, "stream", formats=FORMATS, groups=(INPUT, REQUEST, TOOLS), help=HELP)
def stream(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    tools: ToolOptions,
    thoughts: bool = typer.Option(
        False, "--thoughts", help="Show thought summaries on stderr (with --thinking-summaries)."
    ),
    idle_timeout: float = typer.Option(
        60.0,
        "--idle-timeout",
        metavar="SECONDS",
        help="Re-attach when no data arrives for this long.",
    ),
    follow_id: str | None = typer.Option(
        None,
        "--follow",
        metavar="ID",
        help="Stream an existing interaction (e.g. a --background one) instead of creating one; "
        "'--attach ID' works too when ID is not a file.",
    ),
    last_event_id: str | None = typer.Option(
        None,
        "--last-event-id",
        metavar="EVENT_ID",
        help="With --follow: start after this event (from a Ctrl-C hint or NDJSON event_id).",
    ),
    cancel_on_interrupt: bool = typer.Option(
        False, "--cancel-on-interrupt", help="On Ctrl-C, cancel the interaction before exiting."
    ),
    usage: bool = typer.Option(False, "--usage", help="Print token usage on stderr."),
    dry: bool = typer.Option(
        False, "--dry-run", help="Print the request as JSON (key redacted); send nothing."
    ),
) -> None:
    plan = make_plan(run, inputs, request, follow_id, last_event_id, idle_timeout, tools)
    if dry:
        show_dry_run(run, plan)
        return
    from gemini_cli.cli.stream_turns import stream_turns
    from gemini_cli.render.live import make_sink
    from gemini_cli.render.output import fail_on_status, print_usage

    # --format id prints one id, the final one: at once only when no hop or round can follow.
    hops = plan.body is not None and (tools.run_tools or not tools.no_continue)
    sink = make_sink(run, thoughts, resumed=plan.last_event_id is not None, early_id=not hops)
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
) -> Plan:
    if not idle_timeout > 0:
        raise UsageError("--idle-timeout must be a positive number of seconds")
    if follow_id is None and attach_names_an_interaction(inputs):
        follow_id = str(inputs.attach.pop())
    if follow_id is None:
        if last_event_id:
            raise UsageError("--last-event-id needs --attach ID (or --follow ID)")
        if tools is not None:
            from gemini_cli.cli.turns import prepare_tool_body

            return Plan(
                prepare_tool_body(run, inputs, request, tools, command="stream"),
                None,
                None,
                idle_timeout,
            )
        return Plan(
            prepare_body(run, inputs, request, example='gem stream "Tell me a joke"'),
            None,
            None,
            idle_timeout,
        )
    if inputs.words or inputs.attach or request != RequestOptions():
        raise UsageError(
            "--follow streams an existing interaction: give no prompt, files or request flags"
        )
    return Plan(None, run.resolve_id(follow_id), last_event_id or None, idle_timeout)


def attach_names_an_interaction(inputs: InputOptions) -> bool:
    """`gem stream --attach ID`: a lone --attach that is no file, with no prompt, is an id.

    --attach adds files everywhere else (as in create); this keeps the spelling people use
    for re-attaching working too. --follow ID says the same without any guessing."""
    return len(inputs.attach) == 1 and not inputs.words and not inputs.attach[0].exists()


def show_dry_run(run: Runtime, plan: Plan) -> None:
    if plan.body is not None:
        dry_run(run, "POST", body={**plan.body, "stream": True}, stream=True)
        return
    assert plan.interaction_id is not None
    params = {"last_event_id": plan.last_event_id} if plan.last_event_id else {}
    dry_run(run, "GET", plan.interaction_id, params={**params, "stream": "true"}, stream=True)


def follow_and_print(run: Runtime, plan: Plan, sink: Any, cancel_on_interrupt: bool) -> Interaction:
    """Print the stream through `sink`; return the final interaction rebuilt from it."""
    from gemini_cli.api.events import InteractionAssembler
    from gemini_cli.api.streaming import follow

    assembler = InteractionAssembler()
    events = follow(
        run.client(),
        body=plan.body,
        interaction_id=plan.interaction_id,
        last_event_id=plan.last_event_id,
        idle_timeout=plan.idle_timeout,
        max_retries=run.settings.max_retries,
        clock=run.clock,
        on_garbage=_garbage_reporter(run),
        on_reconnect=_reconnect_reporter(run, sink),
    )
    try:
        consume(run, plan, events, assembler, sink)
        final = settle(run, events, assembler, resumed=plan.last_event_id is not None)
    except KeyboardInterrupt:
        sink.abort_line()
        raise interrupted(run, events, cancel_on_interrupt) from None
    except GemError as exc:
        sink.abort_line()
        if exc.interaction_id is None:
            exc.interaction_id = events.interaction_id  # e.g. stdout full: the work exists
        if isinstance(exc, TRANSIENT) and exc.hint is None and events.interaction_id:
            # In the message too, so --quiet keeps it (the hint is for --json).
            exc.hint = f"re-attach later with: {reattach_command(events)}"
            exc.message += f"; {exc.hint}"
        raise
    finally:
        events.close()
    with naming(final.id):
        if plan.last_event_id is None:  # seen from the start: print what deltas did not carry
            catch_up(run, sink, assembler, final)
        if events.done_early and run.format == "ndjson":
            run.warn(
                f"the stream ended before interaction.completed; the final state of "
                f"{final.id} was fetched with GET (gem get {final.id} shows it)"
            )
        if plan.body is not None:
            run.created(final, plan.body)  # refresh the row written at the start: final status
        else:
            run.observed(final)
        sink.finish(final)
    return final


@contextmanager
def naming(interaction_id: str | None) -> Iterator[None]:
    """An error past this point (e.g. stdout full) names the interaction: it exists."""
    try:
        yield
    except GemError as exc:
        if exc.interaction_id is None:
            exc.interaction_id = interaction_id
        raise


def settle(run: Runtime, events: Any, assembler: Any, resumed: bool = False) -> Interaction:
    """The final interaction: rebuilt from the events, completed by a GET if they stop short
    or started after an event (--last-event-id: what came before it was not seen)."""
    if events.interaction_id is None:
        raise NetworkError("the stream ended before the interaction id was known")
    final = rebuilt(assembler, events.interaction_id)
    if not events.done_early and not resumed:
        return final
    # [DONE] without interaction.completed, and re-attaching brought nothing new (e.g. --follow
    # from the last event, or a server cutting streams short): the stored interaction decides.
    from gemini_cli.api.models import Interaction
    from gemini_cli.api.waiting import is_done

    stored = run.client().get(events.interaction_id)
    if not is_done(stored.status):
        if not events.done_early:
            return final  # the stream saw the end; a lagging GET does not undo that
        raise NetworkError(
            f"the stream of interaction {events.interaction_id} ended before it finished "
            f"(it is still {stored.status or 'running'})",
            interaction_id=events.interaction_id,
        )
    server = stored.data
    data = {**final.data, **{key: server[key] for key in SERVER_FIELDS if key in server}}
    if resumed:  # what only the unseen events (e.g. interaction.created) carried
        data = {**{k: v for k, v in server.items() if k != "steps"}, **data}
    steps = output_steps(server.get("steps"))
    if steps or not data.get("steps"):
        data["steps"] = steps  # the stored output: complete, where the stream was not
    return Interaction.from_dict(data)


def output_steps(steps: Any) -> list[dict[str, Any]]:
    """A GET's steps minus the input (a streamed create, like a create, shows only output)."""
    steps = [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []
    inputs = [i for i, step in enumerate(steps) if step.get("type") == "user_input"]
    return steps[inputs[-1] + 1 :] if inputs else steps


def catch_up(run: Runtime, sink: Any, assembler: Any, final: Interaction) -> None:
    """Print the output text the text deltas did not carry (a stream cut short and completed by
    a GET, or a plain JSON answer), so the output matches an uninterrupted run."""
    printed, wanted = assembler.streamed_text, final.output_text
    if wanted.startswith(printed):
        if len(wanted) > len(printed):
            sink.catch_up(wanted[len(printed) :])
    elif run.format == "text":
        run.warn(
            f"the stream ended early and the stored output of {final.id} differs from "
            f"what was printed; see: gem get {final.id}"
        )


def consume(run: Runtime, plan: Plan, events: Any, assembler: Any, sink: Any) -> None:
    """Feed every event to the assembler and the sink; an `error` event ends with exit 1."""
    announced = plan.body is None  # --follow: the id is known before any event
    if announced:
        sink.on_id(events.interaction_id)
    for event in events:
        assembler.add(event)
        if not announced and events.interaction_id:
            announced = True
            # Recorded now, so `last` works even after a Ctrl-C.
            run.created(rebuilt(assembler, events.interaction_id), plan.body)
            sink.on_id(events.interaction_id)
        sink.on_event(event, events.last_data)
    if assembler.error is not None:
        raise stream_error(assembler.error, events.interaction_id)


def rebuilt(assembler: Any, interaction_id: str | None) -> Interaction:
    data = assembler.interaction()
    if interaction_id and not data.get("id"):
        data = {"id": interaction_id, **data}  # an attach after the created event lacks it
    from gemini_cli.api.models import Interaction

    return Interaction.from_dict(data)


def stream_error(error: dict[str, Any], interaction_id: str | None) -> StreamError:
    message = str(error.get("message") or "").strip() or "the stream reported an error"
    code = error.get("code")
    if code:
        message += f" ({code})"
    return StreamError(message, interaction_id=interaction_id)


def interrupted(run: Runtime, events: Any, cancel: bool) -> Interrupted:
    """The Ctrl-C outcome: how to re-attach (or the cancel), as an exit-130 error."""
    ident = events.interaction_id
    if ident is None:
        return Interrupted("interrupted before the interaction id was known")
    if cancel:
        try:
            run.observed(run.client().cancel(ident))
            return Interrupted(f"interrupted; cancelled interaction {ident}", interaction_id=ident)
        except GemError as exc:
            run.warn(f"could not cancel interaction {ident}: {exc.message}")
    reattach = f"re-attach with: {reattach_command(events)}"
    return Interrupted(f"interrupted; {reattach}", interaction_id=ident, hint=reattach)


TRANSIENT = (NetworkError, ServerError, RateLimitError)


def reattach_command(events: Any) -> str:
    words = ["gem", "stream", "--attach", events.interaction_id]
    if events.last_event_id:
        words += ["--last-event-id", events.last_event_id]
    return shlex.join(words)


def _garbage_reporter(run: Runtime) -> Any:
    def report(line: str) -> None:
        # Non-SSE bytes (e.g. an error array appended by a proxy) are noise unless debugging.
        if run.debug:
            run.trace(f"gem: ignored non-SSE data on the stream: {line[:500]}")

    return report


def _reconnect_reporter(run: Runtime, sink: Any) -> Any:
    limit = run.settings.max_retries

    def report(attempt: int, delay: float, reason: str) -> None:
        if run.chatty:
            sink.before_notice()
        run.warn(f"{reason}; re-attaching in {delay:.1f}s (attempt {attempt} of {limit})")

    return report
