"""The start-up placeholders for `inspect` and `ipaddress` (gemini_cli/core/deferred.py)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import gemini_cli

PACKAGE = Path(gemini_cli.__file__).parent

CHECK = """
import json, sys, threading
from gemini_cli.core.deferred import defer, is_placeholder
defer()
import inspect, ipaddress  # what dataclasses and urllib.parse do: the placeholders
before = [is_placeholder(sys.modules[n]) for n in ("inspect", "ipaddress")]
results = []
def use():
    results.append((inspect.signature(len).__class__.__name__, str(ipaddress.ip_address("::1"))))
threads = [threading.Thread(target=use) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
from inspect import isfunction  # a from-import loads it too
real = sys.modules["inspect"]
print(json.dumps({"before": before, "results": sorted(set(results)),
                  "after": [is_placeholder(sys.modules[n]) for n in ("inspect", "ipaddress")],
                  "same": real.isfunction is isfunction and inspect.signature is real.signature}))
"""


@pytest.mark.e2e
def test_a_placeholder_becomes_the_module_on_first_use_even_from_many_threads():
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=60
    )
    seen = json.loads(done.stdout)
    assert seen["before"] == [True, True]
    assert seen["results"] == [["Signature", "::1"]]
    assert seen["after"] == [False, False]
    assert seen["same"] is True


def dataclasses_without_docstring() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            decorated = any("dataclass" in ast.unparse(d) for d in node.decorator_list)
            if decorated and ast.get_docstring(node) is None:
                found.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    return found


def test_every_dataclass_has_a_docstring():
    # Without one, dataclasses builds it from inspect.signature: inspect would be imported on
    # every start (~6 ms), the cost core/deferred.py saves.
    assert dataclasses_without_docstring() == []
