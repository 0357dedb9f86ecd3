"""From tool flags to a body, through tool rounds and continuation hops, to the printed result."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gemini_cli.api.errors import GemError, InteractionError, UsageError
from gemini_cli.cli.tool_options import ToolOptions, validate
from gemini_cli.request.inputs import InputOptions, RequestOptions

if TYPE_CHECKING:  # pydantic stays out of start-up (`create --dry-run`)
    from gemini_cli.api.models import Interaction

Send = Callable[[dict[str, Any]], "Interaction"]


# -- the body ----------------------------------------------------------------------------------


def prepare_tool_body(
    run: Any,
    inputs: InputOptions,
    request: RequestOptions,
    opts: ToolOptions,
    command: str = "create",
) -> dict[str, Any]:
    """prepare_body plus tools, response_format and `--result` answers."""
    from gemini_cli.request.localread import reading

    # --tool, --schema and --result files are read within --timeout, like stdin and -a files.
    with reading(max(run.remaining(), 0.0), run.clock.monotonic):
        return _prepare_tool_body(run, inputs, request, opts, command)


def _prepare_tool_body(
    run: Any, inputs: InputOptions, request: RequestOptions, opts: ToolOptions, command: str
) -> dict[str, Any]:
    from gemini_cli.cli.prepare import prepare_body

    validate(opts)
    check_outputs(run, opts)
    if opts.run_tools and request.background:
        raise UsageError(
            "--run-tools cannot be combined with --background: the calls arrive "
            "later (answer them with gem create --previous ID --result ...)"
        )
    reads_stdin = any(r.partition("=")[2].strip() == "-" for r in opts.results)
    if reads_stdin:
        if "-" in inputs.words:
            raise UsageError("--result ...=- and a '-' prompt both want stdin")
        inputs.no_stdin = True  # the result owns stdin; the prompt must not swallow it
    body = prepare_body(
        run,
        inputs,
        request,
        require_input=not opts.results,
        example=f'gem {command} "Tell me a joke"',
    )
    apply_tools(body, opts)
    apply_response_format(body, opts)
    if opts.results:
        apply_results(run, body, opts.results)
    return body


def check_outputs(run: Any, opts: ToolOptions) -> None:
    """-o/--save checked before anything is sent: `-o -` owns stdout, paths must be usable."""
    from gemini_cli.turns import media

    if opts.output == "-" and run.format != "text":
        raise UsageError(
            f"-o - writes the media bytes to stdout; --format {run.format} would "
            "write there too (use -o FILE, or --format text)"
        )
    media.check_targets(opts.save, opts.output)


def apply_tools(body: dict[str, Any], opts: ToolOptions) -> None:
    """Append declarations from --body, --tool files, shortcuts and --function to body.tools."""
    from gemini_cli.request.tools import (
        add_functions,
        builtin_tools,
        check_commands,
        load_tool_file,
        split_commands,
    )

    existing = body.get("tools") or []
    if not isinstance(existing, list):
        raise UsageError("the body's 'tools' must be a list")
    toolset = split_commands([t for t in existing if isinstance(t, dict)], "--body/--set tools")
    for spec in opts.tool_files:
        more = split_commands(load_tool_file(spec), spec)
        for name in more.commands.keys() & toolset.commands.keys():
            raise UsageError(
                f"{spec}: duplicate function {name}: another tool file already gives it a command"
            )
        toolset.tools += more.tools
        toolset.commands.update(more.commands)
    toolset.tools += builtin_tools(
        search=opts.search,
        code_exec=opts.code_exec,
        url_context=opts.url_context,
        maps=opts.maps,
        file_search=opts.file_search,
        mcp=opts.mcp,
    )
    add_functions(toolset, opts.functions, opts.function_schemas)
    if toolset.tools:
        body["tools"] = toolset.tools
    opts.commands = toolset.commands
    if opts.run_tools:
        if not opts.commands:
            raise UsageError(
                "--run-tools needs a local command: --function NAME=COMMAND or a "
                "tool file entry with 'command:'"
            )
        check_commands(opts.commands)


def apply_response_format(body: dict[str, Any], opts: ToolOptions) -> None:
    from gemini_cli.request.response_format import response_format, wants_json

    value = response_format(opts.schema, opts.response_formats, body.get("response_format"))
    if value is not None:
        body["response_format"] = value
    opts.expect_json = value is not None and wants_json(value)


def apply_results(run: Any, body: dict[str, Any], specs: list[str]) -> None:
    """`--result CALL_ID=FILE|-`: function_result steps first, then any prompt as user_input."""
    from gemini_cli.turns.toolrun import as_steps

    for spec in specs:  # every flag's syntax first, then the files: all before any request
        split_result_spec(spec)
    previous = body.get("previous_interaction_id")
    if not previous:
        raise UsageError(
            "--result answers a call of an earlier interaction: add --previous ID (or -c)"
        )
    steps = [result_from_spec(spec, run.io.stdin, is_tty=run.io.stdin_isatty) for spec in specs]
    body["input"] = steps + as_steps(body.get("input"))


def split_result_spec(spec: str) -> tuple[str, str]:
    call_id, sep, source = spec.partition("=")
    call_id, source = call_id.strip(), source.strip()
    if not sep or not call_id or not source:
        raise UsageError(f"--result {spec!r}: expected CALL_ID=FILE or CALL_ID=-")
    return call_id, source


def result_from_spec(
    spec: str, stdin: Any, names: dict[str, str] | None = None, *, is_tty: bool = False
) -> dict[str, Any]:
    """One function_result step; `-` reads stdin (within --timeout, never a terminal)."""
    from gemini_cli.request.localread import read_attachment, read_stdin
    from gemini_cli.turns.toolrun import parse_result

    call_id, source = split_result_spec(spec)
    if source == "-" and (stdin is None or is_tty):
        state = "closed" if stdin is None else "a terminal"
        raise UsageError(
            f"--result {call_id}=-: stdin is {state}: pipe the result in or give a file"
        )
    data = read_stdin(stdin, False) if source == "-" else read_attachment(Path(source))
    step: dict[str, Any] = {"type": "function_result", "call_id": call_id}
    if names and call_id in names:
        step["name"] = names[call_id]
    step["result"] = parse_result((data or b"").decode("utf-8", "replace"))
    return step


def name_results(run: Any, body: dict[str, Any]) -> None:
    """Just before sending: name the `--result` steps after the previous interaction's calls
    (one GET). Not at prepare time, so --dry-run and usage errors never send anything."""
    steps = body.get("input")
    unnamed = (
        [
            s
            for s in steps
            if isinstance(s, dict) and s.get("type") == "function_result" and "name" not in s
        ]
        if isinstance(steps, list)
        else []
    )
    previous = body.get("previous_interaction_id")
    if not unnamed or not previous:
        return
    names = call_names(run, previous)
    for step in unnamed:
        if str(step.get("call_id")) in names:
            step["name"] = names[str(step["call_id"])]


def call_names(run: Any, interaction_id: str) -> dict[str, str]:
    """call id -> function name from the previous interaction; {} when it cannot be fetched."""
    try:
        previous = run.client().get(interaction_id)
    except GemError as exc:
        # The name is optional on a function_result: go on without it.
        run.warn(f"could not fetch {interaction_id} to name the results ({exc.message})")
        return {}
    return {
        str(c.get("id")): str(c.get("name"))
        for c in previous.function_calls()
        if c.get("id") and c.get("name")
    }


# -- sending -----------------------------------------------------------------------------------


def creator(run: Any) -> Send:
    """A plain (non-streamed) create that records each interaction in the history."""

    def send(body: dict[str, Any]) -> Interaction:
        interaction = run.client().create(body)
        run.created(interaction, body)
        return interaction

    return send


def execute(
    run: Any, body: dict[str, Any], opts: ToolOptions, send: Send | None = None
) -> Interaction:
    """Send `body`; follow continuation hops; with --run-tools answer calls until done."""
    from gemini_cli.turns.toolrun import ToolLoop

    send = send or creator(run)
    if opts.results:
        name_results(run, body)
    first = send(body)
    turn = continued(run, send, body, first, opts)
    if opts.run_tools and turn.status == "requires_action":
        loop = ToolLoop(
            opts.commands,
            send=lambda b: continued(run, send, b, send(b), opts),
            timeout=opts.tool_timeout,
            max_steps=opts.max_steps,
            note=run.info,
        )
        turn = loop.run(body, turn)
    return turn


def continued(
    run: Any, send: Send, body: dict[str, Any], first: Interaction, opts: ToolOptions
) -> Interaction:
    from gemini_cli.turns.continuation import continue_hops

    if opts.no_continue or first.status != "requires_continuation":
        return first
    return continue_hops(send, body, first, max_hops=opts.max_continuations, note=run.info)


# -- printing ----------------------------------------------------------------------------------


def render_result(
    run: Any, interaction: Interaction, opts: ToolOptions, *, usage: bool = False
) -> None:
    """Like render_interaction, plus media files, `--format paths` and the JSON check."""
    from gemini_cli.render.output import fail_on_status, print_usage, render_interaction

    fmt = run.format
    saved = save_media(run, interaction, opts, to_stdout=fmt == "paths")
    done = interaction.status == "completed"
    if fmt == "paths" or opts.output == "-":
        pass  # stdout already holds the paths or the raw bytes
    elif fmt == "text" and done and opts.expect_json:
        print_json_text(run, interaction)
    elif fmt == "text" and saved is not None and done:
        print_plain_text(run, interaction)
    else:
        render_interaction(run, interaction, usage=usage)
        return
    if usage:
        print_usage(run, interaction.data.get("usage"))
    fail_on_status(run, interaction)


def save_media(
    run: Any, interaction: Interaction, opts: ToolOptions, to_stdout: bool
) -> list[Any] | None:
    """Write media blocks per --save/-o (--format paths alone means the current folder)."""
    from gemini_cli.turns import media

    blocks = interaction.output_media()
    if opts.output is not None and not blocks and interaction.status != "completed":
        return []  # e.g. requires_action or failed: the status says what happened
    if opts.output == "-":
        write_raw(run, blocks, interaction.id)
        return []
    if opts.output is not None:
        saved = [media.save_one(blocks, interaction.id, Path(opts.output))]
    elif opts.save is not None or to_stdout:
        saved = media.save_all(blocks, interaction.id, opts.save or Path("."))
    else:
        return None
    for item in saved:
        line = str(item.path) if item.path is not None else str(item.uri)
        if to_stdout:
            run.io.out(line, "\n")
        else:
            run.info(f"gem: saved {line}" if item.path is not None else f"gem: media at {line}")
    return saved


def write_raw(run: Any, blocks: list[tuple[int, int, dict[str, Any]]], ident: str) -> None:
    from gemini_cli.turns import media

    inline = [b for b in blocks if b[2].get("data")]
    if len(inline) != 1:
        uris = [str(b[2]["uri"]) for b in blocks if b[2].get("uri")]
        where = f" (not downloaded: {', '.join(uris)})" if uris else ""
        raise InteractionError(
            f"-o -: interaction {ident} has {len(inline)} inline media "
            f"blocks; it takes exactly one{where}",
            interaction_id=ident,
        )
    run.io.out_bytes(media.decode(inline[0][2], ident))


def print_plain_text(run: Any, interaction: Interaction) -> None:
    text = interaction.output_text
    if text:
        run.io.out(text if text.endswith("\n") else text + "\n")


def print_json_text(run: Any, interaction: Interaction) -> None:
    """--schema in text mode: the JSON document (pretty on a TTY); exit 1 if it is not JSON."""
    text = interaction.output_text
    try:
        document = json.loads(text)
    except ValueError as exc:
        preview = " ".join(text.split())[:120]
        raise InteractionError(
            f"the model's reply is not valid JSON ({exc}): {preview!r}",
            interaction_id=interaction.id,
            hint=f"see it with: gem get {interaction.id} --json",
        ) from exc
    indent = 2 if run.io.stdout_isatty else None
    separators = None if indent else (",", ":")
    run.io.out(json.dumps(document, indent=indent, separators=separators, ensure_ascii=False), "\n")
