"""Fixtures for the shell-ecosystem tests: the installed gem, subprocess env, repo paths."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_script(name: str) -> ModuleType:
    """Import scripts/NAME.py (the scripts folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"gem_scripts_{name}", ROOT / "scripts" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def gem_bin() -> Path:
    """The `gem` console script of the interpreter running the tests (else the one on PATH)."""
    beside = Path(sys.executable).parent / "gem"
    found = beside if beside.is_file() else shutil.which("gem")
    if not found:
        pytest.skip("the gem console script is not installed (pip install -e .)")
    return Path(found)


@pytest.fixture
def shell_env(isolated_env: Path, gem_bin: Path) -> dict[str, str]:
    """The isolated environment for a subprocess, with the installed gem first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{gem_bin.parent}{os.pathsep}{env.get('PATH', '')}"
    return env
