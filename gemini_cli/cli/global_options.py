"""The options every command accepts (before or after the command name): their declarations,
which of them a command lists, and how the two places merge. No Typer here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gemini_cli.cli.declare import Declared, Option

GLOBAL_PANEL = "Global options"


def _complete_format(ctx: Any, incomplete: str) -> list[str]:
    # Typer's callback wrapper copies the function's attributes, gem_formats among them.
    command = ctx.command
    formats: tuple[str, ...] = ("text", "json", "yaml", "id")
    for holder in (command.callback, command):
        declared = getattr(holder, "gem_formats", None)
        if declared:
            formats = tuple(declared)
            break
    return [f for f in formats if f.startswith(incomplete)]


# Options every command accepts, before or after the subcommand name (scripts write both).
GLOBAL_OPTIONS: dict[str, tuple[Any, Declared]] = {
    "base_url": (
        str | None,
        Option(
            "--base-url",
            metavar="URL",
            rich_help_panel=GLOBAL_PANEL,
            help="API base URL, or 'emulator:' for the built-in offline emulator "
            "[env: GEM_BASE_URL, GOOGLE_GEMINI_BASE_URL].",
        ),
    ),
    "api_version": (
        str | None,
        Option(
            "--api-version",
            metavar="VER",
            rich_help_panel=GLOBAL_PANEL,
            help="API version path segment (default v1) [env: GOOGLE_GENAI_API_VERSION].",
        ),
    ),
    "timeout": (
        float | None,
        Option(
            "--timeout",
            metavar="SECONDS",
            rich_help_panel=GLOBAL_PANEL,
            help="Total wall-clock deadline, retries included (default 600; poll, research "
            "and stream wait without a limit) [env: GEM_TIMEOUT].",
        ),
    ),
    "max_retries": (
        int | None,
        Option(
            "--max-retries",
            metavar="N",
            rich_help_panel=GLOBAL_PANEL,
            help="Retries on 408/429/5xx and connection errors (default 4) [env: GEM_MAX_RETRIES].",
        ),
    ),
    "format": (
        str | None,
        Option(
            "--format",
            "-f",
            metavar="FORMAT",
            rich_help_panel=GLOBAL_PANEL,
            autocompletion=_complete_format,
            help="Output format: text, json, yaml or id (some commands add more).",
        ),
    ),
    "json_": (
        bool,
        Option("--json", rich_help_panel=GLOBAL_PANEL, help="Short for --format json."),
    ),
    "debug": (
        bool,
        Option(
            "--debug",
            rich_help_panel=GLOBAL_PANEL,
            help="Trace requests and responses on stderr (API key redacted) [env: GEM_DEBUG=1].",
        ),
    ),
    "quiet": (
        bool,
        Option(
            "--quiet", "-q", rich_help_panel=GLOBAL_PANEL, help="No hints, warnings or progress."
        ),
    ),
    "no_log": (
        bool,
        Option(
            "--no-log",
            rich_help_panel=GLOBAL_PANEL,
            help="Keep this run out of the local history ('gem history', -c, last) "
            "[env: GEM_NO_LOG=1].",
        ),
    ),
}
DEFAULTS = {"json_": False, "debug": False, "quiet": False, "no_log": False}


def merged_options(obj: Mapping[str, Any], local: dict[str, Any]) -> dict[str, Any]:
    """Options given after the subcommand win over those given before it (`obj["globals"]`,
    the root's options)."""
    root = dict(obj.get("globals", {}))
    merged = dict(root)
    for key, value in local.items():
        if value is not None and value != DEFAULTS.get(key):
            merged[key] = value
        else:
            merged.setdefault(key, value)
    if local.get("format") is not None and not local.get("json_"):
        merged["json_"] = False  # `gem --json create -f text`: the later, local choice wins
    return merged


# Global options that only matter to commands talking to the API.
NETWORK_OPTIONS = ("base_url", "api_version", "timeout", "max_retries")


def _listed(formats: tuple[str, ...]) -> str:
    return formats[0] if len(formats) == 1 else f"{', '.join(formats[:-1])} or {formats[-1]}"


def global_options(
    options: dict[str, tuple[Any, Declared]],
    formats: tuple[str, ...],
    omit: tuple[str, ...],
    helps: Mapping[str, str] | None = None,
) -> dict[str, tuple[Any, Declared]]:
    """The global options one command declares: without `omit`, without -f/--json when the
    command has one format (--json when it has no json), -f's help naming its formats;
    `helps`: option -> the help it has in this command (batch's per-request --timeout)."""
    left_out = set(omit)
    if len(formats) < 2:
        left_out |= {"format", "json_"}
    if "json" not in formats:
        left_out.add("json_")
    kept = {key: value for key, value in options.items() if key not in left_out}
    if "format" in kept:
        typ, option = kept["format"]
        kept["format"] = (typ, option.replace(help=f"Output format: {_listed(formats)}."))
    for key, text in (helps or {}).items():
        typ, option = kept[key]
        kept[key] = (typ, option.replace(help=text))
    return kept
