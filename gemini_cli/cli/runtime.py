"""Per-run context: I/O, settings, client, history records and messages on stderr."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gemini_cli.cli.boundary import one_line
from gemini_cli.core import envflags
from gemini_cli.core.envflags import env_flag_or
from gemini_cli.core.errors import GemError, UsageError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.core.termio import IO

if TYPE_CHECKING:
    from gemini_cli.api.client import InteractionsClient
    from gemini_cli.api.models import Interaction
    from gemini_cli.core.clock import Clock
    from gemini_cli.settings.config import Settings


class Runtime:
    """Everything a command needs, built once per run and passed down."""

    def __init__(
        self,
        io: IO,
        options: dict[str, Any],
        formats: tuple[str, ...],
        test_hooks: dict[str, Any] | None = None,
    ) -> None:
        self.io = io
        self.options = options
        self.hooks = test_hooks or {}
        # A bad GEM_DEBUG value is reported (exit 2) inside the boundary, by check_flags.
        self.debug = bool(options.get("debug")) or env_flag_or(envflags.DEBUG, False)
        self.quiet = bool(options.get("quiet"))
        self.formats = formats
        self._format = options.get("format")
        if options.get("json_"):
            self._format = "json"
        self._settings: Settings | None = None
        self._client: InteractionsClient | None = None
        self._history_row: str | None = None  # the id this run's history row has now
        self._history_earlier: dict[str, int | None] | None = None  # tokens of earlier hops
        self._history_hop: dict[str, int | None] | None = None  # tokens of the current hop
        self.exit_code = 0
        # function name -> argv of its local command, recorded so a follow-up can carry it
        self.tool_commands: dict[str, list[str]] = {}
        self.uses_settings = True  # False for `config path`: it must work with a broken config
        self.started = self.clock.monotonic()

    # -- settings and client ------------------------------------------------------------

    @property
    def settings(self) -> Settings:
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
    def clock(self) -> Clock:
        from gemini_cli.core.clock import Clock

        clock: Clock = self.hooks.get("clock") or Clock()  # tests inject a FakeClock
        return clock

    def client(self) -> InteractionsClient:
        """The API client for this run (embedded emulator for `emulator:` base URLs)."""
        if self._client is None:
            from gemini_cli.api.client import InteractionsClient
            from gemini_cli.api.wire import check_transport_security
            from gemini_cli.cli.backend import EMBEDDED_ORIGIN, embedded_transport, fault_headers

            settings = self.settings
            if self.io.stdout_closed:  # checked before anything is sent: the answer has no way out
                raise UsageError(
                    "stdout is closed: the output would be lost",
                    hint="redirect it instead, e.g. > /dev/null",
                )
            transport, key = None, None
            if settings.embedded:
                transport, key = embedded_transport(), None
            else:
                check_transport_security(settings.base_url)  # before the key is looked for
                key = settings.api_key(required=True, timeout=self.remaining())
            self._client = InteractionsClient(
                api_key=key,
                base_url=settings.base_url if not settings.embedded else EMBEDDED_ORIGIN,
                api_version=settings.api_version,
                timeout=settings.timeout,
                max_retries=settings.max_retries,
                clock=self.clock,
                transport=transport,
                extra_headers=fault_headers(),
                trace=self.trace if self.debug else None,
            )
        return self._client

    def remaining(self) -> float:
        """What is left of --timeout since this run started (reading stdin, api_key_command)."""
        return self.settings.timeout - (self.clock.monotonic() - self.started)

    def resolve_id(self, interaction_id: str) -> str:
        """Accept `last` (and `-` for an id on stdin) wherever an id is expected; an id too
        long for a URL, or holding a control character, is exit 2."""
        from gemini_cli.cli.backend import check_id
        from gemini_cli.history.store import resolve_id

        interaction_id = interaction_id.strip()
        if interaction_id == "-":
            interaction_id = self._id_from_stdin()
        if not interaction_id:
            raise UsageError("the interaction id is empty")
        check_id(interaction_id)
        return resolve_id(interaction_id, self.settings.base_url)  # `last` of this back-end

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

    def created(self, interaction: Interaction, body: JSONObject | None = None) -> None:
        """Record an interaction this run created (history, `-c`, `last`); never fails.

        One command is one row: the later hops of a run (tool rounds, continuations) move the
        row to their id, so `last` is where the conversation can go on; its tokens are the sum
        of the hops (as the printed usage is)."""
        if self._history_off():  # before importing the store: no sqlite3 for a --no-log run
            return
        from gemini_cli.history import store as history
        from gemini_cli.history.rows import add_tokens, tokens_of
        from gemini_cli.turns.carry import snapshot

        ident = interaction.id
        if ident and self._history_row and ident != self._history_row:  # a new hop
            self._history_earlier = add_tokens(self._history_earlier, self._history_hop)
            self._history_hop = None
        tokens = tokens_of(interaction)
        if any(value is not None for value in tokens.values()):
            self._history_hop = tokens  # (a stream's first record of a hop has none yet)
        self._best_effort(
            history.record,
            interaction,
            body,
            self._history_row,
            self._history_earlier,
            self.settings.base_url,
            None if body is None else snapshot(body, self.tool_commands),
        )
        self._history_row = ident or self._history_row

    def observed(self, interaction: Interaction) -> None:
        """Refresh the history row of a known interaction (get/poll saw a new status)."""
        if self._history_off():
            return
        from gemini_cli.history import store as history

        self._best_effort(
            history.update_status, interaction.id, interaction.status, interaction.usage
        )

    def _history_off(self) -> bool:
        return bool(self.options.get("no_log")) or envflags.env_flag(envflags.NO_LOG)

    def _best_effort(self, write: Callable[..., Any], *args: Any) -> None:
        """History is a convenience: a failure to write it is a warning, not an exit code."""
        try:
            write(*args)
        except Exception as exc:  # noqa: BLE001 - any failure here must not fail the command
            if self.debug:
                import traceback

                self.io.err(traceback.format_exc().rstrip())
            from gemini_cli.history.store import write_failure

            self.warn(f"{write_failure(exc)}; run with --debug for details")

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
        origin = self._settings.key_origin() if self._settings is not None else None
        if origin and exc.error_type == "auth" and exc.http_status in (401, 403):
            message = f"{message} ({origin})"  # which key to fix; never the key itself
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
