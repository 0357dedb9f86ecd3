"""Rebuilding the final interaction from its stream events, in time and memory linear in the stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeGuard

from gemini_cli.api.events import current_schema
from gemini_cli.api.stepbuild import (
    Block,
    Step,
    TextDigest,
    block_of,
    continues_media,
    is_base64_open,
    merged,
    step_type_for,
)
from gemini_cli.api.steps import MEDIA_TYPES
from gemini_cli.core.jsontypes import JSONObject, JSONValue

__all__ = ["InteractionAssembler", "TextDigest"]


class InteractionAssembler:
    """Rebuilds the final interaction (as a non-streamed create returns it) from stream events.

    Every delta costs time and memory in proportion to its own size: text and media data are
    kept as pieces and joined once, when `interaction()` is asked for. With `keep_text=False`
    (a caller that prints the text as it arrives and needs it no more) text blocks are rebuilt
    empty; `streamed_answer` still tells the length and hash of the answer streamed so far.
    """

    def __init__(self, keep_text: bool = True) -> None:
        self.keep_text = keep_text
        self._fields: JSONObject = {}  # top-level fields of created/completed payloads
        self._payload_steps: list[JSONValue] | None = None
        self._steps: dict[int, Step] = {}
        self._usage: JSONObject | None = None
        self._usage_final = False  # interaction.completed's usage is not overridden
        self.streamed_answer = TextDigest()  # the text deltas of the final run so far
        self._run_open = False  # a model_output step of the answer's run has started
        self._run_ended = False  # a step that ends that run started after it
        self.error: JSONObject | None = None

    # -- feeding ----------------------------------------------------------------------------

    def add(self, event: JSONObject) -> None:
        """Apply one event. Unknown event types are ignored; malformed events never raise."""
        event = current_schema(event)
        kind = event.get("event_type")
        handler = self._HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is not None:
            handler(self, event)

    def _on_interaction(self, event: JSONObject) -> None:
        payload = event.get("interaction")
        if not isinstance(payload, dict):
            return
        for key, value in payload.items():
            if key == "steps":
                if isinstance(value, list) and value:
                    self._payload_steps = value
            elif key == "usage":
                self._set_usage(value, final=event.get("event_type") == "interaction.completed")
            else:
                self._fields[key] = value

    def _on_status_update(self, event: JSONObject) -> None:
        for key in ("status", "continuation_token"):
            if key in event:
                self._fields[key] = event[key]
        if "interaction_id" in event:
            self._fields.setdefault("id", event["interaction_id"])
        self._set_usage(event.get("usage"))

    def _on_error(self, event: JSONObject) -> None:
        error = event.get("error")
        self.error = error if isinstance(error, dict) else {}

    def _on_step_start(self, event: JSONObject) -> None:
        index, step = event.get("index"), event.get("step")
        if not _is_index(index) or not isinstance(step, dict):
            return
        fresh = Step(step)
        earlier = self._steps.get(index)
        if earlier is not None:
            fresh.adopt(earlier)
        self._steps[index] = fresh
        self._note_step(fresh)

    def _on_step_delta(self, event: JSONObject) -> None:
        index, delta = event.get("index"), event.get("delta")
        metadata = event.get("metadata")
        if isinstance(metadata, dict):
            self._set_usage(metadata.get("total_usage"))
        if not _is_index(index) or not isinstance(delta, dict):
            return
        kind = delta.get("type", "text" if "text" in delta else "")
        kind = kind if isinstance(kind, str) else ""
        apply = self._DELTAS.get(kind)
        if apply is None:
            if not kind.endswith(("_call", "_result")):
                # Unknown delta type: it stays in the NDJSON output, but gem cannot know where
                # its fields belong, so the rebuilt interaction holds only what it understands.
                return
            apply = InteractionAssembler._apply_tool
        step = self._steps.get(index)
        if step is None:
            step = self._steps[index] = Step({"type": step_type_for(kind)})
            self._note_step(step)
        apply(self, step, delta)

    def _on_step_stop(self, event: JSONObject) -> None:
        self._set_usage(event.get("usage"))

    def _set_usage(self, usage: JSONValue, final: bool = False) -> None:
        # Latest usage wins (created < status_update < deltas < completed); completed is final.
        if isinstance(usage, dict) and not self._usage_final:
            self._usage = usage
            self._usage_final = final

    def _note_step(self, step: Step) -> None:
        """Follow the answer's run (steps.final_run): a model_output step after a step that
        ended the run starts a new one; any step but model output or a thought ends it."""
        if step.type == "model_output":
            if self._run_ended:
                self.streamed_answer, self._run_ended = TextDigest(), False
            self._run_open = True
        elif step.type != "thought" and self._run_open:
            self._run_ended, self._run_open = True, False

    # -- deltas -----------------------------------------------------------------------------

    def _apply_text(self, step: Step, delta: JSONObject) -> None:
        text = delta.get("text")
        if not isinstance(text, str):
            return
        last = step.last_block()
        if last is None or last.key != "text":
            last = Block({"type": "text", "text": ""}, "text")
            step.add_block(last)
        last.add(text, self.keep_text)
        if step.fields.get("type") == "model_output":  # step.type, without two calls per delta
            self.streamed_answer.update(text)

    def _apply_annotations(self, step: Step, delta: JSONObject) -> None:
        annotations = delta.get("annotations")
        if not isinstance(annotations, list):
            return
        content = step.content or []
        block = next(
            (b for b in reversed(content) if isinstance(b, Block) and b.key == "text"), None
        )
        if block is None:
            block = Block({"type": "text", "text": ""}, "text")
            step.add_block(block)
        notes = block.fields.setdefault("annotations", [])
        if isinstance(notes, list):
            notes.extend(annotations)
        else:
            block.fields["annotations"] = list(annotations)

    def _apply_media(self, step: Step, delta: JSONObject) -> None:
        last = step.last_block()
        if last is not None and continues_media(last, delta):
            more = delta["data"]
            last.add(more)
            last.b64 = is_base64_open(more)
            for key, value in delta.items():
                last.fields.setdefault(key, value)
        else:
            step.add_block(block_of(delta))

    def _apply_thought_summary(self, step: Step, delta: JSONObject) -> None:
        block = delta.get("content")
        if isinstance(block, dict):
            summary = step.fields.setdefault("summary", [])
            if isinstance(summary, list):
                summary.append(block)
            else:
                step.fields["summary"] = [block]

    def _apply_signature(self, step: Step, delta: JSONObject) -> None:
        if "signature" in delta:
            step.fields["signature"] = delta["signature"]

    def _apply_arguments(self, step: Step, delta: JSONObject) -> None:
        fragment = delta.get("arguments")
        if isinstance(fragment, str):
            if step.fragments is None:
                step.fragments = []
            step.fragments.append(fragment)
        elif isinstance(fragment, dict):  # tolerate a server sending an object at once
            step.fields["arguments"] = merged(step.fields.get("arguments"), fragment)

    def _apply_tool(self, step: Step, delta: JSONObject) -> None:
        for key, value in delta.items():
            if key != "type":
                step.fields[key] = merged(step.fields.get(key), value)

    # -- results ----------------------------------------------------------------------------

    @property
    def steps(self) -> list[JSONValue]:
        """The steps so far, by index (fragmentary arguments parsed as they stand).

        The steps of an `interaction` payload when no step events came (a plain JSON reply)."""
        if not self._steps and self._payload_steps is not None:
            return list(self._payload_steps)
        return [self._steps[index].build() for index in sorted(self._steps)]

    @property
    def from_deltas(self) -> bool:
        """Whether the steps come from step events (so the streamed text is the whole answer),
        not from an `interaction` payload (a plain JSON reply)."""
        return bool(self._steps)

    def interaction(self) -> JSONObject:
        """The rebuilt interaction: payload fields (later wins), `steps`, `usage`."""
        result = dict(self._fields)
        result["steps"] = self.steps
        if self._usage is not None:
            result["usage"] = self._usage
        return result

    _HANDLERS: dict[str, Callable[[InteractionAssembler, JSONObject], None]] = {
        "interaction.created": _on_interaction,
        "interaction.completed": _on_interaction,
        "interaction.status_update": _on_status_update,
        "step.start": _on_step_start,
        "step.delta": _on_step_delta,
        "step.stop": _on_step_stop,
        "error": _on_error,
    }
    _DELTAS: dict[str, Callable[[InteractionAssembler, Step, JSONObject], None]] = {
        "text": _apply_text,
        "text_annotation_delta": _apply_annotations,
        "thought_summary": _apply_thought_summary,
        "thought_signature": _apply_signature,
        "arguments_delta": _apply_arguments,
        "function_result": _apply_tool,
        **dict.fromkeys(MEDIA_TYPES, _apply_media),
    }


def _is_index(value: JSONValue) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
