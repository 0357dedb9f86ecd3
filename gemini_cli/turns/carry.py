"""Carrying a conversation's request settings forward to its next turn (-c, -p ID).

The API keeps the conversation, not the request settings: model or agent, system
instruction, tools, generation_config and response_format apply to one interaction only, so
every follow-up must send them again. gem records them with each interaction it creates (the
local history) and, for an interaction it did not create, reads them back from the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gemini_cli.core.jsontypes import JSONObject, JSONValue

# The request fields a follow-up inherits (the service echoes each of them on a GET).
CARRIED_KEYS = (
    "model",
    "agent",
    "agent_config",
    "system_instruction",
    "tools",
    "generation_config",
    "response_format",
)
# Asked for one turn only: a plan approved in the next turn must not be planned again.
ONE_TURN_AGENT_CONFIG = ("collaborative_planning",)


@dataclass(frozen=True)
class Carried:
    """What a follow-up inherits: request fields and the local commands of its functions."""

    settings: JSONObject = field(default_factory=dict)
    commands: Mapping[str, list[str]] = field(default_factory=dict)
    source: str = ""  # "history", "server", or "" when nothing was found

    @property
    def found(self) -> bool:
        return bool(self.source)


NOTHING = Carried()


def settings_of(body: JSONObject) -> JSONObject:
    """The carried fields of a request body (or of an interaction a GET returned)."""
    picked: JSONObject = {k: body[k] for k in CARRIED_KEYS if body.get(k) not in (None, "", [], {})}
    config = picked.get("agent_config")
    if isinstance(config, dict):
        kept = {k: v for k, v in config.items() if k not in ONE_TURN_AGENT_CONFIG}
        picked["agent_config"] = kept
    return picked


def snapshot(body: JSONObject, commands: Mapping[str, list[str]]) -> str:
    """What the history keeps for an interaction gem created: one JSON document."""
    declared = _function_names(body.get("tools"))
    kept = {name: list(argv) for name, argv in commands.items() if name in declared}
    return json.dumps({"settings": settings_of(body), "commands": kept}, ensure_ascii=False)


def from_snapshot(text: str) -> Carried | None:
    """A history snapshot back; None when it cannot be read (then the server is asked)."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("settings"), dict):
        return None
    commands = document.get("commands")
    valid = {
        str(name): [str(arg) for arg in argv]
        for name, argv in (commands.items() if isinstance(commands, dict) else [])
        if isinstance(argv, list) and argv
    }
    return Carried(settings_of(document["settings"]), valid, "history")


def lookup(
    previous_id: str,
    from_history: Callable[[str], str | None],
    from_server: Callable[[str], JSONObject] | None,
) -> Carried:
    """The settings of `previous_id`: the history's snapshot, else (when `from_server` is
    given, i.e. not for --dry-run) the fields the server echoes on a GET."""
    text = from_history(previous_id)
    carried = from_snapshot(text) if text else None
    if carried is not None:
        return carried
    if from_server is None:
        return NOTHING
    return Carried(settings_of(from_server(previous_id)), {}, "server")


def base_body(carried: Carried, *, model: bool, agent: bool) -> JSONObject:
    """The body a follow-up starts from, before --body, flags and --set apply.

    Choosing a model drops a carried agent and its agent_config; choosing an agent drops a
    carried model and its generation_config (an interaction has one or the other). A carried
    agent implies background, as --agent does."""
    base = dict(carried.settings)
    if model:
        base.pop("agent", None)
        base.pop("agent_config", None)
    if agent:
        base.pop("model", None)
        base.pop("generation_config", None)
    if "agent" in base and not model:
        base["background"] = True
    return base


# -- tools -------------------------------------------------------------------------------------


def tool_key(tool: JSONValue) -> tuple[str, str]:
    """What makes two declarations the same tool: the type, and for functions and MCP
    servers their name (or URL)."""
    if not isinstance(tool, dict):
        return ("", json.dumps(tool, sort_keys=True))
    kind = str(tool.get("type") or "")
    if kind == "function":
        return (kind, str(tool.get("name") or ""))
    if kind == "mcp_server":
        return (kind, str(tool.get("name") or tool.get("url") or ""))
    return (kind, "")


def merge_tools(tools: list[JSONValue]) -> list[JSONValue]:
    """The tools with later declarations of the same tool replacing earlier ones (in place):
    a follow-up's --search or --function NAME=... overrides the carried one."""
    merged: dict[tuple[str, str], JSONValue] = {}
    for tool in tools:
        merged[tool_key(tool)] = tool  # (a dict keeps the first position of a key)
    return list(merged.values())


def carried_commands(
    carried: Mapping[str, list[str]], tools: JSONValue, given: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """The local commands for the functions still declared: carried ones, then the command
    line's (which win)."""
    declared = _function_names(tools)
    kept = {name: list(argv) for name, argv in carried.items() if name in declared}
    return {**kept, **given}


def _function_names(tools: JSONValue) -> set[str]:
    return {
        str(tool.get("name"))
        for tool in (tools if isinstance(tools, list) else [])
        if isinstance(tool, dict) and tool.get("type") == "function" and tool.get("name")
    }
