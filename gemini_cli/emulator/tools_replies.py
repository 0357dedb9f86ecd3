"""Emulator replies for typed output: schema-shaped JSON, media blocks and continuation hops."""

from __future__ import annotations

import base64
import json
import math
import re
import struct
import zlib

from gemini_cli.core.jsontypes import JSONObject, JSONValue

# `[[continue:N]]` in the prompt: the answer comes in N+1 hops joined by continuation tokens;
# `[[continue:stuck]]`: every hop returns the token it was given (no progress).
CONTINUE_RE = re.compile(r"\[\[continue:(\d{1,2}|stuck)\]\]")
INVALID_JSON_MARKER = "[[invalid-json]]"
TOKEN_RE = re.compile(r"^ct-(\d+)-(\d+)-[0-9a-f]+$")
STUCK_PREFIX = "ct-stuck-"
MAX_DEPTH = 8


# -- JSON that satisfies a schema --------------------------------------------------------------

# Caps on what a request's schema can make the emulator build: a `minItems: 20000000` (or a
# deep nest of large minimums) must not tie a server thread up, so past these the value is cut
# short (it then no longer satisfies the schema, which no real answer of that size would either).
MAX_ITEMS = 100
MAX_STRING = 4096
MAX_NODES = 10_000
# ...and the strings together: 10,000 nodes of 4 KiB each made one answer 40 MB.
MAX_TEXT = 128 * 1024


def json_answer(body: JSONObject, text: str, turn: int) -> str:
    """A JSON reply: a value generated from the requested schema, else {"echo", "turn"}."""
    if INVALID_JSON_MARKER in text:
        return f'{{"echo": "{text}", unterminated'
    schema = requested_schema(body)
    if schema is None or (_type_of(schema) == "object" and not schema.get("properties")):
        return json.dumps({"echo": text, "turn": turn})  # any object fits: the documented echo
    return json.dumps(schema_value(schema, text, turn, schema, 0))


def requested_schema(body: JSONObject) -> JSONObject | None:
    formats = body.get("response_format")
    entries = formats if isinstance(formats, list) else [formats]
    for entry in entries:
        if isinstance(entry, dict) and entry.get("mime_type") == "application/json":
            schema = entry.get("schema")
            return schema if isinstance(schema, dict) else None
    return None


def schema_value(
    schema: JSONValue, text: str, turn: int, root: JSONObject, depth: int
) -> JSONValue:
    """A deterministic instance of `schema` (first enum value, minimum sizes, the prompt text)."""
    return _Maker(text[:MAX_STRING], turn, root).value(schema, depth)


class _Maker:
    """Builds one value, counting the nodes made so far against MAX_NODES."""

    def __init__(self, text: str, turn: int, root: JSONObject) -> None:
        self.text, self.turn, self.root = text, turn, root
        self.nodes = 0
        self.chars = 0

    def spend(self, value: str) -> str:
        """`value`, cut to what is left of the MAX_TEXT budget."""
        value = value[: max(MAX_TEXT - self.chars, 0)]
        self.chars += len(value)
        return value

    def value(self, schema: JSONValue, depth: int) -> JSONValue:
        self.nodes += 1
        if not isinstance(schema, dict) or depth > MAX_DEPTH or self.nodes > MAX_NODES:
            return self.spend(self.text)
        schema = _resolve(schema, self.root)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf", "allOf"):
            options = [
                o for o in schema.get(key) or [] if _resolve(o, self.root).get("type") != "null"
            ]
            if options:
                return self.value(options[0], depth + 1)
        kind = _type_of(schema)
        if kind == "object":
            properties = schema.get("properties") or {}
            return {name: self.value(sub, depth + 1) for name, sub in properties.items()}
        if kind == "array":
            return self.array(schema, depth)
        if kind == "string":
            return self.spend(_string(schema, self.text))
        if kind in ("integer", "number"):
            return _number(schema, self.turn)
        if kind in ("boolean", "null"):
            return True if kind == "boolean" else None
        return self.spend(self.text)

    def array(self, schema: JSONObject, depth: int) -> list[JSONValue]:
        count = max(1, _int(schema.get("minItems"), 1))
        if isinstance(schema.get("maxItems"), int):
            count = min(count, schema["maxItems"])
        items = []
        for _ in range(min(count, MAX_ITEMS)):
            if self.nodes > MAX_NODES:
                break
            items.append(self.value(schema.get("items") or {}, depth + 1))
        return items


def _int(value: JSONValue, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _resolve(schema: JSONValue, root: JSONObject) -> JSONObject:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith("#/"):
        target: JSONValue = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return target if isinstance(target, dict) else {}
    return schema if isinstance(schema, dict) else {}


def _type_of(schema: JSONObject) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    return str(kind)


def _string(schema: JSONObject, text: str) -> str:
    fixed = {
        "date": "2026-01-01",
        "date-time": "2026-01-01T00:00:00Z",
        "email": "user@example.com",
        "uri": "https://example.com/",
    }
    value = fixed.get(str(schema.get("format")), text or "text")
    if isinstance(schema.get("maxLength"), int):
        value = value[: schema["maxLength"]]
    if isinstance(schema.get("minLength"), int):
        value = value.ljust(min(schema["minLength"], MAX_STRING), "x")
    return value


def _number(schema: JSONObject, turn: int) -> float | int:
    value: float = turn if schema.get("type") == "integer" else turn + 0.5
    if isinstance(schema.get("minimum"), (int, float)):
        value = max(value, schema["minimum"])
    if isinstance(schema.get("maximum"), (int, float)):
        value = min(value, schema["maximum"])
    if not math.isfinite(value):  # json.loads takes Infinity and NaN
        value = turn
    return int(value) if _type_of(schema) == "integer" else value


# -- media blocks --------------------------------------------------------------------------------


def media_blocks(body: JSONObject, seed: str) -> list[JSONObject]:
    """An image (tiny PNG) and/or audio (short silent WAV) block per requested format entry."""
    formats = body.get("response_format")
    kinds = {
        e.get("type")
        for e in (formats if isinstance(formats, list) else [formats])
        if isinstance(e, dict)
    }
    blocks = []
    if "image" in kinds:
        blocks.append({"type": "image", "mime_type": "image/png", "data": _b64(tiny_png(seed))})
    if "audio" in kinds:
        blocks.append({"type": "audio", "mime_type": "audio/wav", "data": _b64(tiny_wav())})
    return blocks


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def tiny_png(seed: str, size: int = 4) -> bytes:
    """A valid size x size RGB PNG whose colour depends on `seed`."""
    colour = zlib.crc32(seed.encode()).to_bytes(4, "big")[:3]
    raw = b"".join(b"\x00" + colour * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def tiny_wav(samples: int = 160, rate: int = 16000) -> bytes:
    """A valid mono 16-bit PCM WAV of silence (10 ms)."""
    data = b"\x00\x00" * samples
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )


# -- continuation hops ----------------------------------------------------------------------------


def continuation(body: JSONObject, text: str) -> tuple[str, str | None] | None:
    """(this hop's text, next token or None when it is the last) for a continuation scenario."""
    token = body.get("continuation_token")
    if isinstance(token, str) and token.startswith(STUCK_PREFIX):
        return "No progress. ", token
    match = TOKEN_RE.match(token) if isinstance(token, str) else None
    if match and isinstance(token, str):
        part, total = int(match.group(1)), int(match.group(2))
        return _hop(part, total, "", token[-8:])
    found = CONTINUE_RE.search(text)
    if found is None:
        return None
    tag = f"{zlib.crc32(text.encode()):08x}"
    if found.group(1) == "stuck":
        return f"Echo: {text}. ", STUCK_PREFIX + tag
    return _hop(1, int(found.group(1)) + 1, f"Echo: {text}. ", tag)


def _hop(part: int, total: int, lead: str, tag: str) -> tuple[str, str | None]:
    last = part >= total
    text = f"{lead}Part {part} of {total}." + ("" if last else " ")
    return text, None if last else f"ct-{part + 1}-{total}-{tag}"


def decorate(
    body: JSONObject, text: str, output: JSONObject, status: str
) -> tuple[JSONObject, str, JSONObject]:
    """Add media blocks and continuation hops to a model_output step: (step, status, extra)."""
    if output.get("type") != "model_output":
        return output, status, {}
    extra: JSONObject = {}
    hop = continuation(body, text)
    if hop is not None:
        hop_text, token = hop
        output = {"type": "model_output", "content": [{"type": "text", "text": hop_text}]}
        if token is not None:
            status, extra = "requires_continuation", {"continuation_token": token}
    media = media_blocks(body, text)
    if media:
        output = {**output, "content": list(output.get("content") or []) + media}
    return output, status, extra
