"""Deterministic answers: the output steps, status and usage the emulator derives from a request."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from gemini_cli.core.jsontypes import JSONObject

from . import tools_replies
from .validation import CONTENT_TYPES

# Flat token prices for media blocks: the real service counts by size or duration; constants
# keep usage predictable in tests.
MEDIA_TOKENS = {"image": 258, "audio": 96, "video": 300, "document": 258}
THOUGHT_OVERHEAD_TOKENS = 16


@dataclass
class Reply:
    """What the engine answers with: steps, status, usage, summaries, extra fields."""

    steps: list[JSONObject]
    status: str
    usage: JSONObject
    summaries: list[str] = field(default_factory=list)
    extra: JSONObject = field(default_factory=dict)  # top-level fields, e.g. a token


def digest(*parts: str, size: int = 24) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()[:size]


def short_id(prefix: str, *parts: str) -> str:
    return prefix + base64.urlsafe_b64encode(digest(*parts, size=6)).decode().rstrip("=")


def input_steps(value: Any) -> list[JSONObject]:
    """Normalise any accepted `input` shape into the step list the timeline shows."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "user_input", "content": [{"type": "text", "text": value}]}]
    if isinstance(value, dict):
        return [{"type": "user_input", "content": [value]}]
    if value and value[0].get("type") in CONTENT_TYPES:
        return [{"type": "user_input", "content": list(value)}]
    return list(value)


def describe_block(block: JSONObject) -> str:
    """A text block's text, or a short tag acknowledging a media block."""
    if block.get("type") == "text":
        return str(block.get("text", ""))
    mime = block.get("mime_type") or block.get("type")
    if block.get("uri"):
        return f"[{mime} {block['uri']}]"
    return f"[{mime} {_decoded_size(str(block.get('data', '')))} bytes]"


def _decoded_size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return len(data)


def user_text(steps: list[JSONObject]) -> str:
    """The text of the last user_input step, blocks joined with a space."""
    for step in reversed(steps):
        if step.get("type") == "user_input":
            return " ".join(describe_block(b) for b in step.get("content", []))
    return ""


def count_turns(steps: list[JSONObject]) -> int:
    return max(1, sum(1 for step in steps if step.get("type") == "user_input"))


def input_usage(steps: list[JSONObject]) -> dict[str, int]:
    """Tokens per modality of this turn's input (words for text)."""
    tokens: dict[str, int] = {}
    for step in steps:
        blocks = step.get("content")
        if not isinstance(blocks, list):
            result = step.get("result")
            blocks = [] if result is None else [{"type": "text", "text": json.dumps(result)}]
        for block in blocks:
            kind = block.get("type", "text")
            text = str(block.get("text", ""))
            cost = len(text.split()) if kind == "text" else MEDIA_TOKENS.get(kind, 0)
            tokens[kind] = tokens.get(kind, 0) + cost
    return tokens


def make_usage(
    by_modality: dict[str, int], history: int, output: int, thought: int, tool_use: int = 0
) -> JSONObject:
    total_input = history + sum(by_modality.values())
    usage: JSONObject = {
        "total_input_tokens": total_input,
        "total_output_tokens": output,
        "total_thought_tokens": thought,
        "total_cached_tokens": 0,
        "total_tool_use_tokens": tool_use,
        "total_tokens": total_input + output + thought + tool_use,
        "input_tokens_by_modality": [{"modality": m, "tokens": t} for m, t in by_modality.items()],
    }
    if output:
        usage["output_tokens_by_modality"] = [{"modality": "text", "tokens": output}]
    return usage


def summaries_enabled(body: JSONObject) -> bool:
    if body.get("agent"):
        return (body.get("agent_config") or {}).get("thinking_summaries") != "none"
    return (body.get("generation_config") or {}).get("thinking_summaries") == "auto"


def is_deep_research(body: JSONObject) -> bool:
    return str(body.get("agent", "")).startswith("deep-research")


def thought_step(seed: str, summaries: list[str]) -> JSONObject:
    step: JSONObject = {"type": "thought", "signature": base64.b64encode(digest(seed)).decode()}
    if summaries:
        step["summary"] = [{"type": "text", "text": text} for text in summaries]
    return step


def text_step(text: str, annotations: list[JSONObject] | None = None) -> JSONObject:
    block: JSONObject = {"type": "text", "text": text}
    if annotations:
        block["annotations"] = annotations
    return {"type": "model_output", "content": [block]}


def compose(
    body: JSONObject, steps_in: list[JSONObject], turn: int, history: int, phases: int
) -> Reply:
    """Build the reply; `phases` > 1 spreads thought summaries over a background run."""
    if is_deep_research(body):
        # Imported here: research_replies builds on this module's helpers.
        from .research_replies import research_reply

        return research_reply(body, steps_in, turn, history, phases)
    return _model_reply(body, steps_in, turn, history, phases)


def _model_reply(
    body: JSONObject, steps_in: list[JSONObject], turn: int, history: int, phases: int
) -> Reply:
    text = user_text(steps_in)
    summaries = _model_summaries(text, phases) if summaries_enabled(body) else []
    thought = thought_step(f"{text}|{turn}", summaries)
    call = _function_call(body, steps_in, text)
    if call is not None:
        output, status = call, "requires_action"
        words = len(json.dumps(call["arguments"]).split()) + 1
    else:
        answer, status = _truncate(_answer_text(body, steps_in, text, turn), body)
        output, words = _answer_step(body, text, answer), len(answer.split())
    output, status, extra = tools_replies.decorate(body, text, output, status)
    thinking = THOUGHT_OVERHEAD_TOKENS + sum(len(s.split()) for s in summaries)
    usage = make_usage(input_usage(steps_in), history, words, thinking)
    work = [] if call is not None else _tool_work(body, text)
    return Reply([thought, *work, output], status, usage, summaries, extra)


def _answer_step(body: JSONObject, text: str, answer: str) -> JSONObject:
    """The answer with citations from its grounding tools; `[[mixed]]`: text, image, text."""
    from .answer_kinds import MIXED_MARKER, citations, mixed_content

    if MIXED_MARKER in text:
        return {"type": "model_output", "content": mixed_content(answer, text)}
    return text_step(answer, citations(body, text, answer))


def _tool_work(body: JSONObject, text: str) -> list[JSONObject]:
    from .answer_kinds import tool_steps

    return tool_steps(body, text)


def _model_summaries(text: str, phases: int) -> list[str]:
    words = len(text.split())
    if phases <= 1:
        return [f"**Reading the request**\n\nThe user wrote {words} words; I will echo them."]
    return [
        f"**Working, phase {n} of {phases}**\n\nStill thinking about the request."
        for n in range(1, phases + 1)
    ]


def _answer_text(body: JSONObject, steps_in: list[JSONObject], text: str, turn: int) -> str:
    results = [s for s in steps_in if s.get("type") == "function_result"]
    if results:
        said = "; ".join(
            f"function {r.get('name') or r.get('call_id')} returned "
            f"{json.dumps(r.get('result'), sort_keys=True)}"
            for r in results
        )
        text = said
    if _wants_json(body):
        return tools_replies.json_answer(body, text, turn)
    prefix = ""
    instruction = body.get("system_instruction")
    if instruction:
        shown = instruction if len(instruction) <= 60 else instruction[:57] + "..."
        prefix = f"[system: {shown}] "
    return f"{prefix}Echo: {text} (turn {turn})"


def _wants_json(body: JSONObject) -> bool:
    formats = body.get("response_format")
    entries = formats if isinstance(formats, list) else [formats] if formats else []
    json_format = any(
        isinstance(e, dict) and e.get("mime_type") == "application/json" for e in entries
    )
    return json_format or body.get("response_mime_type") == "application/json"


def _truncate(text: str, body: JSONObject) -> tuple[str, str]:
    """Cut the answer to `max_output_tokens` words (status `incomplete`)."""
    limit = (body.get("generation_config") or {}).get("max_output_tokens")
    words = text.split()
    if isinstance(limit, int) and 0 <= limit < len(words):
        return " ".join(words[:limit]), "incomplete"
    return text, "completed"


def _function_call(body: JSONObject, steps_in: list[JSONObject], text: str) -> JSONObject | None:
    """Call a declared function when the prompt names it (or tool_choice is "any")."""
    if any(s.get("type") == "function_result" for s in steps_in):
        return None
    functions = [t for t in body.get("tools", []) if t.get("type") == "function" and t.get("name")]
    choice = (body.get("generation_config") or {}).get("tool_choice")
    chosen = [f for f in functions if f["name"] in text] or (functions if choice == "any" else [])
    if not chosen:
        return None
    function = chosen[0]
    required = (function.get("parameters") or {}).get("required") or []
    arguments = {name: text for name in required}
    call_id = short_id("call_", function["name"], text)
    return {
        "type": "function_call",
        "id": call_id,
        "name": function["name"],
        "arguments": arguments,
    }
