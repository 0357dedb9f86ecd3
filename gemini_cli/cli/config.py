"""`gem config path|show|set|unset`: where the settings live, what they are, and changing them."""

import json
from typing import Any

import typer

from gemini_cli.cli.app import app
from gemini_cli.cli.runtime import Runtime, gem_command

config_app = typer.Typer(
    name="config",
    help="Show and change gem's settings (the YAML config file).\n\n"
    "Precedence: flag > environment > config file > built-in default.\n\n"
    "Examples:\n\n\b\n  gem config path\n  gem config show\n"
    "  gem config set model gemini-3.1-pro-preview",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(config_app, name="config")

SHOWN = ("model", "base_url", "api_version", "timeout", "max_retries", "format")

SHOW_HELP = """Print the effective settings and where each came from (the API key redacted).

Examples:

\b
  gem config show
  gem config show --json | jq -r .settings.model.value
"""

SET_HELP = """Set KEY to VALUE in the config file, keeping the other keys (the file is mode 0600).

KEY is one of model, base_url, api_version, api_key, api_key_command, timeout, max_retries,
format, or aliases.NAME for a model alias. VALUE '-' reads the value from stdin (for keys).
A VALUE that starts with '-' would be read as an option: put '--' before KEY.

Examples:

\b
  gem config set model gemini-3.1-pro-preview
  gem config set aliases.fast gemini-3.1-flash-lite-preview   # then: gem create -m fast ...
  gem config set timeout 120
  pass show gemini | gem config set api_key -
  gem config set api_key_command "pass show gemini"
  gem config set -- api_key -abc123                            # a value starting with '-'
"""


def _complete_key(incomplete: str) -> list[str]:
    from gemini_cli.settings.config_file import SETTABLE

    return [key for key in (*SETTABLE, "aliases.") if key.startswith(incomplete)]


PATH_HELP = """Print the config file's path (it may not exist yet).

Examples:

\b
  gem config path
  $EDITOR "$(gem config path)"
"""


@gem_command(config_app, "path", formats=("text", "json"), help=PATH_HELP, uses_settings=False)
def path(run: Runtime) -> None:
    from gemini_cli.settings.paths import config_path

    where = config_path()
    if run.format == "json":
        run.io.out(json.dumps({"path": str(where), "exists": where.is_file()}), "\n")
    else:
        run.io.out(str(where), "\n")


@gem_command(config_app, "show", formats=("text", "json"), help=SHOW_HELP)
def show(run: Runtime) -> None:
    report = effective(run.settings)
    if run.format == "json":
        run.io.out(json.dumps(report, indent=2), "\n")
    else:
        run.io.out(_text(report))


@gem_command(config_app, "set", formats=("text",), help=SET_HELP)
def set_(
    run: Runtime,
    key: str = typer.Argument(..., metavar="KEY", autocompletion=_complete_key),
    value: str = typer.Argument(..., metavar="VALUE"),
) -> None:
    from gemini_cli.settings.config_file import set_value
    from gemini_cli.settings.paths import config_path

    if value == "-":  # the first line, within --timeout; a closed stdin is exit 2
        from gemini_cli.request.localread import read_stdin_line

        value = (
            read_stdin_line(
                run.io.stdin, max(run.remaining(), 0.0), f"{key} -", run.clock.monotonic
            )
            or ""
        )
    where = config_path()
    stored = set_value(where, key, value)
    shown = "<redacted>" if key == "api_key" else stored
    run.info(f"{key} = {shown} (in {where})")


UNSET_HELP = """Remove KEY (or aliases.NAME) from the config file.

Examples:

\b
  gem config unset api_key
  gem config unset aliases.fast
"""


@gem_command(config_app, "unset", formats=("text",), help=UNSET_HELP)
def unset(
    run: Runtime,
    key: str = typer.Argument(..., metavar="KEY", autocompletion=_complete_key),
) -> None:
    from gemini_cli.settings.config_file import unset_value
    from gemini_cli.settings.paths import config_path

    if not unset_value(config_path(), key):
        run.info(f"{key} was not set")


def effective(settings: Any) -> dict[str, Any]:
    """Each setting's value and source; the key only as `<redacted>` and never run a command."""
    values = {
        key: {"value": _shown(key, getattr(settings, key)), "source": settings.sources.get(key, "")}
        for key in SHOWN
    }
    key_source = api_key_source(settings.file_values)
    values["api_key"] = {
        "value": None if key_source == "unset" else "<redacted>",
        "source": key_source,
    }
    return {
        "config_file": str(settings.config_file),
        "config_file_exists": bool(settings.config_file and settings.config_file.is_file()),
        "settings": values,
        "aliases": dict(settings.aliases),
    }


def _shown(key: str, value: Any) -> Any:
    """As a user would write it: `600`, not `600.0`; no format set means `text`."""
    if key == "format" and value is None:
        return "text"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def api_key_source(file_values: dict[str, Any]) -> str:
    """Where the key would come from, without running api_key_command."""
    import os

    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        if os.environ.get(name, "").strip():
            return f"env {name}"
    if str(file_values.get("api_key") or "").strip():
        return "config api_key"
    if str(file_values.get("api_key_command") or "").strip():
        return "config api_key_command (runs when a request needs it)"
    return "unset"


def _text(report: dict[str, Any]) -> str:
    from gemini_cli.render.table import aligned

    exists = "" if report["config_file_exists"] else " (not created yet)"
    rows = [
        (key, "" if s["value"] is None else s["value"], f"({s['source']})")
        for key, s in report["settings"].items()
    ]
    rows += [(f"aliases.{name}", target, "(config)") for name, target in report["aliases"].items()]
    return f"config file  {report['config_file']}{exists}\n" + aligned(rows)
