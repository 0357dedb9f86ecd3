"""The tool side of a request: declarations and local commands, response format, `--result`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from gemini_cli.cli.prepare import PreparedRequest, prepare_body
from gemini_cli.cli.tool_options import ToolOptions, validate
from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.request.body import RequestOptions
from gemini_cli.request.inputs import InputOptions

if TYPE_CHECKING:
    from gemini_cli.cli.runtime import Runtime
    from gemini_cli.request.tools import ToolSet


def prepare_with_tools(
    run: Runtime,
    inputs: InputOptions,
    request: RequestOptions,
    opts: ToolOptions,
    command: str,
    dry: bool = False,
) -> PreparedRequest:
    """prepare_body plus tools, response_format and `--result` answers, as one value."""
    validate(opts)
    check_outputs(run, opts)
    if opts.run_tools and request.background:
        raise UsageError(
            "--run-tools cannot be combined with --background: the calls arrive "
            "later (answer them with gem create --previous ID --result ...)"
        )
    if any(r.partition("=")[2].strip() == "-" for r in opts.results):
        if "-" in inputs.words:
            raise UsageError("--result ...=- and a '-' prompt both want stdin")
        inputs = dataclasses.replace(inputs, no_stdin=True)  # the result owns stdin
    results = read_results(run, opts.results)  # before a follow-up's GET of its settings
    # `-c --run-tools` alone answers the previous interaction's pending calls (see execute)
    answers_pending = opts.run_tools and bool(request.previous or request.continue_last)
    body, carried = prepare_body(
        run,
        inputs,
        request,
        require_input=not opts.results and not answers_pending,
        example=f'gem {command} "Tell me a joke"',
        dry=dry,
    )
    if dry and answers_pending and "input" not in body:
        run.hint("with no input, the real run answers the previous interaction's pending calls")
    commands = apply_tools(body, opts, carried.commands)
    expect_json = apply_response_format(body, opts)
    if opts.results:
        apply_results(body, results)
    return PreparedRequest(body, commands, expect_json)


def check_outputs(run: Runtime, opts: ToolOptions) -> None:
    """-o/--save checked before anything is sent: `-o -` owns stdout, paths must be usable."""
    if opts.output is None and opts.save is None:
        return  # nothing to check: the media module stays unloaded
    from gemini_cli.turns import media

    if opts.output == "-" and run.format != "text":
        raise UsageError(
            f"-o - writes the media bytes to stdout; --format {run.format} would "
            "write there too (use -o FILE, or --format text)"
        )
    media.check_targets(opts.save, opts.output)


def apply_tools(
    body: JSONObject, opts: ToolOptions, carried: Mapping[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """Append declarations from --body, --tool files, shortcuts and --function to the body's
    tools (carried ones among them; a later declaration of the same tool replaces an earlier
    one); return the local commands (function name -> argv) that answer their calls, the
    `carried` ones of functions still declared included."""
    from gemini_cli.request.tools import add_functions, builtin_tools, check_commands
    from gemini_cli.turns.carry import carried_commands, merge_tools

    existing = body.get("tools") or []
    if not isinstance(existing, list):
        raise UsageError("the body's 'tools' must be a list")
    toolset = _declared_tools(existing, opts.tool_files)
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
        body["tools"] = merge_tools(toolset.tools)
    commands = carried_commands(carried or {}, body.get("tools"), toolset.commands)
    if opts.run_tools:
        if not commands:
            raise UsageError(
                "--run-tools needs a local command: --function NAME=COMMAND or a "
                "tool file entry with 'command:'"
            )
        check_commands(commands)
    return commands


def _declared_tools(existing: list[Any], tool_files: list[str]) -> ToolSet:
    """The body's tools and every --tool file's, commands split off; a function given a
    command by two files is exit 2."""
    from gemini_cli.request.tools import load_tool_file, split_commands

    toolset = split_commands([t for t in existing if isinstance(t, dict)], "--body/--set tools")
    for spec in tool_files:
        more = split_commands(load_tool_file(spec), spec)
        for name in more.commands.keys() & toolset.commands.keys():
            raise UsageError(
                f"{spec}: duplicate function {name}: another tool file already gives it a command"
            )
        toolset.tools += more.tools
        toolset.commands.update(more.commands)
    return toolset


def apply_response_format(body: JSONObject, opts: ToolOptions) -> bool:
    """Set the body's response_format from --schema/--response-format; True when the reply
    must be a JSON document."""
    if opts.schema is None and not opts.response_formats and body.get("response_format") is None:
        return False  # no response format: its module stays unloaded
    from gemini_cli.request.response_format import response_format, wants_json

    value = response_format(opts.schema, opts.response_formats, body.get("response_format"))
    if value is not None:
        body["response_format"] = value
    return value is not None and wants_json(value)


def read_results(run: Runtime, specs: list[str]) -> list[JSONObject]:
    """`--result CALL_ID=FILE|-` as function_result steps: every flag's syntax first, then the
    files, all before any request (the GET of a follow-up's settings included)."""
    for spec in specs:
        split_result_spec(spec)
    return [result_from_spec(spec, run.io.stdin, is_tty=run.io.stdin_isatty) for spec in specs]


def apply_results(body: JSONObject, steps: list[JSONObject]) -> None:
    """The function_result steps first, then any prompt as user_input."""
    from gemini_cli.turns.toolrun import as_steps

    if not body.get("previous_interaction_id"):
        raise UsageError(
            "--result answers a call of an earlier interaction: add --previous ID (or -c)"
        )
    body["input"] = steps + as_steps(body.get("input"))


def split_result_spec(spec: str) -> tuple[str, str]:
    call_id, sep, source = spec.partition("=")
    call_id, source = call_id.strip(), source.strip()
    if not sep or not call_id or not source:
        raise UsageError(f"--result {spec!r}: expected CALL_ID=FILE or CALL_ID=-")
    return call_id, source


def result_from_spec(spec: str, stdin: TextIO | None, *, is_tty: bool = False) -> JSONObject:
    """One function_result step; `-` reads stdin (within --timeout, never a terminal). The
    call's name is filled in just before sending (turns.with_result_names)."""
    from gemini_cli.request.localread import read_attachment, read_stdin
    from gemini_cli.turns.toolrun import parse_result

    call_id, source = split_result_spec(spec)
    if source == "-" and (stdin is None or is_tty):
        state = "closed" if stdin is None else "a terminal"
        raise UsageError(
            f"--result {call_id}=-: stdin is {state}: pipe the result in or give a file"
        )
    data = read_stdin(stdin, False) if source == "-" else read_attachment(Path(source))
    result = parse_result((data or b"").decode("utf-8", "replace"))
    return {"type": "function_result", "call_id": call_id, "result": result}
