"""Papercuts a new user hit (issue 16): help text, the stdin note, where a refused key came
from, deprecated models under --json, NO_COLOR on the progress line."""

from __future__ import annotations

import io
import json
import re

import httpx
import pytest
import respx

from tests.helpers import INTERACTIONS, error_body

EMU = ["--base-url", "emulator:"]
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


# -- 8. help text ---------------------------------------------------------------------------


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


# -- 9. a `while read` loop: the first gem reads the rest of the list ------------------------


NOTE = "stdin was read as input too"


def test_stdin_read_with_prompt_words_is_said_once(invoke) -> None:
    result = invoke([*EMU, "create", "Summarise"], input="line two\nline three\n")
    assert result.exit_code == 0, result.output
    assert result.stderr.count(NOTE) == 1
    assert "--no-stdin" in result.stderr and "< /dev/null" in result.stderr
    tty = invoke([*EMU, "create", "Summarise"], input="x\n", tty={"stderr_isatty": True})
    assert NOTE in tty.stderr


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["-q", "Summarise"], "x\n"),  # muted
        (["--no-stdin", "Summarise"], "x\n"),  # not read
        (["-", "Summarise"], "x\n"),  # asked for
        ([], "only stdin\n"),  # no prompt words: stdin is the prompt
        (["Summarise"], ""),  # nothing was there to swallow
        (["Summarise"], "\n"),
    ],
)
def test_no_stdin_note_when_it_is_meant_or_muted(invoke, args, stdin) -> None:
    result = invoke([*EMU, "create", *args], input=stdin)
    assert result.exit_code == 0, result.output
    assert NOTE not in result.stderr


def test_the_note_keeps_json_stderr_clean(invoke) -> None:
    result = invoke([*EMU, "create", "--json", "Summarise"], input="x\n")
    assert result.exit_code == 0 and result.stderr == ""


# -- 10. a refused key: where it came from, never what it is -------------------------------


def refused(invoke, *args: str):
    with respx.mock() as api:
        api.post(INTERACTIONS).mock(return_value=error_body(401, "API key not valid"))
        return invoke(["create", "--no-stdin", *args, "Hi"])


def test_401_names_the_variable_that_won(invoke, monkeypatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "sk-google-secret")
    monkeypatch.setenv("GEMINI_API_KEY", "sk-gemini-secret")
    result = refused(invoke)
    assert result.exit_code == 4
    assert (
        "the API key came from the environment variable GOOGLE_API_KEY; "
        "GEMINI_API_KEY is set too but GOOGLE_API_KEY wins" in result.stderr
    )
    assert "secret" not in result.stderr
    error = json.loads(refused(invoke, "--json").stderr)["error"]
    assert "GOOGLE_API_KEY wins" in error["message"] and error["exit_code"] == 4


def test_401_names_the_one_variable(invoke, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "sk-secret")
    result = refused(invoke)
    assert "(the API key came from the environment variable GEMINI_API_KEY)" in result.stderr


@pytest.mark.parametrize(
    ("line", "origin"),
    [("api_key: sk-secret", "api_key"), ("api_key_command: echo sk-secret", "api_key_command")],
)
def test_401_names_the_config_file(invoke, config_file, line, origin) -> None:
    config_file.write_text(line + "\n")
    config_file.chmod(0o600)
    result = refused(invoke)
    assert result.exit_code == 4
    assert f"the API key came from {origin} in {config_file}" in result.stderr
    assert "sk-secret" not in result.stderr


def test_other_errors_do_not_mention_the_key(invoke, api_key) -> None:
    with respx.mock() as api:
        api.post(INTERACTIONS).mock(return_value=httpx.Response(400, json={"error": {}}))
        result = invoke(["create", "--no-stdin", "Hi"])
    assert result.exit_code == 3 and "API key came from" not in result.stderr


def test_config_show_says_which_variable_wins(invoke, monkeypatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "a")
    monkeypatch.setenv("GEMINI_API_KEY", "b")
    data = json.loads(invoke(["config", "show", "--json"]).stdout)
    assert data["settings"]["api_key"]["source"] == (
        "env GOOGLE_API_KEY; GEMINI_API_KEY is set too but GOOGLE_API_KEY wins"
    )


# -- 12. a deprecated model under --json; NO_COLOR on the progress line ---------------------


def test_deprecated_model_leaves_a_trace_under_json_debug(invoke) -> None:
    args = [*EMU, "create", "--no-stdin", "--json", "-m", "gemini-1.5-flash", "Hi"]
    quiet = invoke(args)
    assert quiet.exit_code == 0 and quiet.stderr == ""  # stderr is for the JSON error only
    assert json.loads(quiet.stdout)["model"] == "gemini-3-flash-preview"
    traced = invoke([*args, "--debug"])
    assert "model gemini-1.5-flash is deprecated; using gemini-3-flash-preview" in traced.stderr
    plain = invoke([*EMU, "create", "--no-stdin", "-m", "gemini-1.5-flash", "Hi"])
    assert "warning: model gemini-1.5-flash is deprecated" in plain.stderr


class _TTYErr(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("color", [False, True])
def test_progress_line_has_no_styles_without_color(color: bool) -> None:
    from gemini_cli.api.waiting import Progress
    from gemini_cli.core.termio import IO
    from gemini_cli.render.progress import WaitDisplay

    stderr = _TTYErr()
    terminal = IO.from_sys({"stderr_isatty": True, "color": color})
    terminal.stderr = stderr
    with WaitDisplay(terminal, label="research") as display:
        display.update(Progress("v1_x", "in_progress", 3.0, thought="Reading"))
        display._live.refresh()
    styles = re.findall(r"\x1b\[[0-9;]*m", stderr.getvalue())
    assert bool(styles) is color, stderr.getvalue()
    assert "in_progress" in stderr.getvalue()
