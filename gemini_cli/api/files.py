"""The Files API and File Search stores (files, stores, documents, operations) over httpx."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from gemini_cli.api.client import InteractionsClient
from gemini_cli.api.deadline import Deadline
from gemini_cli.api.errors import (
    AuthError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    StillRunningError,
)
from gemini_cli.core.errors import EXIT_FAILED, GemError, UsageError
from gemini_cli.core.jsontypes import JSONObject

FILES = "files"
STORES = "fileSearchStores"
# The surfaces are documented on v1beta only (files-api.md §1); an explicit --api-version wins.
FILES_API_VERSION = "v1beta"
MAX_FILE_BYTES = 2 * 1024**3  # per file (the discovery document's maxSize)
MAX_DOCUMENT_BYTES = 100 * 1024**2  # per document uploaded straight into a store
FILES_PAGE_MAX = 100
STORES_PAGE_MAX = 20  # stores and documents
# Between two polls of a file or an operation: 1 s, 2 s, then every 5 s (files-api.md §3.7).
POLL_DELAYS = (1.0, 2.0, 5.0)
MAX_EMPTY_PAGES = 10  # in a row, each with a new token: a server looping, not a listing
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}$")

Progress = Callable[[str], None]


class FileFailedError(GemError):
    """A file's processing, or a store operation, ended in failure: exit 1 ("failed")."""

    exit_code = EXIT_FAILED
    error_type = "file_failed"


@dataclass(frozen=True)
class Answer:
    """A JSON object from the server and its text as sent (`--format json` prints that)."""

    data: JSONObject
    raw: str

    @classmethod
    def of(cls, data: JSONObject) -> Answer:
        return cls(data, json.dumps(data, ensure_ascii=False))


def resource_name(value: str, collection: str, what: str) -> str:
    """`abc`, `files/abc` or a file's uri -> `files/abc`; exit 2 for what cannot be a name
    (a control character, `..`, an empty or odd segment), so nothing odd reaches a URL."""
    text = value.strip()
    marker = f"/{collection}/"
    if text.startswith(("https://", "http://")) and marker in text:
        text = collection + "/" + text.split(marker, 1)[1].split("?")[0].split("#")[0]
    if not text.startswith(collection + "/"):
        text = f"{collection}/{text}"
    check_path(text, what, value)
    return text


def check_path(path: str, what: str, shown: str | None = None) -> None:
    """Every segment of a resource path is a plain name (no `..`, no control characters)."""
    if not all(_SEGMENT.match(part) and part not in (".", "..") for part in path.split("/")):
        raise UsageError(f"{what} {shown if shown is not None else path!r}: not a valid name")


def document_name(store: str, document: str) -> str:
    """A document's full name from its store and its id or full name."""
    if document.strip().startswith(STORES + "/"):
        name = document.strip()
    else:
        name = f"{store}/documents/{document.strip()}"
    check_path(name, "document", document)
    return name


class FilesClient:
    """Files, stores, documents and operations, sharing the interactions client's plumbing
    (retries, tracing, error mapping) and one deadline for the whole command."""

    def __init__(self, http: InteractionsClient, api_version: str, deadline: Deadline) -> None:
        self.http = http
        self.api_version = api_version
        self.deadline = deadline

    def url(self, path: str, *, upload: bool = False, suffix: str = "") -> str:
        parts = [self.http.base_url.rstrip("/")]
        if upload:
            parts.append("upload")
        parts += [self.api_version.strip("/"), quote(path, safe="/") + suffix]
        return "/".join(parts)

    def send(self, method: str, url: str, **options: Any) -> httpx.Response:
        """One request within the command's deadline; a 403 that means "no such file" is a
        not-found (exit 3), a full storage quota says so."""
        try:
            return self.http.request(method, url, deadline=self.deadline, **options)
        except AuthError as exc:
            if exc.http_status == 403 and "not exist" in exc.message:
                raise NotFoundError(exc.message, http_status=403, body=exc.body) from exc
            raise
        except RateLimitError as exc:
            if "limit" in exc.message.lower() and "storage" in exc.message.lower():
                exc.hint = "the storage quota is full: delete files or documents to make room"
            raise

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: JSONObject | None = None,
        suffix: str = "",
        idempotent: bool = True,
    ) -> Answer:
        resp = self.send(
            method,
            self.url(path, suffix=suffix),
            params=dict(params or {}),
            json_body=body,
            idempotent=idempotent,
        )
        return parse_answer(resp)

    # -- files -------------------------------------------------------------------------

    def get(self, name: str) -> Answer:
        return self.call("GET", name)

    def delete(self, name: str, force: bool = False) -> Answer:
        return self.call("DELETE", name, params={"force": "true"} if force else None)

    def list(self, collection: str, key: str, limit: int | None) -> Iterator[JSONObject]:
        """Every item of a collection, page after page, at most `limit` of them."""
        page_max = FILES_PAGE_MAX if collection == FILES else STORES_PAGE_MAX
        size = min(page_max, limit) if limit else page_max
        token, seen, count, empty = "", set[str](), 0, 0
        while limit is None or count < limit:
            params = {"pageSize": str(size), **({"pageToken": token} if token else {})}
            page = self.call("GET", collection, params=params).data
            items = page.get(key)
            before = count
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and (limit is None or count < limit):
                    count += 1
                    yield item
            following = page.get("nextPageToken")
            token = following if isinstance(following, str) else ""
            if not token:
                return
            empty = empty + 1 if count == before else 0
            if token in seen or empty >= MAX_EMPTY_PAGES:
                raise NetworkError("the API keeps sending pages with nothing new; stopped listing")
            seen.add(token)

    # -- stores ------------------------------------------------------------------------

    def create_store(self, display_name: str, embedding_model: str | None) -> Answer:
        body: JSONObject = {"displayName": display_name}
        if embedding_model:
            model = embedding_model.strip()
            body["embeddingModel"] = model if model.startswith("models/") else f"models/{model}"
        return self.call("POST", STORES, body=body, idempotent=False)

    def import_file(self, store: str, file_name: str) -> Answer:
        body: JSONObject = {"fileName": file_name}
        return self.call("POST", store, body=body, suffix=":importFile", idempotent=False)

    # -- waiting -----------------------------------------------------------------------

    def wait_file(self, file: Answer, progress: Progress | None = None) -> Answer:
        """Poll until the file is ACTIVE; FAILED is exit 1, the deadline exit 8."""
        delays = iter(POLL_DELAYS)
        while True:
            state = str(file.data.get("state") or "PROCESSING")
            name = str(file.data.get("name") or "the file")
            if state == "ACTIVE":
                return file
            if state == "FAILED":
                why = _error_text(file.data.get("error")) or "no reason given"
                raise FileFailedError(
                    f"{name}: processing failed: {why}",
                    hint=f"it stays listed until it expires; remove it: gem files delete {name}",
                )
            _check_server_name(name)
            self._pause(next(delays, POLL_DELAYS[-1]), f"{name} is still {state}", progress)
            file = self.get(name)

    def wait_operation(self, operation: Answer, progress: Progress | None = None) -> Answer:
        """Poll a long-running operation until `done`; an `error` is exit 1, the deadline 8."""
        delays = iter(POLL_DELAYS)
        while not operation.data.get("done"):
            name = str(operation.data.get("name") or "")
            _check_server_name(name)
            self._pause(next(delays, POLL_DELAYS[-1]), f"{name} is still running", progress)
            operation = self.get(name)
        error = operation.data.get("error")
        if error:
            name = operation.data.get("name") or "the operation"
            raise FileFailedError(f"{name} failed: {_error_text(error) or 'no reason given'}")
        return operation

    def _pause(self, delay: float, waiting: str, progress: Progress | None) -> None:
        if self.deadline.remaining() <= delay:
            raise StillRunningError(
                f"{waiting} at the {self.deadline.seconds or 0:g}s deadline (--timeout)",
                hint="raise --timeout, or use --no-wait and check later",
            )
        if progress is not None:
            progress(waiting)
        self.http.clock.sleep(delay)


def parse_answer(resp: httpx.Response) -> Answer:
    """The JSON object of a response; an empty body (a delete) is `{}`."""
    text = resp.text
    if not text.strip():
        return Answer({}, "{}")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise NetworkError(
            f"unreadable response from the API (HTTP {resp.status_code}): not JSON",
            http_status=resp.status_code,
        ) from exc
    if not isinstance(data, dict):
        raise NetworkError(f"unexpected response from the API: a JSON {type(data).__name__}")
    return Answer(data, text)


def _check_server_name(name: str) -> None:
    """A name the server sent goes back into a URL: it must be a plain resource path."""
    try:
        check_path(name, "name")
    except UsageError:
        raise NetworkError(f"the API sent an unusable resource name: {name[:200]!r}") from None


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("status") or "")
    return str(error or "")


def document_of(operation: JSONObject, store: str) -> str | None:
    """The document an upload/import operation made, as a full name (the live API has been
    seen sending a bare id)."""
    response = operation.get("response")
    document = response.get("documentName") if isinstance(response, dict) else None
    if not isinstance(document, str) or not document:
        return None
    return document if "/" in document else f"{store}/documents/{document}"
