"""Completion scripts: checked in and fresh, and completing for real in bash, zsh and fish."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT, load_script

COMPLETIONS = ROOT / "completions"
SHELLS = ("bash", "zsh", "fish")


def formats_of(*path: str) -> set[str]:
    """The formats a command declares (gem_command(formats=...)), read from the app itself."""
    from gemini_cli.cli.app import command_tree

    command = command_tree()
    for name in path:
        command = command.commands[name]
    return set(command.callback.gem_formats)


# (words on the command line, the last one being completed), what must be offered, and
# whether the offer must be exactly that (else at least that).
CASES = [
    (["gem", "cr"], {"create"}, True),
    (["gem", "create", "--for"], {"--format"}, True),
    (["gem", "create", "--format", ""], formats_of("create"), True),
    (["gem", "history", "--format", ""], formats_of("history"), True),
    (["gem", "config", "show", "-f", ""], formats_of("config", "show"), True),
    (["gem", "create", "--thinking", "h"], {"high"}, True),
    (["gem", "create", "-m", "gemini-3.1-p"], {"gemini-3.1-pro-preview"}, True),
    (["gem", "con"], {"config"}, False),
    (["gem", "config", "s"], {"set", "show"}, True),
    (["gem", "config", "set", "max"], {"max_retries"}, True),
    (["gem", "config", "set", "model", "gemini-3.1-p"], {"gemini-3.1-pro-preview"}, True),
    (
        ["gem", "config", "set", "aliases.fast", "gemini-3.1-fl"],
        {
            "gemini-3.1-flash-lite-preview",
            "gemini-3.1-flash-image-preview",
            "gemini-3.1-flash-tts-preview",
        },
        True,
    ),
    (["gem", "config", "set", "format", "nd"], {"ndjson"}, True),
    (["gem", "research", "--visualization", ""], {"auto", "off"}, True),
    (["gem", "history", "--format", "y"], {"yaml"}, True),
    (["gem", "config", "set", "-f", ""], {"text", "json", "yaml"}, True),
]


def require(shell: str) -> str:
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"{shell} is not installed (apt-get install -y zsh fish)")
    return path


def run_shell(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def complete_bash(words: list[str], env: dict[str, str]) -> set[str]:
    """Drive the real bash completion function the way readline would, then read COMPREPLY."""
    script = (
        f"source {shlex.quote(str(COMPLETIONS / 'gem.bash'))}\n"
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "_gem_completion gem\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    out = run_shell([require("bash"), "--norc", "--noprofile", "-c", script], env)
    return {line for line in out.splitlines() if line}


def complete_zsh(words: list[str], env: dict[str, str]) -> set[str]:
    """Source _gem in a real zsh and call its function with compsys' `words`/`CURRENT`; the
    completion builtins (`_arguments`, `compdef`) are stubbed to print what they receive."""
    script = (
        "compdef() { : }\n"
        '_arguments() { print -r -- "$@" }\n'
        "_files() { print -r -- _files }\n"
        f"source {shlex.quote(str(COMPLETIONS / '_gem'))}\n"
        f"words=({' '.join(shlex.quote(w) for w in words)})\n"
        f"CURRENT={len(words)}\n"
        "_gem_completion\n"
    )
    out = run_shell([require("zsh"), "-f", "-c", script], env)
    inner = out[out.find("((") + 2 : out.rfind("))")] if "((" in out else ""
    return set(re.findall(r'"((?:[^"\\]|\\.)*)"(?::"(?:[^"\\]|\\.)*")?', inner))


def complete_fish(words: list[str], env: dict[str, str]) -> set[str]:
    """fish's own `complete -C` asks the sourced completion what it offers for a line."""
    line = " ".join(words)
    script = (
        f"source {shlex.quote(str(COMPLETIONS / 'gem.fish'))}\ncomplete -C {shlex.quote(line)}\n"
    )
    out = run_shell([require("fish"), "--no-config", "-c", script], env)
    return {row.split("\t", 1)[0] for row in out.splitlines() if row}


DRIVERS = {"bash": complete_bash, "zsh": complete_zsh, "fish": complete_fish}


def test_checked_in_scripts_are_fresh() -> None:
    stale = load_script("gen_completions").stale()
    assert not stale, f"regenerate with: python scripts/gen_completions.py ({stale})"


def test_generator_writes_typer_scripts(tmp_path: Path) -> None:
    gen = load_script("gen_completions")
    gen.write(tmp_path)
    assert (tmp_path / "gem.bash").read_text().startswith("_gem_completion()")
    assert (tmp_path / "_gem").read_text().startswith("#compdef gem")
    assert "_GEM_COMPLETE=complete_fish" in (tmp_path / "gem.fish").read_text()
    assert gen.stale(tmp_path) == []


@pytest.mark.e2e
@pytest.mark.parametrize("shell", SHELLS)
def test_show_completion_matches_checked_in_file(shell: str, shell_env: dict[str, str]) -> None:
    """`gem --show-completion` run from each shell prints exactly the checked-in script."""
    exe = require(shell)
    name = load_script("gen_completions").FILES[shell]
    # `; true` keeps the shell alive as gem's parent, so Typer detects which shell it is.
    out = run_shell([exe, "-c", "gem --show-completion; true"], shell_env)
    assert out == (COMPLETIONS / name).read_text()


@pytest.mark.e2e
@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    ("words", "expected", "exact"), CASES, ids=[" ".join(w) for w, _, _ in CASES]
)
def test_completes_in_real_shell(
    shell: str, words: list[str], expected: set[str], exact: bool, shell_env: dict[str, str]
) -> None:
    offered = DRIVERS[shell](words, shell_env)
    assert offered == expected if exact else expected <= offered, offered


@pytest.mark.e2e
@pytest.mark.parametrize("shell", SHELLS)
def test_model_completion_offers_config_aliases(
    shell: str, shell_env: dict[str, str], config_file: Path
) -> None:
    config_file.write_text("aliases:\n  fast: gemini-3.1-flash-lite-preview\n")
    config_file.chmod(0o600)
    assert DRIVERS[shell](["gem", "create", "-m", "fa"], shell_env) == {"fast"}


@pytest.mark.e2e
def test_model_completion_survives_a_broken_config(
    shell_env: dict[str, str], config_file: Path
) -> None:
    config_file.write_text("aliases: [oops\n")
    assert "gemini-3-flash-preview" in complete_bash(["gem", "create", "-m", "gem"], shell_env)


@pytest.mark.e2e
def test_install_completion_for_bash(shell_env: dict[str, str], isolated_env: Path) -> None:
    """`gem --install-completion` (Typer's) writes the same script and sources it in .bashrc."""
    run_shell([require("bash"), "-c", "gem --install-completion; true"], shell_env)
    installed = isolated_env / ".bash_completions" / "gem.sh"
    assert installed.read_text().strip() == (COMPLETIONS / "gem.bash").read_text().strip()
    assert f"source '{installed}'" in (isolated_env / ".bashrc").read_text()


@pytest.mark.parametrize("args", [["--show-completion", "zsh"], ["--show-completion=zsh"]])
def test_show_completion_honours_the_named_shell(args, capsys) -> None:
    from gemini_cli.cli.main import main

    assert main(args) == 0
    out = capsys.readouterr().out
    assert out == (Path(__file__).parents[2] / "completions" / "_gem").read_text()


def test_show_completion_refuses_an_unknown_shell(capsys) -> None:
    from gemini_cli.cli.main import main

    assert main(["--show-completion", "tcsh"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "tcsh" in captured.err


@pytest.mark.skipif(os.name != "posix", reason="bash install paths")
def test_install_completion_reports_on_stderr(capsys, isolated_env) -> None:
    from gemini_cli.cli.main import main

    assert main(["--install-completion", "bash"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "bash completion installed" in captured.err
    assert (isolated_env / ".bash_completions" / "gem.sh").is_file()
