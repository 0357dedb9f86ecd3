"""Each item's request: the create pipeline with the command-line flags as defaults, the item's
fields as overrides."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from gemini_cli.batch.items import Item
from gemini_cli.cli.prepare import PreparedRequest, resolve_previous, substitute_deprecated_model
from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.request.body import RequestOptions, build_body
from gemini_cli.request.inputs import InputOptions, build_input_blocks, input_value

if TYPE_CHECKING:
    from gemini_cli.cli.runtime import Runtime
    from gemini_cli.cli.tool_options import ToolOptions

# Item field -> the RequestOptions field it overrides (`labels`, `set`, `schema`: see below).
_PLAIN = {"model": "model", "agent": "agent", "system": "system", "thinking": "thinking",
          "max_tokens": "max_tokens", "seed": "seed", "temperature": "temperature",
          "top_p": "top_p"}  # fmt: skip
# What the tool flags put in a body: computed once, added to every item's body.
_TOOL_FIELDS = ("tools", "response_format")


class RequestBuilder:
    """Checks the flags once (exit 2 before anything is sent), then builds each item's body."""

    def __init__(self, run: Runtime, request: RequestOptions, tools: ToolOptions) -> None:
        from gemini_cli.cli.tool_body import apply_response_format, apply_tools
        from gemini_cli.cli.tool_options import validate

        validate(tools)
        settings = run.settings
        self.run = run
        self.tool_options = tools
        self.request = resolve_previous(run, request)
        self.default_model = settings.model
        self.resolve_model = settings.resolve_model
        base = build_body(self.request, [], default_model=self.default_model,
                          resolve_model=self.resolve_model, stdin=None)  # fmt: skip
        apply_tools(base, tools)
        self.expect_json = apply_response_format(base, tools)
        self.base = substitute_deprecated_model(run, base)
        self.tool_part = {k: self.base[k] for k in _TOOL_FIELDS if k in self.base}

    def build(self, item: Item) -> PreparedRequest:
        """The item's request (a UsageError for a bad attachment or override: that item fails
        with exit 2, the batch goes on)."""
        from gemini_cli.cli.references import attachments
        from gemini_cli.request.localread import reading

        # Per item: files/ID, URLs and big files resolved; local reads (a FIFO...) bounded by
        # --timeout, and the input size cap counted for this item alone.
        with reading(self.run.settings.timeout), attachments(self.run, no_upload=False):
            blocks = _blocks(item)
        if not item.overrides and item.body is None:
            body = dict(self.base)
            body["input"] = input_value(blocks)
            return PreparedRequest(body, {}, self.expect_json)
        body = self._overridden(item, blocks)
        expect_json = self.expect_json
        if "schema" in item.overrides:
            expect_json = self._item_schema(body, item.overrides["schema"])
        return PreparedRequest(body, {}, expect_json)

    def _overridden(self, item: Item, blocks: list[JSONObject]) -> JSONObject:
        ov = item.overrides
        # field -> value for RequestOptions (each field its own type: checked by the dataclass)
        changes: dict[str, Any] = {_PLAIN[k]: v for k, v in ov.items() if k in _PLAIN}
        if "model" in ov:
            changes["agent"] = None
        if "agent" in ov:
            changes["model"] = None
        if "stop" in ov:
            changes["stop"] = _strings(ov["stop"], "stop")
        if "set" in ov:
            changes["sets"] = [*self.request.sets, *_strings(ov["set"], "set")]
        if "labels" in ov:
            changes["labels"] = [*self.request.labels, *_labels(ov["labels"])]
        opts = dataclasses.replace(self.request, **changes)
        body = build_body(opts, blocks, default_model=self.default_model,
                          resolve_model=self.resolve_model, stdin=None)  # fmt: skip
        body.update(self.tool_part)
        if item.body is not None:
            if "agent" in item.body and "model" not in item.body:
                body.pop("model", None)
            body = {**body, **item.body}
        return body

    def _item_schema(self, body: JSONObject, schema: JSONValue) -> bool:
        from gemini_cli.cli.tool_body import apply_response_format

        spec = schema if isinstance(schema, str) else json.dumps(schema)
        body.pop("response_format", None)
        return apply_response_format(body, dataclasses.replace(self.tool_options, schema=spec))


def _blocks(item: Item) -> list[JSONObject]:
    if not item.prompt and not item.attach:
        return []
    opts = InputOptions(
        words=[item.prompt] if item.prompt else [],
        no_stdin=True,
        attach=list(item.attach),
    )
    return build_input_blocks(opts, None, False)


def _strings(value: JSONValue, name: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise UsageError(f"'{name}' must be a string or a list of strings")
    return [str(v) for v in values]


def _labels(value: JSONValue) -> list[str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise UsageError("'labels' must be an object of strings")
    return [f"{k}={v}" for k, v in value.items()]
