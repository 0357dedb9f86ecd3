"""The official google-genai SDK uploads, lists and deletes files and fills a store against
`gem emulator` (both flavors), unchanged."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

genai = pytest.importorskip("google.genai")

from gemini_cli.emulator import start_background  # noqa: E402
from gemini_cli.emulator.flavor import FLAVORS  # noqa: E402

pytestmark = pytest.mark.compat
TEXT = "The lighthouse keeper logs every ship that passes the northern reef."


@pytest.fixture(scope="module", params=FLAVORS)
def client(request: pytest.FixtureRequest) -> Iterator[Any]:
    with start_background(work_seconds=0.2, flavor=request.param) as server:
        yield genai.Client(api_key="test", http_options={"base_url": server.url})


@pytest.fixture
def note(tmp_path: Path) -> Path:
    path = tmp_path / "keeper.txt"
    path.write_text(TEXT)
    return path


def test_upload_list_get_delete(client: Any, note: Path) -> None:
    uploaded = client.files.upload(file=str(note), config={"display_name": "Keeper"})
    assert uploaded.state.name == "ACTIVE" and uploaded.size_bytes == len(TEXT)
    assert uploaded.display_name == "Keeper" and uploaded.mime_type == "text/plain"
    assert client.files.get(name=uploaded.name).uri == uploaded.uri
    assert uploaded.name in [f.name for f in client.files.list()]
    client.files.delete(name=uploaded.name)
    assert uploaded.name not in [f.name for f in client.files.list()]
    with pytest.raises(Exception) as caught:
        client.files.get(name=uploaded.name)
    assert getattr(caught.value, "code", None) == 403


def test_a_big_upload_goes_in_several_chunks(client: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"\x01" * (9 * 1024 * 1024))  # the SDK sends 8 MiB, then the rest
    uploaded = client.files.upload(file=str(big), config={"mime_type": "application/pdf"})
    assert uploaded.size_bytes == 9 * 1024 * 1024


def wait(client: Any, operation: Any) -> Any:
    for _ in range(100):
        if operation.done:
            return operation
        time.sleep(0.05)
        operation = client.operations.get(operation)
    raise AssertionError("the operation never finished")


def test_create_and_fill_a_store(client: Any, note: Path) -> None:
    store = client.file_search_stores.create(config={"display_name": "Harbour"})
    assert store.name.startswith("fileSearchStores/harbour-")
    operation = client.file_search_stores.upload_to_file_search_store(
        file_search_store_name=store.name, file=str(note), config={"display_name": "log.txt"}
    )
    assert wait(client, operation).response.document_name.startswith(store.name)
    file = client.files.upload(file=str(note))
    imported = client.file_search_stores.import_file(
        file_search_store_name=store.name, file_name=file.name
    )
    wait(client, imported)
    documents = list(client.file_search_stores.documents.list(parent=store.name))
    assert len(documents) == 2
    answer = client.interactions.create(
        model="gemini-3-flash-preview",
        input="Who logs the ships?",
        tools=[{"type": "file_search", "file_search_store_names": [store.name]}],
    )
    assert TEXT in answer.output_text
    client.file_search_stores.documents.delete(name=documents[0].name, config={"force": True})
    client.file_search_stores.delete(name=store.name, config={"force": True})
    assert store.name not in [s.name for s in client.file_search_stores.list()]
