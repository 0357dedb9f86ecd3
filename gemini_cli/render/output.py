"""Printing interactions: text, the server's JSON unchanged, YAML, or just the id."""

from __future__ import annotations

import json
from typing import Any

from gemini_cli.api.errors import status_error
from gemini_cli.api.models import Interaction


def render_interaction(run: Any, interaction: Interaction, *, usage: bool = False) -> None:
    """Print per --format, report usage, then set the exit code from the final status."""
    fmt = run.format
    if fmt == "json":
        print_json(run, interaction.data, interaction.raw)
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


def note_unknown_status(run: Any, interaction: Interaction) -> None:
    """A status gem does not know passes through (exit 0), but not silently."""
    from gemini_cli.api.errors import STOPPED_STATUSES
    from gemini_cli.api.models import RUNNING_STATUSES, TERMINAL_STATUSES

    status = interaction.status
    known = TERMINAL_STATUSES | RUNNING_STATUSES | STOPPED_STATUSES | {"requires_action"}
    if not status:
        run.warn(f"the API sent no status for {describe(interaction)}")
    elif status not in known:
        run.warn(f"unknown status {status!r} for {describe(interaction)}; treated as success")


def print_json(run: Any, data: Any, raw: str | None = None) -> None:
    """The server's JSON exactly as sent; indented on a TTY for people."""
    if run.io.stdout_isatty or raw is None:
        run.io.out(json.dumps(data, indent=2, ensure_ascii=False), "\n")
    else:
        run.io.out(raw if raw.endswith("\n") else raw + "\n")


def print_yaml(run: Any, data: Any) -> None:
    import yaml

    run.io.out(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def print_text(run: Any, interaction: Interaction) -> None:
    status = interaction.status
    if interaction.is_running:
        run.io.out(require_id(interaction), "\n")
        run.hint(f"{status}; wait for it with: gem poll {interaction.id}")
        return
    if status == "requires_action":
        for call in interaction.function_calls():
            run.io.out(json.dumps(call, ensure_ascii=False), "\n")
        return
    text = interaction.output_text
    if text:
        run.io.out(text if text.endswith("\n") else text + "\n")
    elif status == "completed":
        run.info(f"gem: {describe(interaction)} completed with no output text")
    media = interaction.output_media()
    if media:
        run.info(
            f"gem: {len(media)} media block(s) not shown in text output "
            "(use --format json to get them)"
        )


def print_usage(run: Any, usage: Any) -> None:
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
        if isinstance(usage.get(key), int):
            parts.append(f"{label} {usage[key]}")
    run.io.err("gem: usage: " + (", ".join(parts) + " tokens" if parts else "not reported"))


def fail_on_status(run: Any, interaction: Interaction) -> None:
    reason = interaction.error_message()
    if interaction.status == "requires_action":
        names = [str(c.get("name")) for c in interaction.function_calls()]
        reason = "the model called " + ", ".join(names) if names else reason
    if interaction.status == "requires_continuation" and interaction.continuation_token:
        reason = f"continuation_token {interaction.continuation_token}"
    error = status_error(interaction.status, interaction.id, reason)
    if error is not None:
        raise error
