"""What a stored interaction looks like at a given moment: its status and its resource view.

Pure functions of the record and the clock (and the flavor), so a view taken later, or in
another process, is the same. The SSE events are planned in sse_plan.py.
"""

from __future__ import annotations

import time
from typing import Any

from gemini_cli.core.jsontypes import JSONObject

from . import live as live_shapes

Record = dict[str, Any]

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


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def deadline(record: Record) -> float:
    return float(record["created_at"]) + float(record["duration"])


def status_at(record: Record, now: float) -> str:
    if record.get("cancelled_at") is not None:
        return "cancelled"
    return str(record["final_status"]) if now >= deadline(record) else "in_progress"


def updated_at(record: Record, now: float) -> float:
    if record.get("cancelled_at") is not None:
        return float(record["cancelled_at"])
    return deadline(record) if now >= deadline(record) else float(record["created_at"])


def head(record: Record, *, live: bool) -> JSONObject:
    """id, status, object and model (or agent): what interaction.created carries live."""
    body: JSONObject = {"id": record["id"], "status": ""}
    if live:
        body["object"] = "interaction"
    for name in ("model", "agent"):
        if name in record["request"]:
            body[name] = record["request"][name]
    return body


def usage_view(record: Record, status: str, *, live: bool) -> JSONObject:
    usage: JSONObject = record["input_usage"] if status == "cancelled" else record["usage"]
    if not live:
        return usage
    request = record["request"]
    return live_shapes.usage(usage, str(request.get("model") or request.get("agent") or ""))


def output_steps(record: Record, *, live: bool) -> list[JSONObject]:
    steps: list[JSONObject] = record["output_steps"]
    return live_shapes.output_steps(steps) if live else steps


def resource(
    record: Record, now: float, *, timeline: bool, include_input: bool = False, live: bool = False
) -> JSONObject:
    """The Interaction JSON. POST shows only output steps; GET (`timeline`) the full timeline."""
    status = status_at(record, now)
    body = head(record, live=live)
    if live and body["id"] == live_shapes.NO_ID:
        del body["id"]  # a store:false answer has no id at all (§13.1)
    body.update(
        status=status, created=iso(record["created_at"]), updated=iso(updated_at(record, now))
    )
    request = record["request"]
    if request.get("previous_interaction_id"):
        body["previous_interaction_id"] = request["previous_interaction_id"]
    body.update({name: request[name] for name in ECHOED_FIELDS if name in request})
    if record.get("environment_id"):
        body["environment_id"] = record["environment_id"]
    steps = _visible_steps(record, status, timeline, live)
    if steps:
        body["steps"] = steps
    if status != "in_progress":
        body["usage"] = usage_view(record, status, live=live)
    if status == record["final_status"]:
        body.update(record.get("extra") or {})
    if include_input and "input" in request:
        body["input"] = request["input"]
    return body


def _visible_steps(record: Record, status: str, timeline: bool, live: bool) -> list[JSONObject]:
    finished = status not in ("in_progress", "cancelled")
    steps = list(record["input_steps"]) if timeline else []
    return steps + (output_steps(record, live=live) if finished else [])


def partial(record: Record, status: str, now: float, *, usage: bool, live: bool) -> JSONObject:
    """The partial interaction carried by interaction.created / interaction.completed events."""
    body = head(record, live=live)
    body.update(status=status, object="interaction")
    if live and not usage:
        return body  # interaction.created: id, status, object and model only (§13.4)
    body["created"] = iso(record["created_at"])
    if usage:
        body["updated"] = iso(now)
        body["usage"] = usage_view(record, status, live=live)
        if status == record["final_status"]:
            body.update(record.get("extra") or {})
    return body
