"""The emulator's resumable upload sessions: start, chunks, query, finalize (files-api.md §3.1)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gemini_cli.core.jsontypes import JSONObject

from .routing import Response
from .validation import ApiError

if TYPE_CHECKING:
    from .files import Call, FilesService

GRANULARITY = 1024  # advertised; the client keeps its non-final chunks multiples of it
_UPLOAD_SUFFIX = ":uploadToFileSearchStore"


@dataclass
class Session:
    """An open upload: what was declared, what has arrived."""

    call: Call  # the start request (origin, version, metadata)
    metadata: JSONObject
    size: int
    store: str | None  # a store upload's store, None for a file
    received: int = 0
    head: bytearray = field(default_factory=bytearray)
    digest: Any = field(default_factory=hashlib.sha256)
    final: Response | None = None


class UploadSessions:
    """Sessions live in memory: an upload is one client's run (embedded: one gem process)."""

    def __init__(self, files: FilesService) -> None:
        self.files = files
        self.open: dict[str, Session] = {}

    def start(self, call: Call) -> Response:
        if call.method != "POST":
            raise ApiError(405, f"Method {call.method} is not allowed on {call.rest}.")
        store = None
        if call.rest.endswith(_UPLOAD_SUFFIX):
            store = call.rest.removesuffix(_UPLOAD_SUFFIX)
            self.files.stores.store(store)  # 404 before any byte is sent
        elif call.rest != "files":
            raise ApiError(404, f"The requested URL {call.rest} was not found on this server.")
        if call.headers.get("x-goog-upload-command", "").lower() != "start":
            raise ApiError(400, "Expected X-Goog-Upload-Command: start.")
        metadata = _metadata(call, store is None)
        size = _declared_size(call)
        token = self.files.new_id(24)
        with self.files.lock:
            self.open[token] = Session(call, metadata, size, store)
        url = f"{call.origin}/upload/{call.version}/{call.rest}?upload_id={token}"
        headers = {
            "x-goog-upload-url": url + "&upload_protocol=resumable",
            "x-goog-upload-status": "active",
            "x-goog-upload-chunk-granularity": str(GRANULARITY),
        }
        return Response(200, {"content-type": "application/json; charset=UTF-8", **headers}, b"")

    def chunk(self, call: Call) -> Response:
        session = self.open.get(call.query.get("upload_id", ""))
        if session is None:
            raise ApiError(404, "No such upload session.")
        command = call.headers.get("x-goog-upload-command", "").lower()
        if "query" in command:
            return session.final or _status("active", session.received)
        if "cancel" in command:
            self.open.pop(call.query["upload_id"], None)
            return _status("cancelled", session.received)
        if session.final is not None:
            return session.final
        fault = self.files.chunk_faults.pop(0) if self.files.chunk_faults else ""
        if fault == "drop":
            return _dropped()
        answer = self._take(session, call, "finalize" in command)
        return _dropped() if fault == "drop-stored" else answer

    def _take(self, session: Session, call: Call, finalize: bool) -> Response:
        offset = call.headers.get("x-goog-upload-offset", "")
        if offset != str(session.received):
            raise ApiError(400, f"Upload offset {offset!r} does not match {session.received}.")
        data = call.body
        if session.received + len(data) > session.size:
            raise ApiError(400, "More bytes than X-Goog-Upload-Header-Content-Length declared.")
        session.received += len(data)
        session.digest.update(data)
        room = 64 * 1024 - len(session.head)
        session.head += data[: max(room, 0)]
        if not finalize:
            return _status("active", session.received)
        if session.received != session.size:
            raise ApiError(400, f"Finalized after {session.received} of {session.size} bytes.")
        session.final = self._finish(session)
        return session.final

    def _finish(self, session: Session) -> Response:
        sha = base64.b64encode(session.digest.digest()).decode()
        head = bytes(session.head)
        if session.store is None:
            made = self.files.new_file(session.call, session.metadata, session.size, sha, head)
            payload: JSONObject = {"file": made}
        else:
            payload = self.files.stores.new_document(
                session.store, session.metadata, session.size, head, upload=True
            )
        reply = self.files.reply(200, payload)
        reply.headers["x-goog-upload-status"] = "final"
        return reply


def _metadata(call: Call, wrapped: bool) -> JSONObject:
    """The start body: `{"file": {...}}` for files, the document's fields for a store; the
    SDK's snake_case keys are read too. The declared type is the header's."""
    try:
        body = json.loads(call.body) if call.body.strip() else {}
    except (ValueError, RecursionError):
        raise ApiError(400, "Invalid JSON payload received.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid JSON payload received.")
    fields = body.get("file", {}) if wrapped else body
    fields = fields if isinstance(fields, dict) else {}
    metadata: JSONObject = {
        "displayName": fields.get("displayName") or fields.get("display_name"),
        "name": fields.get("name"),
        "mimeType": call.headers.get("x-goog-upload-header-content-type")
        or fields.get("mimeType")
        or fields.get("mime_type"),
        "customMetadata": fields.get("customMetadata") or fields.get("custom_metadata"),
    }
    return {key: value for key, value in metadata.items() if value}


def _declared_size(call: Call) -> int:
    raw = call.headers.get("x-goog-upload-header-content-length", "")
    if not raw.strip().isdigit():
        raise ApiError(400, "X-Goog-Upload-Header-Content-Length is required.")
    return int(raw)


def _status(state: str, received: int) -> Response:
    headers = {
        "x-goog-upload-status": state,
        "x-goog-upload-size-received": str(received),
        "content-type": "application/json; charset=UTF-8",
    }
    return Response(200, headers, b"")


def _dropped() -> Response:
    """A connection cut before the answer is complete (the server and the embedded transport
    both cut at a None item)."""
    return Response(200, {"content-type": "application/json"}, events=iter([None]))
