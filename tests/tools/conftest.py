"""Fixtures for the tools tests (`script` and `embedded` are shared: tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.conftest import Invoke


@pytest.fixture
def emulator(embedded: Invoke) -> Invoke:
    """`emulator(args, ...)`: gem against the embedded emulator (the shared `embedded`)."""
    return embedded
