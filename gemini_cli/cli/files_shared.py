"""What `gem files` and `gem stores` share: the client, uploads from local paths, output."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import typer

from gemini_cli.cli.runtime import Runtime
from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.core.termio import escape_controls

if TYPE_CHECKING:
    from gemini_cli.api.files import Answer, FilesClient
    from gemini_cli.api.upload import UploadJob
    from gemini_cli.render.transfer import TransferDisplay

FORMATS = ("text", "json", "yaml", "id")
NO_WAIT_HELP = "Return once the bytes are sent; do not wait for processing to finish."

Limit = typer.Option(
    None, "--limit", min=1, metavar="N", help="Show at most N (default: all, page after page)."
)
NoWait = typer.Option(False, "--no-wait", help=NO_WAIT_HELP)


MimeType = typer.Option(
    None, "--mime-type", metavar="TYPE", help="The MIME type (default: from name or bytes)."
)
DisplayName = typer.Option(
    None,
    "--display-name",
    metavar="NAME",
    help="The display name (default: the file's name; a document's is shown in citations).",
)


def files_client(run: Runtime) -> FilesClient:
    """A client for these surfaces: v1beta unless --api-version (or its setting) says else,
    and one deadline (what is left of --timeout) for every request and wait of the command."""
    from gemini_cli.api.deadline import Deadline
    from gemini_cli.api.files import FILES_API_VERSION, FilesClient

    settings = run.settings
    chosen = settings.sources.get("api_version", "default") != "default"
    version = settings.api_version if chosen else FILES_API_VERSION
    return FilesClient(run.client(), version, Deadline(max(run.remaining(), 0.0), run.clock))


def chunk_size() -> int:
    from gemini_cli.api.upload import CHUNK_ENV, DEFAULT_CHUNK, parse_chunk_size

    raw = os.environ.get(CHUNK_ENV, "").strip()
    return parse_chunk_size(raw) if raw else DEFAULT_CHUNK


def display(run: Runtime, label: str, total: int | None) -> TransferDisplay:
    from gemini_cli.render.transfer import TransferDisplay

    return TransferDisplay(run.io, label, total, enabled=bool(run.io.stderr_isatty and run.chatty))


def check_paths(paths: Sequence[str], limit: int) -> None:
    """Every named file exists and is small enough, before the first byte is sent (a typo in
    the third path must not leave two uploads behind); `-` (stdin) at most once."""
    from gemini_cli.request.upload_source import check_size

    if list(paths).count("-") > 1:
        raise UsageError("PATH '-' (stdin) can be given only once")
    for path in paths:
        if path == "-":
            continue
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except OSError as exc:
            raise UsageError(f"{path}: {exc.strerror or exc}") from None
        if os.path.isdir(path):
            raise UsageError(f"{path}: is a directory")
        if info.st_size == 0 and os.path.isfile(path):
            raise UsageError(f"{path}: is empty")
        if os.path.isfile(path):
            check_size(path, info.st_size, limit)


def job_maker(
    path: str, display_name: str | None, suffix: str = ""
) -> Callable[[str | None, str], UploadJob]:
    """How a local file is announced when its upload starts: its display name (given, else
    the file's) and type, in `{"file": ...}` for a file, as the body itself for a document."""
    from gemini_cli.api.upload import UploadJob

    def make(name: str | None, mime_type: str) -> UploadJob:
        shown = display_name or name
        metadata: JSONObject = {"mimeType": mime_type, **({"displayName": shown} if shown else {})}
        return UploadJob(path, metadata if suffix else {"file": metadata}, mime_type, suffix)

    return make


def file_of(answer: Answer) -> Answer:
    """The File in an upload's final answer (`{"file": {...}}`)."""
    from gemini_cli.api.errors import NetworkError
    from gemini_cli.api.files import Answer

    file = answer.data.get("file")
    if not isinstance(file, dict):
        raise NetworkError("the API's answer to the upload holds no file")
    return Answer.of(file)


def upload_path(
    run: Runtime,
    files: FilesClient,
    path: str,
    make_job: Callable[[str | None, str], UploadJob],
    finish: Callable[[Answer, Callable[[str], None]], Answer],
    options: tuple[str | None, int],
) -> Answer:
    """Upload one local path (`-`: stdin); `options` = (--mime-type, size limit).
    `make_job(display name, MIME type)` says where it goes; `finish(answer, note)` (the wait
    for processing) runs with the progress display still up."""
    from gemini_cli.api.upload import upload
    from gemini_cli.request.upload_source import open_source

    mime_type, limit = options
    source = open_source(
        path,
        stdin=run.io.stdin,
        stdin_is_tty=run.io.stdin_isatty,
        mime_type=mime_type,
        limit=limit,
        timeout=max(run.remaining(), 0.0),
        monotonic=run.clock.monotonic,
    )
    try:
        job = make_job(source.display_name, source.mime_type)
        with display(run, source.label, source.size) as shown:
            answer = upload(files, job, source, chunk_size(), shown.sent)
            source.close()
            return finish(answer, shown.note)
    finally:
        source.close()


def emit(run: Runtime, answer: Answer, text: str, ident: str, index: int = 0) -> None:
    """One result (the `index`th of the command): the server's JSON (json: one line each,
    yaml: one document each), its name (id) or `text`; server text is shown with its control
    characters escaped."""
    from gemini_cli.render.output import print_json, print_yaml

    if run.format == "json":
        print_json(run, answer.data, answer.raw)
    elif run.format == "yaml":
        if index:  # without it, a YAML reader merges the results into one mapping
            run.io.out("---\n")
        print_yaml(run, answer.data)
    else:
        run.io.out(escape_controls(ident if run.format == "id" else text), "\n")


def emit_list(
    run: Runtime,
    items: Iterable[JSONObject],
    columns: Sequence[tuple[str, Callable[[JSONObject], Any]]],
) -> None:
    """A listing: a JSON array (json), YAML, names (id), or a table (text: aligned with a
    header on a terminal, tab-separated rows for a pipe)."""
    from gemini_cli.render.table import aligned, tab_separated

    rows = list(items)
    if run.format in ("json", "yaml"):
        from gemini_cli.render.output import print_json, print_yaml

        (print_yaml if run.format == "yaml" else print_json)(run, rows)
        return
    if run.format == "id":
        run.io.out("".join(escape_controls(str(r.get("name", ""))) + "\n" for r in rows))
        return
    cells = [[get(row) for _, get in columns] for row in rows]
    if run.io.stdout_isatty:
        run.io.out(aligned(cells, [title for title, _ in columns]) if cells else "")
    else:
        run.io.out(tab_separated(cells))


def emit_fields(run: Runtime, answer: Answer, fields: Sequence[str], ident: str) -> None:
    """One resource: JSON/YAML as sent, its name (id), or `field value` lines (text)."""
    if run.format != "text":
        emit(run, answer, ident, ident)
        return
    from gemini_cli.render.table import aligned

    rows = [(key, _shown(answer.data[key])) for key in fields if key in answer.data]
    run.io.out(aligned(rows))


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("message") or value)
    return str(value)


def wait_or_report(run: Runtime, wait: Callable[[], Answer], answer: Answer, text: str) -> Answer:
    """Run `wait`; if it outlasts the deadline, still print what is known (exit 8 follows)."""
    from gemini_cli.api.errors import StillRunningError

    try:
        return wait()
    except StillRunningError:
        emit(run, answer, text, str(answer.data.get("name", "")))
        raise
