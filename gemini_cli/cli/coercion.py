"""Plain option conversion, so a command run does not import pydantic just to parse its flags.

Typer >= 0.29 converts every option value through a pydantic TypeAdapter: that imports pydantic
and builds one schema per option on each run (~150 ms for `gem create --dry-run`). gem's options
are bool, str, int, float or Path (or lists of them) without constraints; those are converted here
directly. Anything else (ranges, choices, path checks, custom parsers) is left to Typer.
Imported only through cli/typer_compat.py, which falls back to Typer's own conversion when this
module cannot be imported (an older Typer) or `compatible()` says the private hook has changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from typer import BadParameter
from typer._coercion import RuntimeParam  # private: checked by compatible() before any use

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(value)


_CONVERTERS: dict[Any, tuple[Callable[[Any], Any], str]] = {
    bool: (_to_bool, "boolean"),
    str: (str, "string"),
    int: (int, "integer"),
    float: (float, "number"),
    Path: (Path, "path"),
}


@dataclass(frozen=True)
class PlainRuntimeParam(RuntimeParam):
    """Typer's runtime coercion contract, fulfilled by a plain function call."""

    convert: Callable[[Any], Any] = str
    kind: str = "string"
    is_list: bool = False

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.is_list:
            items = value if isinstance(value, (list, tuple)) else [value]
            return [self._one(item, param, ctx) for item in items]
        return self._one(value, param, ctx)

    def _one(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.convert is str and isinstance(value, str):
            return value
        try:
            return self.convert(value)
        except (TypeError, ValueError) as exc:
            raise BadParameter(
                f"{value!r} is not a valid {self.kind}.", ctx=ctx, param=param
            ) from exc


def compatible() -> bool:
    """Whether Typer's private coercion hook still has the shape this module fills in."""
    from dataclasses import fields

    try:
        from typer.core import _TyperParameter
    except ImportError:
        return False
    names = {f.name for f in fields(RuntimeParam)}
    return (
        {"parameter_info", "annotation"} <= names
        and callable(getattr(RuntimeParam, "coerce", None))
        and "_coerce_value" in getattr(RuntimeParam, "__abstractmethods__", ())
        and callable(getattr(_TyperParameter, "get_runtime_param", None))
    )


def install(params: Iterable[Any]) -> None:
    """Give each plain Typer parameter the plain converter (others keep Typer's)."""
    for param in params:
        if getattr(param, "_runtime_param", "absent") is not None:
            continue  # not a Typer parameter, or already built
        descriptor = getattr(param, "type_descriptor", None)
        plan = _plan(descriptor) if descriptor is not None else None
        if descriptor is not None and plan is not None:
            param._runtime_param = PlainRuntimeParam(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                convert=plan[0],
                kind=plan[1],
                is_list=plan[2],
            )


def _plan(descriptor: Any) -> tuple[Callable[[Any], Any], str, bool] | None:
    if descriptor.file_annotation is not None or not _unconstrained(descriptor.parameter_info):
        return None
    annotation, is_list = descriptor.annotation, False
    if get_origin(annotation) is list:
        (annotation,), is_list = get_args(annotation), True
    if annotation not in _CONVERTERS:
        return None
    convert, kind = _CONVERTERS[annotation]
    return convert, kind, is_list


def _unconstrained(info: Any) -> bool:
    def unset(name: str) -> bool:
        return getattr(info, name, None) is None

    def off(name: str) -> bool:
        return not getattr(info, name, False)

    def on(name: str) -> bool:
        return getattr(info, name, True) is not False

    return (
        all(unset(n) for n in ("min", "max", "click_type", "parser", "path_type"))
        and all(off(n) for n in ("exists", "writable", "resolve_path"))
        and on("file_okay")
        and on("dir_okay")
    )
