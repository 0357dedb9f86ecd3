"""`gem config path|show|set|unset`: where the settings live, what they are, and changing them."""

import json
from typing import Any

import typer

from gemini_cli.cli.app import app
from gemini_cli.cli.command import gem_command
from gemini_cli.cli.global_options import NETWORK_OPTIONS
from gemini_cli.cli.runtime import Runtime

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


def _complete_value(ctx: typer.Context, incomplete: str) -> list[str]:
    """Values for the KEY already typed: model ids (and aliases) for model and aliases.NAME,
    the formats for format, the known base URLs and API versions."""
    from gemini_cli.settings import config

    key = str(ctx.params.get("key") or "")
    values: tuple[str, ...] | list[str] = ()
    if key == "model" or key.startswith("aliases."):
        from gemini_cli.cli.completion_values import model_ids

        values = model_ids()
    elif key == "format":
        values = config.FORMATS
    elif key == "base_url":
        values = ("emulator:", config.DEFAULT_BASE_URL)
    elif key == "api_version":
        values = ("v1", "v1beta")
    return [value for value in values if value.startswith(incomplete)]


PATH_HELP = """Print the config file's path (it may not exist yet).

Examples:

\b
  gem config path
  $EDITOR "$(gem config path)"
"""


@gem_command(
    config_app,
    "path",
    formats=("text", "json", "yaml"),
    help=PATH_HELP,
    uses_settings=False,
    omit=(*NETWORK_OPTIONS, "no_log"),
)
def path(run: Runtime) -> None:
    from gemini_cli.settings.paths import config_path

    where = config_path()
    if run.format == "text":
        run.io.out(str(where), "\n")
    else:
        print_data(run, {"path": str(where), "exists": where.is_file()})


@gem_command(config_app, "show", formats=("text", "json", "yaml"), help=SHOW_HELP, omit=("no_log",))
def show(run: Runtime) -> None:
    report = effective(run.settings)
    if run.format == "text":
        run.io.out(_text(report))
    else:
        print_data(run, report)


def print_data(run: Runtime, data: dict[str, Any]) -> None:
    """JSON (one document, indented) or YAML on stdout."""
    if run.format == "yaml":
        from gemini_cli.render.output import print_yaml

        print_yaml(run, data)
    else:
        run.io.out(json.dumps(data, indent=2, ensure_ascii=False), "\n")


def _lock_wait(run: Runtime) -> float:
    from gemini_cli.settings.config_file import LOCK_WAIT

    return min(max(run.remaining(), 0.0), LOCK_WAIT)


@gem_command(
    config_app,
    "set",
    formats=("text", "json", "yaml"),
    help=SET_HELP,
    omit=("base_url", "api_version", "max_retries", "no_log"),  # --timeout: VALUE -
)
def set_(
    run: Runtime,
    key: str = typer.Argument(
        ..., metavar="KEY", autocompletion=_complete_key, help="The setting, or aliases.NAME."
    ),
    value: str = typer.Argument(
        ...,
        metavar="VALUE",
        autocompletion=_complete_value,
        help="Its value; '-' reads it from stdin (keep keys out of argv).",
    ),
) -> None:
    from gemini_cli.settings.config_file import set_value
    from gemini_cli.settings.paths import config_path

    if key == "api_key" and value != "-":
        run.warn(
            "the key is now in your shell history and was visible to other users in the "
            "process list; next time pass '-' and give it on stdin: gem config set api_key -"
        )
    if value == "-":  # the first line, within --timeout; a closed stdin is exit 2
        from gemini_cli.request.localread import read_stdin_line

        value = (
            read_stdin_line(
                run.io.stdin, max(run.remaining(), 0.0), f"{key} -", run.clock.monotonic
            )
            or ""
        )
    where = config_path()
    stored = set_value(where, key, value, _lock_wait(run))
    shown = "<redacted>" if key == "api_key" else stored
    if run.format == "text":
        run.info(f"{key} = {shown} (in {where})")
    else:
        print_data(run, {"key": key, "value": shown, "config_file": str(where)})


UNSET_HELP = """Remove KEY (or aliases.NAME) from the config file.

Examples:

\b
  gem config unset api_key
  gem config unset aliases.fast
"""


@gem_command(
    config_app,
    "unset",
    formats=("text", "json", "yaml"),
    help=UNSET_HELP,
    omit=(*NETWORK_OPTIONS, "no_log"),
)
def unset(
    run: Runtime,
    key: str = typer.Argument(
        ..., metavar="KEY", autocompletion=_complete_key, help="The setting, or aliases.NAME."
    ),
) -> None:
    from gemini_cli.settings.config_file import unset_value
    from gemini_cli.settings.paths import config_path

    where = config_path()
    removed = unset_value(where, key, _lock_wait(run))
    if run.format != "text":
        print_data(run, {"key": key, "removed": removed, "config_file": str(where)})
    elif not removed:
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

    from gemini_cli.settings.config import API_KEY_VARS

    found = [name for name in API_KEY_VARS if os.environ.get(name, "").strip()]
    if found:
        also = f"; {found[1]} is set too but {found[0]} wins" if len(found) > 1 else ""
        return f"env {found[0]}{also}"
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
