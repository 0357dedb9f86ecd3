"""Emulated tool work and richer answers: search and URL grounding with citations, code
execution, and mixed text-and-media answers (`[[mixed]]` in the prompt)."""

from __future__ import annotations

import re
from urllib.parse import quote

from gemini_cli.core.jsontypes import JSONObject

from .replies import short_id
from .tools_replies import _b64, tiny_png

MIXED_MARKER = "[[mixed]]"
SEARCH_URL = "https://example.com/search/"
URL_RE = re.compile(r"https?://[^\s\"'<>]+")


def prompt_urls(text: str) -> list[str]:
    """The URLs in a prompt, without the punctuation that ends a sentence after one."""
    return [url.rstrip(".,;:!?)") for url in URL_RE.findall(text)]


def tool_names(body: JSONObject) -> set[str]:
    tools = body.get("tools")
    return {
        str(tool.get("type"))
        for tool in (tools if isinstance(tools, list) else [])
        if isinstance(tool, dict)
    }


def search_url(text: str) -> str:
    return SEARCH_URL + quote(" ".join(text.split())[:80] or "query", safe="")


def tool_steps(body: JSONObject, text: str) -> list[JSONObject]:
    """The built-in tool work a model does before answering: a Google search for the prompt,
    a read of every URL in it, a run of code that prints the prompt's word count."""
    declared = tool_names(body)
    steps: list[JSONObject] = []
    if "google_search" in declared:
        call_id = short_id("gs_", text)
        steps += [
            {"type": "google_search_call", "id": call_id, "arguments": {"queries": [text]}},
            {
                "type": "google_search_result",
                "call_id": call_id,
                "result": [{"search_suggestions": "<div><!-- emulated suggestions --></div>"}],
            },
        ]
    urls = prompt_urls(text)
    if "url_context" in declared and urls:
        call_id = short_id("uc_", text)
        steps += [
            {"type": "url_context_call", "id": call_id, "arguments": {"urls": urls}},
            {
                "type": "url_context_result",
                "call_id": call_id,
                "result": [{"url": url, "status": "success"} for url in urls],
            },
        ]
    if "code_execution" in declared:
        call_id = short_id("ce_", text)
        code = f"words = {text!r}.split()\nprint(len(words))"
        steps += [
            {
                "type": "code_execution_call",
                "id": call_id,
                "arguments": {"code": code, "language": "python"},
            },
            {
                "type": "code_execution_result",
                "call_id": call_id,
                "result": f"{len(text.split())}\n",
            },
        ]
    return steps


def citations(body: JSONObject, text: str, answer: str) -> list[JSONObject]:
    """url_citation annotations covering the whole answer (byte offsets): the search result
    for --search, each URL read for --url-context."""
    declared = tool_names(body)
    cited: list[tuple[str, str]] = []
    if "google_search" in declared:
        cited.append((search_url(text), f"Search result for {' '.join(text.split())[:60]}"))
    if "url_context" in declared:
        cited += [(url, "") for url in prompt_urls(text)]
    end = len(answer.encode())
    return [
        {"type": "url_citation", "url": url, "title": title, "start_index": 0, "end_index": end}
        if title
        else {"type": "url_citation", "url": url, "start_index": 0, "end_index": end}
        for url, title in cited
    ]


def mixed_content(answer: str, seed: str) -> list[JSONObject]:
    """`Step 1: ... [image] Step 2: ...`: text, an image, then more text in one model_output."""
    image = {"type": "image", "mime_type": "image/png", "data": _b64(tiny_png(seed))}
    return [
        {"type": "text", "text": f"Step 1: {answer}\n\n"},
        image,
        {"type": "text", "text": "\n\nStep 2: the end."},
    ]


def with_chart(report: JSONObject, seed: str) -> JSONObject:
    """A visualised research report: a chart and its caption after the text (the caption
    alone was once all a client printed)."""
    content = list(report.get("content") or [])
    content += [
        {"type": "image", "mime_type": "image/png", "data": _b64(tiny_png(seed))},
        {"type": "text", "text": "\n\nFigure 1: the emulated chart.\n"},
    ]
    return {**report, "content": content}
