"""Options and arguments declared as plain data, turned into Typer's only when Typer runs.

Declaring `Option("--model", "-m", metavar="MODEL", ...)` instead of `typer.Option(...)` keeps
Typer out of the import of a command: a run the fast parser understands (cli/fastpath.py) never
imports Typer, and `to_typer` gives Typer the very object it would have had (same arguments).
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

# The keyword arguments the fast parser knows to be about help and completion only; a
# declaration with any other (a callback, an envvar, a range, a click type...) is parsed by Typer.
PRESENTATION = frozenset(
    {"help", "metavar", "rich_help_panel", "autocompletion", "show_default", "hidden"}
)


class Declared:
    """The arguments of one typer.Option/typer.Argument call, kept until Typer needs them."""

    kind = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs

    def replace(self, **changes: Any) -> Declared:
        """The same declaration with some keyword arguments changed (a command's own help)."""
        return type(self)(*self.args, **{**self.kwargs, **changes})

    def to_typer(self) -> Any:
        import typer

        maker = typer.Option if self.kind == "option" else typer.Argument
        return maker(*self.args, **self.kwargs)

    def names(self, as_default: bool) -> tuple[str, ...]:
        """The option's names as declared (`--sources/--no-sources` kept whole); used as a
        default value, the first positional argument is the default, not a name."""
        return tuple(self.args[1:] if as_default else self.args)

    def plain(self) -> bool:
        """Whether only help and completion keywords are given (the fast parser's domain)."""
        return set(self.kwargs) <= PRESENTATION


class DeclaredOption(Declared):
    kind = "option"


class DeclaredArgument(Declared):
    kind = "argument"


# Typed `Any` as typer.Option and typer.Argument are: `dry: bool = Option(False, "--dry-run")`.
def Option(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - typer.Option's name
    return DeclaredOption(*args, **kwargs)


def Argument(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - typer.Argument's name
    return DeclaredArgument(*args, **kwargs)


def typer_annotation(annotation: Any) -> Any:
    """`Annotated[T, Declared]` as `Annotated[T, typer.Option(...)]`; anything else as is."""
    metadata = getattr(annotation, "__metadata__", None)
    if not metadata or not any(isinstance(m, Declared) for m in metadata):
        return annotation
    from typing import Annotated

    converted = tuple(m.to_typer() if isinstance(m, Declared) else m for m in metadata)
    params = (annotation.__origin__, *converted)
    return Annotated[params]


def typer_default(default: Any) -> Any:
    return default.to_typer() if isinstance(default, Declared) else default


def declared_in(annotation: Any) -> tuple[Any, Declared | None]:
    """(T, its declaration) for `Annotated[T, Declared]`, else (annotation, None)."""
    metadata = getattr(annotation, "__metadata__", None) or ()
    for item in metadata:
        if isinstance(item, Declared):
            return annotation.__origin__, item
    return annotation, None


def unwrap_optional(typ: Any) -> Any:
    """`T | None` as T (and a plain T as itself)."""
    args = [a for a in get_args(typ) if a is not type(None)]
    if get_origin(typ) is not list and len(args) == 1 and type(None) in get_args(typ):
        return args[0]
    return typ
