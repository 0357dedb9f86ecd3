"""Small builders for stream events and steps, shared by the event, assembler and step tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gemini_cli.api.assembler import InteractionAssembler
from gemini_cli.api.events import parse_event
from gemini_cli.api.sse import SSEDecoder

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
T06 = (FIXTURES / "06-stream-text.sse").read_bytes()
T07 = (FIXTURES / "07-stream-function-call.sse").read_bytes()

THOUGHT = {"type": "thought", "signature": "c2ln"}
CALL = {"type": "function_call", "id": "c1", "name": "f", "arguments": {}}
RESULT = {"type": "function_result", "call_id": "c1", "result": "ok"}


def events_of(raw: bytes) -> list[dict[str, Any]]:
    decoder = SSEDecoder()
    sses = decoder.feed(raw) + decoder.flush()
    return [e for e in map(parse_event, sses) if e is not None]


def assemble(events: list[dict[str, Any]], keep_text: bool = True) -> InteractionAssembler:
    assembler = InteractionAssembler(keep_text=keep_text)
    for event in events:
        assembler.add(event)
    return assembler


def mo(text: str) -> dict[str, Any]:
    return {"type": "model_output", "content": [{"type": "text", "text": text}]}


def delta(index: int, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"event_type": "step.delta", "index": index, "delta": body, **extra}


def start(index: int, step: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": "step.start", "index": index, "step": step}


def stop(index: int, **extra: Any) -> dict[str, Any]:
    return {"event_type": "step.stop", "index": index, **extra}


def created(ident: str = "i", status: str = "in_progress") -> dict[str, Any]:
    return {"event_type": "interaction.created", "interaction": {"id": ident, "status": status}}


def completed(ident: str = "i", status: str = "completed", **fields: Any) -> dict[str, Any]:
    payload = {"id": ident, "status": status, **fields}
    return {"event_type": "interaction.completed", "interaction": payload}
