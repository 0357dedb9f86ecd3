"""Printing interactions: the answer as text, the server's JSON unchanged, YAML, or just the id."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Protocol

from gemini_cli.api.models import Interaction
from gemini_cli.core.jsontypes import JSONValue
from gemini_cli.core.status import status_error

if TYPE_CHECKING:
    from gemini_cli.core.termio import IO


class Output(Protocol):
    """What the renderers need from a run (cli.runtime.Runtime is one)."""

    io: IO

    @property
    def format(self) -> str: ...

    def warn(self, message: str) -> None: ...

    def hint(self, message: str) -> None: ...

    def info(self, message: str) -> None: ...


def render_interaction(run: Output, interaction: Interaction, *, usage: bool = False) -> None:
    """Print per --format, report usage, then set the exit code from the final status."""
    fmt = run.format
    if fmt == "json":
        print_interaction_json(run, interaction)
    elif fmt == "yaml":
        print_yaml(run, interaction.data)
    elif fmt == "id":
        run.io.out(require_id(interaction), "\n")
    else:
        print_text(run, interaction)
    if usage:
        print_usage(run, interaction.data.get("usage"))
    note_unknown_status(run, interaction)
    fail_on_status(run, interaction)


def require_id(interaction: Interaction) -> str:
    """The id, for `--format id`: an answer without one is not something a script can use."""
    if not interaction.id:
        from gemini_cli.api.errors import NetworkError

        raise NetworkError("the API returned no interaction id")
    return interaction.id


def describe(interaction: Interaction) -> str:
    """`interaction v1_...`, or `the interaction` when the API sent no id."""
    return f"interaction {interaction.id}" if interaction.id else "the interaction"


def note_unknown_status(run: Output, interaction: Interaction) -> None:
    """A status gem does not know passes through (exit 0), but not silently."""
    from gemini_cli.core.status import KNOWN_STATUSES

    status = interaction.status
    if not status:
        run.warn(f"the API sent no status for {describe(interaction)}")
    elif status not in KNOWN_STATUSES:
        run.warn(f"unknown status {status!r} for {describe(interaction)}; treated as success")


def too_deep(what: str) -> Exception:
    """The error for server JSON nested too deeply to print (a hostile or broken server)."""
    from gemini_cli.api.errors import NetworkError

    return NetworkError(f"protocol error: the API's JSON is nested too deeply to print {what}")


def print_json(
    run: Output, data: JSONValue, raw: str | None = None, *, compact: bool = False
) -> None:
    """The server's JSON exactly as sent (`raw`); indented on a TTY for people. Without `raw`
    (a rebuilt interaction) it is serialised here: on one line when `compact` and not a TTY."""
    tty = run.io.stdout_isatty
    if raw is not None and not tty:
        run.io.out(raw if raw.endswith("\n") else raw + "\n")
        return
    try:
        text = json.dumps(data, indent=None if compact and not tty else 2, ensure_ascii=False)
    except RecursionError:
        if raw is None:
            raise too_deep("as JSON") from None
        text = raw.rstrip("\n")  # shown as sent rather than not at all
    run.io.out(text, "\n")


def print_interaction_json(run: Output, interaction: Interaction) -> None:
    """The interaction's JSON: the server's bytes, or (rebuilt from a stream) serialised."""
    try:
        raw = interaction.raw
    except RecursionError:
        raise too_deep("as JSON") from None
    print_json(run, interaction.data, raw)


def print_yaml(run: Output, data: JSONValue) -> None:
    import yaml

    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    except RecursionError:
        raise too_deep("as YAML (--format json can)") from None
    run.io.out(text)


def print_text(run: Output, interaction: Interaction) -> None:
    """The answer (steps.answer_text), the function calls behind requires_action, or the id of
    a running interaction; media the text leaves out is counted on stderr."""
    status = interaction.status
    if interaction.is_running:
        run.io.out(require_id(interaction), "\n")
        run.hint(f"{status}; wait for it with: gem poll {interaction.id}")
        return
    if status == "requires_action":
        print_calls(run, interaction)
        return
    text = interaction.output_text
    if text:
        run.io.out(text if text.endswith("\n") else text + "\n")
    elif status == "completed":
        run.info(f"gem: {describe(interaction)} completed with no output text")
    note_media(run, interaction)


def print_calls(run: Output, interaction: Interaction) -> None:
    """One JSON line per function call (what a tool runner reads)."""
    for call in interaction.function_calls():
        try:
            line = json.dumps(call, ensure_ascii=False)
        except RecursionError:
            raise too_deep("a function call") from None
        run.io.out(line, "\n")


def note_media(run: Output, interaction: Interaction) -> None:
    """`1 image not shown; use --save DIR` on stderr for the media a text output skips."""
    from gemini_cli.api.steps import media_notice

    notice = media_notice(interaction.output_media())
    if notice:
        run.info(f"gem: {notice}")


def print_usage(run: Output, usage: JSONValue) -> None:
    if not isinstance(usage, dict):
        run.io.err("gem: usage: not reported")
        return
    parts = []
    for key, label in (
        ("total_input_tokens", "input"),
        ("total_output_tokens", "output"),
        ("total_thought_tokens", "thought"),
        ("total_cached_tokens", "cached"),
        ("total_tool_use_tokens", "tool use"),
        ("total_tokens", "total"),
    ):
        value = usage.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            parts.append(f"{label} {value}")
    run.io.err("gem: usage: " + (", ".join(parts) + " tokens" if parts else "not reported"))


def fail_on_status(run: Output, interaction: Interaction) -> None:
    reason = interaction.error_message()
    calls = interaction.function_calls() if interaction.status == "requires_action" else []
    if calls:
        reason = "the model called " + ", ".join(str(c.get("name")) for c in calls)
    if interaction.status == "requires_continuation" and interaction.continuation_token:
        reason = f"continuation_token {interaction.continuation_token}"
    call_ids = [str(c.get("id") or "") for c in calls]
    error = status_error(interaction.status, interaction.id, reason, call_ids)
    if error is not None:
        raise error
