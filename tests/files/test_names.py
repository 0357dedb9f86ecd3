"""Pure helpers: resource names, chunk sizes, the document an operation made."""

from __future__ import annotations

import pytest

from gemini_cli.api.files import FILES, STORES, document_name, document_of, resource_name
from gemini_cli.api.upload import parse_chunk_size
from gemini_cli.core.errors import UsageError
from gemini_cli.request.references import block_kind


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("abc123", "files/abc123"),
        ("files/abc123", "files/abc123"),
        (" files/abc123\n", "files/abc123"),
        ("https://generativelanguage.googleapis.com/v1beta/files/abc-1", "files/abc-1"),
    ],
)
def test_file_names(given: str, name: str) -> None:
    assert resource_name(given, FILES, "file") == name


@pytest.mark.parametrize(
    "bad", ["", "files/", "files/a/../b", "files/..", "files/x\x1b", "files/a b"]
)
def test_bad_names_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        resource_name(bad, FILES, "file")


def test_documents_and_operations() -> None:
    store = resource_name("docs-1", STORES, "store")
    assert document_name(store, "d1") == "fileSearchStores/docs-1/documents/d1"
    assert document_name(store, f"{store}/documents/d2") == f"{store}/documents/d2"
    bare = {"done": True, "response": {"documentName": "d3"}}  # seen from the live API
    assert document_of(bare, store) == f"{store}/documents/d3"
    assert document_of({"name": "op"}, store) is None


@pytest.mark.parametrize(
    ("text", "size"),
    [("1", 1), ("256K", 262144), ("8M", 8388608), ("8MiB", 8388608), (" 2k ", 2048)],
)
def test_chunk_sizes(text: str, size: int) -> None:
    assert parse_chunk_size(text) == size


@pytest.mark.parametrize("text", ["0", "-1", "1.5M", "8G", "lots"])
def test_bad_chunk_sizes(text: str) -> None:
    with pytest.raises(UsageError):
        parse_chunk_size(text)


def test_block_kinds() -> None:
    assert [block_kind(m) for m in ("image/png", "application/pdf", "text/markdown", "application/zip")] == [
        "image", "document", "document", None
    ]  # fmt: skip
