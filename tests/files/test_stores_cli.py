"""`gem stores` against the emulator: a store filled, searched with a citation, emptied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Emulator

PAPER = "Tidal locking slows the rotation of moons until one face always points at the planet."


@pytest.fixture
def papers(tmp_path: Path) -> list[Path]:
    first, second = tmp_path / "tides.txt", tmp_path / "rings.md"
    first.write_text(PAPER + "\n")
    second.write_text("# Rings\n\nSaturn's rings are mostly water ice.\n")
    return [first, second]


def test_store_flow(gem, emulator: Emulator, papers, fake_clock) -> None:
    store = gem("stores", "create", "My papers", "--format", "id").stdout.strip()
    assert store.startswith("fileSearchStores/my-papers-")
    uploaded = gem("stores", "upload", store, *map(str, papers))
    assert uploaded.exit_code == 0, uploaded.stderr
    documents = uploaded.stdout.split()
    assert len(documents) == 2 and all(d.startswith(f"{store}/documents/") for d in documents)
    assert fake_clock.sleeps == [1.0, 1.0]  # each waited for its indexing operation
    listed = gem("stores", "documents", "list", store, "--json")
    states = {d["name"]: d["state"] for d in json.loads(listed.stdout)}
    assert states == dict.fromkeys(documents, "STATE_ACTIVE")
    counts = json.loads(gem("stores", "get", store, "--json").stdout)
    assert counts["activeDocumentsCount"] == "2"

    answer = gem(
        "create",
        "--file-search",
        store.removeprefix("fileSearchStores/"),  # a bare store id works too
        "Why does one face of a moon always point at the planet?",
    )
    assert answer.exit_code == 0, answer.stderr
    assert f'From tides.txt: "{PAPER}"' in answer.stdout
    cited = json.loads(gem("get", "last", "--json").stdout)
    text_block = [s for s in cited["steps"] if s["type"] == "model_output"][-1]["content"][-1]
    citation = text_block["annotations"][-1]
    assert citation["type"] == "file_citation" and citation["file_name"] == "tides.txt"
    quoted = text_block["text"].encode()[citation["start_index"] : citation["end_index"]]
    assert quoted.decode() == PAPER

    refused = gem("stores", "delete", store)
    assert refused.exit_code == 3 and "add --force" in refused.stderr
    removed = gem("stores", "documents", "delete", store, documents[0].rsplit("/", 1)[1])
    assert removed.stdout.strip() == documents[0]
    assert [d.path for d in emulator.seen if d.method == "DELETE"][-1].endswith(
        documents[0].split("/")[-1]
    )
    assert emulator.seen[-1].query == "force=true"
    assert gem("stores", "delete", "--force", store).stdout.strip() == store
    assert gem("stores", "list", "--format", "id").stdout == ""


def test_import_an_uploaded_file(gem, papers) -> None:
    store = gem("stores", "create", "imports", "-f", "id").stdout.strip()
    name = gem("files", "upload", "-f", "id", str(papers[0])).stdout.strip()
    imported = gem("stores", "import", store, name, "--json")
    assert imported.exit_code == 0, imported.stderr
    operation = json.loads(imported.stdout)
    assert operation["done"] is True and operation["name"].startswith(f"{store}/operations/")
    document = operation["response"]["documentName"]
    shown = gem("stores", "documents", "get", store, document).stdout
    assert "tides.txt" in shown and "STATE_ACTIVE" in shown


def test_no_wait_prints_the_document_at_once(gem, papers, fake_clock) -> None:
    store = gem("stores", "create", "quick", "-f", "id").stdout.strip()
    result = gem("stores", "upload", "--no-wait", store, str(papers[0]))
    assert result.stdout.startswith(f"{store}/documents/")
    assert fake_clock.sleeps == []


def test_unknown_store_is_exit_3(gem, papers, emulator) -> None:
    result = gem("stores", "upload", "fileSearchStores/nope", str(papers[0]))
    assert result.exit_code == 3 and "nope" in result.stderr
    assert emulator.chunks() == []  # refused at the start: no byte sent


def test_bad_names_are_refused_before_sending(gem, emulator) -> None:
    for args in (
        ["stores", "get", "a/../b"],
        ["files", "get", "files/x\x1b"],
        ["stores", "create", " "],
    ):
        result = gem(*args)
        assert result.exit_code == 2, args
    assert emulator.seen == []
