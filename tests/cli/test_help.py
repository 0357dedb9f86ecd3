"""`gem ... --help`: no Python type names, the formats and options each command really has,
grouped panels, and no word cut in two."""

from __future__ import annotations

import re

import pytest

COMMANDS = [
    ["create"],
    ["stream"],
    ["research"],
    ["get"],
    ["poll"],
    ["cancel"],
    ["delete"],
    ["history"],
    ["emulator"],
    ["config", "path"],
    ["config", "show"],
    ["config", "set"],
    ["config", "unset"],
]


def help_of(invoke, path: list[str], width: int = 80) -> str:
    result = invoke([*path, "--help"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_no_python_type_names_in_help(invoke, path) -> None:
    text = help_of(invoke, path)
    assert not re.search(r"<(list\[|str|int|float|path|bool)", text), text


@pytest.mark.parametrize(
    ("path", "formats"),
    [
        (["create"], "text, json, yaml, id, markdown or paths"),
        (["get"], "text, json, yaml, id or markdown"),
        (["history"], "text, json, yaml or id"),
        (["config", "show"], "text, json or yaml"),
        (["config", "path"], "text, json or yaml"),
    ],
)
def test_format_help_lists_what_the_command_supports(invoke, path, formats) -> None:
    assert f"Output format: {formats}." in " ".join(help_of(invoke, path).split())


def test_a_command_with_one_format_offers_no_format_option(invoke) -> None:
    text = help_of(invoke, ["emulator"])
    assert "--format" not in text and "--json" not in text
    result = invoke(["emulator", "--json"])
    assert result.exit_code == 2 and "--json" in result.stderr


@pytest.mark.parametrize(
    ("path", "absent", "present"),
    [
        (["history"], ["--api-version", "--max-retries", "--timeout", "--no-log"], ["--base-url"]),
        (["emulator"], ["--base-url", "--api-version", "--max-retries", "--timeout"], ["--debug"]),
        (["config", "path"], ["--base-url", "--timeout", "--max-retries"], ["--json"]),
        (["config", "set"], ["--base-url", "--api-version", "--max-retries"], ["--timeout"]),
        (["config", "show"], ["--no-log"], ["--base-url", "--max-retries"]),
    ],
)
def test_network_options_only_where_they_do_something(invoke, path, absent, present) -> None:
    flags = set(re.findall(r"^  (?:-\w, )?(--[\w-]+)", help_of(invoke, path), re.M))
    assert not flags & set(absent)
    assert set(present) <= flags


def test_research_says_query_in_usage_and_arguments(invoke) -> None:
    text = help_of(invoke, ["research"])
    assert "Usage: gem research [OPTIONS] [QUERY]..." in text
    assert "PROMPT" not in text


def test_create_and_stream_help_are_grouped_in_panels(invoke) -> None:
    for command in ("create", "stream"):
        text = help_of(invoke, [command])
        sections = [line[:-1] for line in text.splitlines() if re.fullmatch(r"[A-Z][\w ]*:", line)]
        assert [s for s in sections if s != "Options"] == [
            "Arguments",
            "Input",
            "Request",
            "Generation",
            "Tools",
            "Output",
            "Global options",
        ], sections
        output = text.split("\nOutput:\n")[1].split("\n\n")[0]
        assert "--usage" in output and "--save" in output


@pytest.mark.parametrize("width", [80, 100])
def test_help_never_cuts_a_word_in_two(invoke, width) -> None:
    text = help_of(invoke, ["create"], width)
    mcp = text[text.index("--mcp ") :].split("\n  --", 1)[0]
    assert '"$URL,header=Authorization:' in mcp.split()
    assert "gemini-3-flash-preview)" in text.split()  # a model id is one word
    options = text[text.index("Arguments:") :]
    assert all(len(line) <= width for line in options.splitlines() if " --mcp " not in line)
