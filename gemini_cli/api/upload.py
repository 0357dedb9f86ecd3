"""Google's resumable upload protocol: start a session, send chunks, resume after a drop."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import httpx

from gemini_cli.api.errors import NetworkError, ServerError, TimeoutError_
from gemini_cli.api.files import Answer, FilesClient, parse_answer
from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject

CHUNK_ENV = "GEM_UPLOAD_CHUNK"
DEFAULT_CHUNK = 8 * 1024 * 1024  # what the SDK sends; a multiple of every granularity seen
_SESSION_ID = re.compile(r"(upload_id=)[^&\s\"']+")
_SIZE = re.compile(r"^\s*(\d+)\s*([kKmM]i?[bB]?)?\s*$")

Sent = Callable[[int, int], None]  # (bytes the server has, total)


class Source(Protocol):
    """Bytes of a known size that can be read again from any offset (to resume)."""

    size: int

    def read_at(self, offset: int, size: int) -> bytes: ...


@dataclass(frozen=True)
class UploadJob:
    """Where a session starts (`files`, or a store + `:uploadToFileSearchStore`) and what
    the server is told about the bytes."""

    path: str
    metadata: JSONObject
    mime_type: str
    suffix: str = ""


def parse_chunk_size(text: str, origin: str = CHUNK_ENV) -> int:
    """`8388608`, `256K`, `8M` or `8MiB` -> bytes; exit 2 for anything else or zero."""
    match = _SIZE.match(text)
    if not match or int(match.group(1)) <= 0:
        raise UsageError(f"{origin}: expected a positive number of bytes (e.g. 8M), got {text!r}")
    unit = (match.group(2) or "").lower()[:1]
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]


def upload(
    files: FilesClient,
    job: UploadJob,
    source: Source,
    chunk_size: int = DEFAULT_CHUNK,
    sent: Sent | None = None,
) -> Answer:
    """Send `source` in chunks; the answer is the server's final JSON (a `{"file": ...}`
    wrapper, or an operation for a store). A dropped chunk is resumed from the offset the
    server reports (`X-Goog-Upload-Command: query`), at most max_retries times in a row."""
    with _hidden(files):
        url, granularity = _start(files, job, source.size)
        if granularity > 0 and chunk_size % granularity:
            chunk_size = max(granularity, chunk_size - chunk_size % granularity)
        return _transfer(files, url, source, chunk_size, sent)


def _start(files: FilesClient, job: UploadJob, size: int) -> tuple[str, int]:
    headers: dict[str, str | None] = {
        "X-Goog-Upload-Protocol": "resumable",
        "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Length": str(size),
        "X-Goog-Upload-Header-Content-Type": job.mime_type,
    }
    url = files.url(job.path, upload=True, suffix=job.suffix)
    # Nothing exists until the last chunk: starting again is harmless, so it is retried.
    resp = files.send("POST", url, json_body=job.metadata, headers=headers, idempotent=True)
    session = resp.headers.get("x-goog-upload-url", "")
    if not session.lower().startswith(("https://", "http://")):
        raise NetworkError("the API did not start an upload session (no X-Goog-Upload-URL)")
    if files.http.base_url.lower().startswith("https://") and not session.lower().startswith(
        "https://"
    ):  # the file's bytes stay as private as the key would
        raise NetworkError("the API sent a plain http:// upload URL; nothing was sent over it")
    try:
        granularity = int(resp.headers.get("x-goog-upload-chunk-granularity") or 0)
    except ValueError:
        granularity = 0
    return session, granularity


def _transfer(
    files: FilesClient, url: str, source: Source, chunk: int, sent: Sent | None
) -> Answer:
    offset, resumes = 0, 0
    while True:
        data = source.read_at(offset, chunk)
        last = offset + len(data) >= source.size
        try:
            resp = _chunk(files, url, offset, data, last)
            status = resp.headers.get("x-goog-upload-status", "").lower()
        except TimeoutError_:
            raise
        except (NetworkError, ServerError):  # dropped, or a 5xx: the query says where we are
            status, resp = "", None
        if status == "final" and resp is not None:
            if sent is not None:
                sent(source.size, source.size)
            return parse_answer(resp)
        if status == "active" and not last:
            offset, resumes = offset + len(data), 0
        else:  # dropped, or no status: ask the server what it has
            resumes += 1
            if resumes > files.http.retry.max_retries:
                raise NetworkError(f"the upload broke off at byte {offset} and could not resume")
            if status == "active":
                files.http.clock.sleep(files.http.retry.delay(resumes - 1, None))
            finished, offset = _query(files, url, source.size)
            if finished is not None:
                return finished
        if sent is not None:
            sent(offset, source.size)


def _chunk(files: FilesClient, url: str, offset: int, data: bytes, last: bool) -> httpx.Response:
    headers: dict[str, str | None] = {
        "X-Goog-Upload-Command": "upload, finalize" if last else "upload",
        "X-Goog-Upload-Offset": str(offset),
        "Content-Type": "application/octet-stream",
        "x-goog-api-key": None,  # the session URL is the authorisation: the key stays home
    }
    # Not idempotent for the retry loop: after a drop, the query below says where to go on.
    return files.send("POST", url, content=data, headers=headers, idempotent=False)


def _query(files: FilesClient, url: str, size: int) -> tuple[Answer | None, int]:
    """(the final answer, if the session already ended) or (None, the offset to go on from)."""
    headers: dict[str, str | None] = {"X-Goog-Upload-Command": "query", "x-goog-api-key": None}
    resp = files.send("POST", url, headers=headers, idempotent=True)
    if resp.headers.get("x-goog-upload-status", "").lower() == "final":
        return parse_answer(resp), size
    try:
        received = int(resp.headers.get("x-goog-upload-size-received", ""))
    except ValueError:
        received = -1
    if not 0 <= received <= size:
        raise NetworkError("the API did not say how much of the upload it has received")
    return None, received


@contextmanager
def _hidden(files: FilesClient) -> Iterator[None]:
    """An upload session's URL is a credential: --debug traces show its id redacted."""
    trace = files.http.trace
    if trace is None:
        yield
        return

    def redacted(message: str) -> None:
        trace(_SESSION_ID.sub(r"\1<redacted>", message))

    files.http.trace = redacted
    try:
        yield
    finally:
        files.http.trace = trace
