"""Answering function calls with local commands, and the create -> run -> answer loop."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from gemini_cli.api.models import Interaction

Send = Callable[[dict[str, Any]], Interaction]
Note = Callable[[str], None]
MAX_WORKERS = 8
PREVIEW_CHARS = 160
CONTENT_TYPES = frozenset({"text", "image", "audio", "video", "document"})
# Fields that belong to one turn; everything else in the body is resent (§3.1 scope rule).
TURN_FIELDS = ("input", "previous_interaction_id", "continuation_token")


@dataclass
class Outcome:
    """What running one command produced."""

    result: Any
    is_error: bool = False
    seconds: float = 0.0


@dataclass
class ToolLoop:
    """Runs the local commands behind function calls until the model stops calling."""

    commands: dict[str, list[str]]
    send: Send
    timeout: float = 60.0
    max_steps: int = 10
    note: Note = field(default=lambda _msg: None)
    rounds: int = 0

    def run(self, body: dict[str, Any], turn: Interaction) -> Interaction:
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

    def answer(self, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Run every call of one turn (in parallel), results in call order."""
        for call in calls:
            self.note(f"gem: call {call.get('name')} {_preview(call.get('arguments'))}")
        workers = max(1, min(MAX_WORKERS, len(calls)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
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
            steps.append(result_step(call, outcome))
        return steps

    def _run_one(self, call: dict[str, Any]) -> Outcome:
        return run_command(self.commands[str(call.get("name"))], call, self.timeout)


def run_command(argv: list[str], call: dict[str, Any], timeout: float) -> Outcome:
    """Run argv (no shell) with the call's arguments as JSON on stdin; never raises."""
    arguments = call.get("arguments")
    stdin = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
    env = {
        **os.environ,
        "GEM_FUNCTION_NAME": str(call.get("name") or ""),
        "GEM_CALL_ID": str(call.get("id") or ""),
    }
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            **NEW_GROUP,
        )
    except OSError as exc:
        return Outcome(f"cannot run {argv[0]}: {exc.strerror or exc}", True, 0.0)
    with _RUNNING_LOCK:
        _RUNNING.add(proc)
    try:
        stdout, stderr = proc.communicate(stdin.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        _reap(proc)
        return Outcome(f"the command timed out after {timeout:g}s", True, timeout)
    except BaseException:
        kill_group(proc)
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    seconds = time.monotonic() - started
    out = stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        err = stderr.decode("utf-8", "replace").strip() or out.strip()
        message = err or f"the command exited with status {proc.returncode}"
        return Outcome(message, True, seconds)
    return Outcome(parse_result(out), False, seconds)


# Each command runs in a process group of its own (POSIX), so a timeout or Ctrl-C ends the
# command *and* what it started; elsewhere only the command itself can be killed.
NEW_GROUP: dict[str, Any] = {"start_new_session": True} if os.name == "posix" else {}
_RUNNING: set[subprocess.Popen[bytes]] = set()
_RUNNING_LOCK = threading.Lock()


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the command's whole process group (just the command where groups are not
    available); never raises."""
    try:
        if NEW_GROUP:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            proc.kill()


def kill_running() -> None:
    """Kill every command still running (Ctrl-C: they no longer share gem's process group, so
    the terminal's SIGINT does not reach them)."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for proc in running:
        kill_group(proc)


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Collect a killed command; pipes a surviving grandchild (one that left the group) holds
    open cannot keep gem waiting."""
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        with contextlib.suppress(OSError, ValueError):
            if stream is not None:
                stream.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def parse_result(text: str) -> Any:
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


def result_step(call: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    step: dict[str, Any] = {
        "type": "function_result",
        "call_id": call.get("id"),
        "name": call.get("name"),
        "result": outcome.result,
    }
    if outcome.is_error:
        step["is_error"] = True
    return step


def follow_up(
    body: dict[str, Any], previous_id: str | None, steps: list[dict[str, Any]]
) -> dict[str, Any]:
    """The next turn: the same body (tools, model, config...) with new input steps."""
    nxt = {k: copy.deepcopy(v) for k, v in body.items() if k not in TURN_FIELDS}
    if previous_id:
        nxt["previous_interaction_id"] = previous_id
    nxt["input"] = copy.deepcopy(steps)
    return nxt


def as_steps(value: Any) -> list[dict[str, Any]]:
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


def _preview(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
