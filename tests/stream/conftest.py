"""Stream test fixtures: a respx router standing in for the API, with a key configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from tests.helpers import API_ROOT


@pytest.fixture
def api(api_key: str) -> Iterator[respx.MockRouter]:
    """Routes relative to the default API root; unmatched requests fail."""
    with respx.mock(base_url=API_ROOT, assert_all_called=False) as router:
        yield router
