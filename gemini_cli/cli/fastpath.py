"""Running a command line without importing Typer (~60 ms of every start-up).

For the commands declared with `gem_command(ROOT, ...)` (create, get, poll, stream, research,
cancel, delete), this module parses the command line itself, from the same declarations Typer
reads (cli/declare.py), with Click's parsing rules: options and arguments in any order, `--`,
`--name=value`, `-mVALUE`, `-qc` (short flags together), the last value of an option winning,
repeatable options in order. It parses only what it is sure of: anything else (an unknown or
misspelt option, a missing value, a value that does not convert, --help, --version, shell
completion, a declaration with a callback or a range...) returns None and Typer parses the
command line, with its messages and help. A test holds both parsers to the same values.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from gemini_cli.cli.command import NO_DEFAULT, REGISTRY, CommandSpec
from gemini_cli.cli.declare import Declared, declared_in, unwrap_optional
from gemini_cli.cli.global_options import GLOBAL_OPTIONS

# Keyword arguments of a command's registration that change nothing in how it parses.
_PARSE_NEUTRAL = frozenset({"help", "short_help", "epilog", "hidden", "rich_help_panel"})


class Unsure(Exception):
    """The fast parser is not sure what Typer would make of this command line."""


class Param:
    """One option or argument of a command line, as the fast parser needs it."""

    def __init__(self, key: str, convert: Callable[[str], Any], default: Any) -> None:
        self.key = key
        self.convert = convert
        self.default = default
        self.flag = False
        self.multiple = False
        self.variadic = False
        self.required = False


class Table:
    """A command's options by name (each with the value a flag name stores) and arguments."""

    def __init__(self) -> None:
        self.names: dict[str, tuple[Param, bool]] = {}
        self.arguments: list[Param] = []
        self.options: list[Param] = []


def run(args: list[str], obj: dict[str, object] | None = None) -> int | None:
    """Run `args` (what follows `gem`) without Typer: the exit code; None when this command
    line is Typer's to parse (nothing has been done then). `obj`: the root context's object."""
    from gemini_cli.cli.boundary import INTERRUPT_REPORTED

    INTERRUPT_REPORTED[0] = False
    try:
        parsed = parse(args)
        if parsed is None:
            return None
        spec, values, root = parsed
        return spec.run(values, {**(obj or {}), "globals": root})
    except Exception as exc:  # noqa: BLE001 - a bug outside the command's boundary: no traceback
        from gemini_cli.cli.usage import internal_error

        return internal_error(exc, args)


def parse(args: list[str]) -> tuple[CommandSpec, dict[str, Any], dict[str, Any]] | None:
    """(the command, its values, the root's global options) as Typer would give them, or None."""
    import os

    if "_GEM_COMPLETE" in os.environ:  # shell completion: Typer's
        return None
    try:
        root_values, rest = _parse(_root_table(), args, interspersed=False)
        spec = _command(rest[0]) if rest else None
        if spec is None:
            return None
        return spec, _parse(_table(spec), rest[1:], interspersed=True)[0], root_values
    except Unsure:
        return None


def _command(name: str) -> CommandSpec | None:
    from gemini_cli.cli.catalog import COMMANDS

    if name not in COMMANDS:
        return None
    import importlib

    importlib.import_module(COMMANDS[name][0])
    spec = REGISTRY.get(name)
    if spec is None or not set(spec.typer_kwargs) <= _PARSE_NEUTRAL:
        return None
    return spec


_TABLES: dict[str, Table] = {}


def _root_table() -> Table:
    if "" not in _TABLES:
        table = Table()
        for key, (typ, option) in GLOBAL_OPTIONS.items():
            default = False if typ is bool else None
            _add(table, key, typ, option, default, as_default=False)
        _TABLES[""] = table
    return _TABLES[""]


def _table(spec: CommandSpec) -> Table:
    if spec.name not in _TABLES:
        _TABLES[spec.name] = _build(spec)
    return _TABLES[spec.name]


def _build(spec: CommandSpec) -> Table:
    table = Table()
    own = spec.own_declared()
    hints: dict[str, Any] = {}
    if any(isinstance(annotation, str) for _, annotation, _ in own):
        from typing import get_type_hints  # postponed annotations: the module resolves them

        hints = get_type_hints(spec.fn, include_extras=True)
    for name, annotation, given in own:
        typ, declared = declared_in(hints.get(name, annotation))
        default = None if given is NO_DEFAULT else given
        as_default = isinstance(given, Declared)
        if as_default:
            declared = given
            default = given.args[0] if given.args else None
        if declared is None or not declared.plain():
            raise Unsure(name)
        if given is NO_DEFAULT or default is ...:
            _add_required(table, name, typ, declared, as_default)
            continue
        _add(table, name, typ, declared, default, as_default)
    for key, typ, declared, default in spec.declared_options():
        if not declared.plain():
            raise Unsure(key)
        _add(table, key, typ, declared, default, as_default=False)
    return table


def _add_required(table: Table, name: str, typ: Any, declared: Declared, as_default: bool) -> None:
    if declared.kind != "argument":
        raise Unsure(name)  # a required option: rare, Typer's
    _add(table, name, typ, declared, None, as_default)
    table.arguments[-1].required = True


def _add(
    table: Table, key: str, typ: Any, declared: Declared, default: Any, as_default: bool
) -> None:
    from typing import get_args, get_origin

    typ = unwrap_optional(typ)
    multiple = get_origin(typ) is list
    if multiple:
        (typ,) = get_args(typ)
    param = Param(key, _converter(typ), default)
    param.multiple = multiple
    param.flag = typ is bool
    names = declared.names(as_default)
    if declared.kind == "argument":
        if names or param.flag:
            raise Unsure(key)
        param.variadic = multiple
        table.arguments.append(param)
        return
    table.options.append(param)
    if not names or (param.flag and multiple):
        raise Unsure(key)
    for spelled in names:
        for position, name in enumerate(spelled.split("/")):
            if position and not param.flag:
                raise Unsure(key)
            _check_name(name, key)
            table.names[name] = (param, position == 0)


def _check_name(name: str, key: str) -> None:
    if name.startswith("--") and len(name) > 2:
        return
    if len(name) == 2 and name[0] == "-" and name[1] != "-":
        return
    raise Unsure(key)


def _converter(typ: Any) -> Callable[[str], Any]:
    from pathlib import Path

    if typ is bool or typ is str:
        return str
    if typ is int:
        return _to_int
    if typ is float:
        return _to_float
    if typ is Path:
        return Path
    raise Unsure(str(typ))


def _to_int(text: str) -> int:
    body = text[1:] if text[:1] in "+-" else text
    if not (body.isascii() and body.isdigit()):
        raise Unsure(text)  # Typer's message for it
    try:
        return int(text)
    except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits)
        raise Unsure(text) from None


def _to_float(text: str) -> float:
    import re

    if not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", text):
        raise Unsure(text)
    return float(text)


def _parse(
    table: Table, args: list[str], *, interspersed: bool
) -> tuple[dict[str, Any], list[str]]:
    """Click's parser over `table`: the values, and what is left (everything from the first
    positional on when not `interspersed`, as a group reads its own options)."""
    given: dict[str, Any] = {}
    positional: list[str] = []
    rest = deque(args)  # taken from the left, a value put back there (`-mVALUE`): linear
    while rest:
        arg = rest.popleft()
        if arg == "--":
            if not interspersed:
                raise Unsure(arg)
            positional.extend(rest)
            rest.clear()
        elif arg[:1] == "-" and len(arg) > 1:
            _option(table, arg, rest, given)
        elif interspersed:
            positional.append(arg)
        else:
            return _values(table, given, []), [arg, *rest]
    return _values(table, given, positional), []


def _option(table: Table, arg: str, rest: deque[str], given: dict[str, Any]) -> None:
    if not arg.startswith("--"):
        _short_options(table, arg, rest, given)
        return
    name, eq, explicit = arg.partition("=")
    if name in table.names:
        param, flag_value = table.names[name]
        if param.flag:
            if eq:
                raise Unsure(arg)  # "does not take a value": Typer's message
            _store(param, flag_value, given)
            return
        if eq:
            rest.appendleft(explicit)
        _store(param, _take(rest, arg), given)
        return
    raise Unsure(arg)  # no such option: Typer suggests the right one


def _short_options(table: Table, arg: str, rest: deque[str], given: dict[str, Any]) -> None:
    """`-qc`, `-mMODEL`, `-m=x` (the value is `=x`, as Click has it)."""
    for index in range(1, len(arg)):
        entry = table.names.get("-" + arg[index])
        if entry is None:
            raise Unsure(arg)
        param, flag_value = entry
        if param.flag:
            _store(param, flag_value, given)
            continue
        if index + 1 < len(arg):
            rest.appendleft(arg[index + 1 :])
        _store(param, _take(rest, arg), given)
        return


def _take(rest: deque[str], arg: str) -> str:
    if not rest:
        raise Unsure(arg)  # "requires an argument"
    return rest.popleft()


def _store(param: Param, value: Any, given: dict[str, Any]) -> None:
    if param.multiple:
        given.setdefault(param.key, []).append(value)
    else:
        given[param.key] = value


def _values(table: Table, given: dict[str, Any], positional: list[str]) -> dict[str, Any]:
    """Every parameter's value, converted, defaults for those not given."""
    values = _arguments(table, positional)
    for param in table.options:
        if param.key not in given:
            values[param.key] = param.default
        elif param.flag:
            values[param.key] = given[param.key]
        elif param.multiple:
            values[param.key] = [param.convert(v) for v in given[param.key]]
        else:
            values[param.key] = param.convert(given[param.key])
    return values


def _arguments(table: Table, positional: list[str]) -> dict[str, Any]:
    """Positional values to arguments in order, one each; a variadic one (at most one) takes
    what the arguments after it leave."""
    values: dict[str, Any] = {}
    variadic = [a for a in table.arguments if a.variadic]
    if len(variadic) > 1:
        raise Unsure("two variadic arguments")
    left = deque(positional)
    for index, argument in enumerate(table.arguments):
        if argument.variadic:
            count = max(len(left) - (len(table.arguments) - index - 1), 0)
            taken = [argument.convert(left.popleft()) for _ in range(count)]
            values[argument.key] = taken or argument.default
        elif left:
            values[argument.key] = argument.convert(left.popleft())
        elif argument.required:
            raise Unsure(argument.key)  # "missing argument": Typer's message
        else:
            values[argument.key] = argument.default
    if left:
        raise Unsure("extra arguments")
    return values
