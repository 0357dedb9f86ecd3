"""A deterministic local emulator of the Interactions API: HTTP server, engine, embedded transport.

`EmbeddedTransport` is loaded lazily so that importing the package never imports httpx.
"""

from __future__ import annotations

from typing import Any

from .engine import DEFAULT_WORK_SECONDS, Engine
from .faults import FaultSpecError, parse_specs
from .server import BackgroundServer, serve, start_background
from .store import MemoryStore, SqliteStore

__all__ = [
    "DEFAULT_WORK_SECONDS",
    "BackgroundServer",
    "EmbeddedTransport",
    "Engine",
    "FaultSpecError",
    "MemoryStore",
    "SqliteStore",
    "parse_specs",
    "serve",
    "start_background",
]


def __getattr__(name: str) -> Any:
    if name == "EmbeddedTransport":
        from .embedded import EmbeddedTransport

        return EmbeddedTransport
    raise AttributeError(name)
