"""What a run's client talks to: the embedded emulator, fault headers, a valid id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gemini_cli.core.errors import UsageError

if TYPE_CHECKING:
    from gemini_cli.emulator.embedded import EmbeddedTransport

# The origin a client of the embedded emulator sends to (and that its files' uris name).
EMBEDDED_ORIGIN = "http://emulator.local"


def embedded_transport() -> EmbeddedTransport:
    """The in-process emulator for `emulator:` base URLs, on the state directory."""
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


def fault_headers() -> dict[str, str]:
    """GEM_EMULATOR_FAULT as the header the emulator reads (validated: exit 2 when bad)."""
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


def check_id(interaction_id: str) -> None:
    """An id given on the command line must fit in a URL path segment: not too long, and
    none of what `api.wire.id_problem` refuses (`.`/`..`, control characters, surrogates)."""
    from gemini_cli.api.wire import MAX_ID_CHARS, check_user_id

    if len(interaction_id) > MAX_ID_CHARS:
        raise UsageError(
            f"the interaction id is too long ({len(interaction_id)} characters; "
            f"at most {MAX_ID_CHARS})"
        )
    check_user_id(interaction_id)
