"""Saving image, audio, video and document output blocks to files (names never from server text)."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gemini_cli.api.errors import InteractionError
from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.request import mime
from gemini_cli.turns.b64 import decode_into

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


def file_name(interaction_id: str, number: int, mime_type: str | None) -> str:
    """`<id>-<n>.<ext>`: n counts the answer's media blocks from 1, the same whether the
    interaction came from a create, a stream or a get (whose steps include the user_input)."""
    return f"{safe_stem(interaction_id)}-{number}.{mime.extension(mime_type)}"


def decode(block: JSONObject, interaction_id: str) -> bytes:
    """The block's bytes (for `-o -`); see decode_to."""
    buffer = io.BytesIO()
    decode_to(block, interaction_id, buffer.write)
    return buffer.getvalue()


def decode_to(block: JSONObject, interaction_id: str, write: Callable[[bytes], object]) -> None:
    """Decode the block's base64 into `write` piece by piece; anything but clean base64
    (standard or URL-safe) is exit 1, so a corrupt block never becomes a file with the
    garbage silently dropped."""
    try:
        decode_into(str(block.get("data") or ""), write)
    except ValueError as exc:
        raise InteractionError(
            f"a {block.get('type')} block of {interaction_id} is not valid base64: {exc}",
            interaction_id=interaction_id,
        ) from exc


def check_targets(save: Path | None, output: str | None) -> None:
    """--save DIR / -o FILE must be usable before anything is sent (exit 2 naming the path).
    Like `> FILE`, a missing folder is an error: only --save's DIR itself may be created."""
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
        if save.is_symlink() and not save.exists():
            raise UsageError(f"--save {save}: {save} is a dangling symlink")
        _check_folder(save if save.exists() else save.parent, f"--save {save}")


def _check_folder(folder: Path, flag: str) -> None:
    """The folder exists, is a directory and is writable."""
    if not folder.exists():
        raise UsageError(
            f"{flag}: the folder {folder} does not exist",
            hint="create it first (gem never creates missing parent folders)",
        )
    if not folder.is_dir():
        raise UsageError(f"{flag}: {folder} is not a directory")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{flag}: {folder} is not writable")


def write_failed(path: Path, exc: OSError, interaction_id: str) -> InteractionError:
    """Saving failed (the interaction itself exists): say where it is (exit 1)."""
    return InteractionError(
        f"could not write {path}: {exc.strerror or exc} (interaction {interaction_id})",
        interaction_id=interaction_id,
        hint=f"fetch its output with: gem get {interaction_id} --json",
    )


def _write_temp(
    directory: Path, block: JSONObject, interaction_id: str, mode: int | None = None
) -> Path:
    """The block decoded into a new hidden temporary file in `directory` (so a kill never
    leaves a partial file under the final name); removed again if anything fails."""
    fd, name = tempfile.mkstemp(prefix=".gem-", suffix=".part", dir=directory)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            decode_to(block, interaction_id, handle.write)
        os.chmod(temp, _new_file_mode() if mode is None else mode)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return temp


def _new_file_mode() -> int:
    """What `> FILE` would give a new file: 0666 less the umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _write_new(directory: Path, name: str, block: JSONObject, interaction_id: str) -> Path:
    """A new file (never through a symlink, never over an existing file): `name`, else
    `stem-1.ext`, `stem-2.ext`, ... It appears complete: a hard link from the finished
    temporary file claims the name atomically."""
    stem, dot, ext = name.rpartition(".")
    temp = _write_temp(directory, block, interaction_id)
    try:
        for n in range(1000):
            path = directory / (name if n == 0 else f"{stem}-{n}{dot}{ext}")
            if _claim(temp, path):
                return path
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    raise FileExistsError(errno.EEXIST, "too many files of that name", str(directory / name))


def _claim(temp: Path, path: Path) -> bool:
    """Give `temp` the name `path` unless something (a file, a symlink) has it already."""
    try:
        os.link(temp, path)
        return True
    except FileExistsError:
        return False
    except OSError:  # no hard links on this file system: check, then rename
        if path.exists() or path.is_symlink():
            return False
        os.replace(temp, path)
        return True


def save_all(
    media: list[tuple[int, int, JSONObject]], interaction_id: str, directory: Path
) -> list[Saved]:
    """Write every inline block into `directory` as new files (an existing name or a symlink
    there gets a `-1`, `-2`... suffix); blocks given by `uri` are only reported."""
    results = []
    for number, (step, index, block) in enumerate(media, start=1):
        if block.get("data"):
            name = file_name(interaction_id, number, block.get("mime_type"))
            try:
                directory.mkdir(exist_ok=True)  # DIR itself, never its parents
                path = _write_new(directory, name, block, interaction_id)
            except OSError as exc:
                raise write_failed(directory / name, exc, interaction_id) from exc
            results.append(Saved(step, index, path=path))
        elif block.get("uri"):
            results.append(Saved(step, index, uri=str(block["uri"])))
    return results


def check_one(media: list[tuple[int, int, JSONObject]], interaction_id: str) -> None:
    """-o takes at most one media block: checked before any of them is downloaded."""
    if len(media) > 1:
        raise InteractionError(
            f"interaction {interaction_id} returned {len(media)} media blocks; -o takes one",
            interaction_id=interaction_id,
            hint="use --save DIR to keep them all",
        )


def save_one(media: list[tuple[int, int, JSONObject]], interaction_id: str, target: Path) -> Saved:
    """`-o FILE`: exactly one media block; exit 1 when there is none or several, or when it is
    held by the server (`uri`, not downloaded). FILE is replaced once complete."""
    check_one(media, interaction_id)
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
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else None
        temp = _write_temp(target.parent, block, interaction_id, mode)
        try:
            os.replace(temp, target)  # overwritten as `> FILE` would, but never half-written
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()  # gone already once renamed
    except OSError as exc:
        raise write_failed(target, exc, interaction_id) from exc
    return Saved(step, index, path=target)
