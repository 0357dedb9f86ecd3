"""`gem stream` with tools: every turn and continuation hop streamed, printed as one result."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

from gemini_cli.api.errors import InteractionError
from gemini_cli.api.models import Interaction
from gemini_cli.cli.tool_options import ToolOptions
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.render.live import Sink

if TYPE_CHECKING:
    from gemini_cli.cli.runtime import Runtime
    from gemini_cli.cli.stream import Plan


class DeferredSink(Sink):
    """Passes live events through but holds `finish` back until the last turn is known.

    Without it a json/yaml sink would print every intermediate turn, and the text sink would
    print function calls that --run-tools is about to answer.
    """

    def __init__(self, sink: Sink) -> None:
        super().__init__(sink.run)
        self._sink = sink

    def on_id(self, interaction_id: str) -> None:
        self._sink.on_id(interaction_id)

    def on_event(self, event: JSONObject, raw: str | None) -> None:
        self._sink.on_event(event, raw)

    def flush(self) -> None:
        self._sink.flush()

    def before_notice(self) -> None:
        self._sink.before_notice()

    def end_line(self) -> None:
        self._sink.end_line()

    def abort_line(self) -> None:
        self._sink.abort_line()

    def catch_up(self, text: str) -> None:
        self._sink.catch_up(text)

    def finish(self, interaction: Interaction) -> None:
        """Held back; the caller finishes the real sink with the merged result."""


def stream_turns(
    run: Runtime, plan: Plan, opts: ToolOptions, sink: Sink, cancel_on_interrupt: bool
) -> Interaction:
    """follow_and_print for the first turn, hops and tool rounds; then finish, save, check."""
    from gemini_cli.cli.prepare import PreparedRequest
    from gemini_cli.cli.stream_follow import follow_and_print, naming
    from gemini_cli.cli.turns import between_turns, execute, save_media

    if opts.output == "-":  # stdout carries the media bytes only: no live text, no calls
        from gemini_cli.render.live import Sink

        sink = Sink(run)
    if plan.body is None:  # --follow: an existing interaction, nothing to answer or resume
        return follow_existing(run, plan, opts, sink, cancel_on_interrupt)
    prepared = plan.prepared or PreparedRequest(plan.body)
    deferred = DeferredSink(sink)
    turns: list[Interaction] = []

    def send(body: JSONObject) -> Interaction:
        turns.append(
            follow_and_print(
                run, dataclasses.replace(plan, body=body), deferred, cancel_on_interrupt
            )
        )
        return turns[-1]

    try:
        final = execute(run, prepared, opts, send=send)
    except KeyboardInterrupt:  # Ctrl-C/SIGTERM between two turns, e.g. in a tool command
        sink.abort_line()
        raise between_turns(turns[-1] if turns else None) from None
    except BaseException:  # e.g. a tool round failing after a hop's text was printed
        sink.abort_line()
        raise
    with naming(final.id):
        sink.media_handled = opts.save is not None or opts.output is not None
        sink.finish(final)
        save_media(run, final, opts, to_stdout=False)
        if prepared.expect_json and run.format == "text" and final.status == "completed":
            check_json(final)
    return final


def follow_existing(
    run: Runtime, plan: Plan, opts: ToolOptions, sink: Sink, cancel_on_interrupt: bool
) -> Interaction:
    """`--follow ID`: print an existing interaction's stream and save its media."""
    from gemini_cli.cli.stream_follow import follow_and_print
    from gemini_cli.cli.tool_body import check_outputs
    from gemini_cli.cli.turns import save_media

    check_outputs(run, opts)
    sink.media_handled = opts.save is not None or opts.output is not None
    final = follow_and_print(run, plan, sink, cancel_on_interrupt)
    save_media(run, final, opts, to_stdout=False)
    return final


def check_json(interaction: Interaction) -> None:
    """The streamed text was printed as it came; still fail (exit 1) when it is not JSON."""
    try:
        json.loads(interaction.output_text)
    except ValueError as exc:
        raise InteractionError(
            f"the model's reply is not valid JSON ({exc})", interaction_id=interaction.id
        ) from exc
