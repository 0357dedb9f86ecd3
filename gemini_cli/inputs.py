"""Arguments, stdin and files -> the create-request body (strict on everything the user gives)."""

from __future__ import annotations

import base64
import json
import math
import os
import re
import select
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gemini_cli import mime
from gemini_cli.api.errors import UsageError

THINKING_LEVELS = ("minimal", "low", "medium", "high", "xhigh")
# Top-level body fields that are strings: `--set model.x=1` must not turn one into an object.
STRING_FIELDS = ("model", "agent", "system_instruction", "previous_interaction_id")
LABEL_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE_RE = re.compile(r"^[a-z0-9_-]{0,63}$")
# Every local input (stdin, each --attach/--body/--tool/--schema/--system-file/--result file,
# and all of them together) is capped: the API's inline limit is far lower anyway, and a
# /dev/zero or an endless pipe must end in a usage error, not a MemoryError.
MAX_INPUT_MIB = 100
MAX_INPUT_BYTES = MAX_INPUT_MIB << 20
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


@dataclass
class _Reading:
    """The deadline (--timeout) and byte budget shared by all reads of one command."""

    end: float | None
    monotonic: Callable[[], float]
    used: int = 0

    def remaining(self) -> float | None:
        return None if self.end is None else max(self.end - self.monotonic(), 0.0)


_READING: ContextVar[_Reading | None] = ContextVar("gem_reading", default=None)


@contextmanager
def reading(timeout: float | None, monotonic: Callable[[], float] = time.monotonic
            ) -> Iterator[None]:
    """Within this block, every local input read (stdin, pipes, FIFOs, files) ends within
    `timeout` seconds and all of them together hold at most MAX_INPUT_BYTES. Nested blocks
    share the outer one."""
    if _READING.get() is not None:
        yield
        return
    end = None if timeout is None else monotonic() + max(timeout, 0.0)
    token = _READING.set(_Reading(end, monotonic))
    try:
        yield
    finally:
        _READING.reset(token)


def _read_timeout(timeout: float | None) -> float | None:
    if timeout is not None:
        return timeout
    current = _READING.get()
    return current.remaining() if current is not None else None


def _monotonic(default: Callable[[], float]) -> Callable[[], float]:
    current = _READING.get()
    return current.monotonic if current is not None else default


def _too_large(name: str) -> UsageError:
    return UsageError(
        f"{name} is larger than {MAX_INPUT_MIB} MiB",
        hint="upload it with the Files API and pass its uri with --set/--body (the API takes "
             "far less inline)")


def _count(size: int) -> None:
    current = _READING.get()
    if current is None:
        return
    current.used += size
    if current.used > MAX_INPUT_BYTES:
        raise UsageError(
            f"the local inputs are larger than {MAX_INPUT_MIB} MiB in total",
            hint="upload big files with the Files API and pass their uri with --set/--body")


def read_stdin(stdin: Any, is_tty: bool, timeout: float | None = None,
               monotonic: Callable[[], float] = time.monotonic,
               wait: Callable[..., Any] = select.select) -> bytes | None:
    """All of stdin when it is a pipe or file; None for a TTY or a closed stdin.

    A pipe, FIFO or socket is read within `timeout` seconds (the --timeout setting; by
    default what is left of the current `reading` block), so an inherited stdin that stays
    open and silent (ssh, cron, CI) cannot hold gem for ever: exit 2 when it passes. Regular
    files and /dev/null are read directly. More than MAX_INPUT_BYTES is exit 2."""
    if stdin is None or is_tty:
        return None
    timeout = _read_timeout(timeout)
    monotonic = _monotonic(monotonic)
    source = getattr(stdin, "buffer", stdin)
    fd = _waitable_fd(source)
    try:
        if fd is None:
            data = source.read(MAX_INPUT_BYTES + 1)
        else:
            data = _read_with_deadline(fd, timeout, monotonic, wait)
    except (OSError, ValueError):
        return None
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if len(data) > MAX_INPUT_BYTES:
        raise _too_large("stdin")
    _count(len(data))
    return data or None


def read_stdin_line(stdin: Any, timeout: float | None, what: str,
                    monotonic: Callable[[], float] = time.monotonic,
                    wait: Callable[..., Any] = select.select, limit: int = 1 << 16) -> str | None:
    """The first non-empty line of stdin, stripped (None when there is none), read within
    `timeout` seconds like read_stdin; it must be UTF-8 and at most `limit` bytes long.
    Reading stops at that line (a writer may keep stdin open after it)."""
    if stdin is None:
        raise UsageError(f"{what} reads stdin, but stdin is closed")
    timeout = _read_timeout(timeout)
    monotonic = _monotonic(monotonic)
    source = getattr(stdin, "buffer", stdin)
    fd = _waitable_fd(source)
    if fd is not None:
        data = _read_with_deadline(fd, timeout, monotonic, wait, line=True, limit=limit)
        lines = data.splitlines()
    else:
        lines = []
        while True:
            try:
                raw = source.readline(limit + 1)
            except (OSError, ValueError):
                raise UsageError(f"{what} reads stdin, but stdin is closed") from None
            if not raw or len(raw) > limit or raw.strip():
                lines = [raw] if raw else []
                break
    for raw in lines:
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > limit:
            raise UsageError(f"{what}: the line on stdin is longer than {limit} bytes")
        if raw.strip():
            try:
                return raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise UsageError(f"{what}: stdin is not valid UTF-8 text") from None
    return None


def _waitable_fd(source: Any) -> int | None:
    """The file descriptor of a pipe, FIFO or socket (what may stay open with no data)."""
    if os.name == "nt":
        return None
    try:
        fd = source.fileno()
        mode = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):
        return None
    return fd if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else None


def _read_with_deadline(fd: int, timeout: float | None, monotonic: Callable[[], float],
                        wait: Callable[..., Any], name: str = "stdin", *, line: bool = False,
                        limit: int | None = None) -> bytes:
    """Read `fd` to its end (or, with `line`, to its first non-empty line) within `timeout`
    seconds (None: no deadline); more than `limit` bytes is exit 2."""
    end = None if timeout is None else monotonic() + timeout
    limit = MAX_INPUT_BYTES if limit is None else limit
    chunks: list[bytes] = []
    size = 0
    while True:
        left = None if end is None else end - monotonic()
        if left is not None and left <= 0:
            raise _deadline_passed(name, float(timeout or 0), bool(chunks))
        ready, _, _ = wait([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 16 if not line else 4096)
        except BlockingIOError:
            continue
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if line and b"\n" in chunk:
            data = b"".join(chunks)
            if any(part.strip() for part in data.split(b"\n")[:-1]):  # a complete line
                return data
        if size > limit:
            if line:
                return b"".join(chunks)  # the caller says the line is too long
            raise _too_large(name)


def _deadline_passed(name: str, timeout: float, some: bool) -> UsageError:
    shown = f"{round(timeout, 1):g}s"
    if name == "stdin":
        if not some:
            return UsageError(f"stdin stayed open without data for {shown}",
                              hint="use --no-stdin, or '< /dev/null' (--timeout sets the wait)")
        return UsageError(f"stdin did not end within {shown} (--timeout)",
                          hint="close stdin when the input is complete, or raise --timeout")
    if not some:
        return UsageError(f"{name}: no data arrived within {shown} (a pipe or FIFO that nobody "
                          "writes to?)", hint="--timeout sets the wait")
    return UsageError(f"{name}: the pipe did not end within {shown} (--timeout)",
                      hint="close it when the input is complete, or raise --timeout")


def block_from_bytes(data: bytes, *, name: str, mime_type: str | None = None,
                     fallback_mime: str | None = None) -> dict[str, Any]:
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
        return UsageError(f"{name}: binary data of unknown type (not UTF-8 text)",
                          hint=f"if it is text, convert it first: iconv -f latin1 -t utf-8 {where}")
    if name == "stdin":
        return UsageError("stdin: binary data of unknown type",
                          hint=f"say what it is with --mime-type TYPE, e.g. {example}")
    return UsageError(f"{name}: binary data of unknown type",
                      hint="give the file a known extension (.png, .pdf, .mp3...), or say what "
                           f"it is with --mime-type TYPE, e.g. {example}")


def read_attachment(path: Path, timeout: float | None = None,
                    monotonic: Callable[[], float] = time.monotonic,
                    wait: Callable[..., Any] = select.select) -> bytes:
    """A local file's bytes, at most MAX_INPUT_BYTES. A pipe, FIFO or device (`<(cmd)`,
    mkfifo) is opened without blocking and read within `timeout` (by default what is left of
    the current `reading` block), like stdin."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "Is a directory")
        if stat.S_ISREG(info.st_mode) or os.name == "nt":
            if info.st_size > MAX_INPUT_BYTES:
                raise _too_large(str(path))
            with path.open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        else:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_CLOEXEC", 0))
            try:
                data = _read_with_deadline(fd, _read_timeout(timeout), _monotonic(monotonic),
                                           wait, str(path))
            finally:
                os.close(fd)
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UsageError(f"{path}: is a directory") from exc
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_INPUT_BYTES:
        raise _too_large(str(path))
    _count(len(data))
    return data


def build_input_blocks(
    opts: InputOptions, stdin: Any, stdin_is_tty: bool, stdin_taken: bool = False,
    timeout: float | None = None, monotonic: Callable[[], float] = time.monotonic,
) -> list[dict[str, Any]]:
    """stdin first (unless --no-stdin), then attachments, then the prompt words.
    Whitespace-only text on stdin is no input (e.g. the newline of an `echo`)."""
    words = list(opts.words)
    explicit = "-" in words
    blocks: list[dict[str, Any]] = []
    if explicit and stdin_is_tty:
        raise UsageError("PROMPT '-' reads stdin, but stdin is a terminal",
                         hint="pipe the input in, or give the prompt as words")
    if explicit or not (opts.no_stdin or stdin_taken):
        data = read_stdin(stdin, stdin_is_tty, timeout, monotonic)
        if data is not None:
            block = block_from_bytes(data, name="stdin", mime_type=opts.mime_type)
            if block["type"] != "text" or block["text"].strip():
                blocks.append(block)
    words = [w for w in words if w != "-"]
    for path in opts.attach:
        data = read_attachment(path)
        block = block_from_bytes(data, name=str(path), fallback_mime=opts.mime_type) \
            if data else None
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
            raise UsageError(f"{name}: {shown} is not a number JSON can hold (the value is "
                             "out of range, or NaN/Infinity)")
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
        raise UsageError(f"--set {assignment!r}: {keys[0]} is a string, not an object; "
                         f"set it whole: --set {keys[0]}=VALUE")
    target: Any = body
    for depth, key in enumerate(keys[:-1]):
        where = ".".join(keys[:depth + 1])
        if isinstance(target, dict) and target.get(key) is None and \
                keys[depth + 1].lstrip("-").isdigit():  # an index into a list not there yet
            raise UsageError(f"--set {assignment!r}: there is no {where} list yet "
                             f"(set {where}=[...] first)")
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
        raise UsageError(f"--set {assignment!r}: {where} is {_kind(target)}, not an object "
                         "or a list; set it whole instead")
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
            math.isfinite(opts.temperature) and opts.temperature >= 0):
        raise UsageError(f"--temperature {opts.temperature:g}: give a number >= 0")
    if opts.top_p is not None and not 0 <= opts.top_p <= 1:  # also refuses nan
        raise UsageError(f"--top-p {opts.top_p:g}: give a number from 0 to 1")
    pairs = {
        "max_output_tokens": opts.max_tokens, "seed": opts.seed,
        "temperature": opts.temperature, "top_p": opts.top_p,
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
        raise UsageError("generation flags (--thinking, --max-tokens, ...) apply to models, "
                         "not agents")
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
            raise UsageError("--no-store cannot be combined with --background or --previous: "
                             "the server keeps nothing to come back to")
        body["store"] = False
    if opts.labels:
        body["labels"] = {**body.get("labels", {}), **parse_labels(opts.labels)}
    config = generation_config(opts)
    if config:
        body["generation_config"] = {**body.get("generation_config", {}), **config}
