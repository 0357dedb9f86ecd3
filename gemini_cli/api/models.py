"""The interaction as the server sent it: plain JSON with lenient, typed accessors (no pydantic)."""

from __future__ import annotations

import json

from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.core.status import RUNNING_STATUSES, TERMINAL_STATUSES


class Interaction:
    """An interaction response; unknown fields, step types and statuses pass through untouched.

    A field of the wrong type never crashes the rendering: a number where a string is expected
    reads as its text, anything else as absent. `data` is the parsed JSON and `raw` the exact
    text for `--format json` (for a rebuilt interaction, serialised only when asked for)."""

    __slots__ = ("_raw", "data", "id")

    def __init__(self, data: JSONObject, raw: str | None = None) -> None:
        self.data = data
        self._raw = raw
        self.id = displayable_id(_as_text(data.get("id")) or "")

    @classmethod
    def from_json(cls, text: str) -> Interaction:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return cls(data, raw=text)

    @classmethod
    def from_dict(cls, data: JSONObject, raw: str | None = None) -> Interaction:
        return cls(data, raw=raw)

    @property
    def raw(self) -> str:
        if self._raw is None:
            self._raw = json.dumps(self.data)
        return self._raw

    @property
    def status(self) -> str:
        return _as_text(self.data.get("status")) or ""

    @property
    def model(self) -> str | None:
        return _as_text(self.data.get("model"))

    @property
    def agent(self) -> str | None:
        return _as_text(self.data.get("agent"))

    @property
    def continuation_token(self) -> str | None:
        return _as_text(self.data.get("continuation_token"))

    @property
    def previous_interaction_id(self) -> str | None:
        return _as_text(self.data.get("previous_interaction_id"))

    @property
    def usage(self) -> JSONObject | None:
        usage = self.data.get("usage")
        return usage if isinstance(usage, dict) else None

    @property
    def errors(self) -> list[JSONValue] | None:
        errors = self.data.get("errors")
        return errors if isinstance(errors, list) else None

    @property
    def step_dicts(self) -> list[JSONObject]:
        from gemini_cli.api.steps import steps_of

        return steps_of(self.data)

    @property
    def output_text(self) -> str:
        from gemini_cli.api.steps import answer_text

        return answer_text(self.step_dicts)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    def function_calls(self) -> list[JSONObject]:
        from gemini_cli.api.steps import function_calls

        return function_calls(self.step_dicts)

    def output_media(self) -> list[tuple[int, int, JSONObject]]:
        """(step index, block index, block) for every media block in model output steps."""
        from gemini_cli.api.steps import output_media

        return output_media(self.step_dicts)

    def error_message(self) -> str | None:
        """The reason a failed interaction gives: a top-level `error` (object or string), the
        `errors` list, or a model_output step's `error`."""
        for err in [self.data.get("error"), *(self.errors or [])]:
            message = _message_of(err)
            if message:
                return message
        for step in reversed(self.step_dicts):
            err = step.get("error")
            if isinstance(err, dict) and err.get("message"):
                return str(err["message"])
        return None


def _message_of(err: JSONValue) -> str | None:
    if isinstance(err, str) and err.strip():
        return err.strip()
    if isinstance(err, dict) and err.get("message"):
        return str(err["message"])
    return None


def _as_text(value: JSONValue) -> str | None:
    """A string as is, a number as its text (`5` -> "5"), anything else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


_UNSAFE_IN_IDS = frozenset(
    [
        *range(0x20),
        0x7F,
        *range(0x80, 0xA0),
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)


def displayable_id(ident: str) -> str:
    """The id as gem uses it in messages, history and URLs: control and bidi characters a
    server might send (a newline forging an extra stderr line, U+202E reversing it) become
    `\\xNN`/`\\uNNNN`. `--format json` still prints the server's bytes unchanged."""
    if not any(ord(ch) in _UNSAFE_IN_IDS for ch in ident):
        return ident
    return "".join(
        (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        if ord(ch) in _UNSAFE_IN_IDS
        else ch
        for ch in ident
    )
