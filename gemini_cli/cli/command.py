"""The command decorator: option groups, the global options every command takes, the boundary."""

import functools
import inspect
import sys
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

import typer

from gemini_cli.cli import typer_compat
from gemini_cli.core.errors import EXIT_USAGE

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
GLOBAL_OPTIONS: dict[str, tuple[Any, Any]] = {
    "base_url": (
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            rich_help_panel=GLOBAL_PANEL,
            help="API base URL, or 'emulator:' for the built-in offline emulator "
            "[env: GEM_BASE_URL, GOOGLE_GEMINI_BASE_URL].",
        ),
    ),
    "api_version": (
        str | None,
        typer.Option(
            "--api-version",
            metavar="VER",
            rich_help_panel=GLOBAL_PANEL,
            help="API version path segment (default v1) [env: GOOGLE_GENAI_API_VERSION].",
        ),
    ),
    "timeout": (
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            rich_help_panel=GLOBAL_PANEL,
            help="Total wall-clock deadline, retries included (default 600; poll, research "
            "and stream wait without a limit) [env: GEM_TIMEOUT].",
        ),
    ),
    "max_retries": (
        int | None,
        typer.Option(
            "--max-retries",
            metavar="N",
            rich_help_panel=GLOBAL_PANEL,
            help="Retries on 408/429/5xx and connection errors (default 4) [env: GEM_MAX_RETRIES].",
        ),
    ),
    "format": (
        str | None,
        typer.Option(
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
        typer.Option("--json", rich_help_panel=GLOBAL_PANEL, help="Short for --format json."),
    ),
    "debug": (
        bool,
        typer.Option(
            "--debug",
            rich_help_panel=GLOBAL_PANEL,
            help="Trace requests and responses on stderr (API key redacted) [env: GEM_DEBUG=1].",
        ),
    ),
    "quiet": (
        bool,
        typer.Option(
            "--quiet", "-q", rich_help_panel=GLOBAL_PANEL, help="No hints, warnings or progress."
        ),
    ),
    "no_log": (
        bool,
        typer.Option(
            "--no-log",
            rich_help_panel=GLOBAL_PANEL,
            help="Keep this run out of the local history ('gem history', -c, last) "
            "[env: GEM_NO_LOG=1].",
        ),
    ),
}
DEFAULTS = {"json_": False, "debug": False, "quiet": False, "no_log": False}


def merged_options(ctx: Any, local: dict[str, Any]) -> dict[str, Any]:
    """Options given after the subcommand win over those given before it."""
    root = dict((ctx.obj or {}).get("globals", {})) if isinstance(ctx.obj, dict) else {}
    merged = dict(root)
    for key, value in local.items():
        if value is not None and value != DEFAULTS.get(key):
            merged[key] = value
        else:
            merged.setdefault(key, value)
    if local.get("format") is not None and not local.get("json_"):
        merged["json_"] = False  # `gem --json create -f text`: the later, local choice wins
    return merged


def gem_command(
    app: typer.Typer,
    name: str,
    *,
    formats: tuple[str, ...] = ("text", "json", "yaml", "id"),
    groups: tuple[Any, ...] = (),
    uses_settings: bool = True,
    omit: tuple[str, ...] = (),
    global_help: dict[str, str] | None = None,
    **kwargs: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn(run, ...)` as a command with option groups, the global options and the
    error boundary. Each group's values reach `fn` as one dataclass named after the group.
    `omit`: global options that do nothing for this command (e.g. NETWORK_OPTIONS), left out
    of it and its help; -f/--json list only `formats`; `global_help`: a global option's help
    where this command gives it another meaning."""
    from gemini_cli.cli.help_panels import PanelCommand, global_options

    kwargs.setdefault("cls", PanelCommand)
    own_globals = global_options(GLOBAL_OPTIONS, formats, omit, global_help)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kw: Any) -> Any:
            _run_command(fn, args, kw, groups=groups, formats=formats, uses_settings=uses_settings)

        typer_compat.with_signature(wrapper, _parameters(fn, groups, own_globals))
        # a function attribute (Typer copies it to its callback): what --format completes to
        wrapper.gem_formats = formats  # type: ignore[attr-defined]
        return app.command(name, **kwargs)(wrapper)

    return decorate


def _run_command(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kw: dict[str, Any],
    *,
    groups: tuple[Any, ...],
    formats: tuple[str, ...],
    uses_settings: bool,
) -> None:
    """One command run: its Runtime from the global options, then `fn` inside the boundary."""
    # Imported when a command runs, not when it is registered (`gem --help`).
    from gemini_cli.cli.boundary import error_boundary
    from gemini_cli.cli.runtime import Runtime
    from gemini_cli.core.envflags import check_flags
    from gemini_cli.core.termio import IO

    ctx = kw.pop("gem_ctx", None)
    local = {key: kw.pop(key, DEFAULTS.get(key)) for key in GLOBAL_OPTIONS}
    kw.update(_group_values(groups, kw))
    obj = ctx.obj if ctx is not None and isinstance(ctx.obj, dict) else {}
    run = Runtime(IO.from_sys(obj.get("tty")), merged_options(ctx, local), formats, obj)
    run.uses_settings = uses_settings
    with error_boundary(run):
        _ = run.format  # validates --format before any work is done
        check_flags()  # and GEM_DEBUG/GEM_NO_LOG: a bad value is exit 2, nothing sent
        fn(run, *args, **kw)


def _group_values(groups: tuple[Any, ...], kw: dict[str, Any]) -> dict[str, Any]:
    """Take each group's options out of `kw`; one dataclass per group, named after it."""
    built = {}
    for group in groups:
        values = {key: kw.pop(key) for key in group.options}
        built[group.name] = group.build(
            {
                k: ([] if v is None and _is_list(group.options[k][0]) else v)
                for k, v in values.items()
            }
        )
    return built


def _parameters(
    fn: Callable[..., Any], groups: tuple[Any, ...], own_globals: dict[str, tuple[Any, Any]]
) -> list[inspect.Parameter]:
    """What Typer sees: fn's own parameters (not `run`, not the groups), each group's options,
    the global options and the Click context."""
    group_names = {g.name for g in groups}
    params = [
        p for p in list(inspect.signature(fn).parameters.values())[1:] if p.name not in group_names
    ]
    extra = [
        (key, typ, option, default)
        for group in groups
        for key, (typ, option, default) in group.options.items()
    ]
    extra += [(key, typ, option, DEFAULTS.get(key)) for key, (typ, option) in own_globals.items()]
    for key, typ, option, default in extra:
        params.append(
            inspect.Parameter(key, KEYWORD_ONLY, default=default, annotation=Annotated[typ, option])
        )
    params.append(inspect.Parameter("gem_ctx", KEYWORD_ONLY, annotation=typer.Context))
    return params


KEYWORD_ONLY = inspect.Parameter.KEYWORD_ONLY


def _is_list(typ: Any) -> bool:
    return "list[" in str(typ)


def exit_code_of_usage(message: str) -> NoReturn:
    """Print a usage error as one line and exit 2 (for checks outside the boundary)."""
    sys.stderr.write(f"gem: error: {message}\n")
    raise typer.Exit(EXIT_USAGE)
