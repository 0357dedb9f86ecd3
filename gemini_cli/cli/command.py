"""The command decorator and CommandSpec: option groups, the global options every command
takes (cli/global_options.py), the error boundary; the registry of top-level commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from gemini_cli.cli.declare import Declared
from gemini_cli.cli.global_options import (
    DEFAULTS,
    GLOBAL_OPTIONS,
    global_options,
    merged_options,
)
from gemini_cli.core.errors import EXIT_USAGE

if TYPE_CHECKING:
    import inspect

NO_DEFAULT = object()  # a parameter without a default (or an annotation), in own_declared

# gem_command's target for a top-level command: kept in REGISTRY and put on the Typer app only
# when Typer runs (cli/app.py), so that the fast parser (cli/fastpath.py) runs it without Typer.
ROOT = "gem"


class CommandSpec:
    """One command: its function, option groups, formats and the global options it takes."""

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        groups: tuple[Any, ...],
        formats: tuple[str, ...],
        uses_settings: bool,
        own_globals: dict[str, tuple[Any, Declared]],
        typer_kwargs: dict[str, Any],
    ) -> None:
        self.name = name
        self.fn = fn
        self.groups = groups
        self.formats = formats
        self.uses_settings = uses_settings
        self.own_globals = own_globals
        self.typer_kwargs = typer_kwargs

    def own_declared(self) -> list[tuple[str, Any, Any]]:
        """(name, annotation, default or NO_DEFAULT) of each of fn's own parameters on the
        command line (not `run`, not the groups), read off the function itself: inspect is not
        imported on the fast parser's start-up."""
        fn = self.fn
        code = fn.__code__
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        positional = names[: code.co_argcount]
        defaults = fn.__defaults__ or ()
        given = dict(zip(positional[len(positional) - len(defaults) :], defaults, strict=True))
        given.update(fn.__kwdefaults__ or {})
        group_names = {g.name for g in self.groups}
        return [
            (name, fn.__annotations__.get(name, NO_DEFAULT), given.get(name, NO_DEFAULT))
            for name in names[1:]
            if name not in group_names
        ]

    def declared_options(self) -> list[tuple[str, Any, Declared, Any]]:
        """(name, type, declaration, default) of each group's options, then of the global
        options."""
        declared = [
            (key, typ, option, default)
            for group in self.groups
            for key, (typ, option, default) in group.options.items()
        ]
        declared += [
            (key, typ, option, DEFAULTS.get(key)) for key, (typ, option) in self.own_globals.items()
        ]
        return declared

    def parameters(self) -> list[inspect.Parameter]:
        """The command line's parameters as Typer reads a signature: fn's own, then the
        declared options (annotated `Annotated[T, Declared]`)."""
        import inspect
        from typing import Annotated

        empty = inspect.Parameter.empty
        params = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=empty if default is NO_DEFAULT else default,
                annotation=empty if annotation is NO_DEFAULT else annotation,
            )
            for name, annotation, default in self.own_declared()
        ]
        for key, typ, option, default in self.declared_options():
            params.append(
                inspect.Parameter(
                    key,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=default,
                    annotation=Annotated[typ, option],
                )
            )
        return params

    def run(self, kw: dict[str, Any], obj: dict[str, Any]) -> int:
        """One run with the parsed values `kw` (global options among them) and the root's
        context object `obj` (its "globals"); the exit code."""
        # Imported when a command runs, not when it is registered (`gem --help`).
        from gemini_cli.cli.boundary import error_boundary
        from gemini_cli.cli.runtime import Runtime
        from gemini_cli.core.envflags import check_flags
        from gemini_cli.core.termio import IO

        kw = dict(kw)
        PARAMS.clear()
        PARAMS.update(kw)
        local = {key: kw.pop(key, DEFAULTS.get(key)) for key in GLOBAL_OPTIONS}
        kw.update(_group_values(self.groups, kw))
        run = Runtime(IO.from_sys(obj.get("tty")), merged_options(obj, local), self.formats, obj)
        run.uses_settings = self.uses_settings
        with error_boundary(run) as outcome:
            _ = run.format  # validates --format before any work is done
            check_flags()  # and GEM_DEBUG/GEM_NO_LOG: a bad value is exit 2, nothing sent
            self.fn(run, **kw)
        return outcome.code

    def register(self, app: Any) -> Any:
        """Put this command on a Typer app (Typer is imported by now)."""
        import functools
        import inspect

        import typer

        from gemini_cli.cli import typer_compat
        from gemini_cli.cli.declare import typer_annotation, typer_default
        from gemini_cli.cli.help_panels import PanelCommand

        @functools.wraps(self.fn)
        def wrapper(**kw: Any) -> None:
            ctx = kw.pop("gem_ctx", None)
            obj = ctx.obj if ctx is not None and isinstance(ctx.obj, dict) else {}
            code = self.run(kw, obj)
            if code:
                raise typer.Exit(code)

        params = [
            p.replace(annotation=typer_annotation(p.annotation), default=typer_default(p.default))
            for p in self.parameters()
        ]
        keyword = inspect.Parameter.KEYWORD_ONLY
        params.append(inspect.Parameter("gem_ctx", keyword, annotation=typer.Context))
        typer_compat.with_signature(wrapper, params)
        # a function attribute (Typer copies it to its callback): what --format completes to
        wrapper.gem_formats = self.formats  # type: ignore[attr-defined]
        return app.command(self.name, **{"cls": PanelCommand, **self.typer_kwargs})(wrapper)


# The values of the command being run (references.py asks whether it is a --dry-run).
PARAMS: dict[str, Any] = {}
REGISTRY: dict[str, CommandSpec] = {}


def gem_command(
    target: Any,
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
    error boundary. `target`: ROOT for a top-level command (put on the Typer app on demand), or
    a Typer app (a group's subcommand, registered at once). Each group's values reach `fn` as
    one dataclass named after the group. `omit`: global options that do nothing for this
    command (e.g. NETWORK_OPTIONS), left out of it and its help; -f/--json list only
    `formats`; `global_help`: a global option's help where this command gives it another
    meaning."""
    own_globals = global_options(GLOBAL_OPTIONS, formats, omit, global_help)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        spec = CommandSpec(
            name,
            fn,
            groups=groups,
            formats=formats,
            uses_settings=uses_settings,
            own_globals=own_globals,
            typer_kwargs=kwargs,
        )
        if target == ROOT:
            REGISTRY[name] = spec
            return fn
        spec.register(target)
        return fn

    return decorate


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


def _is_list(typ: Any) -> bool:
    return "list[" in str(typ)


def exit_code_of_usage(message: str) -> NoReturn:
    """Print a usage error as one line and exit 2 (for checks outside the boundary; Typer
    runs by then)."""
    import typer

    sys.stderr.write(f"gem: error: {message}\n")
    raise typer.Exit(EXIT_USAGE)
