"""One JSON line per item: key, status, exit code, the answer (or the whole interaction), error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gemini_cli.api.errors import InteractionError
from gemini_cli.core.errors import GemError, UsageError
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.core.status import status_error

if TYPE_CHECKING:
    from gemini_cli.api.models import Interaction


@dataclass(frozen=True)
class Result:
    """A finished item, ready to print and to journal."""

    key: JSONValue
    ident: str  # the key as text
    line_no: int
    exit_code: int
    line: str  # the JSON line, without its newline
    interaction_id: str | None = None
    tokens: int | None = None
    # final: print it; submitted: created in the background (collected later); running: still
    # running when collected (left in the journal); dropped: never sent (the batch stopped)
    state: str = "final"
    journaled: bool = False  # recorded in the journal as finished (so: mark it printed)


def error_object(exc: GemError) -> JSONObject:
    return {"type": exc.error_type, "message": " ".join(exc.message.split()),
            "http_status": exc.http_status}  # fmt: skip


def from_interaction(
    key: JSONValue, ident: str, line_no: int, interaction: Interaction, *,
    expect_json: bool, whole: bool,
) -> Result:  # fmt: skip
    """The result of an item the API answered: the exit code follows the status, as for
    `gem create`; with --schema the answer must parse as JSON (else exit 1)."""
    reason = interaction.error_message()
    failure = status_error(interaction.status, interaction.id, reason)
    text: JSONValue = None
    if not whole:
        text = interaction.output_text or None
        if expect_json and failure is None:
            try:
                text = json.loads(interaction.output_text)
            except ValueError as exc:
                failure = InteractionError(
                    f"the model's reply is not valid JSON ({exc})", interaction_id=interaction.id
                )
    code = 0 if failure is None else failure.exit_code
    record: JSONObject = {"key": key, "status": interaction.status, "exit_code": code}
    if not whole:
        record["text"] = text
    record["id"] = interaction.id or None
    if not whole:
        record["usage"] = interaction.usage
    record["error"] = error_object(failure) if failure is not None else None
    line = _dumps(record)
    if whole:  # the server's own bytes, when they fit on one line (lossless)
        raw = interaction.raw
        body = raw.strip() if "\n" not in raw.strip() else _dumps(interaction.data)
        line = line[:-1] + ',"interaction":' + body + "}"
    return Result(key, ident, line_no, code, line, interaction.id or None, _tokens(interaction))


def from_error(
    key: JSONValue, ident: str, line_no: int, exc: GemError, status: str = "error"
) -> Result:
    """An item that got no interaction (refused, unreachable, a bad attachment...)."""
    record: JSONObject = {
        "key": key, "status": status, "exit_code": exc.exit_code,
        "id": exc.interaction_id, "error": error_object(exc),
    }  # fmt: skip
    return Result(key, ident, line_no, exc.exit_code, _dumps(record), exc.interaction_id)


class InvalidLine(UsageError):
    """A line of the input that is not an item (exit 2 for that line)."""

    error_type = "invalid_line"


def bad_line(line_no: int, message: str) -> Result:
    exc = InvalidLine(f"line {line_no}: {message}")
    return from_error(line_no, str(line_no), line_no, exc, status="invalid")


def _tokens(interaction: Interaction) -> int | None:
    usage = interaction.usage or {}
    total = usage.get("total_tokens")
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def _dumps(record: JSONObject) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
