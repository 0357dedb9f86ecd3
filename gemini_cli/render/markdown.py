"""`--format markdown`: one interaction as a Markdown transcript (thoughts, tool work, answer,
sources as footnotes, media as links to the files --save wrote)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from gemini_cli.api.steps import MEDIA_TYPES, final_run, is_text_block, type_of
from gemini_cli.core.jsontypes import JSONObject, JSONValue
from gemini_cli.render.sources import Sources, footnote_marker, marked_text, this_turn

# (step index, block index) -> the file a media block was saved as (or the URI it is at)
SavedMedia = Mapping[tuple[int, int], str]
_TICKS = re.compile(r"`{3,}")
_BLANKS = re.compile(r"\n{3,}")
_RUNS = re.compile(r"`+")
_SPECIAL = re.compile(r"([\\`*_\[\]<>!#|~])")
_UNSAFE = {" ": "%20", "<": "%3C", ">": "%3E"}
_WEB = re.compile(r"https?://", re.IGNORECASE)
_AUTOLINK = re.compile(r"https?://[^\s<>\x00-\x1f\x7f]+$", re.IGNORECASE)


def fence(text: str, info: str = "") -> str:
    """A fenced code block that no run of backticks inside `text` can close early."""
    longest = max((len(m) for m in _TICKS.findall(text)), default=2)
    ticks = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") else text + "\n"
    return f"{ticks}{info}\n{body}{ticks}"


def escaped(text: str) -> str:
    """Server text (a page title, a file name) as literal Markdown text: no link, emphasis or
    HTML of its own, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def code_span(text: str) -> str:
    """`text` as inline code that no backtick inside it can close early."""
    flat = " ".join(text.split())
    ticks = "`" * (max((len(m) for m in _RUNS.findall(flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def destination(target: str) -> str:
    """A link destination with what would end it percent-encoded (in angle brackets when it
    holds parentheses)."""
    safe = "".join(_UNSAFE.get(c, c) for c in target if c.isprintable())
    return f"<{safe}>" if "(" in safe or ")" in safe else safe


def web_link(url: str, text: str = "") -> str:
    """A link to an http(s) URL (`<url>` when it needs no text); anything else, e.g. a
    javascript: URL from a hostile page, is shown as code, never as a link."""
    if not _WEB.match(url):
        return f"{escaped(text)} ({code_span(url)})" if text else code_span(url)
    if not text and _AUTOLINK.match(url):
        return f"<{url}>"
    return f"[{escaped(text or url)}]({destination(url)})"


def quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.strip("\n").split("\n"))


def as_json(value: JSONValue) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def result_text(value: JSONValue) -> str:
    """A tool result as text: a string as is, content blocks' text, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(is_text_block(v) for v in value):
        return "\n".join(str(v["text"]) for v in value if isinstance(v, dict))
    return as_json(value)


def render(
    data: JSONObject,
    steps: list[JSONObject],
    sources: Sources | None,
    saved: SavedMedia,
) -> str:
    """The whole turn as Markdown: every step of it in order, then the footnotes."""
    answer_ids = {id(step) for step in final_run(steps)}
    turn = this_turn(steps)
    offset = len(steps) - len(turn)
    parts: list[str] = []
    for index, step in enumerate(turn, offset):
        part = _step(step, index, id(step) in answer_ids, sources, saved)
        if part:
            parts.append(part)
    status = data.get("status")
    if isinstance(status, str) and status and status != "completed":
        parts.append(f"*Status: {status}*")
    if sources is not None and sources.items:
        parts.append(footnotes(sources))
    return "\n\n".join(parts) + "\n" if parts else ""


def footnotes(sources: Sources) -> str:
    return "\n".join(
        f"[^{n}]: {web_link(source.where, source.title)}"
        for n, source in enumerate(sources.items, 1)
    )


def _step(
    step: JSONObject, index: int, in_answer: bool, sources: Sources | None, saved: SavedMedia
) -> str:
    kind = type_of(step)
    if kind == "model_output":
        return _output(step, index, sources if in_answer else None, saved)
    render_step = _STEPS.get(kind)
    if render_step is not None:
        return render_step(step)
    if kind.endswith("_call") or kind.endswith("_result"):
        return _tool_step(step)
    return f"**Step `{kind or 'unknown'}`**\n\n" + fence(as_json(step), "json")


def _output(step: JSONObject, index: int, sources: Sources | None, saved: SavedMedia) -> str:
    pieces: list[str] = []
    content = step.get("content")
    for position, block in enumerate(content if isinstance(content, list) else []):
        if is_text_block(block) and isinstance(block, dict):
            text = marked_text(block, sources, footnote_marker) if sources else block["text"]
            pieces.append(str(text))
        elif isinstance(block, dict) and type_of(block) in MEDIA_TYPES:
            pieces.append(_media(block, saved.get((index, position))))
    # Media links stand in paragraphs of their own: at most one blank line around them.
    return _BLANKS.sub("\n\n", "".join(pieces)).strip("\n")


def _media(block: JSONObject, where: str | None) -> str:
    kind = type_of(block)
    label = f"{kind} ({block.get('mime_type')})" if block.get("mime_type") else kind
    uri = block.get("uri")
    if where is None and isinstance(uri, str) and not _WEB.match(uri):
        return f"\n\n*[{label} at {code_span(uri)}; not saved]*\n\n"
    if where is None and isinstance(uri, str):
        where = uri
    if where is None:
        return f"\n\n*[{label} not saved; use --save DIR]*\n\n"
    target = where if _WEB.match(where) else Path(where).as_posix()
    link = f"[{label}]({destination(target)})"
    return f"\n\n{'!' if kind == 'image' else ''}{link}\n\n"


def _thought(step: JSONObject) -> str:
    summary = step.get("summary")
    texts = [
        str(b["text"])
        for b in (summary if isinstance(summary, list) else [])
        if is_text_block(b) and isinstance(b, dict)
    ]
    return quote("\n\n".join(t.strip() for t in texts if t.strip())) if texts else ""


def _function_call(step: JSONObject) -> str:
    """The call with its id: answering it (`--result CALL_ID=FILE`) needs the id."""
    name, ident = step.get("name") or "?", step.get("id")
    called = f" (id {code_span(ident)})" if isinstance(ident, str) and ident else ""
    arguments = fence(as_json(step.get("arguments") or {}), "json")
    return f"**Function call** {code_span(str(name))}{called}\n\n{arguments}"


def _function_result(step: JSONObject) -> str:
    name = step.get("name") or step.get("call_id") or "?"
    label = "Function error" if step.get("is_error") else "Function result"
    return f"**{label}** {code_span(str(name))}\n\n" + fence(result_text(step.get("result")))


def _code_call(step: JSONObject) -> str:
    arguments = step.get("arguments")
    args = arguments if isinstance(arguments, dict) else {}
    language = str(args.get("language") or "python")
    return "**Code**\n\n" + fence(str(args.get("code") or ""), language)


def _code_result(step: JSONObject) -> str:
    label = "Code error" if step.get("is_error") else "Code result"
    return f"**{label}**\n\n" + fence(result_text(step.get("result")))


def _queries(step: JSONObject, what: str) -> str:
    arguments = step.get("arguments")
    found = arguments.get("queries") if isinstance(arguments, dict) else None
    queries = [str(q) for q in found if isinstance(q, str)] if isinstance(found, list) else []
    return f"**{what}:** " + ", ".join(map(code_span, queries)) if queries else f"**{what}**"


def _urls_read(step: JSONObject) -> str:
    arguments = step.get("arguments")
    found = arguments.get("urls") if isinstance(arguments, dict) else None
    urls = [str(u) for u in found if isinstance(u, str)] if isinstance(found, list) else []
    return "**Reading:** " + ", ".join(map(web_link, urls)) if urls else "**Reading URLs**"


def _url_results(step: JSONObject) -> str:
    result = step.get("result")
    lines = [
        f"- {web_link(str(item['url']))} ({escaped(str(item.get('status', 'success')))})"
        for item in (result if isinstance(result, list) else [])
        if isinstance(item, dict) and item.get("url")
    ]
    return "\n".join(lines)


def _file_results(step: JSONObject) -> str:
    result = step.get("result")
    lines = []
    for item in result if isinstance(result, list) else []:
        if isinstance(item, dict):
            title = item.get("title") or item.get("document") or "document"
            text = " ".join(str(item.get("text") or "").split())
            lines.append(f"- **{escaped(str(title))}**" + (f": {text}" if text else ""))
    return "\n".join(lines)


def _mcp_call(step: JSONObject) -> str:
    name = f"{step.get('server_name') or '?'}/{step.get('name') or '?'}"
    return f"**Tool call** {code_span(name)}\n\n" + fence(
        as_json(step.get("arguments") or {}), "json"
    )


def _tool_step(step: JSONObject) -> str:
    """A built-in tool step gem has no special view of: its type, and its payload as JSON."""
    kind = type_of(step)
    payload = {k: v for k, v in step.items() if k not in ("type", "signature", "id", "call_id")}
    if not payload:
        return f"**{kind}**"
    return f"**{kind}**\n\n" + fence(as_json(payload), "json")


_STEPS: dict[str, Callable[[JSONObject], str]] = {
    "thought": _thought,
    "function_call": _function_call,
    "function_result": _function_result,
    "code_execution_call": _code_call,
    "code_execution_result": _code_result,
    "google_search_call": lambda step: _queries(step, "Searched"),
    "google_search_result": lambda step: "",  # suggestions are HTML chips for a browser
    "google_maps_call": lambda step: _queries(step, "Searched Maps"),
    "retrieval_call": lambda step: _queries(step, "Retrieved"),
    "url_context_call": _urls_read,
    "url_context_result": _url_results,
    "file_search_call": lambda step: "**Searched the file stores**",
    "file_search_result": _file_results,
    "mcp_server_tool_call": _mcp_call,
    "mcp_server_tool_result": _function_result,
}
