"""`gem poll ID`: wait for a background interaction to finish, then print it like `gem get`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gemini_cli.api.errors import StillRunningError
from gemini_cli.cli.answer_options import ANSWER, ANSWER_FORMATS, MEDIA, check_media
from gemini_cli.cli.command import ROOT, gem_command
from gemini_cli.cli.declare import Argument, Option
from gemini_cli.cli.options import USAGE_OPTION
from gemini_cli.cli.runtime import Runtime
from gemini_cli.cli.tool_options import ToolOptions
from gemini_cli.core.errors import Interrupted, UsageError
from gemini_cli.render.options import AnswerOptions

if TYPE_CHECKING:
    from gemini_cli.api.models import Interaction

HELP = """Wait until an interaction finishes, then print it; the exit code follows its status.

Follows the interaction's event stream (live thought summaries on a terminal) and falls back to
polling with backoff (1 s growing to --max-interval). Waits without limit unless --timeout is
given: then it exits 8 with the id on stdout, and the work goes on server-side. Ctrl-C stops
waiting (exit 130; SIGTERM: 143) and cancels nothing. ID may be 'last', or '-' to read it from stdin.

Examples:

\b
  id=$(gem create --background --format id "Write a long essay")
  gem poll "$id" > essay.md
  gem create --background --format id "Write a long essay" | gem poll -
  gem poll last --timeout 300 || echo "not done yet"
"""

MAX_INTERVAL_OPTION = Option(
    15.0,
    "--max-interval",
    metavar="SECONDS",
    help="Longest pause between two polls, at least 0.1 (they start at 1 s and back off).",
)
MIN_INTERVAL = 0.1


def check_max_interval(value: float) -> float:
    """Checked in the command, not by Typer: a range would import pydantic to parse it."""
    if not value >= MIN_INTERVAL:
        raise UsageError(f"--max-interval must be at least {MIN_INTERVAL} seconds")
    return value


@gem_command(ROOT, "poll", groups=(ANSWER, MEDIA), formats=ANSWER_FORMATS, help=HELP)
def poll(
    run: Runtime,
    answer: AnswerOptions,
    tools: ToolOptions,
    interaction_id: str = Argument(
        ..., metavar="ID", help="The interaction id, 'last', or '-' to read it from stdin."
    ),
    max_interval: float = MAX_INTERVAL_OPTION,
    usage: bool = USAGE_OPTION,
) -> None:
    check_max_interval(max_interval)
    check_media(run, tools)
    from gemini_cli.cli.turns import render_result

    interaction_id = run.resolve_id(id_from_stdin(run) if interaction_id == "-" else interaction_id)
    interaction = wait_for(run, interaction_id, max_interval=max_interval, timeout=wait_budget(run))
    run.observed(interaction)
    render_result(run, interaction, tools, usage=usage, answer=answer)


def id_from_stdin(run: Runtime) -> str:
    """`-`: the first non-empty line of stdin (so `gem create --format id ... | gem poll -`)."""
    return run._id_from_stdin(  # within --timeout; closed, terminal, odd bytes: exit 2
        hint="pipe it in: gem create --background --format id ... | gem poll -"
    )


def wait_budget(run: Runtime, started: float | None = None) -> float | None:
    """--timeout (flag, GEM_TIMEOUT or config) bounds the whole wait; by default there is none."""
    settings = run.settings
    if settings.sources.get("timeout") == "default":
        return None
    spent = 0.0 if started is None else run.clock.monotonic() - started
    return max(settings.timeout - spent, 0.0)


def wait_for(
    run: Runtime,
    interaction_id: str,
    *,
    max_interval: float,
    timeout: float | None,
    cancel_on_interrupt: bool = False,
    label: str = "",
) -> Interaction:
    """Wait with a status line on stderr; turn Ctrl-C and the timeout into their exit codes."""
    from gemini_cli.api.waiting import wait_until_done
    from gemini_cli.render.progress import WaitDisplay

    client = run.client()
    shown = None if timeout is None else run.settings.timeout  # research: timeout is what's left
    try:
        with WaitDisplay(run.io, quiet=not run.chatty, label=label) as display:
            return wait_until_done(
                client,
                interaction_id,
                timeout=timeout,
                max_interval=max_interval,
                clock=run.clock,
                on_update=display.update,
                timeout_shown=shown,
            )
    except StillRunningError:
        run.io.out(interaction_id, "\n")  # on stdout, so a script can resume with it
        raise
    except KeyboardInterrupt:
        raise interrupted(run, interaction_id, cancel_on_interrupt) from None


def interrupted(run: Runtime, interaction_id: str, cancel: bool) -> Interrupted:
    """Ctrl-C: say how to resume, or cancel the interaction when asked to."""
    if not cancel:
        # The resume command is in the message (so --quiet keeps it) and, for --json, the hint.
        resume = f"resume with: gem poll {interaction_id}"
        return Interrupted(
            f"interrupted; interaction {interaction_id} is still running; {resume}",
            interaction_id=interaction_id,
            hint=resume,
        )
    try:
        cancelled = run.client().cancel(interaction_id)
        run.observed(cancelled)  # the history row must not stay in_progress
        status = cancelled.status or "cancelled"
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the user must learn of it
        return Interrupted(
            f"interrupted; could not cancel interaction {interaction_id}: {exc}",
            interaction_id=interaction_id,
            hint=f"cancel it with: gem cancel {interaction_id}",
        )
    return Interrupted(
        f"interrupted; interaction {interaction_id} is {status}", interaction_id=interaction_id
    )
