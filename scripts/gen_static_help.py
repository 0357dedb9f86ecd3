"""Write gemini_cli/cli/static_help.py: `gem --help` as Typer renders it, at the widths most
terminals and pipes have, so the root help needs no Typer import; `--check` for staleness."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "gemini_cli" / "cli" / "static_help.py"
COLUMNS = (80, 100)  # 100: gem's max_content_width, so every wider terminal renders the same

HEADER = '''"""`gem --help` pre-rendered (by scripts/gen_static_help.py; a test keeps it identical to what
Typer prints), so the root help answers without importing Typer. Keyed by terminal columns."""

ROOT_HELP: dict[int, str] = {
'''


def live_help(columns: int) -> str:
    """What Typer prints for `gem --help` with that many terminal columns."""
    from gemini_cli.cli.app import app

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            app(args=["--help"], prog_name="gem", standalone_mode=False)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return out.getvalue()


def render() -> str:
    body = "".join(f"    {columns}: {live_help(columns)!r},\n" for columns in COLUMNS)
    return HEADER + body + "}\n"


def main(argv: list[str]) -> int:
    fresh = render()
    if "--check" in argv:
        stale = not OUT.exists() or OUT.read_text(encoding="utf-8") != fresh
        if stale:
            print(f"{OUT} is stale: run python scripts/gen_static_help.py", file=sys.stderr)
        return int(stale)
    OUT.write_text(fresh, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
