"""Entry point: answer `--version` before importing anything heavy, then run the app."""

import sys
from contextlib import suppress

# core.errors imports nothing heavy: `--version` stays fast.
from gemini_cli.core.errors import EXIT_USAGE, WRITE_ERRNOS

HELP_FLAGS = ("--help", "-h", "--version", "-V")


def main(argv: list[str] | None = None) -> int:
    """Run gem; a Ctrl-C at any moment (even while the modules load) is exit 130, one line;
    output that cannot be written (`--help >/dev/full`) is exit 2, a reader gone is exit 0."""
    import signal

    from gemini_cli.core.deferred import defer

    defer()  # inspect and ipaddress: imported on first use, not on every start
    from gemini_cli.cli import terminate

    on_sigint = signal.getsignal(signal.SIGINT)
    on_sigterm = terminate.install()  # SIGTERM unwinds like Ctrl-C, then exits 143
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _error("terminated" if terminate.RECEIVED[0] else "interrupted")
        return terminate.interrupted_exit_code()
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as exc:
        if exc.errno not in WRITE_ERRNOS:
            raise
        _silence_stdout()
        _error(f"cannot write output: {exc.strerror or exc}")
        return EXIT_USAGE
    finally:
        _restore(on_sigint)
        terminate.restore(on_sigterm)


def _restore(on_sigint: object) -> None:
    """Undo what a run did to the process (a caller of main() may be a long-lived process,
    and an ignored SIGINT would be inherited by everything it starts)."""
    import signal

    boundary = sys.modules.get("gemini_cli.cli.boundary")  # not loaded by `--version`
    if boundary is not None:
        boundary.OWN_PROCESS[0] = False
    with suppress(ValueError, TypeError):  # not the main thread, or a handler from C
        # on_sigint is what signal.getsignal returned, typed `object` to keep typing unimported
        signal.signal(signal.SIGINT, on_sigint)  # type: ignore[arg-type]


def _main(argv: list[str] | None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for number, arg in enumerate(args, 1):
        if any(0xD800 <= ord(ch) <= 0xDFFF for ch in arg):  # bytes Python could not decode
            _error(f"argument {number} is not valid UTF-8")
            return EXIT_USAGE
    if sys.stdout is None and _prints_help_or_version(args):
        _error(
            "stdout is closed: the output would be lost; hint: redirect it instead, "
            "e.g. > /dev/null"
        )
        return EXIT_USAGE
    _replace_unencodable(sys.stdout)
    if args in (["--version"], ["-V"]):
        from gemini_cli import __version__

        if sys.stdout is not None:
            sys.stdout.write(f"gem {__version__}\n")
            sys.stdout.flush()
        return 0
    if args in (["--help"], ["-h"]) and _static_root_help():
        return 0
    from gemini_cli.cli.boundary import OWN_PROCESS

    OWN_PROCESS[0] = True  # the real process: it may ignore a second Ctrl-C while exiting
    return dispatch(args)


def dispatch(args: list[str], obj: dict[str, object] | None = None) -> int:
    """Run `gem ARGS`: parsed by gem itself when it is sure how (cli/fastpath.py: no Typer
    import), else by Typer; the exit code. `obj`: the root context's object (tests)."""
    if not _prints_help_or_version(args):
        from gemini_cli.cli import fastpath

        fast = fastpath.run(args, obj)
        if fast is not None:
            return fast
    from gemini_cli.cli.app import app

    code = app(args=args, prog_name="gem", standalone_mode=False, obj=obj)
    return code if isinstance(code, int) else 0


def _static_root_help() -> bool:
    """Print `gem --help` from its pre-rendered text when this terminal's width has one (a test
    keeps the text identical to Typer's); False means: let Typer render it."""
    import os

    from gemini_cli.cli.static_help import ROOT_HELP

    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:  # as shutil.get_terminal_size, which Typer's help formatter uses
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
        columns = columns or 80
    text = ROOT_HELP.get(min(columns, 100))
    if text is None or sys.stdout is None:
        return False
    sys.stdout.write(text)
    sys.stdout.flush()
    return True


def _prints_help_or_version(args: list[str]) -> bool:
    before = args[: args.index("--")] if "--" in args else args
    return (bool(args) and args[0] == "help") or any(a in HELP_FLAGS for a in before)


def _replace_unencodable(stream: object) -> None:
    """A character stdout cannot encode (a lone surrogate in a reply) prints as `?`."""
    with suppress(AttributeError, ValueError, OSError):
        # any text stream may have reconfigure (a TextIOWrapper, a test runner's wrapper...)
        stream.reconfigure(errors="replace")  # type: ignore[attr-defined]


def _error(message: str) -> None:
    try:
        if sys.stderr is not None:
            sys.stderr.write(f"gem: error: {message}\n")
            sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    from gemini_cli.core.termio import silence_stdout

    silence_stdout()


if __name__ == "__main__":
    raise SystemExit(main())
