"""From parsed options to a request: a frozen `PreparedRequest` (and the `--dry-run` view)."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gemini_cli.core.errors import GemError, UsageError
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.request.body import RequestOptions, build_body
from gemini_cli.request.inputs import InputOptions, build_input_blocks
from gemini_cli.request.localread import read_stdin

if TYPE_CHECKING:
    from gemini_cli.cli.runtime import Runtime
    from gemini_cli.cli.tool_options import ToolOptions
    from gemini_cli.request.localread import Stdin
    from gemini_cli.turns.carry import Carried


@dataclass(frozen=True)
class PreparedRequest:
    """What is sent and what the run does with the answer: built once, then only read."""

    body: JSONObject
    # function name -> argv of the local command that answers it (--run-tools)
    commands: Mapping[str, list[str]] = field(default_factory=dict)
    # the reply must be one JSON document (--schema, a JSON response_format): checked, printed
    expect_json: bool = False


def prepare_request(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    tools: ToolOptions,
    command: str = "create",
    dry: bool = False,
) -> PreparedRequest:
    """stdin + files + words + flags + tools + response format + `--result` answers; a
    follow-up's carried settings (read from the history only when `dry`)."""
    from gemini_cli.cli.tool_body import prepare_with_tools
    from gemini_cli.request.localread import reading

    # --tool, --schema and --result files are read within --timeout, like stdin and -a files.
    with reading(max(run.remaining(), 0.0), run.clock.monotonic):
        return prepare_with_tools(run, inputs, request, tools, command, dry)


def prepare_body(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    *,
    require_input: bool = True,
    example: str = 'gem create "Tell me a joke"',
    dry: bool = False,
) -> tuple[JSONObject, Carried]:
    """stdin + files + words + flags -> a new body, and what a follow-up carried into it (its
    function commands are needed later); exit 2 when there is nothing to send (the hint shows
    `example`, a command line of the command being run)."""
    from gemini_cli.request.localread import reading

    with reading(max(run.remaining(), 0.0), run.clock.monotonic):  # every file and pipe too
        return _prepare_body(run, inputs, request, require_input, example, dry)


def _prepare_body(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    require_input: bool,
    example: str,
    dry: bool,
) -> tuple[JSONObject, Carried]:
    from gemini_cli.turns.carry import base_body

    settings = run.settings
    request = resolve_previous(run, request)
    carried = carried_settings(run, request, dry)
    blocks = _input_blocks(run, inputs, request)
    note_stdin_read(run, inputs, blocks)
    body = build_body(
        request,
        blocks,
        default_model=settings.model,
        resolve_model=settings.resolve_model,
        stdin=_body_stdin(run, request),
        base=base_body(carried, model=bool(request.model), agent=bool(request.agent)),
    )
    _check_body(run, body, require_input, example)
    return substitute_deprecated_model(run, body), carried


def _input_blocks(run: Runtime, inputs: InputOptions, request: RequestOptions) -> list[JSONObject]:
    from gemini_cli.cli.references import attachments

    with attachments(run, inputs.no_upload):  # -a files/ID, URLs, big files: uploaded first
        return build_input_blocks(
            inputs,
            run.io.stdin,
            run.io.stdin_isatty,
            stdin_taken=request.body == "-",
            timeout=max(run.remaining(), 0.0),
            monotonic=run.clock.monotonic,
        )


def _check_body(run: Runtime, body: JSONObject, require_input: bool, example: str) -> None:
    """Exit 2 for a body with nothing to send, or one whose answer cannot be printed."""
    if require_input and "input" not in body and "continuation_token" not in body:
        raise UsageError(
            "no input: give a prompt, pipe text or a file on stdin, or use --attach",
            hint=f"e.g. {example}",
        )
    if run.format == "id" and body.get("store") is False:
        raise UsageError("--format id with --no-store: an unstored interaction has no id to print")


def carried_settings(run: Runtime, request: RequestOptions, dry: bool) -> Carried:
    """The settings a follow-up (-c, -p ID) inherits unless --fresh: from the history, else
    from a GET of the previous interaction (not for --dry-run, which sends nothing)."""
    from gemini_cli.turns import carry

    previous = request.previous
    if not previous or request.fresh:
        return carry.NOTHING
    from gemini_cli.history.store import settings_of  # here: sqlite3 only for a follow-up

    def fetch(interaction_id: str) -> JSONObject:
        try:
            return run.client().get(interaction_id).data
        except GemError as exc:  # the create itself will say what is wrong with the id
            run.warn(f"could not fetch {interaction_id} to carry its settings ({exc.message})")
            return {}

    carried = carry.lookup(previous, settings_of, None if dry else fetch)
    if dry and not carried.found:
        run.hint(
            f"{previous} is not in the local history: the real request carries its settings "
            "from the server (a GET first)"
        )
    return carried


def note_stdin_read(run: Runtime, inputs: InputOptions, blocks: list[JSONObject]) -> None:
    """Prompt words given and stdin read too without '-': say so once (in a `while read p;
    do gem create "$p"; done < list` loop the first gem would swallow the rest of the list)."""
    words = [w for w in inputs.words if w.strip()]
    if not words or "-" in words or inputs.no_stdin:
        return
    if len(blocks) - len(inputs.attach) - 1 == 1:  # the first block came from stdin
        run.info(
            "gem: note: stdin was read as input too; to leave it alone (e.g. in a 'while "
            "read' loop) use --no-stdin or < /dev/null, or put '-' among the words to say "
            "you mean it"
        )


def _body_stdin(run: Runtime, request: RequestOptions) -> Stdin:
    """`--body -` reads stdin here, within the deadline, and never from a terminal."""
    stdin = run.io.stdin
    if request.body != "-":
        return stdin
    if stdin is None or run.io.stdin_isatty:
        raise UsageError("--body -: stdin is a terminal: pipe the body in or give a file")
    data = read_stdin(stdin, False, max(run.remaining(), 0.0), run.clock.monotonic)
    return io.BytesIO(data or b"")


def resolve_previous(run: Runtime, request: RequestOptions) -> RequestOptions:
    """`-c` and `--previous last` both mean the last interaction gem created: the options
    with the id resolved (the given ones are left as parsed)."""
    previous = request.previous
    if request.continue_last:
        if previous:
            raise UsageError("--continue and --previous cannot be combined")
        previous = "last"
    if not previous:
        if request.fresh:
            raise UsageError("--fresh only applies with -c or -p (a follow-up)")
        return request
    resolved = run.resolve_id(previous)
    if previous.strip() == "last":
        note_skipped_unstored(run, resolved)
    return dataclasses.replace(request, previous=resolved)


def note_skipped_unstored(run: Runtime, resolved: str) -> None:
    """-c after a --no-store run continues an older conversation: say so (stderr)."""
    from gemini_cli.history.store import skipped_unstored

    skipped = skipped_unstored(run.settings.base_url)
    unstored, older = skipped if skipped is not None else (None, None)
    if unstored is None or older is None or older.id != resolved:
        return
    run.info(
        f"gem: note: the last interaction ({unstored.created}) was not stored (--no-store); "
        f"continuing from {older.id} of {older.created} instead"
    )


def substitute_deprecated_model(run: Runtime, body: JSONObject) -> JSONObject:
    """The body with a deprecated model replaced by its successor (and a warning)."""
    from gemini_cli.settings.config import substitute_deprecated

    model = body.get("model")
    replacement = substitute_deprecated(model) if isinstance(model, str) else None
    if not replacement:
        return body
    message = f"model {model} is deprecated; using {replacement} instead"
    run.warn(message)
    if run.debug and not run.chatty:  # --json keeps stderr for one error object; --debug tells
        run.trace(f"gem: warning: {message}")
    return {**body, "model": replacement}


def dry_run(
    run: Runtime,
    method: str,
    *parts: str,
    body: JSONValue = None,
    params: dict[str, str] | None = None,
    stream: bool = False,
) -> None:
    """Print the request that would be sent (key redacted) as JSON on stdout; send nothing."""
    from urllib.parse import urlencode

    from gemini_cli.api.wire import build_url, check_transport_security, request_headers

    settings = run.settings
    base = settings.base_url
    if not settings.embedded:
        check_transport_security(base)
    url = build_url(base, settings.api_version, *parts)
    if params:
        url += "?" + urlencode(params)
    has_key = settings.embedded or settings.has_key_source()
    headers = request_headers("<redacted>" if has_key else None, stream=stream)
    if not has_key:
        run.hint("no API key is configured: the real request would fail (exit 4)")
    request: JSONObject = {"method": method, "url": url, "headers": headers}
    if body is not None:
        request["body"] = body
    run.io.out(json.dumps(request, indent=2, ensure_ascii=False), "\n")
