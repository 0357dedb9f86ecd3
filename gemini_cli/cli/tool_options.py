"""The TOOLS option group: tools, local functions, structured output, media and continuation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gemini_cli.cli.declare import Option
from gemini_cli.cli.option_group import OUTPUT_PANEL, OptionGroup
from gemini_cli.core.errors import UsageError

TOOLS_PANEL = "Tools"


@dataclass(frozen=True)
class ToolOptions:
    """Tool, output-format, media and continuation flags (create, stream; part of research)."""

    tool_files: list[str] = field(default_factory=list)
    search: bool = False
    code_exec: bool = False
    url_context: bool = False
    maps: bool = False
    file_search: list[str] = field(default_factory=list)
    mcp: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    function_schemas: list[str] = field(default_factory=list)
    run_tools: bool = False
    max_steps: int = 10
    tool_timeout: float = 60.0
    results: list[str] = field(default_factory=list)
    schema: str | None = None
    response_formats: list[str] = field(default_factory=list)
    save: Path | None = None
    output: str | None = None
    max_continuations: int = 5
    no_continue: bool = False


def _opt(*names: str, panel: str = TOOLS_PANEL, **kw: Any) -> Any:
    return Option(*names, rich_help_panel=panel, **kw)


TOOLS = OptionGroup(
    "tools",
    ToolOptions,
    {
        "tool_files": (
            list[str] | None,
            _opt(
                "--tool",
                metavar="FILE",
                help="Tool declarations (JSON/YAML: one tool object or a list), sent verbatim; a "
                "function entry may name a local 'command:'. Repeatable.",
            ),
            None,
        ),
        "search": (bool, _opt("--search", help="Google Search (google_search tool)."), False),
        "code_exec": (
            bool,
            _opt("--code-exec", help="Code execution (code_execution tool)."),
            False,
        ),
        "url_context": (bool, _opt("--url-context", help="Read URLs (url_context tool)."), False),
        "maps": (bool, _opt("--maps", help="Google Maps (google_maps tool)."), False),
        "file_search": (
            list[str] | None,
            _opt(
                "--file-search",
                metavar="STORE",
                help="Search a file search store (file_search tool); repeatable.",
            ),
            None,
        ),
        "mcp": (
            list[str] | None,
            _opt(
                "--mcp",
                metavar="URL[,name=N][,header=K: V][,tool=T]",
                help="A remote MCP server (mcp_server tool); repeatable. Quote it when a "
                'header has spaces: --mcp "$URL,header=Authorization: Bearer $T".',
            ),
            None,
        ),
        "functions": (
            list[str] | None,
            _opt(
                "--function",
                metavar="NAME=COMMAND",
                help="Declare function NAME, answered by COMMAND with --run-tools (arguments as JSON "
                "on stdin, result on stdout; no shell). Repeatable.",
            ),
            None,
        ),
        "function_schemas": (
            list[str] | None,
            _opt(
                "--function-schema",
                metavar="NAME=FILE",
                help="Description and JSON-Schema parameters of function NAME; repeatable.",
            ),
            None,
        ),
        "run_tools": (
            bool,
            _opt(
                "--run-tools",
                help="Answer function calls with their local commands and continue "
                "until the model is done.",
            ),
            False,
        ),
        "max_steps": (
            int,
            _opt(
                "--max-steps",
                metavar="N",
                help="With --run-tools: at most N rounds of calls (then exit 9).",
            ),
            10,
        ),
        "tool_timeout": (
            float,
            _opt(
                "--tool-timeout",
                metavar="SECONDS",
                help="With --run-tools: kill a command after this long (an error result).",
            ),
            60.0,
        ),
        "results": (
            list[str] | None,
            _opt(
                "--result",
                metavar="CALL_ID=FILE|-",
                help="Answer function call CALL_ID (with --previous) with the content of FILE "
                "(JSON if it parses); repeatable.",
            ),
            None,
        ),
        "schema": (
            str | None,
            _opt(
                "--schema",
                metavar="FILE|JSON|FIELDS",
                panel=OUTPUT_PANEL,
                help="Ask for JSON matching a JSON Schema, or fields like 'name str, age int, "
                "tags list[str]'; the output is the JSON document.",
            ),
            None,
        ),
        "response_formats": (
            list[str] | None,
            _opt(
                "--response-format",
                metavar="FILE|JSON|TYPE",
                panel=OUTPUT_PANEL,
                help="A response_format entry (or list): e.g. image, audio, or "
                '\'{"type":"image","aspect_ratio":"16:9"}\'; repeatable.',
            ),
            None,
        ),
        "save": (
            Path | None,
            _opt(
                "--save",
                metavar="DIR",
                panel=OUTPUT_PANEL,
                help="Save image/audio/video/document output as DIR/<id>-<n>.<ext> (n: 1, 2, ...).",
            ),
            None,
        ),
        "output": (
            str | None,
            _opt(
                "--output",
                "-o",
                metavar="FILE",
                panel=OUTPUT_PANEL,
                help="Save the one media block of the output as FILE ('-': raw bytes on stdout).",
            ),
            None,
        ),
        "max_continuations": (
            int,
            _opt(
                "--max-continuations",
                metavar="N",
                panel=OUTPUT_PANEL,
                help="Resume a decode that stopped at the per-request limit at most N times.",
            ),
            5,
        ),
        "no_continue": (
            bool,
            _opt(
                "--no-continue",
                panel=OUTPUT_PANEL,
                help="Do not resume requires_continuation (exit 7 with the token).",
            ),
            False,
        ),
    },
)

# research: tool declarations and media saving (no local functions or output formats).
DECLARATIONS = ("tool_files", "search", "code_exec", "url_context", "maps", "file_search", "mcp")
RESEARCH_TOOLS = TOOLS.without(
    *(k for k in TOOLS.options if k not in (*DECLARATIONS, "save", "output"))
)


def validate(opts: ToolOptions) -> None:
    if opts.max_steps < 0:
        raise UsageError("--max-steps must be 0 or more")
    if not opts.tool_timeout > 0:
        raise UsageError("--tool-timeout must be a positive number of seconds")
    if opts.max_continuations < 0:
        raise UsageError("--max-continuations must be 0 or more")
    if opts.save is not None and opts.output is not None:
        raise UsageError("--save and -o cannot be combined: -o names one file, --save a folder")
    if sum(1 for r in opts.results if r.partition("=")[2].strip() == "-") > 1:
        raise UsageError("only one --result can read stdin ('-')")
