"""Write docs/cli.md: the --help of every gem command, found by walking the app; `--check`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "cli.md"
WIDTH = 100
ENV = {
    "NO_COLOR": "1",
    "COLUMNS": str(WIDTH),
    "TERMINAL_WIDTH": str(WIDTH),
    "TERM": "dumb",
    "_TYPER_FORCE_DISABLE_TERMINAL": "1",
}
HEADER = """# gem command reference

Generated from the code by `python scripts/gen_docs.py` (a test fails when it is stale);
do not edit by hand. Every command also accepts the global options shown under `gem`.
"""


def command_paths(command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every visible command and subcommand, depth first, in the order `--help` lists them."""
    yield path
    subcommands = getattr(command, "commands", None) or {}
    for name in command.list_commands(None) if subcommands else ():
        sub = subcommands[name]
        if not getattr(sub, "hidden", False):
            yield from command_paths(sub, (*path, name))


def help_text(app, path: tuple[str, ...]) -> str:
    from typer.testing import CliRunner

    result = CliRunner().invoke(
        app, [*path, "--help"], prog_name="gem", env=ENV, terminal_width=WIDTH
    )
    if result.exit_code != 0:
        raise RuntimeError(f"gem {' '.join(path)} --help exited {result.exit_code}")
    return "\n".join(line.rstrip() for line in result.output.strip().splitlines())


def render() -> str:
    """The whole document, freshly generated from the app."""
    from gemini_cli.cli.app import app, command_tree

    sections = [HEADER]
    for path in command_paths(command_tree()):
        title = " ".join(("gem", *path))
        sections.append(f"## {title}\n\n```text\n{help_text(app, path)}\n```\n")
    return "\n".join(sections)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"stale: {OUT} (run: python scripts/gen_docs.py)\n")
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {OUT.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
