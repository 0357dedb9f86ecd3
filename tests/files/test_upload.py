"""The resumable upload protocol (api/upload.py) against a scripted transport."""

from __future__ import annotations

import httpx
import pytest

from gemini_cli.api.client import InteractionsClient
from gemini_cli.api.deadline import Deadline
from gemini_cli.api.errors import NetworkError
from gemini_cli.api.files import FilesClient
from gemini_cli.api.upload import UploadJob, upload
from tests.conftest import FakeClock


class Bytes:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def read_at(self, offset: int, size: int) -> bytes:
        return self.data[offset : offset + size]


def test_a_plain_http_session_url_from_an_https_api_is_refused(fake_clock: FakeClock) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        session = "http://uploads.example.com/upload/v1beta/files?upload_id=x"
        return httpx.Response(200, headers={"x-goog-upload-url": session})

    http = InteractionsClient(
        api_key="k" * 39,
        base_url="https://generativelanguage.googleapis.com",
        clock=fake_clock,
        transport=httpx.MockTransport(answer),
    )
    files = FilesClient(http, "v1beta", Deadline(60, fake_clock))
    job = UploadJob("files", {"file": {}}, "text/plain")
    with pytest.raises(NetworkError, match="plain http:// upload URL"):
        upload(files, job, Bytes(b"private bytes"))
    assert len(seen) == 1  # the start only: no byte went over plain http
