"""Arguments, stdin and files -> the create-request body (strict on everything the user gives)."""

from __future__ import annotations

import base64
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gemini_cli.api.errors import UsageError
from gemini_cli.request import mime
from gemini_cli.request.localread import read_attachment, read_stdin

THINKING_LEVELS = ("minimal", "low", "medium", "high", "xhigh")
# Top-level body fields that are strings: `--set model.x=1` must not turn one into an object.
STRING_FIELDS = ("model", "agent", "system_instruction", "previous_interaction_id")
LABEL_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE_RE = re.compile(r"^[a-z0-9_-]{0,63}$")
# JSON/YAML given locally (--body, --set, --tool, --schema) may nest this deep, no deeper.
MAX_DEPTH = 100


@dataclass
class InputOptions:
    """Where the turn's input comes from."""

    words: list[str] = field(default_factory=list)
    no_stdin: bool = False
    mime_type: str | None = None
    attach: list[Path] = field(default_factory=list)


@dataclass
class RequestOptions:
    """Request flags shared by create, stream and research."""

    model: str | None = None
    agent: str | None = None
    system: str | None = None
    system_file: Path | None = None
    previous: str | None = None
    continue_last: bool = False
    background: bool = False
    no_store: bool = False
    labels: list[str] = field(default_factory=list)
    thinking: str | None = None
    thinking_summaries: bool = False
    max_tokens: int | None = None
    seed: int | None = None
    stop: list[str] = field(default_factory=list)
    temperature: float | None = None
    top_p: float | None = None
    body: str | None = None
    sets: list[str] = field(default_factory=list)


# -- input -------------------------------------------------------------------------------


def block_from_bytes(
    data: bytes, *, name: str, mime_type: str | None = None, fallback_mime: str | None = None
) -> dict[str, Any]:
    """A content block for raw bytes: text when it is text (UTF-8, or UTF-16/32 with a BOM),
    media when its type is known. `mime_type` says what it is; `fallback_mime` only what an
    attachment is when neither its bytes nor its name tell."""
    detected = mime_type or mime.sniff(data)
    if detected is None:
        text = mime.decode_text(data)
        if text is not None:
            return {"type": "text", "text": text}
        guessed = mime.from_name(name) if name != "stdin" else None
        if not (guessed and mime.block_type(guessed)):
            guessed = fallback_mime
        if not guessed:
            raise _unknown_binary(data, name)
        detected = guessed
    if detected.startswith("text/") and detected != "text/csv":
        return {"type": "text", "text": data.decode("utf-8", "replace")}
    kind = mime.block_type(detected)
    if kind is None:
        raise UsageError(f"{name}: MIME type {detected} cannot be sent as input")
    return {"type": kind, "mime_type": detected, "data": base64.b64encode(data).decode("ascii")}


def _unknown_binary(data: bytes, name: str) -> UsageError:
    example = "--mime-type image/png"
    if mime.looks_like_8bit_text(data):
        where = "FILE" if name == "stdin" else name
        return UsageError(
            f"{name}: binary data of unknown type (not UTF-8 text)",
            hint=f"if it is text, convert it first: iconv -f latin1 -t utf-8 {where}",
        )
    if name == "stdin":
        return UsageError(
            "stdin: binary data of unknown type",
            hint=f"say what it is with --mime-type TYPE, e.g. {example}",
        )
    return UsageError(
        f"{name}: binary data of unknown type",
        hint="give the file a known extension (.png, .pdf, .mp3...), or say what "
        f"it is with --mime-type TYPE, e.g. {example}",
    )


def build_input_blocks(
    opts: InputOptions,
    stdin: Any,
    stdin_is_tty: bool,
    stdin_taken: bool = False,
    timeout: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> list[dict[str, Any]]:
    """stdin first (unless --no-stdin), then attachments, then the prompt words.
    Whitespace-only text on stdin is no input (e.g. the newline of an `echo`)."""
    words = list(opts.words)
    explicit = "-" in words
    blocks: list[dict[str, Any]] = []
    if explicit and stdin_is_tty:
        raise UsageError(
            "PROMPT '-' reads stdin, but stdin is a terminal",
            hint="pipe the input in, or give the prompt as words",
        )
    if explicit or not (opts.no_stdin or stdin_taken):
        data = read_stdin(stdin, stdin_is_tty, timeout, monotonic)
        if data is not None:
            block = block_from_bytes(data, name="stdin", mime_type=opts.mime_type)
            if block["type"] != "text" or block["text"].strip():
                blocks.append(block)
    words = [w for w in words if w != "-"]
    for path in opts.attach:
        data = read_attachment(path)
        block = (
            block_from_bytes(data, name=str(path), fallback_mime=opts.mime_type) if data else None
        )
        # Whitespace-only text (or a lone BOM) is no input either: sending it is an API error.
        if block is None or (block["type"] == "text" and not block["text"].strip()):
            raise UsageError(f"{path}: is empty")
        blocks.append(block)
    prompt = " ".join(words).strip()
    if prompt:
        blocks.append({"type": "text", "text": prompt})
    return blocks


def input_value(blocks: list[dict[str, Any]]) -> Any:
    """A lone text block is sent as a plain string; anything else as one user_input step."""
    if len(blocks) == 1 and blocks[0]["type"] == "text":
        return blocks[0]["text"]
    return [{"type": "user_input", "content": blocks}]


# -- body --------------------------------------------------------------------------------


def load_body(spec: str, stdin: Any) -> dict[str, Any]:
    """`--body FILE|-`: a whole JSON or YAML request body."""
    if spec == "-":
        source = getattr(stdin, "buffer", stdin) if stdin is not None else None
        text = source.read() if source is not None else b""
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        name = "stdin"
    else:
        text = read_attachment(Path(spec)).decode("utf-8", "replace")
        name = spec
    return parse_document(text, name, "request body")


def parse_document(text: str, name: str, what: str) -> Any:
    """JSON, else YAML; errors name the file and line. Nesting deeper than MAX_DEPTH and
    numbers JSON cannot hold (NaN, Infinity) are refused."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise _too_deep(name) from None
    except ValueError:
        import yaml

        try:
            data = yaml.safe_load(text)
        except RecursionError:
            raise _too_deep(name) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise UsageError(f"{name}{where}: not valid JSON or YAML for the {what}") from exc
    check_json_value(data, name)
    if what == "request body" and not isinstance(data, dict):
        raise UsageError(f"{name}: the {what} must be a JSON/YAML object")
    return data


def _too_deep(name: str) -> UsageError:
    return UsageError(f"{name}: nested more than {MAX_DEPTH} levels deep")


def check_json_value(value: Any, name: str) -> None:
    """Exit 2 for what cannot go in a JSON request: nesting deeper than MAX_DEPTH, a NaN or an
    infinite number (json.dumps would write NaN/Infinity, which is not JSON)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            shown = "NaN" if math.isnan(item) else ("Infinity" if item > 0 else "-Infinity")
            raise UsageError(
                f"{name}: {shown} is not a number JSON can hold (the value is "
                "out of range, or NaN/Infinity)"
            )
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise _too_deep(name)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def apply_set(body: dict[str, Any], assignment: str) -> None:
    """`--set a.b.c=value`: the value is JSON when it parses, else a string."""
    path, sep, raw = assignment.partition("=")
    keys = [k for k in path.strip().split(".")]
    if not sep or not all(keys):
        raise UsageError(f"--set {assignment!r}: expected KEY.PATH=VALUE")
    try:
        value = json.loads(raw)
    except RecursionError:
        raise _too_deep(f"--set {path.strip()}") from None
    except ValueError:
        value = raw
    check_json_value(value, f"--set {path.strip()}")
    if len(keys) > 1 and keys[0] in STRING_FIELDS:  # even before a default model is filled in
        raise UsageError(
            f"--set {assignment!r}: {keys[0]} is a string, not an object; "
            f"set it whole: --set {keys[0]}=VALUE"
        )
    target: Any = body
    for depth, key in enumerate(keys[:-1]):
        where = ".".join(keys[: depth + 1])
        if (
            isinstance(target, dict)
            and target.get(key) is None
            and keys[depth + 1].lstrip("-").isdigit()
        ):  # an index into a list not there yet
            raise UsageError(
                f"--set {assignment!r}: there is no {where} list yet (set {where}=[...] first)"
            )
        target = _descend(target, key, assignment, where)
    _assign(target, keys[-1], value, assignment)


def _descend(target: Any, key: str, assignment: str, where: str) -> Any:
    if isinstance(target, list):
        target = target[_index(target, key, assignment)]
    elif not isinstance(target, dict):
        raise UsageError(f"--set {assignment!r}: {key!r} is inside a value that is not an object")
    elif target.get(key) is None:
        target[key] = {}
        return target[key]
    else:
        target = target[key]
    if not isinstance(target, (dict, list)):
        # Never turn a value into an object behind the user's back (`--set model.x=1`).
        raise UsageError(
            f"--set {assignment!r}: {where} is {_kind(target)}, not an object "
            "or a list; set it whole instead"
        )
    return target


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string" if isinstance(value, str) else f"a {type(value).__name__}"


def _assign(target: Any, key: str, value: Any, assignment: str) -> None:
    if isinstance(target, list):
        target[_index(target, key, assignment)] = value
    elif isinstance(target, dict):
        target[key] = value
    else:
        raise UsageError(f"--set {assignment!r}: cannot set {key!r} on a non-object")


def _index(target: list[Any], key: str, assignment: str) -> int:
    if not key.lstrip("-").isdigit() or not -len(target) <= int(key) < len(target):
        raise UsageError(f"--set {assignment!r}: {key!r} is not an index of the list")
    return int(key)


def parse_labels(labels: list[str]) -> dict[str, str]:
    out = {}
    for item in labels:
        key, sep, value = item.partition("=")
        if not sep or not LABEL_RE.match(key) or not LABEL_VALUE_RE.match(value):
            raise UsageError(
                f"--label {item!r}: expected key=value, lowercase letters, digits, _ or -, "
                "the key starting with a letter, at most 63 characters each"
            )
        out[key] = value
    return out


def generation_config(opts: RequestOptions) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if opts.thinking is not None:
        if opts.thinking not in THINKING_LEVELS:
            raise UsageError(
                f"--thinking {opts.thinking!r}: choose one of {', '.join(THINKING_LEVELS)}"
            )
        config["thinking_level"] = opts.thinking
    if opts.thinking_summaries:
        config["thinking_summaries"] = "auto"
    if opts.max_tokens is not None and opts.max_tokens < 1:
        raise UsageError(f"--max-tokens {opts.max_tokens}: give a number of tokens >= 1")
    if opts.temperature is not None and not (
        math.isfinite(opts.temperature) and opts.temperature >= 0
    ):
        raise UsageError(f"--temperature {opts.temperature:g}: give a number >= 0")
    if opts.top_p is not None and not 0 <= opts.top_p <= 1:  # also refuses nan
        raise UsageError(f"--top-p {opts.top_p:g}: give a number from 0 to 1")
    pairs = {
        "max_output_tokens": opts.max_tokens,
        "seed": opts.seed,
        "temperature": opts.temperature,
        "top_p": opts.top_p,
    }
    config.update({k: v for k, v in pairs.items() if v is not None})
    if opts.stop:
        config["stop_sequences"] = list(opts.stop)
    return config


def build_body(
    opts: RequestOptions,
    input_blocks: list[dict[str, Any]],
    *,
    default_model: str,
    resolve_model: Callable[[str], str],
    stdin: Any = None,
) -> dict[str, Any]:
    """The request body: --body, then flags, then --set; a model only if nothing names one."""
    body = load_body(opts.body, stdin) if opts.body else {}
    if opts.model and opts.agent:
        raise UsageError("--model and --agent cannot be combined: an interaction uses one")
    if opts.model:
        body.pop("agent", None)
        body.pop("agent_config", None)
        body["model"] = resolve_model(opts.model)
    if opts.agent:
        body.pop("model", None)
        body["agent"] = opts.agent
    if input_blocks:
        body["input"] = input_value(input_blocks)
    _apply_flags(body, opts)
    for assignment in opts.sets:
        apply_set(body, assignment)
    if "model" not in body and "agent" not in body:
        body["model"] = resolve_model(default_model)
    if "agent" in body and body.get("generation_config"):
        raise UsageError(
            "generation flags (--thinking, --max-tokens, ...) apply to models, not agents"
        )
    return body


def _apply_flags(body: dict[str, Any], opts: RequestOptions) -> None:
    if opts.system_file:
        body["system_instruction"] = read_attachment(opts.system_file).decode("utf-8", "replace")
    if opts.system:
        body["system_instruction"] = opts.system
    if opts.previous:
        body["previous_interaction_id"] = opts.previous
    if opts.background:
        body["background"] = True
    if opts.no_store:
        if opts.background or opts.previous:
            raise UsageError(
                "--no-store cannot be combined with --background or --previous: "
                "the server keeps nothing to come back to"
            )
        body["store"] = False
    if opts.labels:
        body["labels"] = {**body.get("labels", {}), **parse_labels(opts.labels)}
    config = generation_config(opts)
    if config:
        body["generation_config"] = {**body.get("generation_config", {}), **config}
