"""Answering function calls with local commands, and the create -> run -> answer loop."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from gemini_cli.api.models import Interaction
from gemini_cli.api.steps import CONTENT_TYPES
from gemini_cli.core.children import NEW_GROUP, kill_running, killed_on_signals, tracked
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.core.limits import TOOL_OUTPUT_BYTES, human, limit
from gemini_cli.core.termio import escape_controls
from gemini_cli.turns.capture import collect

Send = Callable[[JSONObject], Interaction]
Note = Callable[[str], None]
MAX_WORKERS = 8
PREVIEW_CHARS = 160
# Fields that belong to one turn; everything else in the body is resent (§3.1 scope rule).
TURN_FIELDS = ("input", "previous_interaction_id", "continuation_token")
# Never handed to a tool command: it runs what the model asks for.
KEY_VARIABLES = frozenset({"GEMINI_API_KEY", "GOOGLE_API_KEY"})


@dataclass
class Outcome:
    """What running one command produced."""

    result: JSONValue
    is_error: bool = False
    seconds: float = 0.0
    printed: int = 0  # when the output was cut at the cap: how many bytes it had in all


@dataclass
class ToolLoop:
    """Runs the local commands behind function calls until the model stops calling."""

    commands: dict[str, list[str]]
    send: Send
    timeout: float = 60.0
    max_steps: int = 10
    note: Note = field(default=lambda _msg: None)
    rounds: int = 0

    def run(self, body: JSONObject, turn: Interaction) -> Interaction:
        """From a first response: answer calls and resend while the status is requires_action."""
        stateless = body.get("store") is False
        history = as_steps(body.get("input")) if stateless else []
        while turn.status == "requires_action":
            calls = turn.function_calls()
            missing = sorted({str(c.get("name")) for c in calls} - set(self.commands))
            if not calls or missing:
                if missing:
                    self.note(f"gem: no local command for {', '.join(missing)}")
                return turn
            if self.rounds >= self.max_steps:
                self.note(f"gem: stopped after {self.rounds} tool round(s) (--max-steps)")
                return turn
            results = self.answer(calls)
            self.rounds += 1
            if stateless:  # no stored conversation: resend all of it
                history = history + turn.step_dicts + results
                body = follow_up(body, None, history)
            else:
                body = follow_up(body, turn.id, results)
            turn = self.send(body)
        return turn

    def answer(self, calls: list[JSONObject]) -> list[JSONObject]:
        """Run every call of one turn (in parallel), results in call order."""
        for call in calls:
            self.note(f"gem: call {call.get('name')} {_preview(call.get('arguments'))}")
        workers = max(1, min(MAX_WORKERS, len(calls)))
        with killed_on_signals(), ThreadPoolExecutor(max_workers=workers) as pool:
            try:
                outcomes = list(pool.map(self._run_one, calls))
            except BaseException:  # Ctrl-C lands here, in the main thread: stop the commands
                kill_running()
                raise
        steps = []
        for call, outcome in zip(calls, outcomes, strict=True):
            label = "error" if outcome.is_error else "result"
            self.note(
                f"gem: {label} {call.get('name')} ({outcome.seconds:.1f}s) "
                f"{_preview(outcome.result)}"
            )
            if outcome.printed:
                self.note(f"gem: warning: {truncation_note(outcome.printed)}")
            steps.append(result_step(call, outcome))
        return steps

    def _run_one(self, call: JSONObject) -> Outcome:
        return run_command(self.commands[str(call.get("name"))], call, self.timeout)


def run_command(argv: list[str], call: JSONObject, timeout: float) -> Outcome:
    """Run argv (no shell) with the call's arguments as JSON on stdin; never raises. What it
    prints is kept up to GEM_MAX_TOOL_OUTPUT_BYTES (the rest is read and dropped)."""
    arguments = call.get("arguments")
    stdin = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=tool_env(call),
            **NEW_GROUP,
        )
    except OSError as exc:
        return Outcome(f"cannot run {argv[0]}: {exc.strerror or exc}", True, 0.0)
    with tracked(proc):
        # backslashreplace: a lone surrogate from the server goes as its JSON escape \udXXX
        got = collect(proc, stdin.encode("utf-8", "backslashreplace"), timeout)
    if got is None:
        return Outcome(f"the command timed out after {timeout:g}s", True, timeout)
    seconds = time.monotonic() - started
    out = got.stdout.text()
    printed = got.stdout.total if got.stdout.truncated else 0
    if printed:  # said in what is sent back too: the model must not take it for the whole
        out = f"{out}\n[{truncation_note(printed)}]"
    if proc.returncode != 0:
        err = got.stderr.text().strip() or out.strip()
        message = err or f"the command exited with status {proc.returncode}"
        return Outcome(message, True, seconds, printed)
    return Outcome(out if printed else parse_result(out), False, seconds, printed)


def truncation_note(printed: int) -> str:
    kept = human(limit(TOOL_OUTPUT_BYTES))
    return (
        f"the command printed {printed} bytes; only the first {kept} were kept "
        f"({TOOL_OUTPUT_BYTES[0]} raises the limit)"
    )


def tool_env(call: JSONObject) -> dict[str, str]:
    """gem's environment without the API key (a tool has no business with it), plus the
    call's name and id, escaped: a NUL or a lone surrogate cannot go in an environment."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in KEY_VARIABLES}
    env["GEM_FUNCTION_NAME"] = env_safe(call.get("name"))
    env["GEM_CALL_ID"] = env_safe(call.get("id"))
    return env


def env_safe(value: JSONValue) -> str:
    text = escape_controls(str(value or ""))
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def parse_result(text: str) -> JSONValue:
    """A JSON object (or list of content blocks) when stdout is one; otherwise the text itself."""
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        return stripped
    if isinstance(value, dict):
        return value
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, dict) and v.get("type") in CONTENT_TYPES for v in value)
    ):
        return value
    # Numbers, strings and other lists are not result shapes the API takes: send the text.
    return value if isinstance(value, str) else stripped


def result_step(call: JSONObject, outcome: Outcome) -> JSONObject:
    step: JSONObject = {
        "type": "function_result",
        "call_id": call.get("id"),
        "name": call.get("name"),
        "result": outcome.result,
    }
    if outcome.is_error:
        step["is_error"] = True
    return step


def follow_up(body: JSONObject, previous_id: str | None, steps: list[JSONObject]) -> JSONObject:
    """The next turn: the same body (tools, model, config...) with new input steps."""
    nxt = {k: copy.deepcopy(v) for k, v in body.items() if k not in TURN_FIELDS}
    if previous_id:
        nxt["previous_interaction_id"] = previous_id
    nxt["input"] = copy.deepcopy(steps)
    return nxt


def as_steps(value: JSONValue) -> list[JSONObject]:
    """Any accepted `input` shape as a list of steps (for stateless history)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "user_input", "content": [{"type": "text", "text": value}]}]
    if isinstance(value, dict):
        return [{"type": "user_input", "content": [copy.deepcopy(value)]}]
    items = copy.deepcopy(list(value))
    if items and all(isinstance(i, dict) and i.get("type") in CONTENT_TYPES for i in items):
        return [{"type": "user_input", "content": items}]
    return items


def _preview(value: JSONValue) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
