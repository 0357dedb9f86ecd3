"""The emulator's Files API: routes for files and File Search stores, file records, listings.

Stores and documents live in files_stores.py, upload sessions in files_upload.py, and what
interactions see of files (uri blocks, the file_search tool) in files_answers.py.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from gemini_cli.core.jsontypes import JSONObject, JSONValue

from .routing import Response, error_response, is_true, json_response
from .store import MemoryStore, Record, SqliteStore, Store
from .validation import ApiError

if TYPE_CHECKING:
    from .engine import Engine

FILES_DB = "emulator-files.sqlite3"
EXPIRY_SECONDS = 48 * 3600
PROCESSING_SECONDS = 1.0  # at most: video and audio files, store documents
FAIL_MARKER = b"GEM-EMULATOR-FAIL"  # a file whose bytes start so ends FAILED
KEEP_TEXT = 64 * 1024  # what is kept of a file's bytes, to quote it in answers
_PATH = re.compile(
    r"^(?P<prefix>.*?)(?P<upload>/upload)?/(?P<version>v\d+[a-z0-9]*)"
    r"/(?P<rest>(?:files|fileSearchStores)(?:[/:].*)?)$"
)
_FILE = re.compile(r"^files/(?P<id>[a-z0-9-]{1,40})$")


def claims(path: str) -> bool:
    """Whether `path` is a Files API or File Search stores URL."""
    return _PATH.match(path) is not None


@dataclass
class Call:
    """One request to these surfaces, cut up."""

    method: str
    rest: str  # e.g. files/abc, fileSearchStores/s:importFile
    version: str
    upload: bool
    origin: str  # scheme://host the client used: upload URLs and uris point back there
    headers: Mapping[str, str]
    body: bytes
    query: dict[str, str] = field(default_factory=dict)


def serve(
    engine: Engine, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> Response:
    """Answer one Files API / stores request (the engine's routing hook)."""
    match = _PATH.match(path)
    assert match is not None
    params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    host = headers.get("host", "localhost")
    call = Call(
        method.upper(),
        match["rest"],
        match["version"],
        bool(match["upload"]),
        f"http://{host}{match['prefix']}",
        headers,
        body,
        params,
    )
    files = service(engine)
    try:
        return files.handle(call)
    except ApiError as error:
        return error_response(error, live=engine.live)


def service(engine: Engine) -> FilesService:
    """The engine's files state, made on first use (no cost for interaction-only runs)."""
    found = engine.services.get("files")
    if not isinstance(found, FilesService):
        found = engine.services["files"] = FilesService(engine)
    return found


def _store_beside(store: Store) -> Store:
    """SQLite next to the engine's (embedded mode: shared by gem processes), else memory."""
    if isinstance(store, SqliteStore):
        return SqliteStore(store.path.with_name(FILES_DB))
    return MemoryStore()


def timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FilesService:
    """Files, and the router to stores, documents, operations and upload sessions."""

    def __init__(self, engine: Engine) -> None:
        from .files_stores import StoreOps
        from .files_upload import UploadSessions

        self.engine = engine
        self.store = _store_beside(engine.store)
        self.lock = threading.Lock()
        self.sessions = UploadSessions(self)
        self.stores = StoreOps(self)
        # Planned faults for the next chunk requests: "drop" (lost before it is kept) or
        # "drop-stored" (kept, but the answer is lost); tests set them.
        self.chunk_faults: list[str] = []

    @property
    def now(self) -> float:
        return self.engine.clock()

    def processing_seconds(self) -> float:
        return min(self.engine.work_seconds, PROCESSING_SECONDS)

    def new_id(self, size: int = 12) -> str:
        raw = base64.b32encode(self.engine.token_bytes(10)).decode().lower()
        return raw.rstrip("=")[:size]

    def reply(
        self, status: int, payload: JSONValue, headers: Mapping[str, str] | None = None
    ) -> Response:
        return json_response(status, payload, headers, live=self.engine.live)

    def handle(self, call: Call) -> Response:
        if call.upload and "upload_id" in call.query:
            return self.sessions.chunk(call)  # the session URL is its own authorisation
        self.engine._authenticate(call.headers, call.query)
        if call.upload:
            return self.sessions.start(call)
        if call.rest.startswith("fileSearchStores"):
            return self.stores.handle(call)
        return self._files(call)

    # -- files -------------------------------------------------------------------------

    def _files(self, call: Call) -> Response:
        if call.rest == "files" and call.method == "GET":
            views = [self.file_view(r) for r in self.records("files")]
            return self.reply(200, page(views, call.query, "files", 100))
        match = _FILE.match(call.rest.split(":")[0])
        if match is None:
            raise ApiError(404, f"The requested URL {call.rest} was not found on this server.")
        if call.method == "GET":
            return self.reply(200, self.file_view(self.file(call.rest)))
        if call.method == "DELETE":
            self.file(call.rest)
            self.remove(call.rest, "files")
            return self.reply(200, {})
        raise ApiError(405, f"Method {call.method} is not allowed on {call.rest}.")

    def new_file(
        self, call: Call, metadata: JSONObject, size: int, sha: str, head: bytes
    ) -> JSONObject:
        """The File an upload made (finalize), with its processing time and expiry."""
        wanted = str(metadata.get("name") or "").removeprefix("files/")
        name = f"files/{wanted or self.new_id()}"
        now, mime = self.now, str(metadata.get("mimeType") or "application/octet-stream")
        slow = mime.startswith(("video/", "audio/")) or head.startswith(FAIL_MARKER)
        resource: JSONObject = {
            "name": name,
            "displayName": metadata.get("displayName") or "",
            "mimeType": mime,
            "sizeBytes": str(size),
            "createTime": timestamp(now),
            "updateTime": timestamp(now),
            "expirationTime": timestamp(now + EXPIRY_SECONDS),
            "sha256Hash": sha,
            "uri": f"{call.origin}/{call.version}/{name}",
            "source": "UPLOADED",
        }
        if not resource["displayName"]:
            del resource["displayName"]
        record: Record = {
            "id": name,
            "resource": resource,
            "ready_at": now + (self.processing_seconds() if slow else 0.0),
            "expires": now + EXPIRY_SECONDS,
            "fail": head.startswith(FAIL_MARKER),
            "text": head[:KEEP_TEXT].decode("utf-8", "replace"),
        }
        self.put(record, "files")
        return self.file_view(record)

    def file(self, name: str) -> Record:
        """A live file's record; unknown, deleted or expired is 403, as the service says."""
        record = self.store.get(name)
        if record is not None and self.now >= record["expires"]:
            self.remove(name, "files")
            record = None
        if record is None:
            raise ApiError(
                403,
                f"You do not have permission to access the File {name.removeprefix('files/')} "
                "or it may not exist.",
                "PERMISSION_DENIED",
            )
        return record

    def file_view(self, record: Record) -> JSONObject:
        view: JSONObject = dict(record["resource"])
        if self.now < record["ready_at"]:
            view["state"] = "PROCESSING"
        elif record["fail"]:
            view["state"] = "FAILED"
            view["error"] = {"code": 3, "message": "The file could not be processed (emulated)."}
        else:
            view["state"] = "ACTIVE"
        return view

    # -- records and listings ------------------------------------------------------------

    def put(self, record: Record, index: str) -> None:
        self.store.put(record)
        with self.lock:
            self._change_index(index, lambda names: [*names, record["id"]])

    def remove(self, name: str, index: str) -> None:
        self.store.delete(name)
        with self.lock:
            self._change_index(index, lambda names: [n for n in names if n != name])

    def records(self, index: str) -> list[Record]:
        found = self.store.get(f"index:{index}")
        records = [self.store.get(name) for name in (found or {}).get("names", [])]
        live = [r for r in records if r is not None]
        if index == "files":
            live = [r for r in live if self.now < r["expires"]]
        return live

    def _change_index(self, index: str, change: Callable[[list[str]], list[str]]) -> None:
        key = f"index:{index}"

        def apply(record: Record) -> Record:
            return {**record, "names": change(list(record.get("names", [])))}

        if self.store.update(key, apply) is None:
            self.store.put(apply({"id": key, "names": []}))


def page(items: list[JSONObject], query: Mapping[str, str], key: str, most: int) -> JSONObject:
    """One page of `items` (pageSize, pageToken); no list at all when empty, as proto3 does."""
    try:
        size = min(max(int(query.get("pageSize") or 10), 1), most)
        start = int(query.get("pageToken", "").removeprefix("p") or 0)
    except ValueError:
        raise ApiError(400, "Invalid page size or page token.") from None
    answer: JSONObject = {}
    if items[start : start + size]:
        answer[key] = items[start : start + size]
    if start + size < len(items):
        answer["nextPageToken"] = f"p{start + size}"
    return answer


def forced(query: Mapping[str, str]) -> bool:
    """`force=true` (and the SDK's `force=True`)."""
    return is_true(query.get("force"))
