"""Per-run context (I/O, settings, client) and the command decorator with the global options."""

import functools
import inspect
import json
import sys
import traceback
from collections.abc import Callable
from typing import Annotated, Any

import typer

from gemini_cli.api.errors import (
    EXIT_USAGE,
    GemError,
    UsageError,
)
from gemini_cli.cli.boundary import error_boundary, one_line
from gemini_cli.core.termio import IO

GLOBAL_PANEL = "Global options"


def _complete_format(ctx: Any, incomplete: str) -> list[str]:
    # Typer's callback wrapper copies the function's attributes, gem_formats among them.
    command = ctx.command
    formats = getattr(command.callback, "gem_formats", None) or getattr(
        command, "gem_formats", ("text", "json", "yaml", "id")
    )
    return [f for f in formats if f.startswith(incomplete)]


# Options every command accepts, before or after the subcommand name (scripts write both).
GLOBAL_OPTIONS: dict[str, tuple[Any, Any]] = {
    "base_url": (
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            rich_help_panel=GLOBAL_PANEL,
            help="API base URL, or 'emulator:' for the built-in offline emulator "
            "[env: GEM_BASE_URL, GOOGLE_GEMINI_BASE_URL].",
        ),
    ),
    "api_version": (
        str | None,
        typer.Option(
            "--api-version",
            metavar="VER",
            rich_help_panel=GLOBAL_PANEL,
            help="API version path segment (default v1) [env: GOOGLE_GENAI_API_VERSION].",
        ),
    ),
    "timeout": (
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            rich_help_panel=GLOBAL_PANEL,
            help="Total deadline for the operation, retries included (default 600) "
            "[env: GEM_TIMEOUT].",
        ),
    ),
    "max_retries": (
        int | None,
        typer.Option(
            "--max-retries",
            metavar="N",
            rich_help_panel=GLOBAL_PANEL,
            help="Retries on 408/429/5xx and connection errors (default 4) [env: GEM_MAX_RETRIES].",
        ),
    ),
    "format": (
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            rich_help_panel=GLOBAL_PANEL,
            autocompletion=_complete_format,
            help="Output format: text, json, yaml or id (some commands add more).",
        ),
    ),
    "json_": (
        bool,
        typer.Option("--json", rich_help_panel=GLOBAL_PANEL, help="Short for --format json."),
    ),
    "debug": (
        bool,
        typer.Option(
            "--debug",
            rich_help_panel=GLOBAL_PANEL,
            help="Trace requests and responses on stderr (API key redacted) [env: GEM_DEBUG=1].",
        ),
    ),
    "quiet": (
        bool,
        typer.Option(
            "--quiet", "-q", rich_help_panel=GLOBAL_PANEL, help="No hints, warnings or progress."
        ),
    ),
    "no_log": (
        bool,
        typer.Option(
            "--no-log",
            rich_help_panel=GLOBAL_PANEL,
            help="Keep this run out of the local history ('gem history', -c, last) "
            "[env: GEM_NO_LOG=1].",
        ),
    ),
}
_DEFAULTS = {"json_": False, "debug": False, "quiet": False, "no_log": False}


class Runtime:
    """Everything a command needs, built once per run and passed down."""

    def __init__(
        self,
        io: IO,
        options: dict[str, Any],
        formats: tuple[str, ...],
        test_hooks: dict[str, Any] | None = None,
    ) -> None:
        import os

        self.io = io
        self.options = options
        self.hooks = test_hooks or {}
        self.debug = bool(options.get("debug")) or os.environ.get(
            "GEM_DEBUG", ""
        ).strip().lower() not in ("", "0", "false", "no", "off")
        self.quiet = bool(options.get("quiet"))
        self.formats = formats
        self._format = options.get("format")
        if options.get("json_"):
            self._format = "json"
        self._settings = None
        self._client = None
        self._history_row: str | None = None  # the id this run's history row has now
        self._history_earlier: dict[str, int | None] | None = None  # tokens of earlier hops
        self._history_hop: dict[str, int | None] | None = None  # tokens of the current hop
        self.exit_code = 0
        self.uses_settings = True  # False for `config path`: it must work with a broken config
        self.started = self.clock.monotonic()

    # -- settings and client ------------------------------------------------------------

    @property
    def settings(self):
        if self._settings is None:
            from gemini_cli.settings.config import load_settings

            # Warnings wait until the settings (and so the output format) are known: with
            # GEM_FORMAT=json or `format: json`, stderr must hold only the JSON error.
            pending: list[str] = []
            self._settings = load_settings(self.options, warn=pending.append)
            for message in pending:
                self.warn(message)
        return self._settings

    @property
    def format(self) -> str:
        configured = self.settings.format if self.uses_settings else None
        fmt = self._format or configured or self.formats[0]
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
            from gemini_cli.api.wire import check_transport_security

            settings = self.settings
            if self.io.stdout_closed:  # checked before anything is sent: the answer has no way out
                raise UsageError(
                    "stdout is closed: the output would be lost",
                    hint="redirect it instead, e.g. > /dev/null",
                )
            transport, key = None, None
            if settings.embedded:
                transport, key = self._embedded_transport(), None
            else:
                check_transport_security(settings.base_url)  # before the key is looked for
                key = settings.api_key(required=True, timeout=self.remaining())
            self._client = InteractionsClient(
                api_key=key,
                base_url=settings.base_url if not settings.embedded else "http://emulator.local",
                api_version=settings.api_version,
                timeout=settings.timeout,
                max_retries=settings.max_retries,
                clock=self.clock,
                transport=transport,
                extra_headers=self._extra_headers(),
                trace=self.trace if self.debug else None,
            )
        return self._client

    def remaining(self) -> float:
        """What is left of --timeout since this run started (reading stdin, api_key_command)."""
        return self.settings.timeout - (self.clock.monotonic() - self.started)

    def _embedded_transport(self):
        import os
        import sqlite3

        from gemini_cli.emulator.embedded import EmbeddedTransport
        from gemini_cli.settings.paths import state_dir

        where = state_dir()
        try:  # checked before the first request: a bad GEM_STATE_DIR is exit 2, nothing sent
            where = state_dir(create=True)
            if not os.access(where, os.W_OK | os.X_OK):
                raise PermissionError(13, "Permission denied")
            return EmbeddedTransport(where)
        except (OSError, sqlite3.Error) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            if isinstance(exc, FileExistsError) or (where.exists() and not where.is_dir()):
                reason = "it is not a directory"
            raise UsageError(
                f"the embedded emulator cannot use the state directory {where}: {reason}",
                hint="set GEM_STATE_DIR (or XDG_STATE_HOME) to a writable directory",
            ) from exc

    def _extra_headers(self) -> dict[str, str]:
        import os

        fault = os.environ.get("GEM_EMULATOR_FAULT", "").strip()
        if not fault:
            return {}
        from gemini_cli.emulator.faults import FaultSpecError, parse_specs

        try:
            parse_specs(fault)
        except FaultSpecError as exc:
            raise UsageError(f"GEM_EMULATOR_FAULT: {exc}") from None
        return {"x-gem-emulator-fault": fault}

    def resolve_id(self, interaction_id: str) -> str:
        """Accept `last` (and `-` for an id on stdin) wherever an id is expected; an id too
        long for a URL, or holding a control character, is exit 2."""
        from gemini_cli.history.store import resolve_id

        interaction_id = interaction_id.strip()
        if interaction_id == "-":
            interaction_id = self._id_from_stdin()
        if not interaction_id:
            raise UsageError("the interaction id is empty")
        check_id(interaction_id)
        return resolve_id(interaction_id)

    def _id_from_stdin(self, hint: str | None = None) -> str:
        """`-`: the first non-empty line of stdin (`gem create --format id ... | gem get -`),
        read within --timeout like any stdin."""
        from gemini_cli.request.localread import read_stdin_line

        if self.io.stdin is None:
            raise UsageError("ID '-' reads the id from stdin, but stdin is closed", hint=hint)
        if self.io.stdin_isatty:
            raise UsageError("ID '-' reads the id from stdin, but stdin is a terminal", hint=hint)
        line = read_stdin_line(
            self.io.stdin, max(self.remaining(), 0.0), "ID '-'", self.clock.monotonic
        )
        if not line:
            raise UsageError("ID '-': stdin held no interaction id")
        return line

    def created(self, interaction, body: dict[str, Any] | None = None) -> None:
        """Record an interaction this run created (history, `-c`, `last`); never fails.

        One command is one row: the later hops of a run (tool rounds, continuations) move the
        row to their id, so `last` is where the conversation can go on; its tokens are the sum
        of the hops (as the printed usage is)."""
        from gemini_cli.history import store as history

        if not self._history_off(history):
            ident = getattr(interaction, "id", None)
            if ident and self._history_row and ident != self._history_row:  # a new hop
                self._history_earlier = history.add_tokens(self._history_earlier, self._history_hop)
                self._history_hop = None
            tokens = history.tokens_of(interaction)
            if any(value is not None for value in tokens.values()):
                self._history_hop = tokens  # (a stream's first record of a hop has none yet)
            self._best_effort(
                history.record, interaction, body, self._history_row, self._history_earlier
            )
            self._history_row = ident or self._history_row

    def observed(self, interaction) -> None:
        """Refresh the history row of a known interaction (get/poll saw a new status)."""
        from gemini_cli.history import store as history

        if not self._history_off(history):
            self._best_effort(
                history.update_status,
                getattr(interaction, "id", ""),
                getattr(interaction, "status", ""),
                getattr(interaction, "usage", None),
            )

    def _history_off(self, history: Any) -> bool:
        return bool(self.options.get("no_log")) or history.logging_disabled()

    def _best_effort(self, write: Callable[..., Any], *args: Any) -> None:
        """History is a convenience: a failure to write it is a warning, not an exit code."""
        try:
            write(*args)
        except Exception as exc:  # noqa: BLE001 - any failure here must not fail the command
            if self.debug:
                self.io.err(traceback.format_exc().rstrip())
            self.warn(
                f"could not write the history ({type(exc).__name__}: {exc}); "
                "run with --debug for details"
            )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # -- messages on stderr -------------------------------------------------------------

    @property
    def chatty(self) -> bool:
        """Whether prose (hints, warnings, notes, progress lines) may go to stderr: not with
        --quiet, nor with --format json/ndjson unless stderr is a terminal, where stderr is
        kept for the one JSON error object (so `2> err.json && jq` works)."""
        if self.quiet:
            return False
        return self._format_for_errors() != "json" or bool(self.io.stderr_isatty)

    def warn(self, message: str) -> None:
        if self.chatty:
            self.io.err(f"gem: warning: {message}")

    def hint(self, message: str) -> None:
        if self.chatty:
            self.io.err(f"gem: hint: {message}")

    def info(self, message: str) -> None:
        if self.chatty:
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
            if exc.hint and not self.quiet and exc.hint not in exc.message:  # said once
                line += f"; hint: {one_line(exc.hint)}"
            self.io.err(line)
        return exc.exit_code

    def _format_for_errors(self) -> str | None:
        if self.options.get("json_"):
            return "json"
        fmt = self.options.get("format")
        if fmt is None and self._settings is not None:  # GEM_FORMAT or the config file
            fmt = self._settings.format
        return "json" if fmt in ("json", "ndjson") else None


MAX_ID_CHARS = 1024


def check_id(interaction_id: str) -> None:
    """An id must fit in a URL path segment: not too long, no control or non-UTF-8 character."""
    if len(interaction_id) > MAX_ID_CHARS:
        raise UsageError(
            f"the interaction id is too long ({len(interaction_id)} characters; "
            f"at most {MAX_ID_CHARS})"
        )
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in interaction_id):
        raise UsageError("the interaction id contains a control character")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in interaction_id):
        raise UsageError("the interaction id is not valid UTF-8")


def merged_options(ctx: Any, local: dict[str, Any]) -> dict[str, Any]:
    """Options given after the subcommand win over those given before it."""
    root = dict((ctx.obj or {}).get("globals", {})) if isinstance(ctx.obj, dict) else {}
    merged = dict(root)
    for key, value in local.items():
        if value is not None and value != _DEFAULTS.get(key):
            merged[key] = value
        else:
            merged.setdefault(key, value)
    if local.get("format") is not None and not local.get("json_"):
        merged["json_"] = False  # `gem --json create -f text`: the later, local choice wins
    return merged


def gem_command(
    app: typer.Typer,
    name: str,
    *,
    formats: tuple[str, ...] = ("text", "json", "yaml", "id"),
    groups: tuple[Any, ...] = (),
    uses_settings: bool = True,
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
                    {
                        k: ([] if v is None and _is_list(group.options[k][0]) else v)
                        for k, v in values.items()
                    }
                )
            obj = ctx.obj if ctx is not None and isinstance(ctx.obj, dict) else {}
            run = Runtime(IO.from_sys(obj.get("tty")), merged_options(ctx, local), formats, obj)
            run.uses_settings = uses_settings
            with error_boundary(run):
                _ = run.format  # validates --format before any work is done
                fn(run, *args, **kw)

        params = [
            p
            for p in list(inspect.signature(fn).parameters.values())[1:]
            if p.name not in group_names
        ]
        extra = [
            (key, typ, option, default)
            for group in groups
            for key, (typ, option, default) in group.options.items()
        ]
        extra += [
            (key, typ, option, _DEFAULTS.get(key)) for key, (typ, option) in GLOBAL_OPTIONS.items()
        ]
        for key, typ, option, default in extra:
            params.append(
                inspect.Parameter(
                    key,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=default,
                    annotation=Annotated[typ, option],
                )
            )
        params.append(
            inspect.Parameter("gem_ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
        )
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
