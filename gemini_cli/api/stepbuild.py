"""The pieces an interaction is rebuilt from: steps and blocks whose text and data are joined once."""

from __future__ import annotations

import hashlib
import json
import re

from gemini_cli.api.steps import MEDIA_TYPES, type_of
from gemini_cli.core.jsontypes import JSONObject, JSONValue

__all__ = [
    "Block",
    "Step",
    "TextDigest",
    "block_of",
    "continues_media",
    "is_base64_open",
    "merged",
    "step_type_for",
]

_MODEL_OUTPUT_DELTAS = MEDIA_TYPES | {"text", "text_annotation_delta"}
_THOUGHT_DELTAS = frozenset({"thought_summary", "thought_signature"})
_EMPTY: tuple[JSONValue, ...] = (None, "", [], {})
# Base64 (standard or URL-safe alphabet): a piece that may continue, and one that may end.
_BASE64_OPEN = re.compile(r"[A-Za-z0-9+/_-]*")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate from a server is data too


class TextDigest:
    """What was streamed of the answer, without keeping it: its length and a running hash."""

    def __init__(self) -> None:
        self.length = 0  # in characters
        self._hash = hashlib.sha256()

    def update(self, text: str) -> None:
        self.length += len(text)
        self._hash.update(text.encode("utf-8", "surrogatepass"))  # _utf8, inlined: per delta

    def rest_of(self, text: str) -> str | None:
        """What `text` has after the streamed part, when the streamed part is its prefix."""
        if len(text) < self.length:
            return None
        if hashlib.sha256(_utf8(text[: self.length])).digest() != self._hash.digest():
            return None
        return text[self.length :]


class Block:
    """A content block being built: its fields, and its `text` or `data` as pieces."""

    __slots__ = ("b64", "fields", "key", "length", "pieces")

    def __init__(self, fields: JSONObject, key: str | None = None) -> None:
        self.fields = {k: list(v) if isinstance(v, list) else v for k, v in fields.items()}
        self.key = key
        value = fields.get(key) if key else None
        self.pieces: list[str] = [value] if isinstance(value, str) and value else []
        self.length = len(value) if isinstance(value, str) else 0
        self.b64 = isinstance(value, str) and _BASE64_OPEN.fullmatch(value) is not None

    def add(self, piece: str, keep: bool = True) -> None:
        if keep:
            self.pieces.append(piece)
        self.length += len(piece)

    def build(self) -> JSONObject:
        if self.key is None:
            return dict(self.fields)
        return {**self.fields, self.key: "".join(self.pieces)}


def block_of(value: JSONValue) -> Block | JSONValue:
    if not isinstance(value, dict):
        return value  # not a block: kept as sent
    kind = type_of(value)
    key = "text" if kind == "text" else "data" if kind in MEDIA_TYPES else None
    return Block(value, key if key and isinstance(value.get(key), str) else None)


class Step:
    """A step being built: its fields, its content blocks, its argument fragments."""

    __slots__ = ("content", "fields", "fragments")

    def __init__(self, fields: JSONObject) -> None:
        self.fields = {k: list(v) if isinstance(v, list) else v for k, v in fields.items()}
        content = self.fields.get("content")
        self.content: list[Block | JSONValue] | None = None
        if isinstance(content, list):
            self.content = [block_of(b) for b in content]
        self.fragments: list[str] | None = None

    @property
    def type(self) -> str:
        return type_of(self.fields)

    def last_block(self) -> Block | None:
        last = self.content[-1] if self.content else None
        return last if isinstance(last, Block) else None

    def add_block(self, block: Block) -> None:
        if self.content is None:
            self.content = []
        self.content.append(block)

    def adopt(self, earlier: Step) -> None:
        """Deltas arrived before this start: keep what they built unless the start has more."""
        for key, value in earlier.fields.items():
            if self.fields.get(key) in _EMPTY:
                self.fields[key] = value
        if not self.content and earlier.content:
            self.content = earlier.content
        if self.fragments is None:
            self.fragments = earlier.fragments

    def build(self) -> JSONObject:
        step = dict(self.fields)
        if self.content is not None:
            step["content"] = [b.build() if isinstance(b, Block) else b for b in self.content]
        if self.fragments is not None:
            step["arguments"] = _parse_arguments("".join(self.fragments))
        return step


def step_type_for(delta_type: str) -> str:
    """The step type a delta implies, for a delta that arrives before its step.start."""
    if delta_type in _MODEL_OUTPUT_DELTAS:
        return "model_output"
    if delta_type in _THOUGHT_DELTAS:
        return "thought"
    if delta_type == "arguments_delta":
        return "function_call"
    return delta_type  # tool deltas are named after their step type


def _parse_arguments(raw: str) -> JSONValue:
    """Concatenated arguments_delta fragments, parsed; empty means `{}`; not JSON stays raw."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw  # nothing is lost: the caller sees a string, not an object


def merged(current: JSONValue, value: JSONValue) -> JSONValue:
    """Objects are updated (one level, into a new dict), everything else replaced."""
    if isinstance(current, dict) and isinstance(value, dict):
        return {**current, **value}
    return value


def continues_media(block: Block, delta: JSONObject) -> bool:
    """Whether a media delta continues the `data` of the previous block rather than start one.

    Only when it is clear: same media type, both inline `data` (no `uri`), no conflicting
    metadata, the block's data is unpadded base64 and the delta's is base64, and either the
    block's data cannot be complete base64 on its own (length not a multiple of 4) or the delta
    carries nothing but `type` and `data` (a new media item would announce its mime_type).
    """
    more = delta.get("data")
    if block.key != "data" or not block.b64 or not isinstance(more, str):
        return False
    if block.fields.get("type") != delta.get("type") or "uri" in block.fields or "uri" in delta:
        return False
    if _BASE64_RUN.fullmatch(more) is None:
        return False  # not base64 together: merging would hide a corrupt block in a file
    for key, value in delta.items():
        if key not in ("type", "data") and key in block.fields and block.fields[key] != value:
            return False
    return block.length % 4 != 0 or set(delta) <= {"type", "data"}


def is_base64_open(data: str) -> bool:
    """Base64 without padding: data that another piece may continue."""
    return _BASE64_OPEN.fullmatch(data) is not None
