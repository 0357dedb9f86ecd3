"""Shapes only the live service sends (API doc §13): step order, tool step fields, usage extras."""

from __future__ import annotations

from typing import Any

from gemini_cli.core.jsontypes import JSONObject

# What a store:false interaction is called on the wire: it has no id (§13.1).
NO_ID = ""
DONE_FRAME = b"event: done\ndata: [DONE]\n\n"
STRING_CODES = {400: "invalid_request"}


def is_builtin_tool_step(step: JSONObject) -> bool:
    """A built-in tool's call or result (google_search_call, url_context_result...)."""
    kind = str(step.get("type", ""))
    return kind.endswith(("_call", "_result")) and kind not in ("function_call", "function_result")


def order_steps(steps: list[JSONObject]) -> list[JSONObject]:
    """Built-in tool steps move after the last model_output, as the service streams them."""
    last_text = max((i for i, s in enumerate(steps) if s.get("type") == "model_output"), default=-1)
    if last_text < 0:
        return list(steps)
    before = steps[: last_text + 1]
    tools = [step for step in before if is_builtin_tool_step(step)]
    rest = [step for step in before if not is_builtin_tool_step(step)]
    return rest + tools + steps[last_text + 1 :]


def shape_tool_step(step: JSONObject) -> JSONObject:
    """A built-in tool step as the service stores it: an empty signature, results not errors."""
    if not is_builtin_tool_step(step):
        return step
    shaped = {**step, "signature": step.get("signature", "")}
    if str(step["type"]).endswith("_result"):
        shaped.setdefault("is_error", False)
    return shaped


def output_steps(steps: list[JSONObject]) -> list[JSONObject]:
    return [shape_tool_step(step) for step in order_steps(steps)]


def usage(base: JSONObject, model: str) -> JSONObject:
    """The documented counts plus the undocumented fields the service adds (§13.8)."""
    prompt, output = base.get("total_input_tokens", 0), base.get("total_output_tokens", 0)
    counts = [{"model": model, "input_token_count": prompt, "output_token_count": output}]
    extra: dict[str, Any] = {
        "raw_prompt_token": prompt,
        "model_invocation_token_counts": counts,
        "non_grounding_model_invocation_token_counts": counts,
        "tool_use_tokens_by_modality": [
            {"modality": "text", "tokens": base.get("total_tool_use_tokens", 0)}
        ],
    }
    return {**base, **extra}


def error_body(code: int, message: str, status: str) -> JSONObject:
    """400s carry a string code, message first (§13.9); other statuses keep the Google shape."""
    if code in STRING_CODES:
        return {"error": {"message": message, "code": STRING_CODES[code]}}
    return {"error": {"code": code, "message": message, "status": status}}
