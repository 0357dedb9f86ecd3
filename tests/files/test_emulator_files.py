"""The emulator's Files API state machine, driven directly through Engine.handle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from gemini_cli.emulator import Engine
from gemini_cli.emulator.embedded import EmbeddedTransport
from tests.conftest import FakeClock

KEY = {"x-goog-api-key": "k", "host": "emu.test"}


def call(
    engine: Engine,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: str = "",
) -> Any:
    raw = (
        body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    )
    reply = engine.handle(method, path, query, {**KEY, **(headers or {})}, raw)
    return reply.status, reply.headers, json.loads(reply.body) if reply.body.strip() else None


def upload(engine: Engine, data: bytes, mime: str = "text/plain") -> dict[str, Any]:
    start = {"x-goog-upload-command": "start", "x-goog-upload-header-content-length": str(len(data)),
             "x-goog-upload-header-content-type": mime}  # fmt: skip
    _, headers, _ = call(engine, "POST", "/upload/v1beta/files", {"file": {}}, start)
    url = httpx.URL(headers["x-goog-upload-url"])
    assert url.host == "emu.test"  # the session points back at the host the client used
    chunk = {"x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0"}
    status, headers, body = call(engine, "POST", url.path, data, chunk, url.query.decode())
    assert (status, headers["x-goog-upload-status"]) == (200, "final")
    return body["file"]


def test_files_expire_after_48_hours() -> None:
    clock = FakeClock()
    engine = Engine(clock=clock.wall)
    file = upload(engine, b"hello")
    assert call(engine, "GET", f"/v1beta/{file['name']}")[0] == 200
    clock.advance(48 * 3600)
    status, _, body = call(engine, "GET", f"/v1beta/{file['name']}")
    assert (status, body["error"]["status"]) == (403, "PERMISSION_DENIED")
    assert call(engine, "GET", "/v1beta/files")[2] == {}  # and gone from the list


def test_a_chunk_at_the_wrong_offset_is_refused() -> None:
    engine = Engine()
    start = {"x-goog-upload-command": "start", "x-goog-upload-header-content-length": "10"}
    _, headers, _ = call(engine, "POST", "/upload/v1beta/files", {}, start)
    url = httpx.URL(headers["x-goog-upload-url"])
    chunk = {"x-goog-upload-command": "upload", "x-goog-upload-offset": "4"}
    assert call(engine, "POST", url.path, b"abcd", chunk, url.query.decode())[0] == 400
    query = {"x-goog-upload-command": "query"}
    _, headers, _ = call(engine, "POST", url.path, b"", query, url.query.decode())
    assert (headers["x-goog-upload-status"], headers["x-goog-upload-size-received"]) == (
        "active",
        "0",
    )


def test_keys_are_required_except_on_the_session_url() -> None:
    engine = Engine()
    reply = engine.handle("GET", "/v1beta/files", "", {}, b"")
    assert reply.status == 401


def test_operations_finish_and_stores_count_documents() -> None:
    clock = FakeClock()
    engine = Engine(clock=clock.wall, work_seconds=0.5)
    _, _, store = call(engine, "POST", "/v1beta/fileSearchStores", {"displayName": "A b!"})
    assert store["name"].startswith("fileSearchStores/a-b-") and set(store) == {
        "name",
        "displayName",
        "createTime",
        "updateTime",
    }
    file = upload(engine, b"some words")
    _, _, operation = call(
        engine, "POST", f"/v1beta/{store['name']}:importFile", {"fileName": file["name"]}
    )
    assert "done" not in operation
    assert call(engine, "GET", f"/v1beta/{store['name']}")[2]["pendingDocumentsCount"] == "1"
    clock.advance(0.5)
    _, _, done = call(engine, "GET", f"/v1beta/{operation['name']}")
    assert done["done"] is True and done["response"]["parent"] == store["name"]
    assert call(engine, "GET", f"/v1beta/{store['name']}")[2]["activeDocumentsCount"] == "1"


def test_a_file_search_naming_an_unknown_store_is_an_error() -> None:
    engine = Engine()
    body = {
        "model": "m",
        "input": "q",
        "tools": [{"type": "file_search", "file_search_store_names": ["fileSearchStores/nope"]}],
    }
    assert call(engine, "POST", "/v1beta/interactions", body)[0] == 404
    body["tools"][0]["file_search_store_names"] = []
    assert call(engine, "POST", "/v1beta/interactions", body)[0] == 400


def test_embedded_state_is_shared_by_processes(tmp_path: Path) -> None:
    def client() -> httpx.Client:
        return httpx.Client(transport=EmbeddedTransport(tmp_path), base_url="http://emulator.local")

    with client() as first:
        created = first.post("/v1beta/fileSearchStores", json={"displayName": "kept"}).json()
    with client() as second:  # a later gem process
        assert second.get(f"/v1beta/{created['name']}").json()["displayName"] == "kept"
    assert (tmp_path / "emulator-files.sqlite3").exists()
