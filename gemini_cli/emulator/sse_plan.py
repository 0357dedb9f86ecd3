"""The SSE events of a stored interaction, each with the moment it becomes due, and their framing.

A pure function of the record (and the flavor), so a stream replayed later, or from another
process, yields the very same events (with the very same `event_id`s in the sdk flavor).
"""

from __future__ import annotations

import base64
import json
import re

from gemini_cli.core.jsontypes import JSONObject

from . import live as live_shapes
from .timeline import Record, deadline, output_steps, partial

Event = JSONObject
WORDS_PER_DELTA = 4
# Live function-call arguments arrive in several fragments (§13.6): at most this many characters.
ARGUMENT_FRAGMENT_CHARS = 12
SDK_DONE_FRAME = b"data: [DONE]\n\n"


def done_frame(*, live: bool) -> bytes:
    return live_shapes.DONE_FRAME if live else SDK_DONE_FRAME


def event_id(position: int, label: str) -> str:
    """Positional, hence unique within the interaction and stable across replays."""
    raw = f"{position}_{label}".encode()
    return "v1_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


class _Plan:
    """Events with the offset (seconds after creation) at which each one becomes due."""

    def __init__(self, live: bool) -> None:
        self.live = live
        self.items: list[tuple[float, Event]] = []

    def add(self, offset: float, event_type: str, payload: JSONObject, label: str = "") -> None:
        event = {**payload, "event_type": event_type}
        if label and not self.live:  # the live service sends no event ids (§13.2)
            event["event_id"] = event_id(len(self.items), label)
        self.items.append((offset, event))


def events(record: Record, *, live: bool = False) -> list[tuple[float, Event]]:
    """Every SSE event of the interaction, in order, with its due offset."""
    plan, end = _Plan(live), float(record["duration"])
    rid = record["id"]
    created = partial(record, "in_progress", 0, usage=False, live=live)
    plan.add(0, "interaction.created", {"interaction": created}, "created")
    plan.add(0, "interaction.status_update", {"interaction_id": rid, "status": "in_progress"})
    for index, step in enumerate(output_steps(record, live=live)):
        _step_events(plan, index, step, end)
    final = record["final_status"]
    if final != "completed":
        update = {"interaction_id": rid, "status": final, **(record.get("extra") or {})}
        plan.add(end, "interaction.status_update", update, "status")
    done = partial(record, final, deadline(record), usage=True, live=live)
    plan.add(end, "interaction.completed", {"interaction": done}, "completed")
    if record.get("cancelled_at") is not None:
        _cancel(plan, record)
    return plan.items


def _cancel(plan: _Plan, record: Record) -> None:
    """Keep what was due before the cancel, close an open step, then end as `cancelled`."""
    at = record["cancelled_at"] - record["created_at"]
    plan.items = [item for item in plan.items if item[0] <= at]
    open_steps: dict[int, bool] = {}
    for _, event in plan.items:
        if event["event_type"] == "step.start":
            open_steps[event["index"]] = True
        elif event["event_type"] == "step.stop":
            open_steps.pop(event["index"], None)
    for index in open_steps:
        plan.add(at, "step.stop", {"index": index})
    rid = record["id"]
    update = {"interaction_id": rid, "status": "cancelled"}
    plan.add(at, "interaction.status_update", update, "status")
    done = partial(record, "cancelled", record["cancelled_at"], usage=True, live=plan.live)
    plan.add(at, "interaction.completed", {"interaction": done}, "completed")


def _step_events(plan: _Plan, index: int, step: JSONObject, end: float) -> None:
    kind = step["type"]
    if kind == "thought":
        _thought_events(plan, index, step, end)
    elif kind == "model_output":
        _output_events(plan, index, step, end)
    elif kind == "function_call":
        _call_events(plan, index, step, end)
    elif plan.live:
        _live_tool_events(plan, index, step, end)
    else:
        _tool_events(plan, index, step, end)
    plan.add(end, "step.stop", {"index": index})


def _thought_events(plan: _Plan, index: int, step: JSONObject, end: float) -> None:
    # A background run shows its thinking as it goes: summary k is due at k/n of the run.
    plan.add(0, "step.start", {"index": index, "step": {"type": "thought"}})
    summary = step.get("summary", [])
    for k, block in enumerate(summary):
        delta = {"type": "thought_summary", "content": block}
        plan.add(end * k / len(summary), "step.delta", {"index": index, "delta": delta}, "summary")
    delta = {"type": "thought_signature", "signature": step["signature"]}
    plan.add(end, "step.delta", {"index": index, "delta": delta}, "signature")


def _output_events(plan: _Plan, index: int, step: JSONObject, end: float) -> None:
    plan.add(end, "step.start", {"index": index, "step": {"type": "model_output"}})
    for block in step["content"]:
        if block.get("type") != "text":  # media arrives as one delta carrying the block
            plan.add(end, "step.delta", {"index": index, "delta": dict(block)}, "media")
            continue
        for chunk in split_text(block.get("text", "")):
            delta = {"text": chunk, "type": "text"}
            plan.add(end, "step.delta", {"index": index, "delta": delta}, "text")
        if block.get("annotations"):
            delta = {"type": "text_annotation_delta", "annotations": block["annotations"]}
            plan.add(end, "step.delta", {"index": index, "delta": delta}, "annotation")


def split_text(text: str) -> list[str]:
    """Chunks of a few words each, whitespace kept, so the chunks concatenate back exactly."""
    tokens = re.findall(r"\s*\S+\s*", text) or [text]
    if tokens and "".join(tokens) != text:  # only whitespace: keep it as one chunk
        tokens = [text]
    return [
        "".join(tokens[i : i + WORDS_PER_DELTA]) for i in range(0, len(tokens), WORDS_PER_DELTA)
    ]


def argument_fragments(text: str, *, live: bool) -> list[str]:
    """Two halves (sdk), or fragments of a few characters, at least three (live)."""
    if not live:
        middle = len(text) // 2
        return [text[:middle], text[middle:]]
    size = max(1, min(ARGUMENT_FRAGMENT_CHARS, len(text) // 3))
    return [text[i : i + size] for i in range(0, len(text), size)] or [text]


def _call_events(plan: _Plan, index: int, step: JSONObject, end: float) -> None:
    start = {"type": "function_call", "id": step["id"], "name": step["name"], "arguments": {}}
    if plan.live:
        start["signature"] = ""
    plan.add(end, "step.start", {"index": index, "step": start})
    for fragment in argument_fragments(json.dumps(step["arguments"]), live=plan.live):
        delta = {"type": "arguments_delta", "arguments": fragment}
        plan.add(end, "step.delta", {"index": index, "delta": delta}, "arguments")


def _tool_events(plan: _Plan, index: int, step: JSONObject, end: float) -> None:
    # Built-in tool steps start with their ids only; the payload arrives as one delta (§6.4).
    ids = {k: step[k] for k in ("id", "call_id", "search_type") if k in step}
    plan.add(end, "step.start", {"index": index, "step": {"type": step["type"], **ids}})
    fields = ("arguments", "result", "signature", "is_error")
    delta: JSONObject = {"type": step["type"], **{k: step[k] for k in fields if k in step}}
    plan.add(end, "step.delta", {"index": index, "delta": delta}, "tool")


def _live_tool_events(plan: _Plan, index: int, step: JSONObject, end: float) -> None:
    # Live (§13.6): the start carries the step's id and an empty signature only; everything
    # else (arguments or result, is_error: false) comes in one delta of the same type.
    ident = "id" if "id" in step else "call_id"
    start = {"type": step["type"], ident: step.get(ident, ""), "signature": ""}
    plan.add(end, "step.start", {"index": index, "step": start})
    payload = {k: v for k, v in step.items() if k not in ("type", ident, "signature")}
    delta = {"type": step["type"], **payload}
    plan.add(end, "step.delta", {"index": index, "delta": delta}, "tool")


def frame(event: Event) -> bytes:
    """One SSE block exactly as the service frames it (API doc §6.1)."""
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event['event_type']}\ndata: {data}\n\n".encode()
