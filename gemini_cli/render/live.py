"""Printing a stream as it arrives: text deltas, NDJSON events, or the final interaction."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gemini_cli.api.events import text_delta_of, thought_text_of
from gemini_cli.core.termio import escape_controls

if TYPE_CHECKING:  # pydantic stays out of start-up (`gem stream --dry-run`)
    from gemini_cli.api.models import Interaction
    from gemini_cli.core.termio import IO
    from gemini_cli.render.output import Output

DIM, RESET = "\x1b[2m", "\x1b[0m"


class Sink:
    """What a format does with the stream; every method defaults to doing nothing."""

    def __init__(self, run: Output) -> None:
        self.run = run
        self.media_handled = False  # --save / -o report the media files themselves

    def on_id(self, interaction_id: str) -> None:
        """The interaction id became known."""

    def on_event(self, event: dict[str, Any], raw: str | None) -> None:
        """A new event (`raw`: its exact `data` payload); output may wait for `flush`."""

    def flush(self) -> None:
        """The events of one network read are in: let stdout's reader see them (once per
        read, not per delta: a read can carry hundreds of small deltas)."""
        self.run.io.flush_out()

    def before_notice(self) -> None:
        """A message is about to go to stderr (e.g. a reconnect)."""
        self.flush()

    def end_line(self) -> None:
        """The output is complete: end its last line."""

    def abort_line(self) -> None:
        """The stream stops early (Ctrl-C, an error): leave a terminal tidy, a file exact."""
        self.flush()

    def catch_up(self, text: str) -> None:
        """Output text the deltas did not carry (fetched after the stream ended short)."""

    def finish(self, interaction: Interaction) -> None:
        """The stream ended with this (rebuilt) interaction."""
        self.flush()


NO_THOUGHTS = "no thought summaries in this answer (a request asks for them with --thoughts)"


class TextSink(Sink):
    """Text deltas on stdout the moment they arrive; thought summaries on stderr if asked."""

    def __init__(
        self,
        run: Output,
        thoughts: bool = False,
        resumed: bool = False,
        sources: bool | None = None,
    ) -> None:
        super().__init__(run)
        self.thoughts = thoughts
        self.sources = sources  # --sources/--no-sources (None: listed for agents' answers)
        self.resumed = resumed  # started after an event: the text before it is not ours to judge
        self.last_char = ""  # of stdout, to end the output with exactly one newline
        self.thought_char = ""  # of the thought text on stderr, same reason
        self.thought_shown = False  # --thoughts never prints nothing silently

    def on_event(self, event: dict[str, Any], raw: str | None) -> None:
        text = text_delta_of(event)
        if text:
            self._end_thought()
            self.run.io.out(text, flush=False)
            self.last_char = text[-1]
            return
        thought = thought_text_of(event) if self.thoughts else None
        if thought:
            self._thought(thought)
        elif event.get("event_type") == "step.stop":
            self._end_thought()

    def catch_up(self, text: str) -> None:
        if text:
            self._end_thought()
            self.run.io.out(text)
            self.last_char = text[-1]

    def _thought(self, text: str) -> None:
        # Each thought_summary delta is a summary block of its own: start it on a new line.
        self._end_thought()
        self.flush()  # the text before it first (a terminal shows both)
        text = escape_controls(text, keep="\n\t")  # server text: no raw ESC/OSC/BEL
        shown = f"{DIM}{text}{RESET}" if self.run.io.color else text
        write_err(self.run.io, shown)
        self.thought_char = text[-1]
        self.thought_shown = self.thought_shown or bool(text.strip())

    def _end_thought(self) -> None:
        if self.thought_char not in ("", "\n"):
            write_err(self.run.io, "\n")
        self.thought_char = ""

    def before_notice(self) -> None:
        self._end_thought()
        self.flush()
        # On a terminal stdout and stderr share the screen: start the notice on its own line.
        if self.run.io.stdout_isatty and self.last_char not in ("", "\n"):
            write_err(self.run.io, "\n")

    def end_line(self) -> None:
        self._end_thought()
        if self.last_char not in ("", "\n"):
            self.run.io.out("\n")
            self.last_char = "\n"

    def abort_line(self) -> None:
        # On a terminal the error message must start on its own line; a file or pipe gets
        # nothing added, so the output of a re-attach appended to it continues it exactly.
        self._end_thought()
        if self.run.io.stdout_isatty:
            self.end_line()
        self.flush()

    def finish(self, interaction: Interaction) -> None:
        self.end_line()
        self.flush()
        asked = self.thoughts and not self.resumed and not interaction.is_running
        if asked and not self.thought_shown:
            self.run.hint(NO_THOUGHTS)
        if interaction.status == "requires_action":
            from gemini_cli.render.output import print_calls

            print_calls(self.run, interaction)
            return
        if (
            not self.last_char
            and interaction.status == "completed"
            and not self.resumed
            and not interaction.output_text
        ):
            self.run.info(f"gem: interaction {interaction.id} completed with no output text")
        from gemini_cli.render.report import print_sources_after

        print_sources_after(self.run, interaction, self.sources)
        if not self.media_handled:  # --save/-o reports its files
            from gemini_cli.render.output import note_media

            note_media(self.run, interaction)


class NdjsonSink(Sink):
    """Every event as one JSON line, flushed at once (so `| jq` sees it live)."""

    def on_event(self, event: dict[str, Any], raw: str | None) -> None:
        # The payload exactly as sent, unless it spans lines (multi-line `data:` is legal SSE).
        if raw is None or "\n" in raw or "\r" in raw:
            raw = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        self.run.io.out(raw.strip(), "\n", flush=False)


class FinalSink(Sink):
    """The interaction rebuilt from the events, printed once at the end (json, yaml, markdown)."""

    sources: bool | None = None

    def finish(self, interaction: Interaction) -> None:
        from gemini_cli.render.output import print_json, print_yaml

        if self.run.format == "yaml":
            print_yaml(self.run, interaction.data)
        elif self.run.format == "markdown":  # the whole turn, once it is complete
            from gemini_cli.render.options import AnswerOptions
            from gemini_cli.render.report import print_markdown

            print_markdown(self.run, interaction, AnswerOptions(sources=self.sources), {})
        else:
            print_json(self.run, interaction.data, compact=True)


class IdSink(Sink):
    """Exactly one id: the final one. As soon as it is known (a script can re-attach with it)
    when `early`, i.e. no continuation hop or tool round can follow; else at the end."""

    def __init__(self, run: Output, early: bool = True) -> None:
        super().__init__(run)
        self.early = early
        self.printed = False

    def on_id(self, interaction_id: str) -> None:
        if self.early:
            self._print(interaction_id)

    def finish(self, interaction: Interaction) -> None:
        from gemini_cli.render.output import require_id

        if not self.printed:
            self._print(require_id(interaction))  # store: false has none: exit 6, as create

    def _print(self, interaction_id: str) -> None:
        if not self.printed and interaction_id:
            self.printed = True
            self.run.io.out(interaction_id, "\n")


def make_sink(
    run: Output,
    thoughts: bool = False,
    resumed: bool = False,
    early_id: bool = True,
    sources: bool | None = None,
) -> Sink:
    fmt = run.format
    if fmt == "ndjson":
        return NdjsonSink(run)
    if fmt in ("json", "yaml", "markdown"):
        final = FinalSink(run)
        final.sources = sources  # markdown: footnotes unless --no-sources
        return final
    if fmt == "id":
        return IdSink(run, early_id)
    return TextSink(run, thoughts, resumed, sources)


def write_err(io: IO, text: str) -> None:
    """Raw text on stderr (no newline added); a closed stderr is not an error."""
    try:
        io.stderr.write(text)
        io.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
