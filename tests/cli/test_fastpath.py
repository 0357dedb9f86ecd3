"""gem's own command-line parser (cli/fastpath.py) against Typer's: for every command line it
takes, the command gets exactly the values Typer would give it; anything else is Typer's.

The parser exists for start-up time (no Typer import on the commands run in loops); these tests
hold it to Typer's behaviour, over hand-picked command lines and a few thousand random ones.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import random
from typing import Any
from unittest import mock

import pytest

from gemini_cli.cli import fastpath
from gemini_cli.cli.catalog import COMMANDS
from gemini_cli.cli.command import REGISTRY, CommandSpec

FAST = ("create", "get", "poll", "stream", "research", "cancel", "delete")


def typer_parse(args: list[str]) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """(command, its values, the root's options) as Typer hands them over; None when Typer
    stops before the command runs (a usage error, --help)."""
    from gemini_cli.cli.app import app

    seen: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def capture(spec: CommandSpec, kw: dict[str, Any], obj: dict[str, Any]) -> int:
        seen.append((spec.name, dict(kw), dict(obj.get("globals", {}))))
        return 0

    with (
        mock.patch.object(CommandSpec, "run", capture),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        app(args=list(args), prog_name="gem", standalone_mode=False, obj={})
    return seen[0] if seen else None


def fast_parse(args: list[str]) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    parsed = fastpath.parse(list(args))
    if parsed is None:
        return None
    spec, values, root = parsed
    return spec.name, values, root


def agree(args: list[str]) -> bool:
    """Whether gem's parser took `args` (asserting Typer gives the same values)."""
    fast = fast_parse(args)
    if fast is not None:
        assert fast == typer_parse(args), args
    return fast is not None


TAKEN = [
    ["create", "hi"],
    ["create", "-m", "gemini-3-flash-preview", "Summarise this"],
    ["--base-url", "emulator:", "create", "--dry-run", "hi"],
    ["create", "--json", "-q", "hi", "there"],
    ["--json", "create", "-f", "text", "hi"],
    ["create", "--set", "generation_config.seed=7", "--dry-run", "Hi"],
    ["create", "-a", "chart.png", "-a", "b.pdf", "What does this chart show?"],
    ["create", "--seed=7", "--temperature", "0.5", "--top-p", ".9", "x"],
    ["create", "--max-tokens", "+12", "--tool-timeout", "1e3", "x"],
    ["create", "-qc", "more"],
    ["create", "-mgemini-x", "hi"],
    ["create", "-m=x", "hi"],  # Click: the value is "=x"
    ["create", "--", "--not-an-option", "-q"],
    ["create", "-"],
    ["create", "-s", "--help"],  # a value, not the help flag
    ["create", "--system-file", "sys.txt", "--save", "out/", "hi"],
    ["create", "--model", "a", "--model", "b", "hi"],  # the last one wins
    ["create", "--background", "--format", "id", "Write a long essay"],
    ["create"],
    ["--debug", "--timeout", "5", "--max-retries", "0", "get", "ID"],
    ["get", "ID"],
    ["get", "--sources", "ID"],
    ["get", "--sources", "--no-sources", "ID"],
    ["get", "--include-input", "-f", "json", "last"],
    ["poll", "ID", "-f", "json"],
    ["poll", "-"],
    ["stream", "hi there"],
    ["stream", "--follow", "ID"],
    ["research", "--no-wait", "History of Google TPUs"],
    ["cancel", "ID"],
    ["delete", "--json", "ID"],
]

STEPS_ASIDE = [
    [],
    ["--debug"],
    ["--version"],
    ["create", "--help"],
    ["create", "-h"],
    ["help", "create"],
    ["create", "--bogus"],
    ["create", "--mode", "x"],  # a misspelling: Typer suggests --model
    ["create", "-m"],
    ["create", "--seed", "seven"],
    ["create", "--seed", "1_000"],
    ["create", "--temperature", "nan"],
    ["create", "--dry-run=1"],
    ["create", "-qz"],
    ["get"],
    ["get", "a", "b"],
    ["files", "list"],
    ["stores", "list"],
    ["config", "show"],
    ["nosuchcommand"],
    ["--show-completion", "bash"],
    ["--", "create", "hi"],
]


@pytest.mark.parametrize("args", TAKEN, ids=" ".join)
def test_gems_parser_takes_the_usual_command_lines_with_typers_values(args):
    assert agree(args)


@pytest.mark.parametrize("args", STEPS_ASIDE, ids=" ".join)
def test_gems_parser_leaves_the_rest_to_typer(args):
    assert fast_parse(args) is None


def test_shell_completion_is_left_to_typer(monkeypatch):
    monkeypatch.setenv("_GEM_COMPLETE", "bash_complete")
    assert fast_parse(["create", "hi"]) is None


def test_only_the_commands_run_in_loops_are_parsed_by_gem():
    for module, _ in COMMANDS.values():
        importlib.import_module(module)
    assert set(FAST) <= set(REGISTRY)


VALUES = [
    "x",
    "-",
    "--",
    "-x",
    "--model",
    "a=b",
    "",
    "1",
    "-1",
    "+3",
    "0.5",
    "1e3",
    " 2",
    "é",
    "-h",
]
WORDS = ["hi", "-", "two words", "--", "-q", "ID", "last", "=", "--json"]


def random_line(rng: random.Random, command: str) -> list[str]:
    """A command line made of the command's own options (every spelling Click accepts), global
    options before and after the name, words, and a few things that are not options."""
    spec = fastpath._command(command)
    assert spec is not None
    table = fastpath._table(spec)
    root = fastpath._root_table()
    names = list(table.names)
    line = []
    for _ in range(rng.randint(0, 2)):
        line += pick_option(rng, root, list(root.names))
    line.append(command)
    for _ in range(rng.randint(0, 6)):
        roll = rng.random()
        if roll < 0.6:
            line += pick_option(rng, table, names)
        elif roll < 0.9:
            line.append(rng.choice(WORDS))
        else:
            line.append(rng.choice(["--bogus", "-Z", "--help", "--mode"]))
    return line


def pick_option(rng: random.Random, table: Any, names: list[str]) -> list[str]:
    name = rng.choice(names)
    param, _ = table.names[name]
    if param.flag:
        if rng.random() < 0.2:
            shorts = [n for n in names if len(n) == 2 and table.names[n][0].flag]
            if shorts:
                return ["-" + "".join(rng.choice(shorts)[1] for _ in range(rng.randint(2, 3)))]
        return [name]
    value = rng.choice(VALUES)
    if name.startswith("--") and rng.random() < 0.3:
        return [f"{name}={value}"]
    if len(name) == 2 and rng.random() < 0.3:
        return [name + value]
    return [name, value] if rng.random() < 0.95 else [name]


@pytest.mark.parametrize("command", FAST)
def test_gems_parser_agrees_with_typer_on_random_command_lines(command):
    rng = random.Random(f"gem-{command}")
    taken = sum(agree(random_line(rng, command)) for _ in range(200))
    assert taken > 20  # most lines hold something Typer must judge, but many are plain


@pytest.mark.parametrize(
    "args",
    [
        ["create", "--dry-run", "--max-tokens", "1" * 5000, "hi"],
        ["--max-retries", "9" * 4301, "get", "--dry-run", "ID"],
    ],
    ids=["create --max-tokens", "--max-retries get"],
)
def test_an_integer_too_long_for_int_is_typers_usage_error_not_an_internal_error(invoke, args):
    # int() refuses more digits than sys.get_int_max_str_digits(): Typer says "not a valid
    # integer" (exit 2); the fast parser must leave it to Typer, not crash (exit 70).
    assert fast_parse(args) is None
    result = invoke(["--base-url", "emulator:", *args])
    assert result.exit_code == 2
    assert "is not a valid integer" in result.stderr
    assert "internal error" not in result.stderr
