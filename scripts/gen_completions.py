"""Regenerate completions/ with Typer's own completion machinery; `--check` exits 1 if stale."""

from __future__ import annotations

import sys
from pathlib import Path

from gemini_cli.cli.typer_compat import completion_script

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "completions"
PROG_NAME = "gem"
COMPLETE_VAR = "_GEM_COMPLETE"
FILES = {"bash": "gem.bash", "zsh": "_gem", "fish": "gem.fish"}


def render(shell: str) -> str:
    """The completion script for one shell, exactly as `gem --show-completion` prints it."""
    script = completion_script(PROG_NAME, COMPLETE_VAR, shell)
    return script + "\n"


def stale(out_dir: Path = OUT_DIR) -> list[Path]:
    """The checked-in scripts that differ from a fresh generation (or are missing)."""
    paths = [(out_dir / name, render(shell)) for shell, name in FILES.items()]
    return [
        path
        for path, text in paths
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def write(out_dir: Path = OUT_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for shell, name in FILES.items():
        path = out_dir / name
        path.write_text(render(shell), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if "--check" in argv:
        outdated = stale()
        for path in outdated:
            sys.stderr.write(f"stale: {path} (run: python scripts/gen_completions.py)\n")
        return 1 if outdated else 0
    for path in write():
        sys.stdout.write(f"wrote {path.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
