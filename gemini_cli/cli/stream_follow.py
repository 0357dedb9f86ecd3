"""Printing one stream through a sink: follow it, settle the result, say how to resume."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from gemini_cli.api.errors import TRANSIENT_ERRORS, NetworkError, StreamError
from gemini_cli.core.errors import GemError, Interrupted
from gemini_cli.core.jsontypes import JSONObject

if TYPE_CHECKING:  # pydantic stays out of start-up (`gem --help`, `--dry-run`)
    from gemini_cli.api.assembler import InteractionAssembler
    from gemini_cli.api.deadline import Deadline
    from gemini_cli.api.models import Interaction
    from gemini_cli.api.streaming import Follow
    from gemini_cli.cli.runtime import Runtime
    from gemini_cli.cli.stream import Plan
    from gemini_cli.render.live import Sink

SERVER_FIELDS = ("status", "usage", "errors", "continuation_token", "updated")


def command_deadline(run: Runtime) -> Deadline:
    """--timeout (flag, GEM_TIMEOUT or config) bounds the whole command in wall-clock time;
    for streaming there is no bound by default (the work may take hours). Here, not in
    cli/poll.py: `gem stream` must not import another command's module."""
    from gemini_cli.api.deadline import Deadline

    explicit = run.settings.sources.get("timeout") != "default"
    return Deadline.since(run.started, run.settings.timeout if explicit else None, run.clock)


def follow_and_print(
    run: Runtime, plan: Plan, sink: Sink, cancel_on_interrupt: bool
) -> Interaction:
    """Print the stream through `sink`; return the final interaction rebuilt from it."""
    from gemini_cli.api.assembler import InteractionAssembler
    from gemini_cli.api.deadline import DeadlineExceeded
    from gemini_cli.api.streaming import follow

    assembler = InteractionAssembler(keep_text=plan.keep_text)
    events = follow(
        run.client(),
        body=plan.body,
        interaction_id=plan.interaction_id,
        last_event_id=plan.last_event_id,
        idle_timeout=plan.idle_timeout,
        max_retries=run.settings.max_retries,
        clock=run.clock,
        deadline=command_deadline(run),
        on_batch=sink.flush,
        on_garbage=_garbage_reporter(run),
        on_reconnect=_reconnect_reporter(run, sink),
    )
    try:
        consume(run, plan, events, assembler, sink)
        final = settle(run, events, assembler, resumed=plan.last_event_id is not None)
    except DeadlineExceeded as exc:
        sink.abort_line()
        raise timed_out(exc, events) from None
    except KeyboardInterrupt:
        sink.abort_line()
        raise interrupted(run, events, cancel_on_interrupt) from None
    except GemError as exc:
        sink.abort_line()
        add_reattach_hint(exc, events)
        raise
    finally:
        events.close()
    with naming(final.id):
        finish_output(run, plan, events, assembler, sink, final)
    return final


def add_reattach_hint(exc: GemError, events: Follow) -> None:
    """Make `exc` name the interaction (e.g. stdout full: the work exists) and, for a transient
    failure, the command that re-attaches."""
    if exc.interaction_id is None:
        exc.interaction_id = events.interaction_id
    if isinstance(exc, TRANSIENT_ERRORS) and exc.hint is None and events.interaction_id:
        # In the message too, so --quiet keeps it (the hint is for --json).
        exc.hint = f"re-attach later with: {reattach_command(events)}"
        exc.message += f"; {exc.hint}"


def finish_output(
    run: Runtime,
    plan: Plan,
    events: Follow,
    assembler: InteractionAssembler,
    sink: Sink,
    final: Interaction,
) -> None:
    """After the stream: print what the deltas did not carry, record the final state, finish."""
    if events.diverged:
        finish_diverged(run, sink, assembler, final)
    elif plan.last_event_id is None and (events.done_early or not assembler.from_deltas):
        catch_up(run, sink, assembler, final)  # seen from the start: what deltas did not carry
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


@contextmanager
def naming(interaction_id: str | None) -> Iterator[None]:
    """An error past this point (e.g. stdout full) names the interaction: it exists."""
    try:
        yield
    except GemError as exc:
        if exc.interaction_id is None:
            exc.interaction_id = interaction_id
        raise


def settle(
    run: Runtime, events: Follow, assembler: InteractionAssembler, resumed: bool = False
) -> Interaction:
    """The final interaction: rebuilt from the events, completed by a GET if they stop short
    or started after an event (--last-event-id: what came before it was not seen)."""
    if events.interaction_id is None and not (events.finished and not resumed):
        raise NetworkError("the stream ended before the interaction id was known")
    final = rebuilt(assembler, events.interaction_id)
    early = events.done_early or events.diverged  # the stream cannot tell the rest
    ident = events.interaction_id
    if (not early and not resumed) or ident is None:
        return final  # (with store: false, `"id": ""`: a complete answer with no id)
    # [DONE] without interaction.completed, and re-attaching brought nothing new (e.g. --follow
    # from the last event, or a server cutting streams short): the stored interaction decides.
    from gemini_cli.api.models import Interaction
    from gemini_cli.core.status import is_done

    stored = run.client().get(ident)
    if not is_done(stored.status):
        if not early:
            return final  # the stream saw the end; a lagging GET does not undo that
        what = "replayed different events" if events.diverged else "ended before it finished"
        raise NetworkError(
            f"the stream of interaction {events.interaction_id} {what} "
            f"(it is still {stored.status or 'running'}); come back with: "
            f"gem poll {events.interaction_id}",
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


def output_steps(steps: object) -> list[JSONObject]:
    """A GET's steps minus the input (a streamed create, like a create, shows only output)."""
    steps = [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []
    inputs = [i for i, step in enumerate(steps) if step.get("type") == "user_input"]
    return steps[inputs[-1] + 1 :] if inputs else steps


def catch_up(run: Runtime, sink: Sink, assembler: InteractionAssembler, final: Interaction) -> None:
    """Print the output text the text deltas did not carry (a stream cut short and completed by
    a GET, or a plain JSON answer), so the output matches an uninterrupted run."""
    rest = assembler.streamed_answer.rest_of(final.output_text)
    if rest:
        sink.catch_up(rest)
    elif rest is None and run.format == "text":
        run.warn(
            f"the stream ended early and the stored output of {final.id} differs from "
            f"what was printed; see: gem get {final.id}"
        )


def finish_diverged(
    run: Runtime, sink: Sink, assembler: InteractionAssembler, final: Interaction
) -> None:
    """A re-attach replayed events that differ from what was printed: the stored answer
    completes the output only where what was printed is its exact beginning (text); an
    event log (ndjson) cannot be completed. Otherwise fail (exit 6) naming the id."""
    rest = assembler.streamed_answer.rest_of(final.output_text)
    if run.format == "ndjson" or (run.format == "text" and rest is None):
        raise NetworkError(
            f"re-attaching to interaction {final.id} replayed a different stream, so the "
            f"output above is incomplete; the stored result: gem get {final.id}",
            interaction_id=final.id,
        )
    if rest:
        sink.catch_up(rest)


def timed_out(exc: GemError, events: Follow) -> GemError:
    """--timeout passed while streaming: still running (exit 8) when it can be re-attached."""
    from gemini_cli.api.errors import StillRunningError

    ident = events.interaction_id
    if ident is None:
        return exc
    again = f"re-attach with: {reattach_command(events)}"
    return StillRunningError(
        f"interaction {ident} is still running after the --timeout; {again}",
        interaction_id=ident,
        hint=again,
    )


def consume(
    run: Runtime, plan: Plan, events: Follow, assembler: InteractionAssembler, sink: Sink
) -> None:
    """Feed every event to the assembler and the sink; an `error` event ends with exit 1."""
    announced = plan.body is None  # --follow: the id is known before any event
    if announced and events.interaction_id:
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


def rebuilt(assembler: InteractionAssembler, interaction_id: str | None) -> Interaction:
    data = assembler.interaction()
    if interaction_id and not data.get("id"):
        data = {"id": interaction_id, **data}  # an attach after the created event lacks it
    from gemini_cli.api.models import Interaction

    return Interaction.from_dict(data)


def stream_error(error: JSONObject, interaction_id: str | None) -> StreamError:
    message = str(error.get("message") or "").strip() or "the stream reported an error"
    code = error.get("code")
    if code:
        message += f" ({code})"
    return StreamError(message, interaction_id=interaction_id)


def interrupted(run: Runtime, events: Follow, cancel: bool) -> Interrupted:
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


def reattach_command(events: Follow) -> str:
    """The command that picks the stream up again; without event ids (the live service) it
    can only start over, which the hint says, so `>> f` is not mistaken for a continuation."""
    words = ["gem", "stream", "--attach", events.interaction_id or ""]
    if events.last_event_id:
        words += ["--last-event-id", events.last_event_id]
    command = shlex.join(words)
    if not events.last_event_id and events.cursor.consumed:
        command += " (from the start: this stream has no event ids)"
    return command


def _garbage_reporter(run: Runtime) -> Callable[[str], None]:
    def report(line: str) -> None:
        # Non-SSE bytes (e.g. an error array appended by a proxy) are noise unless debugging.
        if run.debug:
            run.trace(f"gem: ignored non-SSE data on the stream: {line[:500]}")

    return report


def _reconnect_reporter(run: Runtime, sink: Sink) -> Callable[[int, float, str], None]:
    limit = run.settings.max_retries

    def report(attempt: int, delay: float, reason: str) -> None:
        if run.chatty:
            sink.before_notice()
        run.warn(f"{reason}; re-attaching in {delay:.1f}s (attempt {attempt} of {limit})")

    return report
