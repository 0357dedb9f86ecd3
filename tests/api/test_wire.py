"""Wire facts: the headers every request carries."""

from __future__ import annotations

import platform

from gemini_cli import __version__
from gemini_cli.api.wire import request_headers


def test_the_user_agent_names_gem_and_python_as_platform_reports_it() -> None:
    # wire.py reads the version from sys.version rather than import platform at start-up
    headers = request_headers("k")
    assert headers["User-Agent"] == f"gem/{__version__} python/{platform.python_version()}"
    assert headers["x-goog-api-key"] == "k"
