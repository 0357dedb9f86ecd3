"""Click-level failures (unknown option, missing argument) as one line and exit 2."""

import sys
from typing import Any

from gemini_cli.core import envflags
from gemini_cli.core.envflags import env_flag_or
from gemini_cli.core.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_USAGE


def run_group_main(
    main: Any, args: tuple[Any, ...], kwargs: dict[str, Any], standalone_mode: bool
) -> Any:
    from gemini_cli.cli.typer_compat import Abort, ClickException

    argv = kwargs.get("args") if "args" in kwargs else (args[0] if args else None)
    from gemini_cli.cli.boundary import INTERRUPT_REPORTED

    INTERRUPT_REPORTED[0] = False
    try:
        result = main(*args, standalone_mode=False, **kwargs)
    except ClickException as exc:
        code = _report(exc, argv)
    except Abort:
        code = EXIT_INTERRUPTED  # reported just below
    except Exception as exc:  # noqa: BLE001 - a bug outside a command's boundary: still no traceback
        code = internal_error(exc, argv)
    else:
        code = result if isinstance(result, int) else 0
    if code == EXIT_INTERRUPTED:  # Typer's own exit for an interrupt while it parses
        from gemini_cli.cli.terminate import interrupted_exit_code

        code = interrupted_exit_code()  # 143 when it was SIGTERM
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED) and not _interrupt_reported():
        # Ctrl-C or SIGTERM while Typer parsed the options: it stops without a word; say it.
        word = "terminated" if code == EXIT_TERMINATED else "interrupted"
        sys.stderr.write(f"gem: error: {word}\n")
    if standalone_mode:
        sys.exit(code)
    return code


def _interrupt_reported() -> bool:
    from gemini_cli.cli.boundary import INTERRUPT_REPORTED

    return INTERRUPT_REPORTED[0]


def internal_error(exc: Exception, argv: Any) -> int:
    """A bug outside a command's boundary: one line (the traceback with --debug), exit 70."""
    import traceback

    argv = list(argv if argv is not None else sys.argv[1:])
    if "--debug" in argv or env_flag_or(envflags.DEBUG, False):
        sys.stderr.write(traceback.format_exc())
    detail = " ".join(f"{type(exc).__name__}: {exc}".split())
    sys.stderr.write(f"gem: internal error: {detail} (run with --debug for details)\n")
    return EXIT_INTERNAL


def _report(exc: Any, argv: Any) -> int:
    argv = list(argv if argv is not None else sys.argv[1:])
    message = exc.format_message()
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `gem`: the help, on stderr
        sys.stderr.write(message.rstrip("\n") + "\n")
        return EXIT_USAGE
    ctx = getattr(exc, "ctx", None)
    where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    if "--json" in argv or any(a in ("json", "ndjson") for a in _format_values(argv)):
        error = {
            "exit_code": exc.exit_code,
            "type": "usage",
            "message": message,
            "http_status": None,
            "interaction_id": None,
        }
        import json

        sys.stderr.write(json.dumps({"error": error}) + "\n")
    else:
        sys.stderr.write(f"gem: error: {message}{where}\n")
    return exc.exit_code if exc.exit_code else EXIT_USAGE


def _format_values(argv: list[str]) -> list[str]:
    values = []
    for i, arg in enumerate(argv):
        if arg in ("--format", "-f") and i + 1 < len(argv):
            values.append(argv[i + 1])
        elif arg.startswith("--format="):
            values.append(arg.split("=", 1)[1])
    return values
