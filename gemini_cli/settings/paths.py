"""Where gem keeps local state and configuration (XDG base directories)."""

from __future__ import annotations

import os
from pathlib import Path


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var, "").strip()
    return Path(value) if value else Path.home() / fallback


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / "gem"


def config_path() -> Path:
    explicit = os.environ.get("GEM_CONFIG", "").strip()
    return Path(explicit) if explicit else config_dir() / "config.yaml"


def state_dir(create: bool = False) -> Path:
    """`$XDG_STATE_HOME/gem` (default `~/.local/state/gem`); `GEM_STATE_DIR` overrides it."""
    explicit = os.environ.get("GEM_STATE_DIR", "").strip()
    path = Path(explicit) if explicit else _xdg("XDG_STATE_HOME", ".local/state") / "gem"
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
