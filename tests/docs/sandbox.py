"""The files the documented examples name, so that every example can run as written."""

from __future__ import annotations

import base64
import os
import re
import shutil
import stat
import sys
from pathlib import Path

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
WEATHER = """#!/usr/bin/env python3
import json, sys

args = json.load(sys.stdin)
print(json.dumps({"city": args.get("city", "Paris"), "forecast": "rain", "temp_c": 14}))
"""
# `python3 -m venv .venv && .venv/bin/pip install -q .` (the README's install line) becomes a
# venv whose pip is a no-op and whose gem is the gem under test: the rest of the line runs as
# written, without a network install inside the test suite.
PYTHON3_SHIM = """#!/bin/sh
if [ "$1 $2 $3" = "-m venv .venv" ]; then
  mkdir -p .venv/bin
  printf '#!/bin/sh\\nexit 0\\n' > .venv/bin/pip
  ln -sf "$(dirname {python})/gem" .venv/bin/gem
  chmod +x .venv/bin/pip
  exit 0
fi
exec {python} "$@"
"""
TEXT_FILES = {
    "report.md": "# Quarterly report\n\nSales grew 12%. Costs fell 3%.\n",
    "notes.md": "Meeting notes: ship the release on Friday.\n",
    "data.csv": "month,sales\njan,10\nfeb,12\n",
    "prompts.txt": "Say hi\nSay bye\n",
    "prompts.jsonl": '"Say hi"\n{"key": "b", "prompt": "Say bye"}\n',
    "request.yaml": "input: Hello from a body file\n",
    "request.json": '{"input": "Hello from a body file"}\n',
    "w.json": '{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}\n',
    "tools.yaml": "- type: function\n  name: get_weather\n  description: Current weather for a city\n"
    "  parameters:\n    type: object\n    properties: {city: {type: string}}\n"
    "    required: [city]\n  command: ./weather.py --units metric\n",
    "my-script.sh": '#!/bin/sh\nset -e\ngem create --no-stdin "Hello from my script"\n',
    "docs/a.md": "Alpha document.\n",
    "docs/b.md": "Beta document.\n",
}


def populate(where: Path) -> None:
    for name, text in TEXT_FILES.items():
        path = where / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (where / "chart.png").write_bytes(PNG)
    weather = where / "weather.py"
    weather.write_text(WEATHER, encoding="utf-8")
    weather.chmod(weather.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (where / "bin").mkdir()
    os.symlink(weather, where / "bin" / "weather")
    for script in ("my-script.sh",):
        (where / script).chmod(0o755)
    pass_shim = where / "bin" / "pass"  # `api_key_command: pass show gemini` in the examples
    pass_shim.write_text("#!/bin/sh\necho example-key-from-pass\n", encoding="utf-8")
    pass_shim.chmod(0o755)
    shutil.copytree(Path(__file__).resolve().parents[2] / "completions", where / "completions")
    home = where.parent / "home"
    for folder in (".local/share/bash-completion/completions", ".config/fish/completions"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    shim = where / "bin" / "python3"
    shim.write_text(PYTHON3_SHIM.format(python=sys.executable), encoding="utf-8")
    shim.chmod(0o755)


def command_helps() -> list[tuple[str, str]]:
    """(command path, --help text) for every visible command, read from docs/cli.md (which a
    test keeps identical to the real --help output)."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    return [
        (match.group(1), match.group(2))
        for match in re.finditer(r"^## (gem[^\n]*)\n\n```text\n(.*?)```", text, re.S | re.M)
    ]
