"""Interaction statuses in one place: which are running, terminal, stopped or failed, and their exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gemini_cli.core.errors import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REQUIRES_ACTION,
    EXIT_STILL_RUNNING,
    EXIT_STOPPED,
)

if TYPE_CHECKING:
    from gemini_cli.api.errors import InteractionError

RUNNING_STATUSES = frozenset({"queued", "in_progress", "created", "pending"})
TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "incomplete", "budget_exceeded"})
# Ended before finishing the work (exit 7): the caller may continue or retry.
STOPPED_STATUSES = frozenset(
    {"cancelled", "incomplete", "budget_exceeded", "requires_continuation"}
)
FAILED_STATUSES = frozenset({"failed"})
# Not finished, but waiting for the caller rather than the server: nothing to wait for.
WAITING_FOR_CALLER = frozenset({"requires_action", "requires_continuation"})
KNOWN_STATUSES = TERMINAL_STATUSES | RUNNING_STATUSES | STOPPED_STATUSES | WAITING_FOR_CALLER


def is_done(status: str) -> bool:
    """Terminal, or waiting for the caller (requires_action): either way, nothing to wait for."""
    return status in TERMINAL_STATUSES or status in WAITING_FOR_CALLER


def status_exit_code(status: str) -> int:
    """The exit code a final status stands for (unknown statuses pass as success)."""
    if status in FAILED_STATUSES:
        return EXIT_FAILED
    if status in STOPPED_STATUSES:
        return EXIT_STOPPED
    if status == "requires_action":
        return EXIT_REQUIRES_ACTION
    if status in RUNNING_STATUSES:
        return EXIT_STILL_RUNNING
    return EXIT_OK


def answer_command(interaction_id: str | None, call_ids: Sequence[str] = ()) -> str:
    """The command line that answers an interaction's function calls (CALL_ID when unknown)."""
    import shlex

    from gemini_cli.api.models import displayable_id  # a server's id is shown, never obeyed

    results = " ".join(f"--result {shlex.quote(displayable_id(i))}=FILE" for i in call_ids if i)
    return f"gem create --previous {interaction_id} {results or '--result CALL_ID=FILE'}"


def status_error(
    status: str,
    interaction_id: str | None,
    reason: str | None = None,
    call_ids: Sequence[str] = (),
) -> InteractionError | None:
    """The error an interaction's final status stands for, or None when it is a success;
    `call_ids`: the function calls a requires_action interaction waits on."""
    from gemini_cli.api.errors import InteractionError, InteractionStoppedError, RequiresActionError

    name = f"interaction {interaction_id}" if interaction_id else "the interaction"
    if status in FAILED_STATUSES:
        why = f": {reason}" if reason else ""
        return InteractionError(f"{name} failed{why}", interaction_id=interaction_id or None)
    if status in STOPPED_STATUSES:
        why = f" ({reason})" if reason else ""
        return InteractionStoppedError(
            f"{name} ended {status}{why}", interaction_id=interaction_id or None
        )
    if status == "requires_action":
        why = f": {reason}" if reason else ""
        return RequiresActionError(
            f"{name} requires action{why}",
            interaction_id=interaction_id or None,
            hint=f"answer with: {answer_command(interaction_id, call_ids)}",
        )
    return None
