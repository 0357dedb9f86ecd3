"""The exit-code table and the errors that are not about the API (usage, output, interrupts).

Imports nothing heavy: `cli/main.py` reads the exit codes before anything else is loaded.
"""

from __future__ import annotations

import errno

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (`gem --version`)
if TYPE_CHECKING:
    from gemini_cli.core.jsontypes import JSONObject, JSONValue

# The exit-code table is part of gem's public contract (README, "Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1  # an interaction, a file's processing or a store operation failed
EXIT_USAGE = 2
EXIT_API_REFUSED = 3
EXIT_AUTH = 4
EXIT_RATE_LIMITED = 5
EXIT_UNAVAILABLE = 6
EXIT_STOPPED = 7
EXIT_STILL_RUNNING = 8
EXIT_REQUIRES_ACTION = 9
EXIT_SOME_FAILED = 10  # gem batch: some items failed (each output line has its own code)
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

# Failed writes that say the output cannot be written (disk full, device error, closed fd),
# not that gem has a bug: exit 2 with one line.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


class GemError(Exception):
    """Base class: carries the exit code and what a script needs to know."""

    exit_code = EXIT_INTERNAL
    error_type = "internal"

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        interaction_id: str | None = None,
        hint: str | None = None,
        body: JSONValue = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.interaction_id = interaction_id
        self.hint = hint
        self.body = body

    def to_dict(self) -> JSONObject:
        data: JSONObject = {
            "exit_code": self.exit_code,
            "type": self.error_type,
            "message": self.message,
            "http_status": self.http_status,
            "interaction_id": self.interaction_id,
        }
        if self.hint:
            data["hint"] = self.hint
        return data


class UsageError(GemError):
    """Bad flags, files, config or request body: nothing was sent."""

    exit_code = EXIT_USAGE
    error_type = "usage"


class OutputError(UsageError):
    """stdout cannot be written (closed, disk full): exit 2, one line."""

    error_type = "output"


class Interrupted(GemError):
    """Ctrl-C: the message says how to pick the work up again."""

    exit_code = EXIT_INTERRUPTED
    error_type = "interrupted"
