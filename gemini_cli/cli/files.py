"""`gem files upload|list|get|delete`: the Files API, for inputs too big to send inline."""

from __future__ import annotations

from collections.abc import Callable

import typer

from gemini_cli.api.files import FILES, Answer, FilesClient, resource_name
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
    file_of,
    files_client,
    job_maker,
    upload_path,
    wait_or_report,
)
from gemini_cli.cli.runtime import Runtime
from gemini_cli.core.errors import UsageError

files_app = typer.Typer(
    name="files",
    help="Upload, list, show and delete files (the Files API; files are kept 48 hours).\n\n"
    "Examples:\n\n\b\n"
    "  uri=$(gem files upload chart.png)\n"
    '  gem create -a "$uri" "What does this chart show?"\n'
    "  gem files list",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(files_app, name="files")

UPLOAD_HELP = """Upload files (PATH '-' reads stdin) and print each one's uri.

Sent in chunks with the resumable protocol (a dropped chunk is resumed); each file is checked
against the 2 GiB limit before anything is sent. Waits until the file is ACTIVE (exit 1 if
its processing FAILED, 8 at the --timeout deadline) unless --no-wait. --format id prints
the name (files/...), json the File as the API returned it.

Examples:

\b
  gem files upload report.md
  uri=$(gem files upload chart.png) && gem create -a "$uri" "Describe it"
  name=$(gem files upload --format id notes.md)
  cat data.csv | gem files upload --mime-type text/csv -
"""


@gem_command(files_app, "upload", help=UPLOAD_HELP, formats=FORMATS)
def upload(
    run: Runtime,
    paths: list[str] = typer.Argument(..., metavar="PATH"),
    mime_type: str | None = MimeType,
    display_name: str | None = DisplayName,
    no_wait: bool = NoWait,
) -> None:
    from gemini_cli.api.files import MAX_FILE_BYTES

    if display_name is not None and len(paths) > 1:
        raise UsageError("--display-name names one file: give one PATH with it")
    check_paths(paths, MAX_FILE_BYTES)
    files = files_client(run)
    for index, path in enumerate(paths):
        answer = upload_path(
            run,
            files,
            path,
            job_maker(FILES, display_name),
            _finish(run, files, no_wait),
            (mime_type, MAX_FILE_BYTES),
        )
        uri, name = str(answer.data.get("uri", "")), str(answer.data.get("name", ""))
        emit(run, answer, uri, name, index)


def _finish(
    run: Runtime, files: FilesClient, no_wait: bool
) -> Callable[[Answer, Callable[[str], None]], Answer]:
    def finish(answer: Answer, note: Callable[[str], None]) -> Answer:
        uploaded = file_of(answer)
        if no_wait or uploaded.data.get("state") == "ACTIVE":
            return uploaded
        uri = str(uploaded.data.get("uri", ""))
        return wait_or_report(run, lambda: files.wait_file(uploaded, note), uploaded, uri)

    return finish


LIST_HELP = """List the uploaded files (all pages unless --limit).

Text is a table on a terminal and tab-separated rows (name, display name, MIME type, size,
state, expiry) for a pipe; --format id prints the names; json an array of Files.

Examples:

\b
  gem files list
  gem files list --json | jq -r '.[] | select(.state == "ACTIVE") | .uri'
  gem files list --format id | xargs -r gem files delete
"""

COLUMNS = (
    ("NAME", lambda f: f.get("name", "")),
    ("DISPLAY NAME", lambda f: f.get("displayName", "")),
    ("MIME TYPE", lambda f: f.get("mimeType", "")),
    ("SIZE", lambda f: f.get("sizeBytes", "")),
    ("STATE", lambda f: f.get("state", "")),
    ("EXPIRES", lambda f: f.get("expirationTime", "")),
)


@gem_command(files_app, "list", help=LIST_HELP, formats=FORMATS)
def list_(run: Runtime, limit: int | None = Limit) -> None:
    files = files_client(run)
    emit_list(run, files.list(FILES, "files", limit), COLUMNS)


GET_HELP = """Show one file (NAME is files/ID, the ID, or the file's uri).

Examples:

\b
  name=$(gem files upload --format id notes.md)
  gem files get "$name"
  gem files get "$name" --json | jq -r .state
"""

FIELDS = (
    "name",
    "displayName",
    "mimeType",
    "sizeBytes",
    "state",
    "uri",
    "createTime",
    "expirationTime",
    "sha256Hash",
    "error",
)


@gem_command(files_app, "get", help=GET_HELP, formats=FORMATS)
def get(run: Runtime, name: str = typer.Argument(..., metavar="NAME")) -> None:
    file_name = resource_name(name, FILES, "file")
    answer = files_client(run).get(file_name)
    emit_fields(run, answer, FIELDS, str(answer.data.get("name") or file_name))


DELETE_HELP = """Delete files now (they would expire after 48 hours anyway).

Prints each deleted name (text, id) or the API's answer (json).

Examples:

\b
  name=$(gem files upload --format id notes.md)
  gem files delete "$name"
  gem files list --format id | xargs -r gem files delete
"""


@gem_command(files_app, "delete", help=DELETE_HELP, formats=FORMATS)
def delete(run: Runtime, names: list[str] = typer.Argument(..., metavar="NAME")) -> None:
    targets = [resource_name(name, FILES, "file") for name in names]  # all checked first
    files = files_client(run)
    for index, target in enumerate(targets):
        emit(run, files.delete(target), target, target, index)
