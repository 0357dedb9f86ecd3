"""Decoding a (possibly huge) base64 string piece by piece, so its bytes never sit in memory
twice: a 300 MiB block costs a few MiB beyond the string itself."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

# Characters of the string decoded per step (a multiple of 4).
PIECE_CHARS = 4 * 1024 * 1024
_STANDARD = re.compile(r"[A-Za-z0-9+/]*")
_URLSAFE = re.compile(r"[A-Za-z0-9_-]*")
_WHITESPACE = " \t\r\n\f\v"


def decode_into(data: str, write: Callable[[bytes], object]) -> int:
    """Decode standard or URL-safe base64 (whitespace ignored, padding optional) into
    `write`, piece by piece; returns the byte count. Anything else raises ValueError (with
    what is wrong), so a corrupt block is never written with the garbage silently dropped."""
    urlsafe = "-" in data or "_" in data
    alphabet = _URLSAFE if urlsafe else _STANDARD
    end, padding = _payload_end(data)
    carry = ""
    written = 0
    for start in range(0, end, PIECE_CHARS):
        piece = "".join(data[start : min(start + PIECE_CHARS, end)].split())
        if not alphabet.fullmatch(piece):
            raise ValueError("characters outside the base64 alphabet")
        piece = carry + piece
        usable = len(piece) - len(piece) % 4
        written += _decode(piece[:usable], urlsafe, write)
        carry = piece[usable:]
    if len(carry) == 1 or (padding and len(carry) + padding != 4):
        raise ValueError("truncated base64 (wrong length or padding)")
    if carry:
        written += _decode(carry + "=" * (4 - len(carry)), urlsafe, write)
    return written


def _payload_end(data: str) -> tuple[int, int]:
    """Where the payload ends before trailing whitespace and `=` padding, and the padding."""
    end = len(data)
    while end and data[end - 1] in _WHITESPACE:
        end -= 1
    padding = 0
    while end and data[end - 1] in "=" + _WHITESPACE:
        padding += data[end - 1] == "="
        end -= 1
    if padding > 2:
        raise ValueError("too much '=' padding")
    return end, padding


def _decode(chunk: str, urlsafe: bool, write: Callable[[bytes], object]) -> int:
    if not chunk:
        return 0
    try:
        raw = chunk.encode("ascii")
        decoded = base64.urlsafe_b64decode(raw) if urlsafe else base64.b64decode(raw, validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(str(exc)) from exc
    write(decoded)
    return len(decoded)
