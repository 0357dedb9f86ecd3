"""The shard recipes of docs/batch.md (GitHub Actions matrix, Kubernetes Indexed Job, GNU
parallel over ssh): each one's `gem batch` command, as written there, run locally for every
shard against the emulator; the shards' outputs add up to the input, each item once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.batch.conftest import lines_of, write_items

pytestmark = pytest.mark.e2e
DOC = (Path(__file__).resolve().parents[2] / "docs" / "batch.md").read_text(encoding="utf-8")
ITEMS = 30


def recipe(pattern: str) -> str:
    match = re.search(pattern, DOC)
    assert match, f"docs/batch.md lost its recipe matching {pattern!r}"
    return match.group(1)


def run_shards(
    emulator: Any, where: Path, commands: list[tuple[str, dict[str, str]]]
) -> list[dict[str, Any]]:
    write_items(where / "prompts.jsonl", ITEMS)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    base = {**os.environ, "PATH": path, "GEM_BASE_URL": emulator.url, "GEMINI_API_KEY": "k"}
    for command, extra in commands:
        done = subprocess.run(["bash", "-c", "set -euo pipefail\n" + command], cwd=where,
                              env={**base, **extra}, capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert done.returncode == 0, (command, done.stderr)
    outputs = sorted(where.glob("answers-*.jsonl"))
    assert len(outputs) == len(commands)
    assert all(out.read_text() for out in outputs), "a shard got no items: try more items"
    return [line for out in outputs for line in lines_of(out.read_text())]


def assert_partition(lines: list[dict[str, Any]]) -> None:
    assert sorted(line["key"] for line in lines) == list(range(1, ITEMS + 1))
    assert all(line["exit_code"] == 0 for line in lines)


def test_the_github_actions_matrix_recipe(emulator: Any, tmp_path: Path):
    line = recipe(r"- run: (gem batch [^\n]*matrix\.shard[^\n]*)")
    commands = [(line.replace("${{ matrix.shard }}", str(k)), {}) for k in (1, 2, 3, 4)]
    assert_partition(run_shards(emulator, tmp_path, commands))


def test_the_kubernetes_indexed_job_recipe(emulator: Any, tmp_path: Path):
    command = recipe(r'command: \["sh", "-c", "(gem batch [^"]*)"\]')
    completions = recipe(r"name: JOB_COMPLETIONS\n\s+value: \"(\d+)\"")
    assert completions == recipe(r"completions: (\d+)")
    pods = [
        (command, {"JOB_COMPLETION_INDEX": str(index), "JOB_COMPLETIONS": completions})
        for index in range(int(completions))
    ]
    assert_partition(run_shards(emulator, tmp_path, pods))


def test_the_gnu_parallel_recipe(emulator: Any, tmp_path: Path):
    command = recipe(r"'(gem batch [^']*)' ::: 1 2 3")
    hosts = [(command.replace("{}", str(k)), {}) for k in (1, 2, 3)]
    assert_partition(run_shards(emulator, tmp_path, hosts))
