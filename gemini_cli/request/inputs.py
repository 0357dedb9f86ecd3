"""The turn's input: stdin, attached files and prompt words as content blocks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.request import mime
from gemini_cli.request.localread import Stdin, read_attachment, read_stdin


@dataclass(frozen=True)
class InputOptions:
    """Where the turn's input comes from."""

    words: list[str] = field(default_factory=list)
    no_stdin: bool = False
    mime_type: str | None = None
    attach: list[str] = field(default_factory=list)  # paths, files/ID, URLs: as typed
    no_upload: bool = False  # a big -a file is refused instead of uploaded first


def block_from_bytes(
    data: bytes, *, name: str, mime_type: str | None = None, fallback_mime: str | None = None
) -> JSONObject:
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
    import base64  # here: only media is sent as base64

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
    stdin: Stdin,
    stdin_is_tty: bool,
    stdin_taken: bool = False,
    timeout: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> list[JSONObject]:
    """stdin first (unless --no-stdin), then attachments, then the prompt words.
    Whitespace-only text on stdin is no input (e.g. the newline of an `echo`)."""
    words = list(opts.words)
    explicit = "-" in words
    blocks: list[JSONObject] = []
    if explicit and stdin_is_tty:
        raise UsageError(
            "PROMPT '-' reads stdin, but stdin is a terminal",
            hint="pipe the input in, or give the prompt as words",
        )
    if explicit or not (opts.no_stdin or stdin_taken):
        data = read_stdin(stdin, stdin_is_tty, timeout, monotonic)
        if data is not None:
            block = block_from_bytes(data, name="stdin", mime_type=opts.mime_type)
            if not _blank(block):
                blocks.append(block)
    words = [w for w in words if w != "-"]
    blocks += [_attachment_block(spec, opts.mime_type) for spec in opts.attach]
    prompt = " ".join(words).strip()
    if prompt:
        blocks.append({"type": "text", "text": prompt})
    return blocks


def _attachment_block(spec: str, fallback_mime: str | None) -> JSONObject:
    from gemini_cli.request.references import reference_block  # files/ID, URLs, big files

    referenced = reference_block(spec, fallback_mime)
    if referenced is not None:
        return referenced
    path = Path(spec)
    data = read_attachment(path)
    block = block_from_bytes(data, name=str(path), fallback_mime=fallback_mime) if data else None
    # Whitespace-only text (or a lone BOM) is no input either: sending it is an API error.
    if block is None or _blank(block):
        raise UsageError(f"{path}: is empty")
    return block


def _blank(block: JSONObject) -> bool:
    return block["type"] == "text" and not block["text"].strip()


def input_value(blocks: list[JSONObject]) -> JSONValue:
    """A lone text block is sent as a plain string; anything else as one user_input step."""
    if len(blocks) == 1 and blocks[0]["type"] == "text":
        return blocks[0]["text"]
    return [{"type": "user_input", "content": blocks}]
