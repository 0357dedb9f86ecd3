"""Tool declarations from flags and files: built-in shortcuts, MCP servers, local functions."""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.request.document import parse_document
from gemini_cli.request.localread import read_attachment

# A string: `re` compiles (and caches) it on first use, only for --function/--function-schema.
NAME_RE = r"^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$"
MCP_KEYS = ("name", "header", "tool")


@dataclass
class ToolSet:
    """The `tools` array to send and the local command (argv) behind each function name."""

    tools: list[JSONObject] = field(default_factory=list)
    commands: dict[str, list[str]] = field(default_factory=dict)


# -- --tool FILE -----------------------------------------------------------------------------


def load_tool_file(spec: str) -> list[JSONObject]:
    """One tool object or a list of them, JSON or YAML, kept verbatim (`command:` aside)."""
    raw = read_attachment(Path(spec))
    if not raw.strip():
        raise UsageError(f"{spec}: the tool file is empty")
    if b"\0" in raw:
        raise UsageError(f"{spec}: not a JSON or YAML tool file (it looks binary)")
    data = parse_document(raw.decode("utf-8", "replace"), spec, "tool declarations")
    if not isinstance(data, (dict, list)):
        raise UsageError(
            f"{spec}: not a JSON or YAML tool file (expected a tool object or a list of them)"
        )
    entries = data if isinstance(data, list) else [data]
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("type", "function"), str):
            raise UsageError(f"{spec}: entry {i + 1} is not a tool object")
    return [copy.deepcopy(e) for e in entries]


def split_commands(entries: list[JSONObject], where: str) -> ToolSet:
    """Strip the gem-only `command:` key from function entries and remember it."""
    result = ToolSet()
    for entry in entries:
        command = entry.pop("command", None)
        if command is not None:
            entry.setdefault("type", "function")
            name = _function_name(entry, where)
            if name in result.commands:
                raise UsageError(f"{where}: duplicate function {name} (two 'command:' entries)")
            result.commands[name] = command_argv(command, f"{where}: {name}")
        elif "type" not in entry:
            raise UsageError(f"{where}: a tool entry has no 'type'")
        result.tools.append(entry)
    return result


def _function_name(entry: JSONObject, where: str) -> str:
    name = entry.get("name")
    if entry.get("type") != "function" or not isinstance(name, str) or not name:
        raise UsageError(f"{where}: 'command' is only allowed on a function tool with a name")
    return name


def command_argv(command: JSONValue, where: str) -> list[str]:
    """A command as argv: a list is taken as is, a string is split like a shell would (no shell)."""
    if isinstance(command, list) and command and all(isinstance(a, str) for a in command):
        return list(command)
    if isinstance(command, str):
        import shlex  # here: a plain create splits no commands

        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise UsageError(f"{where}: cannot split the command: {exc}") from exc
        if argv:
            return argv
    raise UsageError(f"{where}: the command must be a non-empty string or list of strings")


# -- built-in shortcuts -------------------------------------------------------------------------


def builtin_tools(
    *,
    search: bool = False,
    code_exec: bool = False,
    url_context: bool = False,
    maps: bool = False,
    file_search: list[str] | None = None,
    mcp: list[str] | None = None,
) -> list[JSONObject]:
    """The tool objects the shortcut flags stand for, in a stable order."""
    tools: list[JSONObject] = []
    for enabled, kind in (
        (search, "google_search"),
        (code_exec, "code_execution"),
        (url_context, "url_context"),
        (maps, "google_maps"),
    ):
        if enabled:
            tools.append({"type": kind})
    if file_search:
        if not all(store.strip() for store in file_search):
            raise UsageError("--file-search: the store name is empty")
        # The API wants full names; `gem stores` prints them, a bare store id works too.
        names = [s.strip() if "/" in s else f"fileSearchStores/{s.strip()}" for s in file_search]
        tools.append({"type": "file_search", "file_search_store_names": names})
    tools.extend(parse_mcp(spec) for spec in mcp or [])
    return tools


def parse_mcp(spec: str) -> JSONObject:
    """`URL[,name=N][,header=K: V]...[,tool=T]...` -> an mcp_server tool.

    A comma-separated segment that does not start with a known key continues the previous
    one, so header values may contain commas.
    """
    segments = _mcp_segments(spec)
    url = segments[0][1]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--mcp {url!r}: expected an http(s) URL first")
    tool: JSONObject = {"type": "mcp_server", "name": _default_mcp_name(parts.hostname)}
    tool["url"] = url
    headers: dict[str, str] = {}
    allowed: list[str] = []
    for key, value in segments[1:]:
        if key == "name":
            tool["name"] = value.strip()
        elif key == "header":
            hname, sep, hvalue = value.partition(":")
            if not sep or not hname.strip():
                raise UsageError(f"--mcp header {value!r}: expected 'header=Name: value'")
            headers[hname.strip()] = hvalue.strip()
        else:
            allowed.append(value.strip())
    if headers:
        tool["headers"] = headers
    if allowed:
        tool["allowed_tools"] = [{"tools": allowed}]
    return tool


def _mcp_segments(spec: str) -> list[tuple[str, str]]:
    raw = spec.split(",")
    segments: list[tuple[str, str]] = [("url", raw[0].strip())]
    for piece in raw[1:]:
        key, sep, value = piece.strip().partition("=")
        if sep and key in MCP_KEYS:
            segments.append((key, value))
        elif len(segments) > 1:
            prev_key, prev_value = segments[-1]
            segments[-1] = (prev_key, prev_value + "," + piece)
        else:
            raise UsageError(
                f"--mcp {spec!r}: unknown option {piece.strip()!r} (use name=, header= or tool=)"
            )
    return segments


def _default_mcp_name(host: str | None) -> str:
    # The server needs a name to label its calls; the host is the obvious one.
    return re.sub(r"[^a-z0-9_]+", "_", (host or "mcp").lower()).strip("_") or "mcp"


# -- --function NAME=COMMAND and --function-schema NAME=FILE --------------------------------


def parse_assignment(value: str, flag: str, what: str) -> tuple[str, str]:
    name, sep, rest = value.partition("=")
    name = name.strip()
    if not sep or not rest.strip() or not re.match(NAME_RE, name):
        raise UsageError(f"{flag} {value!r}: expected NAME={what}")
    return name, rest.strip()


def load_function_schema(path: str) -> JSONObject:
    """`description`/`parameters` from a file: a function tool, those two keys, or a bare schema."""
    text = read_attachment(Path(path)).decode("utf-8", "replace")
    data = parse_document(text, path, "function schema")
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a function schema must be a JSON/YAML object")
    if "parameters" in data or "description" in data:
        return {k: data[k] for k in ("description", "parameters") if k in data}
    return {"parameters": data}


def add_functions(toolset: ToolSet, functions: list[str], schemas: list[str]) -> None:
    """Declare `--function` tools (or attach commands to declared ones) and apply schemas."""
    declared = {t.get("name"): t for t in toolset.tools if t.get("type") == "function"}
    for spec in functions:
        name, command = parse_assignment(spec, "--function", "COMMAND")
        if name in toolset.commands:
            raise UsageError(
                f"duplicate function {name}: it already has a command (from "
                "another --function or a tool file's 'command:')"
            )
        toolset.commands[name] = command_argv(command, f"--function {name}")
        if name not in declared:
            declared[name] = {"type": "function", "name": name}
            toolset.tools.append(declared[name])
    for spec in schemas:
        name, path = parse_assignment(spec, "--function-schema", "FILE")
        if name not in declared:
            raise UsageError(
                f"--function-schema {name}: no function {name} is declared",
                hint=f"add --function '{name}=COMMAND'",
            )
        declared[name].update(load_function_schema(path))


def check_commands(commands: dict[str, list[str]]) -> None:
    """Fail before anything is sent when a local command cannot be found."""
    import shutil  # here (it loads archive modules): only --run-tools checks its commands

    for name, argv in commands.items():
        if shutil.which(argv[0]) is not None:
            continue
        path = Path(argv[0])
        if os.sep in argv[0] or (os.altsep and os.altsep in argv[0]):
            if path.is_dir():
                raise UsageError(f"function {name}: {argv[0]} is a directory, not a command")
            if path.exists():
                raise UsageError(
                    f"function {name}: {argv[0]} is not executable", hint=f"chmod +x {argv[0]}"
                )
        raise UsageError(f"function {name}: command not found: {argv[0]}")
