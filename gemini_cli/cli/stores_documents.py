"""`gem stores documents list|get|delete`: the documents of a File Search store."""

from __future__ import annotations

import typer

from gemini_cli.api.files import document_name
from gemini_cli.cli.command import gem_command
from gemini_cli.cli.files_shared import FORMATS, Limit, emit, emit_fields, emit_list, files_client
from gemini_cli.cli.runtime import Runtime
from gemini_cli.cli.stores import StoreArg, documents_app, store_name

DOC_COLUMNS = (
    ("NAME", lambda d: d.get("name", "")),
    ("DISPLAY NAME", lambda d: d.get("displayName", "")),
    ("STATE", lambda d: d.get("state", "")),
    ("MIME TYPE", lambda d: d.get("mimeType", "")),
    ("SIZE", lambda d: d.get("sizeBytes", "")),
)
DOC_FIELDS = ("name", "displayName", "state", "mimeType", "sizeBytes", "createTime")


@gem_command(
    documents_app,
    "list",
    help="List a store's documents (all pages unless --limit).\n\nExamples:\n\n\b\n"
    "  store=$(gem stores create docs --format id)\n"
    '  gem stores upload "$store" docs/a.md docs/b.md\n'
    '  gem stores documents list "$store"\n'
    '  gem stores documents list "$store" --format id',
    formats=FORMATS,
)
def documents_list(run: Runtime, store: str = StoreArg, limit: int | None = Limit) -> None:
    path = f"{store_name(store)}/documents"
    emit_list(run, files_client(run).list(path, "documents", limit), DOC_COLUMNS)


@gem_command(
    documents_app,
    "get",
    help="Show one document (DOC: its id or full name).\n\nExamples:\n\n\b\n"
    "  store=$(gem stores create docs --format id)\n"
    '  doc=$(gem stores upload "$store" report.md)\n'
    '  gem stores documents get "$store" "$doc" --json',
    formats=FORMATS,
)
def documents_get(
    run: Runtime, store: str = StoreArg, document: str = typer.Argument(..., metavar="DOC")
) -> None:
    name = document_name(store_name(store), document)
    emit_fields(run, files_client(run).get(name), DOC_FIELDS, name)


@gem_command(
    documents_app,
    "delete",
    help="Delete documents from a store (with their indexed chunks).\n\nExamples:\n\n\b\n"
    "  store=$(gem stores create docs --format id)\n"
    '  doc=$(gem stores upload "$store" report.md)\n'
    '  gem stores documents delete "$store" "$doc"',
    formats=FORMATS,
)
def documents_delete(
    run: Runtime,
    store: str = StoreArg,
    documents: list[str] = typer.Argument(..., metavar="DOC"),
) -> None:
    target = store_name(store)
    names = [document_name(target, document) for document in documents]
    files = files_client(run)
    for index, name in enumerate(names):
        # force: a document with chunks (every indexed one) is refused without it (§4.8)
        emit(run, files.delete(name, force=True), name, name, index)
