"""A respx router standing in for the API: nothing leaves the process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from tests.helpers import API_ROOT


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """Routes relative to https://generativelanguage.googleapis.com/v1; unmatched requests fail."""
    with respx.mock(base_url=API_ROOT, assert_all_called=False) as router:
        yield router
