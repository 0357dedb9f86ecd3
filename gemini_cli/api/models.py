"""Lenient response models: unknown fields, step types and statuses pass through untouched."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, field_validator

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "incomplete", "budget_exceeded"})
RUNNING_STATUSES = frozenset({"queued", "in_progress", "created", "pending"})
MEDIA_TYPES = frozenset({"image", "audio", "video", "document"})


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Content(_Lenient):
    type: str = ""
    text: str | None = None
    mime_type: str | None = None
    data: str | None = None
    uri: str | None = None
    annotations: list[dict[str, Any]] | None = None


class Step(_Lenient):
    type: str = ""
    content: list[Content] | None = None
    summary: list[Content] | None = None
    id: str | None = None
    name: str | None = None
    call_id: str | None = None
    arguments: Any = None


class Usage(_Lenient):
    total_input_tokens: int | None = None
    total_output_tokens: int | None = None
    total_thought_tokens: int | None = None
    total_cached_tokens: int | None = None
    total_tool_use_tokens: int | None = None
    total_tokens: int | None = None


class Interaction(_Lenient):
    """An interaction as the server sent it; `raw` keeps the exact bytes for `--format json`."""

    id: str = ""
    status: str = ""
    model: str | None = None
    agent: str | None = None
    steps: list[Step] | None = None
    usage: Usage | None = None
    continuation_token: str | None = None
    previous_interaction_id: str | None = None
    errors: list[dict[str, Any]] | None = None

    _raw: str = PrivateAttr(default="")
    _data: dict[str, Any] = PrivateAttr(default_factory=dict)

    # A field of the wrong type must never crash the rendering: a number where a string is
    # expected reads as its text, anything else as absent (the JSON output stays as sent).
    @field_validator("id", "status", mode="before")
    @classmethod
    def _text_or_empty(cls, value: Any) -> str:
        return _as_text(value) or ""

    @field_validator(
        "model", "agent", "continuation_token", "previous_interaction_id", mode="before"
    )
    @classmethod
    def _text_or_none(cls, value: Any) -> str | None:
        return _as_text(value)

    @field_validator("steps", "errors", mode="before")
    @classmethod
    def _list_or_none(cls, value: Any) -> Any:
        return value if isinstance(value, list) else None

    @field_validator("usage", mode="before")
    @classmethod
    def _dict_or_none(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else None

    @classmethod
    def from_json(cls, text: str) -> Interaction:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return cls.from_dict(data, raw=text)

    @classmethod
    def from_dict(cls, data: dict[str, Any], raw: str | None = None) -> Interaction:
        try:
            obj = cls.model_validate(data)
        except ValidationError:
            # A shape we do not know (e.g. steps that are not objects): keep what we can.
            obj = cls.model_construct(
                id=_as_text(data.get("id")) or "",
                status=_as_text(data.get("status")) or "",
                model=_as_text(data.get("model")),
                agent=_as_text(data.get("agent")),
            )
            obj.steps = _lenient_steps(data.get("steps"))
        obj._data = data
        obj._raw = raw if raw is not None else json.dumps(data)
        obj.id = displayable_id(obj.id)
        return obj

    @property
    def raw(self) -> str:
        return self._raw

    @property
    def data(self) -> dict[str, Any]:
        return self._data

    @property
    def step_dicts(self) -> list[dict[str, Any]]:
        steps = self._data.get("steps")
        return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []

    @property
    def output_text(self) -> str:
        from gemini_cli.api.events import output_text

        return output_text(self.step_dicts)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    def function_calls(self) -> list[dict[str, Any]]:
        return [s for s in self.step_dicts if s.get("type") == "function_call"]

    def output_media(self) -> list[tuple[int, int, dict[str, Any]]]:
        """(step index, block index, block) for every media block in model output steps."""
        found = []
        for si, step in enumerate(self.step_dicts):
            if step.get("type") != "model_output":
                continue
            for bi, block in enumerate(step.get("content") or []):
                if isinstance(block, dict) and block.get("type") in MEDIA_TYPES:
                    found.append((si, bi, block))
        return found

    def error_message(self) -> str | None:
        """The reason a failed interaction gives: a top-level `error` (object or string), the
        `errors` list, or a model_output step's `error`."""
        err = self._data.get("error")
        if isinstance(err, str) and err.strip():
            return err.strip()
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        errors = self._data.get("errors")
        for err in errors if isinstance(errors, list) else []:
            if isinstance(err, dict) and err.get("message"):
                return str(err["message"])
            if isinstance(err, str) and err.strip():
                return err.strip()
        for step in reversed(self.step_dicts):
            err = step.get("error")
            if isinstance(err, dict) and err.get("message"):
                return str(err["message"])
        return None


def _as_text(value: Any) -> str | None:
    """A string as is, a number as its text (`5` -> "5"), anything else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _lenient_steps(steps: Any) -> list[Step]:
    out = []
    for step in steps if isinstance(steps, list) else []:
        if isinstance(step, dict):
            try:
                out.append(Step.model_validate(step))
            except ValidationError:
                out.append(Step.model_construct(type=str(step.get("type", ""))))
    return out


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
