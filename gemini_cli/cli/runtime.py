"""Per-run context (I/O, settings, client) and the one error boundary every command runs in."""

import functools
import inspect
import json
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Annotated, Any

import typer

from gemini_cli.api.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    GemError,
    Interrupted,
    UsageError,
)
from gemini_cli.termio import IO, silence_stdout

GLOBAL_PANEL = "Global options"


def _complete_format(ctx: Any, incomplete: str) -> list[str]:
    # Typer's callback wrapper copies the function's attributes, gem_formats among them.
    command = ctx.command
    formats = getattr(command.callback, "gem_formats", None) or getattr(
        command, "gem_formats", ("text", "json", "yaml", "id"))
    return [f for f in formats if f.startswith(incomplete)]


# Options every command accepts, before or after the subcommand name (scripts write both).
GLOBAL_OPTIONS: dict[str, tuple[Any, Any]] = {
    "base_url": (str | None, typer.Option(
        "--base-url", metavar="URL", rich_help_panel=GLOBAL_PANEL,
        help="API base URL, or 'emulator:' for the built-in offline emulator "
             "[env: GEM_BASE_URL, GOOGLE_GEMINI_BASE_URL].")),
    "api_version": (str | None, typer.Option(
        "--api-version", metavar="VER", rich_help_panel=GLOBAL_PANEL,
        help="API version path segment (default v1) [env: GOOGLE_GENAI_API_VERSION].")),
    "timeout": (float | None, typer.Option(
        "--timeout", metavar="SECONDS", rich_help_panel=GLOBAL_PANEL,
        help="Total deadline for the operation, retries included (default 600) "
             "[env: GEM_TIMEOUT].")),
    "max_retries": (int | None, typer.Option(
        "--max-retries", metavar="N", rich_help_panel=GLOBAL_PANEL,
        help="Retries on 408/429/5xx and connection errors (default 4) [env: GEM_MAX_RETRIES].")),
    "format": (str | None, typer.Option(
        "--format", "-f", metavar="FORMAT", rich_help_panel=GLOBAL_PANEL,
        autocompletion=_complete_format,
        help="Output format: text, json, yaml or id (some commands add more).")),
    "json_": (bool, typer.Option(
        "--json", rich_help_panel=GLOBAL_PANEL, help="Short for --format json.")),
    "debug": (bool, typer.Option(
        "--debug", rich_help_panel=GLOBAL_PANEL,
        help="Trace requests and responses on stderr (API key redacted) [env: GEM_DEBUG=1].")),
    "quiet": (bool, typer.Option(
        "--quiet", "-q", rich_help_panel=GLOBAL_PANEL, help="No hints, warnings or progress.")),
    "no_log": (bool, typer.Option(
        "--no-log", rich_help_panel=GLOBAL_PANEL,
        help="Keep this run out of the local history ('gem history', -c, last) "
             "[env: GEM_NO_LOG=1].")),
}
_DEFAULTS = {"json_": False, "debug": False, "quiet": False, "no_log": False}


class Runtime:
    """Everything a command needs, built once per run and passed down."""

    def __init__(self, io: IO, options: dict[str, Any], formats: tuple[str, ...],
                 test_hooks: dict[str, Any] | None = None) -> None:
        import os

        self.io = io
        self.options = options
        self.hooks = test_hooks or {}
        self.debug = bool(options.get("debug")) or os.environ.get(
            "GEM_DEBUG", "").strip().lower() not in ("", "0", "false", "no", "off")
        self.quiet = bool(options.get("quiet"))
        self.formats = formats
        self._format = options.get("format")
        if options.get("json_"):
            self._format = "json"
        self._settings = None
        self._client = None
        self.exit_code = 0

    # -- settings and client ------------------------------------------------------------

    @property
    def settings(self):
        if self._settings is None:
            from gemini_cli.config import load_settings

            self._settings = load_settings(self.options, warn=self.warn)
        return self._settings

    @property
    def format(self) -> str:
        fmt = self._format or self.settings.format or self.formats[0]
        if fmt not in self.formats:
            if self._format is None:  # a config/env default this command lacks
                return self.formats[0]
            raise UsageError(f"--format {fmt!r}: choose one of {', '.join(self.formats)}")
        return fmt

    @property
    def clock(self):
        from gemini_cli.api.retry import Clock

        return self.hooks.get("clock") or Clock()

    def client(self):
        """The API client for this run (embedded emulator for `emulator:` base URLs)."""
        if self._client is None:
            from gemini_cli.api.client import InteractionsClient

            settings = self.settings
            transport, key = None, None
            if settings.embedded:
                transport, key = self._embedded_transport(), None
            else:
                key = settings.api_key(required=True)
            self._client = InteractionsClient(
                api_key=key, base_url=settings.base_url if not settings.embedded
                else "http://emulator.local", api_version=settings.api_version,
                timeout=settings.timeout, max_retries=settings.max_retries, clock=self.clock,
                transport=transport, extra_headers=self._extra_headers(),
                trace=self.trace if self.debug else None,
            )
        return self._client

    def _embedded_transport(self):
        from gemini_cli.emulator.embedded import EmbeddedTransport
        from gemini_cli.state import state_dir

        return EmbeddedTransport(state_dir(create=True))

    def _extra_headers(self) -> dict[str, str]:
        import os

        fault = os.environ.get("GEM_EMULATOR_FAULT", "").strip()
        return {"x-gem-emulator-fault": fault} if fault else {}

    def resolve_id(self, interaction_id: str) -> str:
        """Accept `last` (and `-` for an id on stdin) wherever an id is expected."""
        from gemini_cli.history import resolve_id

        interaction_id = interaction_id.strip()
        if interaction_id == "-":
            interaction_id = self._id_from_stdin()
        if not interaction_id:
            raise UsageError("the interaction id is empty")
        return resolve_id(interaction_id)

    def _id_from_stdin(self) -> str:
        """`-`: the first non-empty line of stdin (`gem create --format id ... | gem get -`)."""
        if self.io.stdin is None or self.io.stdin_isatty:
            raise UsageError("ID '-' reads the id from stdin, but stdin is a terminal")
        for line in self.io.stdin:
            line = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
            if line.strip():
                return line.strip()
        raise UsageError("ID '-': stdin held no interaction id")

    def created(self, interaction, body: dict[str, Any] | None = None) -> None:
        """Record an interaction this run created (history, `-c`, `last`); never fails."""
        from gemini_cli import history

        if not self._history_off(history):
            self._best_effort(history.record, interaction, body)

    def observed(self, interaction) -> None:
        """Refresh the history row of a known interaction (get/poll saw a new status)."""
        from gemini_cli import history

        if not self._history_off(history):
            self._best_effort(history.update_status, getattr(interaction, "id", ""),
                              getattr(interaction, "status", ""),
                              getattr(interaction, "usage", None))

    def _history_off(self, history: Any) -> bool:
        return bool(self.options.get("no_log")) or history.logging_disabled()

    def _best_effort(self, write: Callable[..., Any], *args: Any) -> None:
        """History is a convenience: a failure to write it is a warning, not an exit code."""
        try:
            write(*args)
        except Exception as exc:  # noqa: BLE001 - any failure here must not fail the command
            if self.debug:
                self.io.err(traceback.format_exc().rstrip())
            self.warn(f"could not write the history ({type(exc).__name__}: {exc}); "
                      "run with --debug for details")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # -- messages on stderr -------------------------------------------------------------

    def warn(self, message: str) -> None:
        if not self.quiet:
            self.io.err(f"gem: warning: {message}")

    def hint(self, message: str) -> None:
        if not self.quiet:
            self.io.err(f"hint: {message}")

    def info(self, message: str) -> None:
        if not self.quiet:
            self.io.err(message)

    def trace(self, message: str) -> None:
        self.io.err(self._redact(message))

    def _redact(self, text: str) -> str:
        client = self._client
        return client.redact(text) if client is not None else text

    # -- errors -------------------------------------------------------------------------

    def report(self, exc: GemError) -> int:
        message = one_line(self._redact(exc.message))
        if self._format_for_errors() == "json":
            self.io.err(json.dumps({"error": {**exc.to_dict(), "message": message}}))
        else:
            line = f"gem: error: {message}"
            if exc.hint and not self.quiet:
                line += f" ({one_line(exc.hint)})"
            self.io.err(line)
        return exc.exit_code

    def _format_for_errors(self) -> str | None:
        if self.options.get("json_"):
            return "json"
        fmt = self.options.get("format")
        if fmt is None and self._settings is not None:  # GEM_FORMAT or the config file
            fmt = self._settings.format
        return "json" if fmt in ("json", "ndjson") else None


@contextmanager
def error_boundary(run: Runtime) -> Iterator[None]:
    """Turn every exception into one line on stderr and an exit code: no tracebacks."""
    code = 0
    try:
        yield
        code = run.exit_code
    except GemError as exc:
        if run.debug:
            run.io.err(run._redact(traceback.format_exc().rstrip()))
        code = run.report(exc)
        if isinstance(exc, Interrupted):
            code = EXIT_INTERRUPTED
    except KeyboardInterrupt:
        if run._format_for_errors() == "json":
            run.report(Interrupted("interrupted"))
        else:
            run.io.err("gem: interrupted")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        code = 0
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last resort: a bug, reported as exit 70
        if run.debug:
            run.io.err(run._redact(traceback.format_exc().rstrip()))
        detail = one_line(run._redact(f"{type(exc).__name__}: {exc}"))
        run.io.err(f"gem: internal error: {detail} (run with --debug for details)")
        code = EXIT_INTERNAL
    finally:
        with suppress(Exception):  # closing must never mask the real outcome
            run.close()
    if code:
        raise typer.Exit(code)


def one_line(text: str) -> str:
    """Errors are one line on stderr: a server message with newlines is folded."""
    return " ".join(text.split())


def merged_options(ctx: Any, local: dict[str, Any]) -> dict[str, Any]:
    """Options given after the subcommand win over those given before it."""
    root = dict((ctx.obj or {}).get("globals", {})) if isinstance(ctx.obj, dict) else {}
    merged = dict(root)
    for key, value in local.items():
        if value is not None and value != _DEFAULTS.get(key):
            merged[key] = value
        else:
            merged.setdefault(key, value)
    return merged


def gem_command(
    app: typer.Typer,
    name: str,
    *,
    formats: tuple[str, ...] = ("text", "json", "yaml", "id"),
    groups: tuple[Any, ...] = (),
    **kwargs: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn(run, ...)` as a command with option groups, the global options and the
    error boundary. Each group's values reach `fn` as one dataclass named after the group."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        group_names = {g.name for g in groups}

        @functools.wraps(fn)
        def wrapper(*args: Any, **kw: Any) -> Any:
            ctx = kw.pop("gem_ctx", None)
            local = {key: kw.pop(key) for key in GLOBAL_OPTIONS}
            for group in groups:
                values = {key: kw.pop(key) for key in group.options}
                kw[group.name] = group.build(
                    {k: ([] if v is None and _is_list(group.options[k][0]) else v)
                     for k, v in values.items()})
            obj = ctx.obj if ctx is not None and isinstance(ctx.obj, dict) else {}
            run = Runtime(IO.from_sys(obj.get("tty")), merged_options(ctx, local), formats, obj)
            with error_boundary(run):
                _ = run.format  # validates --format before any work is done
                fn(run, *args, **kw)

        params = [p for p in list(inspect.signature(fn).parameters.values())[1:]
                  if p.name not in group_names]
        extra = [(key, typ, option, default) for group in groups
                 for key, (typ, option, default) in group.options.items()]
        extra += [(key, typ, option, _DEFAULTS.get(key))
                  for key, (typ, option) in GLOBAL_OPTIONS.items()]
        for key, typ, option, default in extra:
            params.append(inspect.Parameter(
                key, inspect.Parameter.KEYWORD_ONLY, default=default,
                annotation=Annotated[typ, option]))
        params.append(inspect.Parameter(
            "gem_ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context))
        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        del wrapper.__wrapped__
        wrapper.gem_formats = formats  # type: ignore[attr-defined]
        return app.command(name, **kwargs)(wrapper)

    return decorate


def _is_list(typ: Any) -> bool:
    return "list[" in str(typ)


def exit_code_of_usage(message: str) -> None:
    """Print a usage error as one line and exit 2 (for checks outside the boundary)."""
    sys.stderr.write(f"gem: error: {message}\n")
    raise typer.Exit(EXIT_USAGE)
