"""`--schema` and `--response-format`: JSON Schemas (also in compact notation), format entries."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.request.document import MAX_DEPTH, check_json_value, parse_document
from gemini_cli.request.localread import read_attachment

SCALARS = {
    "str": "string",
    "string": "string",
    "int": "integer",
    "integer": "integer",
    "float": "number",
    "number": "number",
    "bool": "boolean",
    "boolean": "boolean",
    "any": None,
}
MODALITIES = ("text", "image", "audio", "video", "document")
_FIELD_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)(\?)?(?:\s*:\s*|\s+)(\S.*?)$")


def load_value(spec: str, flag: str) -> JSONValue:
    """A JSON/YAML value given inline or as a file path."""
    text = spec.strip()
    if not text:
        raise UsageError(f"{flag}: empty " + ("schema" if flag == "--schema" else "value"))
    if text[:1] in "{[":
        try:
            value = json.loads(text)
        except RecursionError:
            raise UsageError(f"{flag}: nested more than {MAX_DEPTH} levels deep") from None
        except ValueError as exc:
            raise UsageError(f"{flag}: not valid JSON: {exc}") from exc
        check_json_value(value, flag)
        return value
    path = Path(spec)
    if not path.exists() or path.is_dir():  # a file, a FIFO or `<(cmd)`; else the notation
        return None
    return parse_document(read_attachment(path).decode("utf-8", "replace"), spec, flag)


def schema_from_arg(spec: str) -> JSONObject:
    """`--schema FILE|JSON|NOTATION` -> a JSON Schema object."""
    value = load_value(spec, "--schema")
    if value is None:
        return compact_schema(spec)
    if not isinstance(value, dict):
        raise UsageError("--schema: a JSON Schema must be an object")
    return value


def compact_schema(spec: str) -> JSONObject:
    """`name str, age int, tags list[str], note? str` -> an object schema.

    Every field is required unless its name ends in `?`; `name: str` works too.
    """
    properties: JSONObject = {}
    required: list[str] = []
    for part in _split_top_level(spec):
        match = _FIELD_RE.match(part.strip())
        if not match:
            raise UsageError(
                f"--schema: cannot read {part.strip()!r}",
                hint="write 'name str, age int', or give a JSON Schema or a file",
            )
        name, optional, type_text = match.groups()
        if name in properties:
            raise UsageError(f"--schema: duplicate field {name!r}")
        properties[name] = type_schema(type_text.strip())
        if not optional:
            required.append(name)
    if not properties:
        raise UsageError("--schema: no fields given")
    return {"type": "object", "properties": properties, "required": required}


def type_schema(text: str) -> JSONObject:
    """`str`, `int`, `float`, `bool`, `any`, `list[T]`, `T | null` in the compact notation."""
    alternatives = _split_top_level(text, "|")
    if len(alternatives) > 1:
        return {"anyOf": [type_schema(t.strip()) for t in alternatives]}
    if text == "null":
        return {"type": "null"}
    lowered = text.lower()
    if lowered in SCALARS:
        kind = SCALARS[lowered]
        return {"type": kind} if kind else {}
    if lowered.startswith("list[") and text.endswith("]"):
        return {"type": "array", "items": type_schema(text[5:-1].strip())}
    raise UsageError(f"--schema: unknown type {text!r} (use str, int, float, bool, any, list[T])")


def _split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside brackets (so `list[int | str]` stays whole)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p.strip()]


def json_format(schema: JSONObject) -> JSONObject:
    return {"type": "text", "mime_type": "application/json", "schema": schema}


def format_entries(spec: str) -> list[JSONObject]:
    """`--response-format FILE|JSON|MODALITY` -> entries (a bare word means `{"type": word}`)."""
    if spec.strip() in MODALITIES:
        return [{"type": spec.strip()}]
    value = load_value(spec, "--response-format")
    if value is None:
        raise UsageError(
            f"--response-format {spec!r}: not a file, JSON, or one of {', '.join(MODALITIES)}"
        )
    entries = value if isinstance(value, list) else [value]
    if not entries or not all(isinstance(e, dict) for e in entries):
        raise UsageError("--response-format: expected an object or a list of objects")
    return entries


def response_format(
    schema: str | None, formats: list[str], existing: JSONValue = None
) -> JSONValue:
    """The body's response_format: one object when there is one entry, else an array."""
    entries: list[JSONObject] = []
    for spec in formats:
        entries.extend(format_entries(spec))
    if schema is not None:
        entries.append(json_format(schema_from_arg(schema)))
    if not entries:
        return existing
    return entries[0] if len(entries) == 1 else entries


def wants_json(value: JSONValue) -> bool:
    """Whether a response_format asks for JSON text (so the text output must be JSON)."""
    entries = value if isinstance(value, list) else [value]
    return any(
        isinstance(e, dict)
        and e.get("type", "text") == "text"
        and e.get("mime_type") == "application/json"
        for e in entries
    )
