"""Every shell example in the README, the guides in docs/ and `--help` runs against the emulator.

Each ```sh block (and each `Examples:` section of a command's --help) is run as one bash
script with `set -euo pipefail` in a sandbox directory holding the files the examples name
(report.md, chart.png, weather.py, ...), with `GEM_BASE_URL=emulator:` and a throw-away HOME.
A block passes when the script exits 0 and nothing on stderr looks like a traceback.
```python blocks run the same way with the venv's interpreter. A block preceded by
`<!-- example: skip REASON -->` is not run (only the test command itself, which CI runs).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "cli.md")]
FENCE = re.compile(r"(<!-- example: skip[^>]*-->\s*)?```(sh|bash|python)\n(.*?)```", re.S)
BIN = Path(sys.executable).parent


def doc_blocks() -> list[pytest.param]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for number, match in enumerate(FENCE.finditer(text), 1):
            if match.group(1):
                continue
            line = text[: match.start()].count("\n") + 1
            found.append(
                pytest.param(match.group(2), match.group(3), id=f"{path.name}:{line}#{number}")
            )
    return found


def help_blocks() -> list[pytest.param]:
    """The `Examples:` section of every command's --help, as Typer prints it."""
    from tests.docs.sandbox import command_helps

    found = []
    for name, text in command_helps():
        example = examples_in_help(text)
        if example:
            found.append(pytest.param("sh", example, id=f"help:{name}"))
    return found


def examples_in_help(text: str) -> str:
    """The lines under `Examples:` (indented deeper than it), dedented."""
    import textwrap

    lines = text.splitlines()
    heads = [i for i, line in enumerate(lines) if line.strip() == "Examples:"]
    if not heads:
        return ""
    indent = len(lines[heads[0]]) - len(lines[heads[0]].lstrip())
    script: list[str] = []
    for line in lines[heads[0] + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        script.append(line)
    return textwrap.dedent("\n".join(script)).strip() + "\n"


@pytest.mark.e2e
@pytest.mark.parametrize(("language", "script"), doc_blocks() + help_blocks())
def test_example_runs(
    language: str, script: str, sandbox: Path, sandbox_env: dict[str, str]
) -> None:
    stdin = None
    if language == "python":
        command = [str(BIN / "python"), "-c", script]
        stdin = '{"city": "Paris"}'  # a function command reads its arguments on stdin
    else:
        command = ["bash", "-c", as_bash(script)]
    done = subprocess.run(
        command,
        cwd=sandbox,
        env=sandbox_env,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, (
        f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    )


EXPECTED_EXIT = re.compile(r"^(?P<line>.*?)\s+#\s*exit (?P<code>\d+)\s*$")


def as_bash(script: str) -> str:
    """The example as a strict bash script. Conventions the examples may rely on:
    `"$id"` is an interaction id (a background one gem just created) unless the example sets
    `id=` itself; a line ending in `# exit N` must exit N; background jobs are stopped at the end."""
    lines = []
    for line in script.splitlines():
        match = EXPECTED_EXIT.match(line)
        if match:
            code = match.group("code")
            line = (
                f"set +e; {match.group('line')}; rc=$?; set -e; "
                f'[ "$rc" -eq {code} ] || {{ echo "expected exit {code}, got $rc" >&2; exit 1; }}'
            )
        lines.append(line)
    prelude = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
    if "$id" in script and not re.search(r"^\s*id=|[;(]\s*id=", script, re.M):
        prelude.append('id=$(gem create --background --format id "Write a long essay")')
    return "\n".join([*prelude, *lines]) + "\n"


@pytest.fixture
def sandbox_env(sandbox: Path, tmp_path: Path, emulator_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEM_", "GEMINI_", "GOOGLE_"))}
    home = tmp_path / "home"
    env.update(
        PATH=f"{sandbox / 'bin'}{os.pathsep}{BIN}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_STATE_HOME=str(home / ".local/state"),
        GEM_BASE_URL="emulator:",
        NO_COLOR="1",
        COLUMNS="100",
        GOOGLE_GEMINI_BASE_URL=emulator_url,
        EDITOR="true",
        TOKEN="example-token",
    )
    return env


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    from tests.docs.sandbox import populate

    where = tmp_path / "work"
    populate(where)
    return where


@pytest.fixture(scope="module")
def emulator_url() -> object:
    """A real-socket emulator, for examples that unset GEM_BASE_URL to show the real API (the
    fallback variable GOOGLE_GEMINI_BASE_URL then points here instead of at Google)."""
    from gemini_cli.emulator import start_background

    with start_background(work_seconds=0.2) as server:
        yield server.url


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"example: skip[^>]*-->\s*```sh\n(.*?)\n```", readme, re.S)
    assert command is not None
    assert command.group(1).strip() in [line.strip() for line in ci.splitlines()]


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_relative_link_points_at_a_file(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    missing = [
        target
        for target in LINK.findall(text)
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert not missing, f"{page.name} links to missing files: {missing}"
