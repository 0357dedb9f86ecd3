"""What a stored interaction looks like at a given moment: its resource view and its SSE events.

Both are pure functions of the record and the clock, so a stream replayed later (or from another
process) yields the very same events with the very same `event_id`s.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

Record = dict[str, Any]
Event = dict[str, Any]

ECHOED_FIELDS = (
    "system_instruction",
    "tools",
    "generation_config",
    "agent_config",
    "response_format",
    "response_mime_type",
    "response_modalities",
    "safety_settings",
    "labels",
    "service_tier",
    "webhook_config",
    "environment",
    "cached_content",
)
WORDS_PER_DELTA = 4
DONE_FRAME = b"data: [DONE]\n\n"


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def deadline(record: Record) -> float:
    return record["created_at"] + record["duration"]


def status_at(record: Record, now: float) -> str:
    if record.get("cancelled_at") is not None:
        return "cancelled"
    return record["final_status"] if now >= deadline(record) else "in_progress"


def updated_at(record: Record, now: float) -> float:
    if record.get("cancelled_at") is not None:
        return record["cancelled_at"]
    return deadline(record) if now >= deadline(record) else record["created_at"]


def _head(record: Record) -> dict[str, Any]:
    head: dict[str, Any] = {"id": record["id"], "status": ""}
    for name in ("model", "agent"):
        if name in record["request"]:
            head[name] = record["request"][name]
    return head


def resource(record: Record, now: float, *, timeline: bool, include_input: bool = False) -> dict:
    """The Interaction JSON. POST shows only output steps; GET (`timeline`) the full timeline."""
    status = status_at(record, now)
    body = _head(record)
    body.update(
        status=status, created=iso(record["created_at"]), updated=iso(updated_at(record, now))
    )
    request = record["request"]
    if request.get("previous_interaction_id"):
        body["previous_interaction_id"] = request["previous_interaction_id"]
    body.update({name: request[name] for name in ECHOED_FIELDS if name in request})
    if record.get("environment_id"):
        body["environment_id"] = record["environment_id"]
    steps = _visible_steps(record, status, timeline)
    if steps:
        body["steps"] = steps
    if status != "in_progress":
        body["usage"] = record["input_usage"] if status == "cancelled" else record["usage"]
    if status == record["final_status"]:
        body.update(record.get("extra") or {})
    if include_input and "input" in request:
        body["input"] = request["input"]
    return body


def _visible_steps(record: Record, status: str, timeline: bool) -> list[dict[str, Any]]:
    finished = status not in ("in_progress", "cancelled")
    steps = list(record["input_steps"]) if timeline else []
    return steps + (record["output_steps"] if finished else [])


def partial(record: Record, status: str, now: float, usage: bool) -> dict[str, Any]:
    """The partial interaction carried by interaction.created / interaction.completed events."""
    body = _head(record)
    body.update(status=status, object="interaction", created=iso(record["created_at"]))
    if usage:
        body["updated"] = iso(now)
        body["usage"] = record["input_usage"] if status == "cancelled" else record["usage"]
        if status == record["final_status"]:
            body.update(record.get("extra") or {})
    return body


def event_id(position: int, label: str) -> str:
    """Positional, hence unique within the interaction and stable across replays."""
    raw = f"{position}_{label}".encode()
    return "v1_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


class _Plan:
    """Events with the offset (seconds after creation) at which each one becomes due."""

    def __init__(self) -> None:
        self.items: list[tuple[float, Event]] = []

    def add(self, offset: float, event_type: str, payload: dict, label: str | None = None) -> None:
        event = {**payload, "event_type": event_type}
        if label:
            event["event_id"] = event_id(len(self.items), label)
        self.items.append((offset, event))


def events(record: Record) -> list[tuple[float, Event]]:
    """Every SSE event of the interaction, in order, with its due offset."""
    plan, end = _Plan(), record["duration"]
    rid = record["id"]
    plan.add(
        0,
        "interaction.created",
        {"interaction": partial(record, "in_progress", 0, False)},
        "created",
    )
    plan.add(0, "interaction.status_update", {"interaction_id": rid, "status": "in_progress"})
    for index, step in enumerate(record["output_steps"]):
        _step_events(plan, index, step, end)
    final = record["final_status"]
    if final != "completed":
        update = {"interaction_id": rid, "status": final, **(record.get("extra") or {})}
        plan.add(end, "interaction.status_update", update, "status")
    done = partial(record, final, deadline(record), True)
    plan.add(end, "interaction.completed", {"interaction": done}, "completed")
    if record.get("cancelled_at") is not None:
        _cancel(plan, record)
    return plan.items


def _cancel(plan: _Plan, record: Record) -> None:
    """Keep what was due before the cancel, close an open step, then end as `cancelled`."""
    at = record["cancelled_at"] - record["created_at"]
    plan.items = [item for item in plan.items if item[0] <= at]
    open_steps = {}
    for _, event in plan.items:
        if event["event_type"] == "step.start":
            open_steps[event["index"]] = True
        elif event["event_type"] == "step.stop":
            open_steps.pop(event["index"], None)
    for index in open_steps:
        plan.add(at, "step.stop", {"index": index})
    rid = record["id"]
    plan.add(
        at, "interaction.status_update", {"interaction_id": rid, "status": "cancelled"}, "status"
    )
    done = partial(record, "cancelled", record["cancelled_at"], True)
    plan.add(at, "interaction.completed", {"interaction": done}, "completed")


def _step_events(plan: _Plan, index: int, step: dict[str, Any], end: float) -> None:
    kind = step["type"]
    if kind == "thought":
        _thought_events(plan, index, step, end)
    elif kind == "model_output":
        _output_events(plan, index, step, end)
    elif kind == "function_call":
        _call_events(plan, index, step, end)
    else:
        _tool_events(plan, index, step, end)
    plan.add(end, "step.stop", {"index": index})


def _thought_events(plan: _Plan, index: int, step: dict[str, Any], end: float) -> None:
    # A background run shows its thinking as it goes: summary k is due at k/n of the run.
    plan.add(0, "step.start", {"index": index, "step": {"type": "thought"}})
    summary = step.get("summary", [])
    for k, block in enumerate(summary):
        delta = {"type": "thought_summary", "content": block}
        plan.add(end * k / len(summary), "step.delta", {"index": index, "delta": delta}, "summary")
    delta = {"type": "thought_signature", "signature": step["signature"]}
    plan.add(end, "step.delta", {"index": index, "delta": delta}, "signature")


def _output_events(plan: _Plan, index: int, step: dict[str, Any], end: float) -> None:
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


def _call_events(plan: _Plan, index: int, step: dict[str, Any], end: float) -> None:
    start = {"type": "function_call", "id": step["id"], "name": step["name"], "arguments": {}}
    plan.add(end, "step.start", {"index": index, "step": start})
    text = json.dumps(step["arguments"])
    middle = len(text) // 2
    for fragment in (text[:middle], text[middle:]):
        delta = {"type": "arguments_delta", "arguments": fragment}
        plan.add(end, "step.delta", {"index": index, "delta": delta}, "arguments")


def _tool_events(plan: _Plan, index: int, step: dict[str, Any], end: float) -> None:
    # Built-in tool steps start with their ids only; the payload arrives as one delta (§6.4).
    ids = {k: step[k] for k in ("id", "call_id", "search_type") if k in step}
    plan.add(end, "step.start", {"index": index, "step": {"type": step["type"], **ids}})
    payload = {k: step[k] for k in ("arguments", "result", "signature", "is_error") if k in step}
    delta = {"type": step["type"], **payload}
    plan.add(end, "step.delta", {"index": index, "delta": delta}, "tool")


def frame(event: Event) -> bytes:
    """One SSE block exactly as the service frames it (API doc §6.1)."""
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event['event_type']}\ndata: {data}\n\n".encode()
