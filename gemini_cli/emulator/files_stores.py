"""The emulator's File Search stores: stores, their documents, and long-running operations."""

from __future__ import annotations

import json
import re

from gemini_cli.core.jsontypes import JSONObject

from .files import Call, FilesService, forced, page, timestamp
from .routing import Response
from .store import Record
from .validation import ApiError

STORES = "fileSearchStores"
_STORE = re.compile(r"^fileSearchStores/[a-z0-9-]{1,40}$")
_DOCUMENT = re.compile(r"^(?P<store>fileSearchStores/[a-z0-9-]{1,40})/documents/[a-z0-9-]{1,40}$")
_OPERATION = re.compile(
    r"^(?P<store>fileSearchStores/[a-z0-9-]{1,40})/(?:upload/)?operations/[a-z0-9-]{1,80}$"
)
RESPONSE_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main."


def slug(text: str) -> str:
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:27].strip("-")


class StoreOps:
    def __init__(self, files: FilesService) -> None:
        self.files = files

    def handle(self, call: Call) -> Response:
        rest, method = call.rest, call.method
        if rest == STORES:
            if method == "POST":
                return self._create(call)
            if method == "GET":
                views = [self.store_view(r) for r in self.files.records(STORES)]
                return self.files.reply(200, _page(views, call, STORES))
        elif _STORE.match(rest):
            return self._one_store(call)
        elif rest.endswith(":importFile") and method == "POST":
            return self._import(call, rest.removesuffix(":importFile"))
        elif rest.endswith("/documents") and _STORE.match(rest.removesuffix("/documents")):
            store = self.store(rest.removesuffix("/documents"))["id"]
            views = [self.document_view(r) for r in self.files.records(f"{store}/documents")]
            return self.files.reply(200, _page(views, call, "documents"))
        elif _DOCUMENT.match(rest):
            return self._one_document(call)
        elif _OPERATION.match(rest) and method == "GET":
            return self.files.reply(200, self._operation_view(self._record(rest, "Operation")))
        else:
            raise ApiError(404, f"The requested URL {rest} was not found on this server.")
        raise ApiError(405, f"Method {method} is not allowed on {rest}.")

    # -- stores ------------------------------------------------------------------------

    def _create(self, call: Call) -> Response:
        body = _json(call.body)
        shown = str(body.get("displayName") or body.get("display_name") or "")
        stem = slug(shown)
        name = f"{STORES}/{stem + '-' if stem else ''}{self.files.new_id()}"
        now = self.files.now
        resource: JSONObject = {"name": name, "createTime": timestamp(now)}
        if shown:
            resource["displayName"] = shown
        resource["updateTime"] = resource["createTime"]
        model = body.get("embeddingModel") or body.get("embedding_model")
        if model:
            resource["embeddingModel"] = model
        self.files.put({"id": name, "resource": resource}, STORES)
        return self.files.reply(200, self.store_view(self.store(name)))

    def _one_store(self, call: Call) -> Response:
        record = self.store(call.rest)
        if call.method == "GET":
            return self.files.reply(200, self.store_view(record))
        if call.method != "DELETE":
            raise ApiError(405, f"Method {call.method} is not allowed on {call.rest}.")
        documents = self.files.records(f"{call.rest}/documents")
        if documents and not forced(call.query):
            raise ApiError(400, "Cannot delete non-empty FileSearchStore", "FAILED_PRECONDITION")
        for document in documents:
            self.files.remove(document["id"], f"{call.rest}/documents")
        self.files.remove(call.rest, STORES)
        return self.files.reply(200, {})

    def store(self, name: str) -> Record:
        return self._record(name, "FileSearchStore")

    def store_view(self, record: Record) -> JSONObject:
        """The store with its counts (strings; zero counts left out, as the service does)."""
        view: JSONObject = dict(record["resource"])
        documents = [self.document_view(d) for d in self.files.records(f"{record['id']}/documents")]
        counts = {"STATE_ACTIVE": 0, "STATE_PENDING": 0, "STATE_FAILED": 0}
        for document in documents:
            counts[document["state"]] = counts.get(document["state"], 0) + 1
        for key, state in (("active", "STATE_ACTIVE"), ("pending", "STATE_PENDING")):
            if counts[state]:
                view[f"{key}DocumentsCount"] = str(counts[state])
        if counts["STATE_FAILED"]:
            view["failedDocumentsCount"] = str(counts["STATE_FAILED"])
        size = sum(int(d.get("sizeBytes", 0)) for d in documents)
        if size:
            view["sizeBytes"] = str(size)
        return view

    # -- documents and operations -----------------------------------------------------------

    def _import(self, call: Call, store: str) -> Response:
        self.store(store)
        body = _json(call.body)
        file_name = str(body.get("fileName") or body.get("file_name") or "")
        if not file_name:
            raise ApiError(400, "Request contains an invalid argument: fileName is required.")
        record = self.files.file(file_name)
        if self.files.file_view(record)["state"] != "ACTIVE":
            raise ApiError(400, f"File {file_name} is not ACTIVE.", "FAILED_PRECONDITION")
        resource = record["resource"]
        metadata: JSONObject = {
            "displayName": resource.get("displayName") or file_name,
            "mimeType": resource.get("mimeType"),
            "customMetadata": body.get("customMetadata") or body.get("custom_metadata"),
        }
        size = int(resource.get("sizeBytes", 0))
        head = str(record.get("text", "")).encode()
        operation = self.new_document(store, metadata, size, head, upload=False)
        return self.files.reply(200, operation)

    def new_document(
        self, store: str, metadata: JSONObject, size: int, head: bytes, *, upload: bool
    ) -> JSONObject:
        """A document (pending until indexed) and the operation that indexes it."""
        ident = self.files.new_id()
        name, now = f"{store}/documents/{ident}", self.files.now
        resource: JSONObject = {
            "name": name,
            "displayName": metadata.get("displayName") or ident,
            "mimeType": metadata.get("mimeType") or "application/octet-stream",
            "sizeBytes": str(size),
            "createTime": timestamp(now),
            "updateTime": timestamp(now),
        }
        if metadata.get("customMetadata"):
            resource["customMetadata"] = metadata["customMetadata"]
        ready = now + self.files.processing_seconds()
        text = head.decode("utf-8", "replace")
        self.files.put({"id": name, "resource": resource, "ready_at": ready, "text": text},
                       f"{store}/documents")  # fmt: skip
        kind = "upload/operations" if upload else "operations"
        operation: Record = {
            "id": f"{store}/{kind}/{ident}",
            "ready_at": ready,
            "response": {
                "@type": RESPONSE_TYPE
                + ("UploadToFileSearchStoreResponse" if upload else "ImportFileResponse"),
                "parent": store,
                "documentName": name,
            },
        }
        self.files.store.put(operation)
        return self._operation_view(operation)

    def _operation_view(self, record: Record) -> JSONObject:
        view: JSONObject = {"name": record["id"]}
        if self.files.now >= record["ready_at"]:
            view["done"] = True
            view["response"] = record["response"]
        elif "upload/" in record["id"]:  # the service names the document at once (§4.6)
            view["response"] = record["response"]
        return view

    def _one_document(self, call: Call) -> Response:
        match = _DOCUMENT.match(call.rest)
        assert match is not None
        record = self._record(call.rest, "Document")
        if call.method == "GET":
            return self.files.reply(200, self.document_view(record))
        if call.method == "DELETE":
            self.files.remove(call.rest, f"{match['store']}/documents")
            return self.files.reply(200, {})
        raise ApiError(405, f"Method {call.method} is not allowed on {call.rest}.")

    def document_view(self, record: Record) -> JSONObject:
        view: JSONObject = dict(record["resource"])
        view["state"] = "STATE_ACTIVE" if self.files.now >= record["ready_at"] else "STATE_PENDING"
        return view

    def documents(self, store: str) -> list[Record]:
        return self.files.records(f"{store}/documents")

    def _record(self, name: str, kind: str) -> Record:
        record = self.files.store.get(name)
        if record is None:
            raise ApiError(404, f"{kind} {name} not found.", "NOT_FOUND")
        return record


def _page(items: list[JSONObject], call: Call, key: str) -> JSONObject:
    return page(items, call.query, key, 20)


def _json(body: bytes) -> JSONObject:
    try:
        parsed = json.loads(body) if body.strip() else {}
    except (ValueError, RecursionError):
        raise ApiError(400, "Invalid JSON payload received.") from None
    if not isinstance(parsed, dict):
        raise ApiError(400, "Invalid JSON payload received.")
    return parsed
