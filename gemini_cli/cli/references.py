"""Resolving `-a` references for a run: look files up, upload big ones (request/references.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from gemini_cli.cli.runtime import Runtime
from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.request.references import INLINE_MAX_BYTES, resolving, uri_block

API_HOST = "generativelanguage.googleapis.com"

if TYPE_CHECKING:
    from gemini_cli.api.files import Answer, FilesClient


@contextmanager
def attachments(run: Runtime, no_upload: bool) -> Iterator[None]:
    """Within this block, `-a files/ID`, uris and big local files are resolved for `run`."""
    with resolving(RunResolver(run, no_upload)):
        yield


def _dry_run() -> bool:
    """Whether the command runs with --dry-run (then nothing is looked up or uploaded)."""
    from gemini_cli.cli.command import PARAMS

    return bool(PARAMS.get("dry"))


class RunResolver:
    def __init__(self, run: Runtime, no_upload: bool) -> None:
        self.run = run
        self.no_upload = no_upload
        self._files: FilesClient | None = None

    def files(self) -> FilesClient:
        if self._files is None:
            from gemini_cli.cli.files_shared import files_client

            self._files = files_client(self.run)
        return self._files

    def serves_files(self, host: str) -> bool:
        """Whether a URL on `host` is a Files API uri (the API's host, or the base URL's):
        a look-alike path on another site is an ordinary URL."""
        from urllib.parse import urlsplit

        from gemini_cli.cli.backend import EMBEDDED_ORIGIN

        settings = self.run.settings
        base = EMBEDDED_ORIGIN if settings.embedded else settings.base_url
        ours = {API_HOST, urlsplit(base).netloc.rpartition("@")[2].lower()}
        return host.rpartition("@")[2].lower() in ours

    def file_block(self, name: str, uri: str | None, mime_type: str | None) -> JSONObject:
        """A Files API file as a `uri` block: its uri and type looked up, ACTIVE awaited."""
        if _dry_run():
            return _placeholder(uri or f"<the uri of {name}, looked up when sent>", mime_type)
        found = self.files().get(name)
        if found.data.get("state") != "ACTIVE":
            found = self.files().wait_file(found)
        return _block(found, uri, mime_type, name)

    def upload_block(self, path: Path, size: int, mime_type: str | None) -> JSONObject:
        """A local file too big to send inline, uploaded first (unless --no-upload)."""
        from gemini_cli.api.files import MAX_FILE_BYTES
        from gemini_cli.request.upload_source import check_size, human_size

        check_size(str(path), size, MAX_FILE_BYTES)  # before any note, even with --dry-run
        declared = _sendable_type(path, mime_type)  # and before 2 GiB go up for nothing
        if self.no_upload:
            raise UsageError(
                f"{path}: {human_size(size)} is over the {INLINE_MAX_BYTES >> 20} MiB gem "
                "sends inline, and --no-upload was given",
                hint=f"upload it yourself (gem files upload {path}) and pass -a with its uri",
            )
        if _dry_run():
            return _placeholder(f"<the uri of {path}, uploaded when sent>", declared)
        self.run.info(f"gem: note: uploading {path} ({human_size(size)}) with the Files API first")
        answer = self._upload(str(path), mime_type)
        return _block(answer, None, mime_type, str(path))

    def _upload(self, path: str, mime_type: str | None) -> Answer:
        from gemini_cli.api.files import FILES, MAX_FILE_BYTES
        from gemini_cli.cli.files_shared import file_of, job_maker, upload_path

        def finish(answer: Answer, note: Callable[[str], None]) -> Answer:
            uploaded = file_of(answer)
            if uploaded.data.get("state") == "ACTIVE":
                return uploaded
            return self.files().wait_file(uploaded, note)

        job = job_maker(FILES, None)
        return upload_path(self.run, self.files(), path, job, finish, (mime_type, MAX_FILE_BYTES))


def _block(file: Answer, uri: str | None, mime_type: str | None, shown: str) -> JSONObject:
    from gemini_cli.api.errors import NetworkError

    found_uri, found_mime = file.data.get("uri"), file.data.get("mimeType")
    if not isinstance(found_uri, str) or not found_uri:
        raise NetworkError(f"{shown}: the API's answer holds no uri for the file")
    chosen = mime_type or (found_mime if isinstance(found_mime, str) else None)
    return uri_block(uri or found_uri, chosen, shown)


def _sendable_type(path: Path, given: str | None) -> str | None:
    """The type an upload of `path` would declare (--mime-type, else told from the file's
    name or first bytes); exit 2 when no content block can carry it."""
    from gemini_cli.request.references import block_kind
    from gemini_cli.request.upload_source import detect_mime

    try:
        with path.open("rb") as handle:
            declared = given or detect_mime(path.name, handle.read(4096))
    except OSError:
        return given  # the upload itself says what is wrong
    if block_kind(declared) is None:
        raise UsageError(
            f"{path}: MIME type {declared} cannot be sent as input",
            hint="give the file a known extension (.mp4, .pdf, .mp3...), or say what it is "
            "with --mime-type TYPE",
        )
    return declared


def _placeholder(uri: str, mime_type: str | None) -> JSONObject:
    """--dry-run sends nothing, so a looked-up or uploaded file shows what is not known yet."""
    from gemini_cli.request.references import block_kind

    kind = block_kind(mime_type) if mime_type else None
    return {
        "type": kind or "<from the file's MIME type>",
        "uri": uri,
        "mime_type": mime_type or "<the file's MIME type>",
    }
