"""From parsed options to a request body (and the `--dry-run` view of it)."""

import io
import json
from typing import Any

from gemini_cli.api.errors import UsageError
from gemini_cli.request.inputs import (
    InputOptions,
    RequestOptions,
    build_body,
    build_input_blocks,
)
from gemini_cli.request.localread import read_stdin


def prepare_body(
    run: Any,
    inputs: InputOptions,
    request: RequestOptions,
    *,
    require_input: bool = True,
    example: str = 'gem create "Tell me a joke"',
) -> dict[str, Any]:
    """stdin + files + words + flags -> body; exit 2 when there is nothing to send (the hint
    shows `example`, a command line of the command being run)."""
    from gemini_cli.request.localread import reading

    with reading(max(run.remaining(), 0.0), run.clock.monotonic):  # every file and pipe too
        return _prepare_body(run, inputs, request, require_input, example)


def _prepare_body(
    run: Any, inputs: InputOptions, request: RequestOptions, require_input: bool, example: str
) -> dict[str, Any]:
    settings = run.settings
    resolve_previous(run, request)
    monotonic = run.clock.monotonic
    blocks = build_input_blocks(
        inputs,
        run.io.stdin,
        run.io.stdin_isatty,
        stdin_taken=request.body == "-",
        timeout=max(run.remaining(), 0.0),
        monotonic=monotonic,
    )
    stdin = run.io.stdin
    if request.body == "-":  # read here, within the deadline, and never from a terminal
        if stdin is None or run.io.stdin_isatty:
            raise UsageError("--body -: stdin is a terminal: pipe the body in or give a file")
        stdin = io.BytesIO(read_stdin(stdin, False, max(run.remaining(), 0.0), monotonic) or b"")
    body = build_body(
        request,
        blocks,
        default_model=settings.model,
        resolve_model=settings.resolve_model,
        stdin=stdin,
    )
    if require_input and "input" not in body and "continuation_token" not in body:
        raise UsageError(
            "no input: give a prompt, pipe text or a file on stdin, or use --attach",
            hint=f"e.g. {example}",
        )
    substitute_deprecated_model(run, body)
    return body


def resolve_previous(run: Any, request: RequestOptions) -> None:
    """`-c` and `--previous last` both mean the last interaction gem created."""
    if request.continue_last:
        if request.previous:
            raise UsageError("--continue and --previous cannot be combined")
        request.previous = "last"
    if request.previous:
        request.previous = run.resolve_id(request.previous)


def substitute_deprecated_model(run: Any, body: dict[str, Any]) -> None:
    from gemini_cli.settings.config import substitute_deprecated

    model = body.get("model")
    if isinstance(model, str):
        replacement = substitute_deprecated(model)
        if replacement:
            run.warn(f"model {model} is deprecated; using {replacement} instead")
            body["model"] = replacement


def dry_run(
    run: Any,
    method: str,
    *parts: str,
    body: Any = None,
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
    request = {"method": method, "url": url, "headers": headers}
    if body is not None:
        request["body"] = body
    run.io.out(json.dumps(request, indent=2, ensure_ascii=False), "\n")
