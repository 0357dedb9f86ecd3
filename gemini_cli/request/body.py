"""Request flags, --body and --set -> the create-request body (strict on what the user gives)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.request.document import parse_object
from gemini_cli.request.inputs import input_value
from gemini_cli.request.localread import Stdin, read_attachment
from gemini_cli.request.setpath import apply_set

THINKING_LEVELS = ("minimal", "low", "medium", "high", "xhigh")
# Patterns as strings: `re` compiles (and caches) them on first use, only when --label is given.
LABEL_KEY = r"^[a-z][a-z0-9_-]{0,62}$"
LABEL_VALUE = r"^[a-z0-9_-]{0,63}$"


@dataclass(frozen=True)
class RequestOptions:
    """Request flags shared by create, stream and research."""

    model: str | None = None
    agent: str | None = None
    system: str | None = None
    system_file: Path | None = None
    previous: str | None = None
    continue_last: bool = False
    fresh: bool = False  # a follow-up sends only what its command line says (no carried settings)
    background: bool = False
    no_store: bool = False
    labels: list[str] = field(default_factory=list)
    thinking: str | None = None
    thinking_summaries: bool = False
    max_tokens: int | None = None
    seed: int | None = None
    stop: list[str] = field(default_factory=list)
    temperature: float | None = None
    top_p: float | None = None
    body: str | None = None
    sets: list[str] = field(default_factory=list)


def load_body(spec: str, stdin: Stdin) -> JSONObject:
    """`--body FILE|-`: a whole JSON or YAML request body."""
    if spec == "-":
        source = getattr(stdin, "buffer", stdin) if stdin is not None else None
        text = source.read() if source is not None else b""
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        name = "stdin"
    else:
        text = read_attachment(Path(spec)).decode("utf-8", "replace")
        name = spec
    return parse_object(text, name, "request body")


def parse_labels(labels: list[str]) -> dict[str, str]:
    out = {}
    for item in labels:
        key, sep, value = item.partition("=")
        if not sep or not re.match(LABEL_KEY, key) or not re.match(LABEL_VALUE, value):
            raise UsageError(
                f"--label {item!r}: expected key=value, lowercase letters, digits, _ or -, "
                "the key starting with a letter, at most 63 characters each"
            )
        out[key] = value
    return out


def generation_config(opts: RequestOptions) -> JSONObject:
    config: JSONObject = {}
    if opts.thinking is not None:
        if opts.thinking not in THINKING_LEVELS:
            raise UsageError(
                f"--thinking {opts.thinking!r}: choose one of {', '.join(THINKING_LEVELS)}"
            )
        config["thinking_level"] = opts.thinking
    if opts.thinking_summaries:
        config["thinking_summaries"] = "auto"
    if opts.max_tokens is not None and opts.max_tokens < 1:
        raise UsageError(f"--max-tokens {opts.max_tokens}: give a number of tokens >= 1")
    if opts.temperature is not None and not (
        math.isfinite(opts.temperature) and opts.temperature >= 0
    ):
        raise UsageError(f"--temperature {opts.temperature:g}: give a number >= 0")
    if opts.top_p is not None and not 0 <= opts.top_p <= 1:  # also refuses nan
        raise UsageError(f"--top-p {opts.top_p:g}: give a number from 0 to 1")
    pairs = {
        "max_output_tokens": opts.max_tokens,
        "seed": opts.seed,
        "temperature": opts.temperature,
        "top_p": opts.top_p,
    }
    config.update({k: v for k, v in pairs.items() if v is not None})
    if opts.stop:
        config["stop_sequences"] = list(opts.stop)
    return config


def build_body(
    opts: RequestOptions,
    input_blocks: list[JSONObject],
    *,
    default_model: str,
    resolve_model: Callable[[str], str],
    stdin: Stdin = None,
    base: JSONObject | None = None,
) -> JSONObject:
    """The request body: `base` (settings a follow-up carries), --body, then flags, then --set;
    a model only if nothing names one."""
    loaded = load_body(opts.body, stdin) if opts.body else {}
    body = {**(base or {}), **loaded}
    if base and ("model" in loaded or "agent" in loaded):  # the --body's choice wins
        rivals = ("agent", "agent_config") if "model" in loaded else ("model", "generation_config")
        for key in rivals:
            if key not in loaded:
                body.pop(key, None)
    if opts.model and opts.agent:
        raise UsageError("--model and --agent cannot be combined: an interaction uses one")
    if opts.model:
        body.pop("agent", None)
        body.pop("agent_config", None)
        body["model"] = resolve_model(opts.model)
    if opts.agent:
        body.pop("model", None)
        body["agent"] = opts.agent
        body.setdefault("background", True)  # agents run in the background only (issue 12)
    if input_blocks:
        body["input"] = input_value(input_blocks)
    _apply_flags(body, opts)
    for assignment in opts.sets:
        apply_set(body, assignment)
    if "model" not in body and "agent" not in body:
        body["model"] = resolve_model(default_model)
    if "agent" in body and body.get("generation_config"):
        raise UsageError(
            "generation flags (--thinking, --max-tokens, ...) apply to models, not agents"
        )
    return body


def _apply_flags(body: JSONObject, opts: RequestOptions) -> None:
    if opts.system_file:
        body["system_instruction"] = read_attachment(opts.system_file).decode("utf-8", "replace")
    if opts.system:
        body["system_instruction"] = opts.system
    if opts.previous:
        body["previous_interaction_id"] = opts.previous
    if opts.background:
        body["background"] = True
    if opts.no_store:
        if "agent" in body:
            raise UsageError(
                "--no-store cannot be used with an agent: agents run in the background, "
                "which needs the interaction stored"
            )
        if opts.background or opts.previous:
            raise UsageError(
                "--no-store cannot be combined with --background or --previous: "
                "the server keeps nothing to come back to"
            )
        body["store"] = False
    if opts.labels:
        body["labels"] = {**body.get("labels", {}), **parse_labels(opts.labels)}
    config = generation_config(opts)
    if config:
        body["generation_config"] = {**body.get("generation_config", {}), **config}
