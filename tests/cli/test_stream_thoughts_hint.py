"""`gem stream --thoughts` with no summaries says so, as create and get do."""

from __future__ import annotations

import pytest

from tests.cli.test_stream import CREATED, completed, post, text, thought  # noqa: F401
from tests.stream_fakes import sse, sse_response

pytestmark = pytest.mark.usefixtures("api_key")
HINT = "gem: hint: no thought summaries in this answer"


def test_thoughts_asked_but_none_sent_gives_the_hint(invoke, post):  # noqa: F811
    events = sse(CREATED, text(0, "Answer"), completed())
    post.mock(side_effect=lambda request: sse_response(events))
    result = invoke(["stream", "--thoughts", "hi"])
    assert result.exit_code == 0 and result.stdout == "Answer\n"
    assert HINT in result.stderr
    assert HINT not in invoke(["stream", "hi"]).stderr


def test_no_hint_when_thoughts_were_shown(invoke, post):  # noqa: F811
    events = sse(CREATED, thought(0, "Hm"), text(1, "Answer"), completed())
    post.mock(side_effect=lambda request: sse_response(events))
    result = invoke(["stream", "--thoughts", "hi"])
    assert result.exit_code == 0 and HINT not in result.stderr
