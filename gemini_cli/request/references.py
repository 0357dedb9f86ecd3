"""`-a` by reference: a Files API name or uri, an http(s) URL, or a big file uploaded first."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.request import mime

# Above this a local -a file goes through the Files API: base64 makes an inline file a third
# bigger, the API takes 100 MB per request (50 MB of PDF), and a big inline request is sent
# again whole on every retry, while an upload resumes.
INLINE_MAX_BYTES = 20 * 1024 * 1024
# Patterns as strings: `re` compiles (and caches) them on the first -a that needs them.
_FILE_NAME = r"^files/[a-z0-9][a-z0-9-]{0,39}$"
_OTHER_URL = r"^[A-Za-z][A-Za-z0-9+.-]*://"
_FILE_URI_PATH = r"^(?:/.*)?/v\d+[a-z0-9]*/files/(?P<id>[a-z0-9][a-z0-9-]{0,39})$"


class Resolver(Protocol):
    """What needs the API: looking a file up, uploading one (cli/references.py)."""

    def file_block(self, name: str, uri: str | None, mime_type: str | None) -> JSONObject: ...

    def upload_block(self, path: Path, size: int, mime_type: str | None) -> JSONObject: ...

    def serves_files(self, host: str) -> bool: ...


_RESOLVER: ContextVar[Resolver | None] = ContextVar("gem_resolver", default=None)


@contextmanager
def resolving(resolver: Resolver) -> Iterator[None]:
    """Within this block, `-a` references are resolved (and big files uploaded) by `resolver`."""
    token = _RESOLVER.set(resolver)
    try:
        yield
    finally:
        _RESOLVER.reset(token)


def reference_block(spec: str, mime_type: str | None) -> JSONObject | None:
    """The block for an `-a` value that is not read inline, or None (read it as a file).

    An existing local path always wins; then `files/ID` and a Files API uri (looked up for
    their type), then any other http(s) URL (a `uri` block typed by --mime-type or the URL's
    extension; never downloaded). A regular file above INLINE_MAX_BYTES is uploaded first."""
    if not spec:
        raise UsageError("--attach: the value is empty")
    if os.path.lexists(spec):
        size = _regular_size(spec)
        if size is None or size <= INLINE_MAX_BYTES:
            return None
        return _resolver(spec).upload_block(Path(spec), size, mime_type)
    if re.match(_FILE_NAME, spec):
        return _resolver(spec).file_block(spec, None, mime_type)
    if not spec.lower().startswith(("https://", "http://")):
        if re.match(_OTHER_URL, spec):
            raise UsageError(f"{spec}: only http(s) URLs can be sent by reference")
        return None
    parts = urlsplit(spec)
    found = re.match(_FILE_URI_PATH, parts.path)
    if found and not parts.query and _resolver(spec).serves_files(parts.netloc):
        return _resolver(spec).file_block(f"files/{found['id']}", spec, mime_type)
    return uri_block(spec, mime_type or mime.from_name(parts.path), spec)


def uri_block(uri: str, mime_type: str | None, shown: str) -> JSONObject:
    """A content block pointing at `uri`, its type chosen by the MIME type."""
    if not mime_type:
        raise UsageError(
            f"{shown}: cannot tell what the URL holds from its name",
            hint="say it with --mime-type TYPE, e.g. --mime-type application/pdf",
        )
    kind = block_kind(mime_type)
    if kind is None:
        raise UsageError(f"{shown}: MIME type {mime_type} cannot be sent as input")
    return {"type": kind, "uri": uri, "mime_type": mime_type}


def block_kind(mime_type: str) -> str | None:
    """image/audio/video/document by MIME type; text (markdown, code...) as a document."""
    kind = mime.block_type(mime_type)
    if kind is None and (mime_type.startswith("text/") or mime_type.endswith(("/json", "+xml"))):
        return "document"
    return kind


def _regular_size(path: str) -> int | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _resolver(spec: str) -> Resolver:
    resolver = _RESOLVER.get()
    if resolver is None:
        raise UsageError(f"-a {spec}: a reference needs the API, which is not available here")
    return resolver
