"""Two standard modules imported on every start but almost never used, loaded on first use.

- `inspect` (with ast, dis, tokenize, linecache: ~6 ms): `dataclasses` imports it for a
  dataclass without a docstring, and gem's dataclasses all have one (a test checks it).
- `ipaddress` (~2 ms): `urllib.parse` imports it for bracketed IPv6 hosts only.

`defer()` puts a placeholder in `sys.modules` for each (when not imported yet); the first
attribute read on it imports the real module, which then takes its place. An `import inspect`
elsewhere gets the placeholder and works the same, only later. Called by the console script
(`cli.main.main`) before anything else is imported: a process that imports gem as a library is
not affected.
"""

from __future__ import annotations

import sys
from _thread import RLock
from types import ModuleType

DEFERRED = ("inspect", "ipaddress")
_LOCK = RLock()  # two threads reading a placeholder at once load the module once


class _Deferred(ModuleType):
    """Stands for a module until one of its attributes is read."""

    def __getattr__(self, attribute: str) -> object:
        real = _load(self.__name__)
        self.__dict__.update(real.__dict__)  # later reads find the attributes at once
        return getattr(real, attribute)


def _load(name: str) -> ModuleType:
    import importlib

    with _LOCK:
        if isinstance(sys.modules.get(name), _Deferred):
            del sys.modules[name]
        return importlib.import_module(name)


def defer() -> None:
    for name in DEFERRED:
        if name not in sys.modules:
            sys.modules[name] = _Deferred(name)


def is_placeholder(module: object) -> bool:
    """Whether `module` (a value of sys.modules) is a placeholder not loaded yet."""
    return isinstance(module, _Deferred) and "__file__" not in module.__dict__
