"""Sources a server sends in any order or with hostile titles and URLs: the text list stays
one line per source, Markdown gets no links or markup of the server's making."""

from __future__ import annotations

from typing import Any

import httpx
import respx

from tests.helpers import IID

ANSWER = "Résumé: alpha is first. Beta is second."
FIRST_END = len(ANSWER.split(" Beta")[0].encode())


def hostile() -> dict[str, Any]:
    """An earlier run cites Early; the answer's annotations are listed last-first, one with a
    title holding a line break and an escape code, one a Markdown link to javascript:."""
    notes = [
        {
            "type": "url_citation",
            "url": "https://b.example/",
            "title": "B\ntitle \x1b[31m",
            "start_index": FIRST_END + 1,
            "end_index": len(ANSWER.encode()),
        },
        {
            "type": "url_citation",
            "url": "https://a.example/x)y",
            "title": "A ](javascript:alert(1)) [x",
            "start_index": 0,
            "end_index": FIRST_END,
        },
    ]
    early = {
        "type": "url_citation",
        "url": "https://early.example/",
        "title": "Early",
        "start_index": 0,
        "end_index": 5,
    }
    steps = [
        {"type": "user_input", "content": [{"type": "text", "text": "q"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Early", "annotations": [early]}]},
        {"type": "google_search_call", "id": "s1", "arguments": {"queries": ["a `b` c"]}},
        {"type": "google_search_result", "call_id": "s1", "result": []},
        {"type": "model_output", "content": [
            {"type": "text", "text": ANSWER, "annotations": notes},
            {"type": "image", "mime_type": "image/png", "uri": "javascript:alert(2)"},
        ]},
    ]  # fmt: skip
    return {"id": IID, "status": "completed", "model": "m", "steps": steps}


def test_markers_follow_the_reading_order_and_titles_stay_on_one_line(
    invoke: Any, api: respx.MockRouter, api_key: str
) -> None:
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, json=hostile()))
    result = invoke(["get", IID, "--sources"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "Résumé: alpha is first.[1] Beta is second.[2]\n\nSources:\n"
        "[1] A ](javascript:alert(1)) [x - https://a.example/x)y\n"
        "[2] B title [31m - https://b.example/\n"
        "[3] Early - https://early.example/\n"
    )


def test_markdown_escapes_what_the_server_says(
    invoke: Any, api: respx.MockRouter, api_key: str
) -> None:
    api.get(f"/interactions/{IID}").mock(return_value=httpx.Response(200, json=hostile()))
    result = invoke(["get", IID, "-f", "markdown"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "](javascript:" not in text.replace("\\](javascript:", "")
    assert "**Searched:** ``a `b` c``" in text
    assert "*[image (image/png) at `javascript:alert(2)`; not saved]*" in text
    assert text.endswith(
        "[^1]: [A \\](javascript:alert(1)) \\[x](<https://a.example/x)y>)\n"
        "[^2]: [B title \\[31m](https://b.example/)\n"
        "[^3]: [Early](https://early.example/)\n"
    )
