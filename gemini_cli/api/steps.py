"""Step queries on an interaction's plain JSON: the answer rule, function calls, media, legacy `outputs`."""

from __future__ import annotations

from collections.abc import Iterator

from gemini_cli.core.jsontypes import JSONObject, JSONValue

__all__ = [
    "CONTENT_TYPES",
    "MEDIA_TYPES",
    "answer_text",
    "final_run",
    "function_calls",
    "is_text_block",
    "legacy_steps",
    "media_notice",
    "output_media",
    "steps_of",
    "type_of",
]

MEDIA_TYPES = frozenset({"image", "audio", "video", "document"})
# Content block types (what a user_input or model_output holds; legacy `outputs[]` items of
# these types are content blocks, every other item type a step of its own).
CONTENT_TYPES = MEDIA_TYPES | {"text"}
# Steps that neither hold the answer nor end it: thinking between two parts of one answer.
_RUN_NEUTRAL = frozenset({"thought"})
_MEDIA_NOUNS = {
    "image": ("image", "images"),
    "audio": ("audio clip", "audio clips"),
    "video": ("video", "videos"),
    "document": ("document", "documents"),
}


def type_of(item: JSONValue) -> str:
    """The `type` of a step, block or delta; "" when it is missing or not a string."""
    kind = item.get("type") if isinstance(item, dict) else None
    return kind if isinstance(kind, str) else ""


# -- the steps of a payload -------------------------------------------------------------------


def steps_of(data: JSONObject) -> list[JSONObject]:
    """The steps of an interaction payload: `steps`, or the legacy `outputs` turned into steps.

    Items that are not objects are left out (the JSON output keeps them)."""
    steps, outputs = data.get("steps"), data.get("outputs")
    if isinstance(outputs, list) and outputs and not steps:
        return legacy_steps(outputs)  # (a stream rebuilt from legacy events has both)
    if isinstance(steps, list):
        return [s for s in steps if isinstance(s, dict)]
    return []


def legacy_steps(outputs: list[JSONValue]) -> list[JSONObject]:
    """The legacy schema's flat `outputs[]` as steps: runs of content blocks become one
    model_output step; thoughts, function calls and tool items are steps already."""
    steps: list[JSONObject] = []
    content: list[JSONValue] | None = None
    for item in outputs:
        if not isinstance(item, dict):
            continue
        if type_of(item) in CONTENT_TYPES:
            if content is None:
                content = []
                steps.append({"type": "model_output", "content": content})
            content.append(item)
        else:
            content = None
            steps.append(item)
    return steps


# -- the answer rule --------------------------------------------------------------------------


def final_run(steps: list[JSONObject]) -> list[JSONObject]:
    """The final run of model_output steps after the last user_input, in order.

    A run is consecutive model_output steps; thought steps inside it do not end it, any other
    step does (a tool call or result, an unknown step type). Steps after the run that are not
    model_output (e.g. a search call the service lists after the text) are skipped.
    """
    run: list[JSONObject] = []
    for step in reversed(steps):
        if not isinstance(step, dict):
            continue
        kind = type_of(step)
        if kind == "model_output":
            run.append(step)
        elif kind == "user_input" or (kind not in _RUN_NEUTRAL and run):
            break
    run.reverse()
    return run


def is_text_block(block: JSONValue) -> bool:
    """A text content block (also one without `type` that has a string `text`)."""
    if not isinstance(block, dict) or not isinstance(block.get("text"), str):
        return False
    return "type" not in block or block["type"] == "text"


def answer_text(steps: list[JSONObject]) -> str:
    """The answer: every text block of the final run of model_output steps, in order, joined
    as the stream delivers them (no separator); media blocks are skipped."""
    return "".join(_answer_pieces(steps))


def _answer_pieces(steps: list[JSONObject]) -> Iterator[str]:
    for step in final_run(steps):
        content = step.get("content")
        for block in content if isinstance(content, list) else []:
            if is_text_block(block):
                yield block["text"]


# -- other queries ----------------------------------------------------------------------------


def function_calls(steps: list[JSONObject]) -> list[JSONObject]:
    """The function_call steps (the client-actionable ones behind requires_action)."""
    return [s for s in steps if type_of(s) == "function_call"]


def output_media(steps: list[JSONObject]) -> list[tuple[int, int, JSONObject]]:
    """(step index, block index, block) for every media block in model_output steps."""
    found: list[tuple[int, int, JSONObject]] = []
    for si, step in enumerate(steps):
        content = step.get("content")
        if type_of(step) != "model_output" or not isinstance(content, list):
            continue
        for bi, block in enumerate(content):
            if type_of(block) in MEDIA_TYPES:
                found.append((si, bi, block))
    return found


def media_notice(media: list[tuple[int, int, JSONObject]]) -> str | None:
    """`2 images, 1 audio clip not shown; use --save DIR` for media a text output skips."""
    counts: dict[str, int] = {}
    for _, _, block in media:
        kind = type_of(block)
        counts[kind] = counts.get(kind, 0) + 1
    if not counts:
        return None
    parts = [f"{n} {_MEDIA_NOUNS[kind][n > 1]}" for kind, n in counts.items()]
    return ", ".join(parts) + " not shown; use --save DIR"
