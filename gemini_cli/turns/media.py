"""Saving image, audio, video and document output blocks to files (names never from server text)."""

from __future__ import annotations

import base64
import binascii
import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gemini_cli.api.errors import InteractionError, UsageError
from gemini_cli.request import mime

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}")


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
    """The block's bytes; anything but clean base64 (standard or URL-safe) is exit 1, so a
    corrupt block never becomes a file with the garbage silently dropped."""
    data = "".join(str(block.get("data") or "").split())
    try:
        if not _BASE64.fullmatch(data):
            raise ValueError("characters outside the base64 alphabet")
        if "-" in data or "_" in data:
            return base64.urlsafe_b64decode(data)
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InteractionError(
            f"a {block.get('type')} block of {interaction_id} is not valid base64: {exc}",
            interaction_id=interaction_id,
        ) from exc


def check_targets(save: Path | None, output: str | None) -> None:
    """--save DIR / -o FILE must be usable before anything is sent (exit 2 naming the path)."""
    if output is not None and output != "-":
        if not output.strip():
            raise UsageError("-o: the file name is empty")
        target = Path(output)
        if target.is_dir():
            raise UsageError(f"-o {output}: is a directory (use --save DIR for a folder)")
        _check_folder(target.parent, f"-o {output}")
    if save is not None:
        if not str(save).strip():
            raise UsageError("--save: the folder name is empty")
        _check_folder(save, f"--save {save}")


def _check_folder(folder: Path, flag: str) -> None:
    """The folder exists and is writable, or the nearest existing ancestor is a directory."""
    probe = folder
    while not probe.exists():
        if probe.is_symlink():  # dangling
            raise UsageError(f"{flag}: {probe} is a dangling symlink")
        if probe.parent == probe:
            return
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"{flag}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{flag}: {probe} is not writable")


def write_failed(path: Path, exc: OSError, interaction_id: str) -> InteractionError:
    """Saving failed after the interaction was created: say where it is (exit 1)."""
    return InteractionError(
        f"could not write {path}: {exc.strerror or exc}; interaction {interaction_id} was created",
        interaction_id=interaction_id,
        hint=f"fetch its output with: gem get {interaction_id} --json",
    )


def _write_new(directory: Path, name: str, data: bytes) -> Path:
    """Create a new file (never through a symlink, never over an existing file): `name`, else
    `stem-1.ext`, `stem-2.ext`, ..."""
    stem, dot, ext = name.rpartition(".")
    flags = (
        os.O_WRONLY
        | os.O_CREAT
        | os.O_EXCL
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_BINARY", 0)
    )
    for n in range(1000):
        path = directory / (name if n == 0 else f"{stem}-{n}{dot}{ext}")
        try:
            fd = os.open(path, flags, 0o666)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return path
    raise FileExistsError(errno.EEXIST, "too many files of that name", str(directory / name))


def save_all(
    media: list[tuple[int, int, dict[str, Any]]], interaction_id: str, directory: Path
) -> list[Saved]:
    """Write every inline block into `directory` as new files (an existing name or a symlink
    there gets a `-1`, `-2`... suffix); blocks given by `uri` are only reported."""
    results = []
    for step, index, block in media:
        if block.get("data"):
            data = decode(block, interaction_id)
            name = file_name(interaction_id, step, index, block.get("mime_type"))
            try:
                directory.mkdir(parents=True, exist_ok=True)
                path = _write_new(directory, name, data)
            except OSError as exc:
                raise write_failed(directory / name, exc, interaction_id) from exc
            results.append(Saved(step, index, path=path))
        elif block.get("uri"):
            results.append(Saved(step, index, uri=str(block["uri"])))
    return results


def save_one(
    media: list[tuple[int, int, dict[str, Any]]], interaction_id: str, target: Path
) -> Saved:
    """`-o FILE`: exactly one media block; exit 1 when there is none or several, or when it is
    held by the server (`uri`, not downloaded). FILE is overwritten, as `> FILE` would."""
    if len(media) > 1:
        raise InteractionError(
            f"interaction {interaction_id} returned {len(media)} media blocks; -o takes one",
            interaction_id=interaction_id,
            hint="use --save DIR to keep them all",
        )
    if not media:
        raise InteractionError(
            f"no media block in the output of {interaction_id} to write to {target}",
            interaction_id=interaction_id,
        )
    step, index, block = media[0]
    if not block.get("data"):
        uri = block.get("uri")
        if uri:
            raise InteractionError(
                f"the media block of {interaction_id} is at {uri}; it was not downloaded to "
                f"{target}",
                interaction_id=interaction_id,
            )
        raise InteractionError(
            f"the media block of {interaction_id} holds no data to write to {target}",
            interaction_id=interaction_id,
        )
    data = decode(block, interaction_id)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise write_failed(target, exc, interaction_id) from exc
    return Saved(step, index, path=target)
