"""Saving image, audio, video and document output blocks to files (names never from server text)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gemini_cli import mime
from gemini_cli.api.errors import InteractionError

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass
class Saved:
    """One media block's outcome: a file written, or a URI the server holds it at."""

    step: int
    block: int
    path: Path | None = None
    uri: str | None = None


def safe_stem(interaction_id: str) -> str:
    """The id reduced to letters, digits, _ and - (so `../../x` becomes `x`)."""
    return _UNSAFE.sub("", interaction_id or "")[:120] or "interaction"


def file_name(interaction_id: str, step: int, block: int, mime_type: str | None) -> str:
    return f"{safe_stem(interaction_id)}-{step}-{block}.{mime.extension(mime_type)}"


def decode(block: dict[str, Any], interaction_id: str) -> bytes:
    try:
        return base64.b64decode(block.get("data") or "", validate=False)
    except (binascii.Error, ValueError) as exc:
        raise InteractionError(f"a {block.get('type')} block of {interaction_id} is not valid "
                               f"base64: {exc}", interaction_id=interaction_id) from exc


def save_all(media: list[tuple[int, int, dict[str, Any]]], interaction_id: str,
             directory: Path) -> list[Saved]:
    """Write every inline block into `directory`; blocks given by `uri` are only reported."""
    results = []
    for step, index, block in media:
        if block.get("data"):
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / file_name(interaction_id, step, index, block.get("mime_type"))
            path.write_bytes(decode(block, interaction_id))
            results.append(Saved(step, index, path=path))
        elif block.get("uri"):
            results.append(Saved(step, index, uri=str(block["uri"])))
    return results


def save_one(media: list[tuple[int, int, dict[str, Any]]], interaction_id: str,
             target: Path) -> Saved | None:
    """`-o FILE`: exactly one media block (an error naming --save when there are several)."""
    if not media:
        return None
    if len(media) > 1:
        raise InteractionError(
            f"interaction {interaction_id} returned {len(media)} media blocks; -o takes one",
            interaction_id=interaction_id, hint="use --save DIR to keep them all")
    step, index, block = media[0]
    if not block.get("data"):
        return Saved(step, index, uri=str(block.get("uri") or "")) if block.get("uri") else None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(decode(block, interaction_id))
    return Saved(step, index, path=target)
