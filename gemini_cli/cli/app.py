"""The root `gem` command: global options and the list of subcommands."""

from typing import Any

import typer
from typer.core import TyperGroup

from gemini_cli import __version__
from gemini_cli.cli.runtime import GLOBAL_OPTIONS


class GemGroup(TyperGroup):
    """Usage errors as one line (`gem: error: ...`, exit 2) instead of a help dump."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        from gemini_cli.cli.usage import run_group_main

        return run_group_main(_output_guarded(super().main), args, kwargs, standalone_mode)

    # Plain options skip Typer's pydantic coercion: no pydantic import just to parse flags.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from gemini_cli.cli import shell_completion
        from gemini_cli.cli.coercion import install

        asked = shell_completion.request(args)
        if asked is not None:  # an explicit SHELL is honoured; messages on stderr
            raise typer.Exit(shell_completion.answer(*asked))
        install(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        from gemini_cli.cli.coercion import install_tree

        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None:
            install_tree(cmd, ctx)
        return name, cmd, rest


def _output_guarded(main: Any) -> Any:
    """Help and version text that cannot be written (`gem --help >/dev/full`) is exit 2 with
    one line, like a command's output; a reader gone (`| head -c1`) is a quiet exit 0.
    (A command's own output failures are handled inside its error boundary.)"""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        from gemini_cli.cli.main import WRITE_ERRNOS
        from gemini_cli.core.termio import silence_stdout

        try:
            return main(*args, **kwargs)
        except BrokenPipeError:
            silence_stdout()
            return 0
        except OSError as exc:
            if exc.errno not in WRITE_ERRNOS:
                raise
            silence_stdout()
            import sys

            sys.stderr.write(f"gem: error: cannot write output: {exc.strerror or exc}\n")
            return 2

    return guarded


app = typer.Typer(
    name="gem",
    cls=GemGroup,
    help="gem: the Gemini Interactions API from the shell.\n\n"
    "stdout carries data only; progress, hints and errors go to stderr; the exit code "
    "tells what happened (see the README's exit-code table).",
    epilog="Examples:\n\n\b\n"
    '  cat report.md | gem create "Summarise this" > summary.txt\n'
    '  id=$(gem research --no-wait "History of Google TPUs"); gem poll "$id" > tpu.md\n'
    '  gem --base-url emulator: create "Hello"     # offline, no key needed',
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gem {__version__}")
        raise typer.Exit()


def _install_root_globals() -> None:
    """The root accepts the global options too (`gem --debug create ...`)."""
    import inspect
    from typing import Annotated

    version = Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ]
    params = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context),
        inspect.Parameter(
            "version", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=version
        ),
    ]
    for key, (typ, option) in GLOBAL_OPTIONS.items():
        params.append(
            inspect.Parameter(
                key,
                inspect.Parameter.KEYWORD_ONLY,
                default=False if typ is bool else None,
                annotation=Annotated[typ, option],
            )
        )

    def callback(ctx: typer.Context, version: bool = False, **globals_: Any) -> None:
        if not isinstance(ctx.obj, dict):
            ctx.obj = {}
        ctx.obj["globals"] = globals_

    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__annotations__ = {p.name: p.annotation for p in params}
    callback.__doc__ = "gem: the Gemini Interactions API from the shell."
    app.callback()(callback)


_install_root_globals()

# Each command module registers itself on `app` when imported.
from gemini_cli.cli import (  # noqa: E402,F401
    cancel,
    config,
    create,
    delete,
    emulator,
    get,
    history,
    poll,
    research,
    stream,
)

HELP_HELP = """Print gem's help, or a command's: the same as `gem [COMMAND]... --help`.

Examples:

\b
  gem help
  gem help create
  gem help config set
"""


@app.command("help", hidden=True, help=HELP_HELP)
def help_(
    ctx: typer.Context, names: list[str] | None = typer.Argument(None, metavar="[COMMAND]...")
) -> None:
    from gemini_cli.cli.runtime import exit_code_of_usage

    target, command = ctx.parent, ctx.parent.command
    for name in names or []:
        sub = command.get_command(target, name) if hasattr(command, "get_command") else None
        if sub is None or (getattr(sub, "hidden", False) and name != "help"):
            path = " ".join([target.command_path, name])
            exit_code_of_usage(f"no such command: '{path}' (see '{target.command_path} --help')")
        target = sub.make_context(name, [], parent=target, resilient_parsing=True)
        command = sub
    typer.echo(command.get_help(target))
