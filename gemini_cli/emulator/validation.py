"""Checks a create-interaction body the way the service does, raising ApiError (400) on misuse."""

from __future__ import annotations

from typing import Any

ALLOWED_FIELDS = frozenset(
    {
        "model", "agent", "agent_config", "input", "system_instruction", "tools",
        "generation_config", "response_format", "response_mime_type", "response_modalities",
        "stream", "background", "store", "previous_interaction_id", "continuation_token",
        "safety_settings", "labels", "service_tier", "webhook_config", "environment",
        "cached_content",
    }
)  # fmt: skip
CONTENT_TYPES = frozenset({"text", "image", "audio", "document", "video"})
STEP_TYPES = frozenset(
    {
        "user_input", "model_output", "thought", "function_call", "function_result",
        "code_execution_call", "code_execution_result", "url_context_call", "url_context_result",
        "google_search_call", "google_search_result", "google_maps_call", "google_maps_result",
        "file_search_call", "file_search_result", "mcp_server_tool_call", "mcp_server_tool_result",
        "retrieval_call", "retrieval_result", "processing_call", "processing_result",
    }
)  # fmt: skip
# The pairs the SDK itself refuses (API doc §3): model-only vs agent-only fields.
_MODEL_ONLY = ("generation_config", "cached_content")
_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "model": str, "agent": str, "system_instruction": str, "previous_interaction_id": str,
    "continuation_token": str, "service_tier": str, "response_mime_type": str,
    "stream": bool, "background": bool, "store": bool,
    "agent_config": dict, "generation_config": dict, "webhook_config": dict, "labels": dict,
    "tools": list, "safety_settings": list, "response_modalities": list,
    "response_format": (dict, list), "environment": (str, dict), "cached_content": str,
}  # fmt: skip


class ApiError(Exception):
    """An error the emulator answers with a Google-style JSON body."""

    STATUS_NAMES = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        404: "NOT_FOUND",
        405: "METHOD_NOT_ALLOWED",
        409: "ABORTED",
    }

    def __init__(self, code: int, message: str, status: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or self.STATUS_NAMES.get(code, "UNKNOWN")

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


def invalid(message: str) -> ApiError:
    return ApiError(400, f"Request contains an invalid argument: {message}")


def validate_create(body: Any) -> None:
    """Raise ApiError(400) unless `body` is an acceptable create request."""
    if not isinstance(body, dict):
        raise invalid("the request body must be a JSON object.")
    for name in body:
        if name not in ALLOWED_FIELDS:
            message = f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
            raise ApiError(400, message)
    _check_types(body)
    _check_variant(body)
    _check_flags(body)
    if "input" in body:
        validate_input(body["input"])


def _check_types(body: dict[str, Any]) -> None:
    for name, expected in _FIELD_TYPES.items():
        if name in body and not isinstance(body[name], expected):
            raise invalid(f"'{name}' has the wrong type.")
    for tool in body.get("tools", []):
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise invalid("every entry of 'tools' must be an object with a 'type'.")


def _check_variant(body: dict[str, Any]) -> None:
    model, agent = body.get("model"), body.get("agent")
    if model and agent:
        raise invalid("'model' and 'agent' are mutually exclusive.")
    if not model and not agent:
        raise invalid("either 'model' or 'agent' must be set.")
    if model and "agent_config" in body:
        raise invalid("'agent_config' can only be used with 'agent'.")
    for name in _MODEL_ONLY:
        if agent and name in body:
            raise invalid(f"'{name}' can only be used with 'model'.")


def _check_flags(body: dict[str, Any]) -> None:
    if body.get("agent") and body.get("background") is not True:
        raise invalid("agent interactions require 'background' to be true.")
    if body.get("store") is False and body.get("background"):
        raise invalid("'background' requires 'store' to be true.")
    if body.get("store") is False and body.get("previous_interaction_id"):
        raise invalid("'previous_interaction_id' requires 'store' to be true.")


def validate_input(value: Any) -> None:
    """Accept a string, one content block, a list of content blocks or a list of steps."""
    if isinstance(value, str):
        return
    if isinstance(value, dict):
        _check_content(value, "input")
        return
    if not isinstance(value, list) or not value:
        raise invalid("'input' must be a string, a content block or a non-empty list.")
    if not all(isinstance(item, dict) for item in value):
        raise invalid("every item of 'input' must be an object.")
    kinds = {"content" if item.get("type") in CONTENT_TYPES else "step" for item in value}
    if len(kinds) > 1:
        raise invalid("'input' cannot mix content blocks and steps.")
    for index, item in enumerate(value):
        where = f"input[{index}]"
        _check_content(item, where) if kinds == {"content"} else _check_step(item, where)


def _check_content(block: dict[str, Any], where: str) -> None:
    kind = block.get("type")
    if kind not in CONTENT_TYPES:
        raise invalid(f"{where}: unknown content type {kind!r}.")
    if kind == "text" and not isinstance(block.get("text"), str):
        raise invalid(f"{where}: a text block needs a string 'text'.")
    if kind != "text" and not (block.get("data") or block.get("uri")):
        raise invalid(f"{where}: a {kind} block needs 'data' or 'uri'.")


def _check_step(step: dict[str, Any], where: str) -> None:
    kind = step.get("type")
    if kind not in STEP_TYPES:
        raise invalid(f"{where}: unknown step type {kind!r}.")
    content = step.get("content")
    if kind in ("user_input", "model_output"):
        if not isinstance(content, list):
            raise invalid(f"{where}: a {kind} step needs a 'content' list.")
        for index, block in enumerate(content):
            if not isinstance(block, dict):
                raise invalid(f"{where}.content[{index}] must be an object.")
            _check_content(block, f"{where}.content[{index}]")
    if kind == "function_result" and ("call_id" not in step or "result" not in step):
        raise invalid(f"{where}: a function_result step needs 'call_id' and 'result'.")
