"""Fixtures for the tools tests: a respx API, local function scripts, the embedded emulator."""

from __future__ import annotations

import shlex
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str, str], str]:
    """`script(name, body)`: a Python script in tmp_path; returns a command line running it."""

    def make(name: str, body: str) -> str:
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return f"{shlex.quote(sys.executable)} {shlex.quote(str(path))}"

    return make


@pytest.fixture
def emulator(invoke):
    """`emulator(args, ...)`: run gem against the in-process emulator (no key, no network)."""

    def run(args, **kwargs):
        return invoke(["--base-url", "emulator:", *args], **kwargs)

    return run
