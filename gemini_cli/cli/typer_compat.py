"""Every place gem reaches past Typer's documented API, each detected with a plain-Typer fallback.

Pinned to Typer 0.29-0.30 (0.29 renders the help that docs/cli.md and the tests pin: `{ID}`,
`[PROMPT]...`; 0.26 also lists hidden commands). Older Typer runs gem too (0.26 checked: the
suite passes but for help rendering), with Click vendored from 0.26 and a separate package before.
- Click's exception base and shell-completion helpers: found in either layout.
- Plain option coercion (Typer >= 0.29 converts options through pydantic): applied only when
  `typer._coercion` has the shape gem was written against; otherwise Typer converts as usual.
- Commands built one at a time (lazy registration) through the public `typer.main.get_command`.
- Signatures built at run time (global options on every command): the standard
  `__signature__`, which Typer reads through `inspect.signature`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import typer
import typer.main

TYPER_VERSION: tuple[int, ...] = tuple(
    int(part) for part in typer.__version__.split(".")[:2] if part.isdigit()
)


def _click_module(name: str) -> ModuleType:
    """`typer._click.<name>` (vendored, Typer >= 0.26) or `click.<name>` (older Typer)."""
    try:
        return importlib.import_module(f"typer._click.{name}")
    except ImportError:
        return importlib.import_module(f"click.{name}")


ClickException: type[Exception] = _click_module("exceptions").ClickException
Abort: type[BaseException] = typer.Abort


def _plain_coercion() -> Callable[[Iterable[Any]], None] | None:
    """gem's plain converters when this Typer has the coercion hook they fit, else None."""
    try:
        from gemini_cli.cli import coercion
    except (ImportError, AttributeError, TypeError):  # no typer._coercion, or another shape
        return None
    return coercion.install if coercion.compatible() else None


_INSTALL = _plain_coercion()


def install_plain_coercion(params: Iterable[Any]) -> None:
    """Skip Typer's pydantic conversion for plain options (no-op where Typer has none)."""
    if _INSTALL is not None:
        _INSTALL(params)


def install_plain_coercion_tree(command: Any, ctx: Any) -> None:
    """`install_plain_coercion` for a command and, for a group, every command under it.
    `ctx` is the parent's context: a subcommand inherits its help option names."""
    if _INSTALL is None:
        return
    _INSTALL(command.get_params(ctx))
    for sub in getattr(command, "commands", {}).values():
        install_plain_coercion_tree(sub, ctx)


def with_signature(fn: Callable[..., Any], params: list[inspect.Parameter]) -> None:
    """Make Typer see `params` as fn's parameters (options built at run time, e.g. the global
    ones): Typer reads `inspect.signature` and the annotations, both set here."""
    # inspect.signature honours __signature__; the Callable stub does not declare it
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    fn.__annotations__ = {p.name: p.annotation for p in params}
    if hasattr(fn, "__wrapped__"):  # functools.wraps: inspect would follow it to the original
        del fn.__wrapped__


def build_command(app: typer.Typer, name: str) -> Any:
    """The Click command for `name` registered on `app` (a command or an `add_typer` group),
    built alone: the rest of the tree is not built (nor its modules imported)."""
    holder = typer.Typer(
        add_completion=False,
        rich_markup_mode=app.rich_markup_mode,
        pretty_exceptions_enable=False,
    )
    holder.registered_commands = [c for c in app.registered_commands if c.name == name]
    holder.registered_groups = [g for g in app.registered_groups if g.name == name]
    holder.callback()(_no_options)  # a callback makes it a group, whatever the count
    group = typer.main.get_command(holder)
    return getattr(group, "commands", {}).get(name)


def _no_options() -> None:
    """The holder group's callback (never run)."""


def plain_command(name: str, help_text: str, hidden: bool = False) -> Any:
    """A stand-in Click command that only lists `name` and its help (for `gem --help`)."""
    from typer.core import TyperCommand

    return TyperCommand(name=name, help=help_text, hidden=hidden)


def shell_name() -> str | None:
    """The shell gem runs under, as Typer detects it (None when it cannot tell)."""
    from typer import _completion_shared

    detect: Callable[[], str | None] | None = getattr(_completion_shared, "_get_shell_name", None)
    return detect() if detect is not None else None


def completion_script(prog_name: str, complete_var: str, shell: str) -> str:
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell)


def install_completion(prog_name: str, complete_var: str, shell: str) -> tuple[str, Any]:
    from typer._completion_shared import install

    return install(shell=shell, prog_name=prog_name, complete_var=complete_var)
