"""The batch input: JSON Lines read as a stream of items (flat memory), bad lines reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from gemini_cli.core.jsontypes import JSONObject, JSONValue

# A line longer than this is refused (and skipped) rather than held in memory.
MAX_LINE_BYTES = 16 * 1024 * 1024

# Per-item overrides of the command-line request flags: field -> the JSON types accepted.
OVERRIDES: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "agent": (str,),
    "system": (str,),
    "thinking": (str,),
    "max_tokens": (int,),
    "seed": (int,),
    "temperature": (int, float),
    "top_p": (int, float),
    "stop": (str, list),
    "labels": (dict,),
    "set": (str, list),
    "schema": (str, dict),
}
ITEM_FIELDS = frozenset({"key", "prompt", "attach", "body", *OVERRIDES})


@dataclass(frozen=True)
class Item:
    """One request of the batch: where it came from, its key, and what it asks."""

    line: int
    key: JSONValue  # as given (a string or a number); the line number by default
    prompt: str | None = None
    attach: tuple[str, ...] = ()
    body: JSONObject | None = None
    overrides: JSONObject = field(default_factory=dict)

    @property
    def ident(self) -> str:
        """The key as text: what the journal and the shard hash use."""
        return key_text(self.key)


@dataclass(frozen=True)
class BadLine:
    """A line that is not a valid item: reported with its number, never silently dropped."""

    line: int
    message: str

    @property
    def key(self) -> JSONValue:
        return self.line

    @property
    def ident(self) -> str:
        return str(self.line)


def key_text(key: JSONValue) -> str:
    return key if isinstance(key, str) else json.dumps(key)


def read_items(stream: IO[bytes]) -> Iterator[Item | BadLine]:
    """Every non-blank line as an Item, or a BadLine saying what is wrong with it."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            _skip_rest_of_line(stream)
            yield BadLine(number, f"longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB")
            continue
        if raw.strip():
            yield parse_line(raw, number)


def _skip_rest_of_line(stream: IO[bytes]) -> None:
    while True:
        chunk = stream.readline(MAX_LINE_BYTES)
        if not chunk or chunk.endswith(b"\n"):
            return


def parse_line(raw: bytes, number: int) -> Item | BadLine:
    try:
        value = json.loads(raw)
    except UnicodeDecodeError:
        return BadLine(number, "not valid UTF-8")
    except (ValueError, RecursionError) as exc:
        return BadLine(number, f"not valid JSON ({exc})")
    if isinstance(value, str):
        if not value.strip():
            return BadLine(number, "the prompt is empty")
        return Item(number, number, prompt=value)
    if not isinstance(value, dict):
        return BadLine(number, "expected a JSON string (the prompt) or an object")
    return _item_from_object(value, number)


def _item_from_object(value: JSONObject, number: int) -> Item | BadLine:
    unknown = sorted(set(value) - ITEM_FIELDS)
    if unknown:
        return BadLine(
            number, f"unknown field {unknown[0]!r} (known: {', '.join(sorted(ITEM_FIELDS))})"
        )
    key = value.get("key", number)
    if not isinstance(key, (str, int)) or isinstance(key, bool) or key == "":
        return BadLine(number, "'key' must be a non-empty string or an integer")
    prompt, attach, body = value.get("prompt"), value.get("attach", []), value.get("body")
    if prompt is not None and not isinstance(prompt, str):
        return BadLine(number, "'prompt' must be a string")
    if isinstance(attach, str):
        attach = [attach]
    if not isinstance(attach, list) or not all(isinstance(a, str) and a for a in attach):
        return BadLine(number, "'attach' must be a path or a list of paths")
    if body is not None and not isinstance(body, dict):
        return BadLine(number, "'body' must be an object (a whole request body)")
    if not (prompt or "").strip() and not attach and not (body and "input" in body):
        return BadLine(number, "no input: give 'prompt', 'attach' or a 'body' with 'input'")
    overrides = {k: v for k, v in value.items() if k in OVERRIDES}
    for name, given in overrides.items():
        if not isinstance(given, OVERRIDES[name]) or isinstance(given, bool):
            return BadLine(number, f"'{name}' has the wrong type ({type(given).__name__})")
    return Item(number, key, prompt, tuple(attach), body, overrides)
