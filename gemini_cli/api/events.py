"""Streamed Interactions events: parsing, rebuilding the interaction, resumption bookkeeping."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from gemini_cli.api.sse import ServerSentEvent

__all__ = [
    "DONE",
    "UNPARSEABLE",
    "InteractionAssembler",
    "ResumeCursor",
    "is_unparseable",
    "output_text",
    "parse_event",
    "text_delta_of",
    "thought_text_of",
]

DONE = "[DONE]"
# Synthetic event_type for a `data:` payload that is not a JSON object. Chosen over raising so a
# single corrupt block never aborts a long stream; consumers ignore unknown event types anyway.
UNPARSEABLE = "gem.unparseable"

_MEDIA_TYPES = frozenset({"image", "audio", "document", "video"})
_MODEL_OUTPUT_DELTAS = _MEDIA_TYPES | {"text", "text_annotation_delta"}
_THOUGHT_DELTAS = frozenset({"thought_summary", "thought_signature"})
# Base64 (standard or URL-safe alphabet), padding only at the end.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")


# -- parsing --------------------------------------------------------------------------------


def parse_event(
    sse: ServerSentEvent, on_garbage: Callable[[str], None] | None = None
) -> dict[str, Any] | None:
    """JSON-decode an SSE block's data, unchanged; None for `[DONE]`.

    A payload that is not a JSON object yields `{"event_type": "gem.unparseable", "raw": data}`
    (also reported to `on_garbage`) instead of raising.
    """
    data = sse.data
    if data.strip() == DONE:
        return None
    try:
        event = json.loads(data)
    except ValueError:
        event = None
    if isinstance(event, dict):
        return event
    if on_garbage is not None:
        on_garbage(data)
    return {"event_type": UNPARSEABLE, "raw": data}


def is_unparseable(event: dict[str, Any]) -> bool:
    """True for the marker dict parse_event returns for non-JSON data."""
    return event.get("event_type") == UNPARSEABLE


def _delta_of(event: dict[str, Any]) -> dict[str, Any] | None:
    if event.get("event_type") != "step.delta":
        return None
    delta = event.get("delta")
    return delta if isinstance(delta, dict) else None


def text_delta_of(event: dict[str, Any]) -> str | None:
    """The output text a `step.delta` of type `text` adds, else None."""
    delta = _delta_of(event)
    if delta is None or delta.get("type") != "text":
        return None
    text = delta.get("text")
    return text if isinstance(text, str) else None


def thought_text_of(event: dict[str, Any]) -> str | None:
    """The thought-summary text a `thought_summary` delta adds, else None (image summaries too)."""
    delta = _delta_of(event)
    if delta is None or delta.get("type") != "thought_summary":
        return None
    content = delta.get("content")
    if isinstance(content, dict) and content.get("type") == "text":
        text = content.get("text")
        return text if isinstance(text, str) else None
    return None


# -- output_text ----------------------------------------------------------------------------


def output_text(steps: list[dict[str, Any]]) -> str:
    """The SDK's `output_text`: the trailing run of text blocks after the last user_input."""
    collected: list[str] = []  # in reverse order
    for step in reversed(steps):
        if not isinstance(step, dict):
            continue  # tolerate a malformed payload rather than fail rendering
        kind = step.get("type")
        if kind == "user_input":
            break
        if kind == "thought":
            continue
        if kind != "model_output":
            if collected:
                break
            continue
        for block in reversed(step.get("content") or []):
            if isinstance(block, dict) and block.get("type") == "text":
                collected.append(block.get("text") or "")
            elif collected:
                # A non-text block ends the trailing text run.
                return "".join(reversed(collected))
    return "".join(reversed(collected))


# -- assembling -----------------------------------------------------------------------------


def _step_type_for(delta_type: str) -> str:
    """The step type a delta implies, for a delta that arrives before its step.start."""
    if delta_type in _MODEL_OUTPUT_DELTAS:
        return "model_output"
    if delta_type in _THOUGHT_DELTAS:
        return "thought"
    if delta_type == "arguments_delta":
        return "function_call"
    return delta_type  # tool deltas are named after their step type


def _merge_fields(step: dict[str, Any], delta: dict[str, Any], protected: frozenset[str]) -> None:
    """Merge a delta's fields into a step: objects are updated, everything else replaced."""
    for key, value in delta.items():
        if key in protected:
            continue
        current = step.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            current.update(copy.deepcopy(value))
        else:
            step[key] = copy.deepcopy(value)


def _is_media_continuation(block: dict[str, Any], delta: dict[str, Any]) -> bool:
    """Whether a media delta continues the `data` of the previous block rather than starting one.

    Only when it is clear: same media type, both inline `data` (no `uri`), no conflicting
    metadata, the block's data is not padded-complete base64 ("=" end), and either the block's
    data cannot be complete base64 on its own (length not a multiple of 4) or the delta carries
    nothing but `type` and `data` (a new media item would announce its mime_type).
    """
    prev, more = block.get("data"), delta.get("data")
    if block.get("type") != delta.get("type") or "uri" in block or "uri" in delta:
        return False
    if not isinstance(prev, str) or not isinstance(more, str) or prev.endswith("="):
        return False
    if not _BASE64_RUN.fullmatch(prev + more):
        return False  # not base64 together: merging would hide a corrupt block in a file
    for key, value in delta.items():
        if key not in ("type", "data") and key in block and block[key] != value:
            return False
    return len(prev) % 4 != 0 or set(delta) <= {"type", "data"}


class InteractionAssembler:
    """Rebuilds the final interaction (as a non-streamed create returns it) from stream events."""

    def __init__(self) -> None:
        self._fields: dict[str, Any] = {}  # top-level fields of created/completed payloads
        self._payload_steps: list[dict[str, Any]] | None = None
        self._steps: dict[int, dict[str, Any]] = {}
        self._arg_fragments: dict[int, list[str]] = {}
        self._usage: dict[str, Any] | None = None
        self._usage_final = False  # interaction.completed's usage is not overridden
        self.step_usage: dict[int, dict[str, Any]] = {}  # step.stop `step_usage`, by index
        self.error: dict[str, Any] | None = None
        self.warnings: list[str] = []
        self.is_finished = False

    # -- feeding ----------------------------------------------------------------------------

    def add(self, event: dict[str, Any]) -> None:
        """Apply one event. Unknown event types are ignored; malformed events never raise."""
        kind = event.get("event_type")
        handler = self._HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is not None:
            handler(self, event)

    def _on_interaction(self, event: dict[str, Any]) -> None:
        payload = event.get("interaction")
        if not isinstance(payload, dict):
            return
        for key, value in payload.items():
            if key == "steps":
                if isinstance(value, list) and value:
                    self._payload_steps = copy.deepcopy(value)
            elif key == "usage":
                self._set_usage(value, final=event.get("event_type") == "interaction.completed")
            else:
                self._fields[key] = copy.deepcopy(value)

    def _on_completed(self, event: dict[str, Any]) -> None:
        self._on_interaction(event)
        self.is_finished = True

    def _on_status_update(self, event: dict[str, Any]) -> None:
        if "status" in event:
            self._fields["status"] = event["status"]
        if "continuation_token" in event:
            self._fields["continuation_token"] = event["continuation_token"]
        if "interaction_id" in event:
            self._fields.setdefault("id", event["interaction_id"])
        self._set_usage(event.get("usage"))

    def _on_error(self, event: dict[str, Any]) -> None:
        error = event.get("error")
        self.error = copy.deepcopy(error) if isinstance(error, dict) else {}
        self.is_finished = True

    def _on_step_start(self, event: dict[str, Any]) -> None:
        index, step = event.get("index"), event.get("step")
        if not isinstance(index, int) or not isinstance(step, dict):
            return
        fresh = copy.deepcopy(step)
        existing = self._steps.get(index)
        if existing is not None:
            # Deltas arrived before the start: keep what they built unless the start has more.
            for key, value in existing.items():
                if fresh.get(key) in (None, "", [], {}):
                    fresh[key] = value
        self._steps[index] = fresh

    def _on_step_delta(self, event: dict[str, Any]) -> None:
        index, delta = event.get("index"), event.get("delta")
        metadata = event.get("metadata")
        if isinstance(metadata, dict):
            self._set_usage(metadata.get("total_usage"))
        if not isinstance(index, int) or not isinstance(delta, dict):
            return
        kind = delta.get("type")
        if not isinstance(kind, str):
            kind = ""
        apply = self._DELTAS.get(kind)
        if apply is None:
            if not kind.endswith(("_call", "_result")):
                # Unknown delta type: it stays in the NDJSON output, but gem cannot know where
                # its fields belong, so the rebuilt interaction holds only what it understands.
                return
            apply = InteractionAssembler._apply_tool
        step = self._steps.get(index)
        if step is None:
            step = self._steps[index] = {"type": _step_type_for(kind)}
        apply(self, index, step, delta)

    def _on_step_stop(self, event: dict[str, Any]) -> None:
        index = event.get("index")
        if not isinstance(index, int):
            return
        self._set_usage(event.get("usage"))
        if isinstance(event.get("step_usage"), dict):
            self.step_usage[index] = copy.deepcopy(event["step_usage"])
        fragments = self._arg_fragments.pop(index, None)
        step = self._steps.get(index)
        if fragments is not None and step is not None:
            step["arguments"], problem = _parse_arguments("".join(fragments))
            if problem is not None:
                self.warnings.append(
                    f"step {index}: function call arguments are not JSON: {problem}"
                )

    def _set_usage(self, usage: Any, final: bool = False) -> None:
        # Latest usage wins (created < status_update < deltas < completed); completed is final.
        if isinstance(usage, dict) and not self._usage_final:
            self._usage = copy.deepcopy(usage)
            self._usage_final = final

    # -- deltas -----------------------------------------------------------------------------

    def _apply_text(self, index: int, step: dict[str, Any], delta: dict[str, Any]) -> None:
        text = delta.get("text")
        if not isinstance(text, str):
            return
        content = step.setdefault("content", [])
        last = content[-1] if content else None
        if isinstance(last, dict) and last.get("type") == "text":
            last["text"] = (last.get("text") or "") + text
        else:
            content.append({"type": "text", "text": text})

    def _apply_annotations(self, index: int, step: dict[str, Any], delta: dict[str, Any]) -> None:
        annotations = delta.get("annotations")
        if not isinstance(annotations, list):
            return
        content = step.setdefault("content", [])
        block = next(
            (b for b in reversed(content) if isinstance(b, dict) and b.get("type") == "text"), None
        )
        if block is None:
            block = {"type": "text", "text": ""}
            content.append(block)
        block.setdefault("annotations", []).extend(copy.deepcopy(annotations))

    def _apply_media(self, index: int, step: dict[str, Any], delta: dict[str, Any]) -> None:
        content = step.setdefault("content", [])
        last = content[-1] if content else None
        if isinstance(last, dict) and _is_media_continuation(last, delta):
            last["data"] += delta["data"]
            for key, value in delta.items():
                last.setdefault(key, value)
        else:
            content.append(copy.deepcopy(delta))

    def _apply_thought_summary(
        self, index: int, step: dict[str, Any], delta: dict[str, Any]
    ) -> None:
        block = delta.get("content")
        if isinstance(block, dict):
            step.setdefault("summary", []).append(copy.deepcopy(block))

    def _apply_signature(self, index: int, step: dict[str, Any], delta: dict[str, Any]) -> None:
        if "signature" in delta:
            step["signature"] = delta["signature"]

    def _apply_arguments(self, index: int, step: dict[str, Any], delta: dict[str, Any]) -> None:
        fragment = delta.get("arguments")
        if isinstance(fragment, str):
            self._arg_fragments.setdefault(index, []).append(fragment)
        elif isinstance(fragment, dict):  # tolerate a server sending an object at once
            _merge_fields(step, {"arguments": fragment}, frozenset())

    def _apply_tool(self, index: int, step: dict[str, Any], delta: dict[str, Any]) -> None:
        _merge_fields(step, delta, frozenset({"type"}))

    # -- results ----------------------------------------------------------------------------

    @property
    def steps(self) -> list[dict[str, Any]]:
        """The steps so far, by index (deep copies; pending arguments parsed as at step.stop)."""
        if not self._steps and self._payload_steps is not None:
            return copy.deepcopy(self._payload_steps)
        return self._streamed_steps()

    @property
    def streamed_text(self) -> str:
        """The output text the step events carried (what a live printer has shown), ignoring
        steps that only an `interaction` payload held."""
        return output_text(self._streamed_steps())

    def _streamed_steps(self) -> list[dict[str, Any]]:
        result = []
        for index in sorted(self._steps):
            step = copy.deepcopy(self._steps[index])
            fragments = self._arg_fragments.get(index)
            if fragments is not None:
                step["arguments"] = _parse_arguments("".join(fragments))[0]
            result.append(step)
        return result

    def interaction(self) -> dict[str, Any]:
        """The rebuilt interaction: payload fields (later wins), `steps`, `usage`."""
        result = copy.deepcopy(self._fields)
        result["steps"] = self.steps
        if self._usage is not None:
            result["usage"] = copy.deepcopy(self._usage)
        return result

    def output_text(self) -> str:
        """`output_text` of the steps so far (same rule as the SDK)."""
        return output_text(self.steps)

    def function_calls(self) -> list[dict[str, Any]]:
        """All function_call steps so far (the client-actionable ones behind requires_action)."""
        return [s for s in self.steps if s.get("type") == "function_call"]

    def function_call_of(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """After add(event): the function_call step that `event` (a step.stop) completed."""
        if event.get("event_type") != "step.stop":
            return None
        index = event.get("index")
        step = self._steps.get(index) if isinstance(index, int) else None
        if step is None or step.get("type") != "function_call":
            return None
        return copy.deepcopy(step)

    _HANDLERS: dict[str, Callable[[InteractionAssembler, dict[str, Any]], None]] = {
        "interaction.created": _on_interaction,
        "interaction.completed": _on_completed,
        "interaction.status_update": _on_status_update,
        "step.start": _on_step_start,
        "step.delta": _on_step_delta,
        "step.stop": _on_step_stop,
        "error": _on_error,
    }
    _DELTAS: dict[
        str, Callable[[InteractionAssembler, int, dict[str, Any], dict[str, Any]], None]
    ] = {
        "text": _apply_text,
        "text_annotation_delta": _apply_annotations,
        "thought_summary": _apply_thought_summary,
        "thought_signature": _apply_signature,
        "arguments_delta": _apply_arguments,
        "function_result": _apply_tool,
        **dict.fromkeys(_MEDIA_TYPES, _apply_media),
    }


def _parse_arguments(raw: str) -> tuple[Any, str | None]:
    """Parse concatenated arguments_delta fragments: (value, error). Empty means `{}`."""
    if not raw.strip():
        return {}, None
    try:
        return json.loads(raw), None
    except ValueError as exc:
        return raw, str(exc)  # keep the raw string so nothing is lost


# -- resumption -----------------------------------------------------------------------------


class ResumeCursor:
    """Tracks where a stream can be re-attached, and which replayed events are duplicates.

    Re-attaching with `?last_event_id=E` replays every event after E, including the ones we
    already consumed that carried no `event_id`; with no id seen yet, the replay starts from the
    beginning. Call `reattached()` when a new connection starts, then `should_skip(event)`
    exactly once per parsed event (not for `[DONE]`), in order.
    """

    def __init__(self) -> None:
        self.last_event_id: str | None = None
        self.since_last_id = 0  # events consumed after last_event_id (or from the start)
        self._to_skip = 0

    def reattached(self) -> None:
        """A new connection starts: the next `since_last_id` events are ones we have seen."""
        self._to_skip = self.since_last_id

    def should_skip(self, event: dict[str, Any]) -> bool:
        """True for a replayed duplicate; otherwise records the event as consumed."""
        if self._to_skip > 0:
            self._to_skip -= 1
            return True
        event_id = event.get("event_id")
        if isinstance(event_id, str) and event_id:
            self.last_event_id = event_id
            self.since_last_id = 0
        else:
            self.since_last_id += 1
        return False

    def params(self) -> dict[str, str]:
        """Query parameters for the re-attach GET (besides `stream=true`)."""
        return {} if self.last_event_id is None else {"last_event_id": self.last_event_id}
