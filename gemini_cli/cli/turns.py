"""Sending a prepared request through tool rounds and continuation hops; printing the result."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from gemini_cli.api.errors import InteractionError
from gemini_cli.cli.prepare import PreparedRequest
from gemini_cli.cli.tool_options import ToolOptions
from gemini_cli.core.errors import GemError, Interrupted
from gemini_cli.core.jsontypes import JSONObject, JSONValue

if TYPE_CHECKING:  # pydantic stays out of start-up (`create --dry-run`)
    from gemini_cli.api.models import Interaction
    from gemini_cli.cli.runtime import Runtime
    from gemini_cli.render.options import AnswerOptions
    from gemini_cli.turns.media import Saved

Send = Callable[[JSONObject], "Interaction"]


# -- sending -----------------------------------------------------------------------------------


def with_result_names(run: Runtime, body: JSONObject) -> JSONObject:
    """Just before sending: the body with its `--result` steps named after the previous
    interaction's calls (one GET). Not at prepare time, so --dry-run and usage errors never
    send anything."""
    steps = body.get("input")
    previous = body.get("previous_interaction_id")
    if not isinstance(steps, list) or not previous or not any(_unnamed(s) for s in steps):
        return body
    names = call_names(run, previous)
    named = [
        _named(step, names[str(step.get("call_id"))])
        if _unnamed(step) and str(step.get("call_id")) in names
        else step
        for step in steps
    ]
    return {**body, "input": named}


def _named(step: JSONObject, name: str) -> JSONObject:
    """The step with its name, placed before the result (as a user would write it)."""
    head = {k: v for k, v in step.items() if k != "result"}
    return {**head, "name": name, **({"result": step["result"]} if "result" in step else {})}


def _unnamed(step: JSONValue) -> bool:
    return isinstance(step, dict) and step.get("type") == "function_result" and "name" not in step


def call_names(run: Runtime, interaction_id: str) -> dict[str, str]:
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


def pending_calls(run: Runtime, interaction_id: str) -> Interaction:
    """The previous interaction when it waits on function calls; else there is no input."""
    from gemini_cli.core.errors import UsageError

    previous = run.client().get(interaction_id)
    if previous.status != "requires_action" or not previous.function_calls():
        raise UsageError(
            f"no input: interaction {previous.id or interaction_id} has no pending function "
            "calls to answer; give a prompt, pipe text or a file on stdin, or use --attach"
        )
    return previous


def creator(run: Runtime) -> Send:
    """A plain (non-streamed) create that records each interaction in the history."""

    def send(body: JSONObject) -> Interaction:
        interaction = run.client().create(body)
        run.created(interaction, body)
        return interaction

    return send


def execute(
    run: Runtime, prepared: PreparedRequest, opts: ToolOptions, send: Send | None = None
) -> Interaction:
    """Send the request; follow continuation hops; with --run-tools answer calls until done.
    Ctrl-C/SIGTERM (e.g. in a tool command) names the last interaction and how to answer it."""
    sender = send or creator(run)
    turns: list[Interaction] = []

    def recorded(body: JSONObject) -> Interaction:
        turns.append(sender(body))
        return turns[-1]

    try:
        return _execute(run, prepared, opts, recorded)
    except KeyboardInterrupt:
        raise between_turns(turns[-1] if turns else None) from None


def _execute(run: Runtime, prepared: PreparedRequest, opts: ToolOptions, send: Send) -> Interaction:
    run.tool_commands = dict(prepared.commands)  # recorded with each hop: -c carries them
    body = with_result_names(run, prepared.body) if opts.results else prepared.body
    previous = body.get("previous_interaction_id")
    if opts.run_tools and "input" not in body and isinstance(previous, str) and previous:
        first = pending_calls(run, previous)  # `-c --run-tools` alone: answer them
    else:
        first = send(body)
    turn = continued(run, send, body, first, opts)
    if opts.run_tools and turn.status == "requires_action":
        from gemini_cli.turns.toolrun import ToolLoop  # only here: a plain create runs no tools

        loop = ToolLoop(
            dict(prepared.commands),
            send=lambda b: continued(run, send, b, send(b), opts),
            timeout=opts.tool_timeout,
            max_steps=opts.max_steps,
            note=run.info,
        )
        turn = loop.run(body, turn)
    return turn


def continued(
    run: Runtime, send: Send, body: JSONObject, first: Interaction, opts: ToolOptions
) -> Interaction:
    from gemini_cli.turns.continuation import continue_hops

    if opts.no_continue or first.status != "requires_continuation":
        return first
    return continue_hops(send, body, first, max_hops=opts.max_continuations, note=run.info)


def between_turns(last: Interaction | None) -> Interrupted:
    """Interrupted while no stream was open (a tool command ran): name the turn it waits on.
    (An interrupt inside a turn's stream is already an Interrupted, which is no
    KeyboardInterrupt.)"""
    from gemini_cli.core.status import answer_command

    if last is None or not last.id:
        return Interrupted("interrupted")
    hint = f"its state: gem get {last.id}"
    if last.status == "requires_action":
        call_ids = [str(c.get("id") or "") for c in last.function_calls()]
        hint = f"answer its calls with: {answer_command(last.id, call_ids)}"
    return Interrupted(
        f"interrupted; interaction {last.id} is {last.status or 'unknown'}; {hint}",
        interaction_id=last.id,
        hint=hint,
    )


def ask_for_thoughts(body: JSONObject) -> None:
    """--thoughts on a new request: ask for thought summaries (a model's generation_config;
    an agent's agent_config) unless the request says otherwise."""
    key = "agent_config" if "agent" in body else "generation_config"
    config = body.get(key)
    if "agent" in body and not isinstance(config, dict):
        if not str(body["agent"]).startswith("deep-research"):
            return  # an agent_config needs its type, known for Deep Research agents only
        config = {"type": "deep-research"}
    config = config if isinstance(config, dict) else {}
    body[key] = {**config, "thinking_summaries": config.get("thinking_summaries") or "auto"}


# -- printing ----------------------------------------------------------------------------------


def render_result(
    run: Runtime,
    interaction: Interaction,
    opts: ToolOptions,
    *,
    expect_json: bool = False,
    usage: bool = False,
    answer: AnswerOptions | None = None,
) -> None:
    """Like render_answer (sources, thoughts, markdown), plus media files, `--format paths`
    and (`expect_json`, from the prepared request) the JSON check."""
    from gemini_cli.render.output import fail_on_status, print_usage
    from gemini_cli.render.report import render_answer

    fmt = run.format
    saved = save_media(run, interaction, opts, to_stdout=fmt == "paths")
    done = interaction.status == "completed"
    if fmt == "paths" or opts.output == "-":
        pass  # stdout already holds the paths or the raw bytes
    elif fmt == "text" and done and expect_json:
        print_json_text(run, interaction)
    else:
        where = None if saved is None else {(s.step, s.block): str(s.path or s.uri) for s in saved}
        render_answer(run, interaction, answer, usage=usage, saved=where)
        return
    if usage:
        print_usage(run, interaction.data.get("usage"))
    fail_on_status(run, interaction)


def save_media(
    run: Runtime, interaction: Interaction, opts: ToolOptions, to_stdout: bool
) -> list[Saved] | None:
    """Write media blocks per --save/-o (--format paths alone means the current folder)."""
    if opts.output is None and opts.save is None and not to_stdout:
        return None  # nothing to save: the media modules stay unloaded
    from gemini_cli.turns import media

    blocks = interaction.output_media()
    if opts.output is not None and not blocks and interaction.status != "completed":
        return []  # e.g. requires_action or failed: the status says what happened
    if opts.output is not None:
        media.check_one(blocks, interaction.id)  # before downloading any of them
    if opts.output is not None or opts.save is not None or to_stdout:
        from gemini_cli.turns.remote_media import with_downloads  # media given as a `uri`

        blocks = with_downloads(blocks, run.client(), run.info, interaction.id)
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


def write_raw(run: Runtime, blocks: list[tuple[int, int, JSONObject]], ident: str) -> None:
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


def print_json_text(run: Runtime, interaction: Interaction) -> None:
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
