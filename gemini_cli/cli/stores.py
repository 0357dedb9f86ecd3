"""`gem stores ...`: File Search stores and their documents, for `--file-search STORE`."""

from __future__ import annotations

from collections.abc import Callable

import typer

from gemini_cli.api.files import (
    FILES,
    STORES,
    Answer,
    FilesClient,
    document_of,
    resource_name,
)
from gemini_cli.cli.app import app
from gemini_cli.cli.command import gem_command
from gemini_cli.cli.files_shared import (
    FORMATS,
    DisplayName,
    Limit,
    MimeType,
    NoWait,
    check_paths,
    emit,
    emit_fields,
    emit_list,
    files_client,
    job_maker,
    upload_path,
    wait_or_report,
)
from gemini_cli.cli.runtime import Runtime
from gemini_cli.core.errors import UsageError

stores_app = typer.Typer(
    name="stores",
    help="Create and fill File Search stores, for `--file-search STORE` (research over your "
    "files).\n\n"
    "Store commands print the store's name (fileSearchStores/...), which every other command "
    "and --file-search take.\n\n"
    "Examples:\n\n\b\n"
    "  store=$(gem stores create docs --format id)\n"
    '  gem stores upload "$store" docs/*.md\n'
    '  gem research --file-search "$store" "What do these documents say?"',
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(stores_app, name="stores")
documents_app = typer.Typer(
    name="documents",
    help="List, show and delete the documents of a store.\n\n"
    "Examples:\n\n\b\n  store=$(gem stores create docs --format id)\n"
    '  doc=$(gem stores upload "$store" report.md)\n'
    '  gem stores documents list "$store"\n'
    '  gem stores documents delete "$store" "$doc"',
    no_args_is_help=True,
    rich_markup_mode=None,
)
stores_app.add_typer(documents_app, name="documents")

StoreArg = typer.Argument(..., metavar="STORE", help="fileSearchStores/ID, or the ID.")


def store_name(value: str) -> str:
    return resource_name(value, STORES, "store")


CREATE_HELP = """Create a store named NAME (its display name) and print the store's name.

Examples:

\b
  store=$(gem stores create docs --format id)
  gem stores create papers --embedding-model gemini-embedding-001 --json
"""


@gem_command(stores_app, "create", help=CREATE_HELP, formats=FORMATS)
def create(
    run: Runtime,
    name: str = typer.Argument(..., metavar="NAME"),
    embedding_model: str | None = typer.Option(
        None, "--embedding-model", metavar="MODEL", help="The embedding model (default: the API's)."
    ),
) -> None:
    if not name.strip():
        raise UsageError("the store NAME is empty")
    answer = files_client(run).create_store(name, embedding_model)
    ident = str(answer.data.get("name", ""))
    emit(run, answer, ident, ident)


COLUMNS = (
    ("NAME", lambda s: s.get("name", "")),
    ("DISPLAY NAME", lambda s: s.get("displayName", "")),
    ("ACTIVE", lambda s: s.get("activeDocumentsCount", "0")),
    ("PENDING", lambda s: s.get("pendingDocumentsCount", "0")),
    ("FAILED", lambda s: s.get("failedDocumentsCount", "0")),
    ("SIZE", lambda s: s.get("sizeBytes", "0")),
)
LIST_HELP = """List the stores (all pages unless --limit).

Text is a table on a terminal and tab-separated rows (name, display name, active, pending
and failed documents, size) for a pipe; --format id prints the names.

Examples:

\b
  gem stores list
  gem stores list --format id
"""


@gem_command(stores_app, "list", help=LIST_HELP, formats=FORMATS)
def list_(run: Runtime, limit: int | None = Limit) -> None:
    emit_list(run, files_client(run).list(STORES, "fileSearchStores", limit), COLUMNS)


GET_HELP = """Show one store and its document counts.

Examples:

\b
  store=$(gem stores create docs --format id)
  gem stores get "$store"
  gem stores get "$store" --json | jq -r .displayName
"""
STORE_FIELDS = (
    "name",
    "displayName",
    "activeDocumentsCount",
    "pendingDocumentsCount",
    "failedDocumentsCount",
    "sizeBytes",
    "embeddingModel",
    "createTime",
)


@gem_command(stores_app, "get", help=GET_HELP, formats=FORMATS)
def get(run: Runtime, store: str = StoreArg) -> None:
    answer = files_client(run).get(store_name(store))
    emit_fields(run, answer, STORE_FIELDS, str(answer.data.get("name") or store_name(store)))


DELETE_HELP = """Delete stores; a store that still has documents needs --force.

Examples:

\b
  store=$(gem stores create docs --format id)
  gem stores upload "$store" report.md
  gem stores delete "$store" --force
"""


@gem_command(stores_app, "delete", help=DELETE_HELP, formats=FORMATS)
def delete(
    run: Runtime,
    stores: list[str] = typer.Argument(..., metavar="STORE"),
    force: bool = typer.Option(False, "--force", help="Delete the stores' documents too."),
) -> None:
    from gemini_cli.api.errors import BadRequestError

    targets = [store_name(store) for store in stores]
    files = files_client(run)
    for index, target in enumerate(targets):
        try:
            answer = files.delete(target, force=force)
        except BadRequestError as exc:
            if "non-empty" in exc.message and not force:
                exc.hint = "it still has documents: add --force to delete them too"
            raise
        emit(run, answer, target, target, index)


UPLOAD_HELP = """Upload files straight into a store and print each new document's name.

Each file (at most 100 MiB; PATH '-' reads stdin) is sent in chunks, then indexed; gem waits
for the indexing unless --no-wait (exit 1 if it failed, 8 at the --timeout deadline).

Examples:

\b
  store=$(gem stores create docs --format id)
  gem stores upload "$store" docs/*.md
  gem stores upload "$store" --display-name "Q3 report" report.md --json
"""


@gem_command(stores_app, "upload", help=UPLOAD_HELP, formats=FORMATS)
def upload(
    run: Runtime,
    store: str = StoreArg,
    paths: list[str] = typer.Argument(..., metavar="PATH"),
    mime_type: str | None = MimeType,
    display_name: str | None = DisplayName,
    no_wait: bool = NoWait,
) -> None:
    from gemini_cli.api.files import MAX_DOCUMENT_BYTES

    target = store_name(store)
    if display_name is not None and len(paths) > 1:
        raise UsageError("--display-name names one file: give one PATH with it")
    check_paths(paths, MAX_DOCUMENT_BYTES)
    files = files_client(run)

    make = job_maker(target, display_name, ":uploadToFileSearchStore")
    for index, path in enumerate(paths):
        finish = _finish(run, files, target, no_wait)
        answer = upload_path(run, files, path, make, finish, (mime_type, MAX_DOCUMENT_BYTES))
        _emit_operation(run, answer, target, index)


def _finish(
    run: Runtime, files: FilesClient, store: str, no_wait: bool
) -> Callable[[Answer, Callable[[str], None]], Answer]:
    def finish(operation: Answer, note: Callable[[str], None]) -> Answer:
        if no_wait:
            return operation
        text = document_of(operation.data, store) or str(operation.data.get("name", ""))
        return wait_or_report(run, lambda: files.wait_operation(operation, note), operation, text)

    return finish


def _emit_operation(run: Runtime, operation: Answer, store: str, index: int) -> None:
    """The document's name once known (text, id), else the operation's; json: the operation."""
    shown = document_of(operation.data, store) or str(operation.data.get("name", ""))
    emit(run, operation, shown, shown, index)


IMPORT_HELP = """Add uploaded files (FILE_NAME: files/ID or its uri) to a store; print each
document's name.

Waits for the indexing unless --no-wait (then the operation's name is printed when the
document's is not known yet).

Examples:

\b
  store=$(gem stores create docs --format id)
  name=$(gem files upload --format id report.md)
  gem stores import "$store" "$name"
"""


@gem_command(stores_app, "import", help=IMPORT_HELP, formats=FORMATS)
def import_(
    run: Runtime,
    store: str = StoreArg,
    file_names: list[str] = typer.Argument(..., metavar="FILE_NAME"),
    no_wait: bool = NoWait,
) -> None:
    target = store_name(store)
    names = [resource_name(name, FILES, "file") for name in file_names]
    files = files_client(run)
    for index, name in enumerate(names):
        operation = files.import_file(target, name)
        finish = _finish(run, files, target, no_wait)
        _emit_operation(run, finish(operation, lambda _: None), target, index)


# The `documents` subcommands register themselves on documents_app.
from gemini_cli.cli import stores_documents  # noqa: E402,F401
