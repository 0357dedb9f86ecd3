"""What interactions see of the emulator's files: `uri` blocks checked, `file_search` cited."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gemini_cli.core.jsontypes import JSONObject

from . import replies
from .validation import ApiError

if TYPE_CHECKING:
    from .engine import Engine
    from .files import FilesService

_FILE_URI = re.compile(r"^https?://(?P<host>[^/?#]+)/v\d+[a-z0-9]*/files/(?P<id>[a-z0-9-]{1,40})$")
# Hosts whose `/v1beta/files/ID` uris are this emulator's files (it binds to an address);
# the same path on any other site is an ordinary URL, which the emulator does not fetch.
_FILES_HOSTS = ("generativelanguage.googleapis.com", "emulator.local", "localhost")
MAX_STORES = 5
SNIPPET_CHARS = 160


def resolve(engine: Engine, body: JSONObject, reply: replies.Reply) -> replies.Reply:
    """Refuse uri blocks naming a file that is missing or not ACTIVE; answer a `file_search`
    tool from the stores' documents, citing the one that matches the question best."""
    steps_in = replies.input_steps(body.get("input"))
    uris = [_file_name(b.get("uri")) for s in steps_in for b in _blocks(s)]
    names = [name for name in uris if name]
    stores = _store_names(body)
    if not names and stores is None:
        return reply  # nothing to look up: the files state is not even opened
    from .files import service

    files = service(engine)
    for name in names:
        state = files.file_view(files.file(name))["state"]
        if state != "ACTIVE":
            raise ApiError(400, f"File {name} is {state}, not ACTIVE.", "FAILED_PRECONDITION")
    if stores is not None:
        _cite(files, stores, replies.user_text(steps_in), reply)
    return reply


def _blocks(step: JSONObject) -> list[JSONObject]:
    content = step.get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _file_name(uri: Any) -> str | None:
    match = _FILE_URI.match(uri) if isinstance(uri, str) else None
    if not match or not _serves_files(match["host"]):
        return None
    return f"files/{match['id']}"


def _serves_files(host: str) -> bool:
    import ipaddress

    name = urlsplit(f"//{host}").hostname or ""
    if name in _FILES_HOSTS:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _store_names(body: JSONObject) -> list[str] | None:
    tools = body.get("tools")
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict) and tool.get("type") == "file_search":
            names = tool.get("file_search_store_names")
            if not isinstance(names, list) or not names:
                raise ApiError(400, "file_search needs at least one file_search_store_names.")
            if len(names) > MAX_STORES:
                raise ApiError(400, f"file_search takes at most {MAX_STORES} stores.")
            return [str(name) for name in names]
    return None


def _cite(files: FilesService, stores: list[str], question: str, reply: replies.Reply) -> None:
    documents = [d for s in stores for d in files.stores.documents(files.stores.store(s)["id"])]
    ready = [d for d in documents if files.now >= d["ready_at"]]
    call_id = replies.short_id("fs_", question, *stores)
    best = max(ready, key=lambda d: _overlap(question, str(d.get("text", ""))), default=None)
    results: list[JSONObject] = []
    at = _last_output(reply.steps)
    if best is not None and at is not None:
        results = [_quote(best, reply.steps[at])]
    tool_steps: list[JSONObject] = [
        {"type": "file_search_call", "id": call_id, "signature": ""},
        {"type": "file_search_result", "call_id": call_id, "signature": "", "result": results},
    ]
    position = at if at is not None else len(reply.steps)
    reply.steps[position:position] = tool_steps


def _overlap(question: str, text: str) -> int:
    words = {w for w in re.findall(r"[a-z0-9]+", question.lower()) if len(w) > 2}
    return len(words & set(re.findall(r"[a-z0-9]+", text.lower())))


def _last_output(steps: list[JSONObject]) -> int | None:
    found = [i for i, s in enumerate(steps) if s.get("type") == "model_output" and _blocks(s)]
    return found[-1] if found else None


def _quote(document: JSONObject, output: JSONObject) -> JSONObject:
    """Append a quoted sentence of `document` to the answer, covered by a file_citation."""
    resource = document["resource"]
    shown = str(resource.get("displayName") or resource["name"])
    text = " ".join(str(document.get("text", "")).split())
    snippet = text[:SNIPPET_CHARS].rstrip() or "(an empty document)"
    block = _blocks(output)[-1]
    before = f'{str(block.get("text", "")).rstrip()}\n\nFrom {shown}: "'
    start = len(before.encode())
    block["text"] = f'{before}{snippet}"'
    citation: JSONObject = {
        "type": "file_citation",
        "file_name": shown,
        "document_uri": resource["name"],
        "source": resource["name"],
        "start_index": start,
        "end_index": start + len(snippet.encode()),
    }
    block["annotations"] = [*block.get("annotations", []), citation]
    return {"document": resource["name"], "title": shown, "text": snippet}
