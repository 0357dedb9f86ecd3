"""`gem stream` with tools: every turn and continuation hop streamed, printed as one result."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from gemini_cli.api.errors import InteractionError
from gemini_cli.api.models import Interaction
from gemini_cli.cli.tool_options import ToolOptions


class DeferredSink:
    """Passes live events through but holds `finish` back until the last turn is known.

    Without it a json/yaml sink would print every intermediate turn, and the text sink would
    print function calls that --run-tools is about to answer.
    """

    def __init__(self, sink: Any) -> None:
        self._sink = sink

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sink, name)

    def finish(self, interaction: Interaction) -> None:
        """Held back; the caller finishes the real sink with the merged result."""


def stream_turns(
    run: Any, plan: Any, opts: ToolOptions, sink: Any, cancel_on_interrupt: bool
) -> Interaction:
    """follow_and_print for the first turn, hops and tool rounds; then finish, save, check."""
    from gemini_cli.cli.stream import follow_and_print, naming
    from gemini_cli.cli.turns import check_outputs, execute, save_media

    if opts.output == "-":  # stdout carries the media bytes only: no live text, no calls
        from gemini_cli.render.live import Sink

        sink = Sink(run)
    if plan.body is None:  # --follow: an existing interaction, nothing to answer or resume
        check_outputs(run, opts)
        sink.media_handled = opts.save is not None or opts.output is not None
        final = follow_and_print(run, plan, sink, cancel_on_interrupt)
        save_media(run, final, opts, to_stdout=False)
        return final
    deferred = DeferredSink(sink)

    def send(body: dict[str, Any]) -> Interaction:
        return follow_and_print(
            run, dataclasses.replace(plan, body=body), deferred, cancel_on_interrupt
        )

    try:
        final = execute(run, plan.body, opts, send=send)
    except BaseException:  # e.g. a tool round failing after a hop's text was printed
        sink.abort_line()
        raise
    with naming(final.id):
        sink.media_handled = opts.save is not None or opts.output is not None
        sink.finish(final)
        save_media(run, final, opts, to_stdout=False)
        if opts.expect_json and run.format == "text" and final.status == "completed":
            check_json(final)
    return final


def check_json(interaction: Interaction) -> None:
    """The streamed text was printed as it came; still fail (exit 1) when it is not JSON."""
    try:
        json.loads(interaction.output_text)
    except ValueError as exc:
        raise InteractionError(
            f"the model's reply is not valid JSON ({exc})", interaction_id=interaction.id
        ) from exc
