"""The one error boundary every command runs in: each exception becomes one line on stderr
and an exit code, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from gemini_cli.core.errors import (
    EXIT_INTERNAL,
    WRITE_ERRNOS,
    GemError,
    Interrupted,
    UsageError,
)
from gemini_cli.core.termio import silence_stdout

if TYPE_CHECKING:
    from gemini_cli.cli.runtime import Runtime


def one_line(text: str) -> str:
    """Errors are one line on stderr: a server message with newlines is folded."""
    return " ".join(text.split())


# Per run: whether the interrupt line was printed, and whether this is the real `gem`
# process (cli.main sets it) rather than a test calling the app in-process.
INTERRUPT_REPORTED = [False]
OWN_PROCESS = [False]


def interrupted_handled() -> int:
    """After the one interrupt line: a second Ctrl-C must not cut the orderly exit short."""
    import signal
    import threading

    from gemini_cli.cli.terminate import interrupted_exit_code

    INTERRUPT_REPORTED[0] = True
    if OWN_PROCESS[0] and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return interrupted_exit_code()  # 130, or 143 after SIGTERM


class Outcome:
    """What a run inside the boundary came to: its exit code."""

    code = 0


def _typer_exit(exc: BaseException) -> bool:
    """Typer's own exit (a command of a Typer group may raise it): not an error of gem's."""
    typer = sys.modules.get("typer")  # never imported for it: a fast-path run has none
    return typer is not None and isinstance(exc, typer.Exit)


@contextmanager
def error_boundary(run: Runtime) -> Iterator[Outcome]:
    """Turn every exception into one line on stderr and an exit code (`Outcome.code`, read
    after the block): no tracebacks."""
    outcome = Outcome()
    code = 0
    try:
        yield outcome
        code = run.exit_code
    except GemError as exc:  # expected: one line (--debug already traced the HTTP exchange)
        code = run.report(exc)
        if isinstance(exc, Interrupted):
            code = interrupted_handled()
    except KeyboardInterrupt:
        if run._format_for_errors() == "json":
            run.report(Interrupted("interrupted"))
        else:
            run.io.err("gem: error: interrupted")
        code = interrupted_handled()
    except BrokenPipeError:
        silence_stdout()
        code = 0
    except Exception as exc:  # noqa: BLE001 - the last resort: a bug, reported as exit 70
        if _typer_exit(exc):
            raise
        if run.debug:
            import traceback

            run.io.err(run._redact(traceback.format_exc().rstrip()))
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
            # a write gem could not do (disk full...): the environment, not a bug in gem
            silence_stdout()
            code = run.report(UsageError(f"cannot write output: {exc.strerror or exc}"))
        else:
            detail = one_line(run._redact(f"{type(exc).__name__}: {exc}"))
            run.io.err(f"gem: internal error: {detail} (run with --debug for details)")
            code = EXIT_INTERNAL
    finally:
        with suppress(Exception):  # closing must never mask the real outcome
            run.close()
    outcome.code = code
