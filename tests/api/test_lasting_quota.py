"""A 429 for a used-up storage or daily quota is not retried; an ordinary 429 still is."""

from __future__ import annotations

import pytest

from gemini_cli.api.retry import is_lasting_quota
from tests.helpers import IID, error_body, ok

STORAGE = "Corpus has reached the storage limit of 1000000000 bytes."
DAILY = "Quota exceeded for metric: generate_requests_per_model_per_day, limit: 50"


@pytest.mark.parametrize("message", [STORAGE, DAILY])
def test_a_lasting_quota_fails_at_once_with_exit_5(invoke, api, api_key, message):
    route = api.get(f"/interactions/{IID}").mock(
        return_value=error_body(429, message, label="RESOURCE_EXHAUSTED")
    )
    result = invoke(["get", IID])
    assert result.exit_code == 5 and route.call_count == 1
    assert "retrying" not in result.stderr


def test_an_ordinary_429_is_still_retried(invoke, api, api_key):
    route = api.get(f"/interactions/{IID}").mock(
        side_effect=[error_body(429, "Resource has been exhausted (e.g. check quota)."), ok()]
    )
    result = invoke(["get", IID])
    assert result.exit_code == 0 and route.call_count == 2


@pytest.mark.parametrize(
    ("status", "body", "lasting"),
    [
        (429, STORAGE.encode(), True),
        (429, b'{"error": {"message": "GenerateRequestsPerDayPerProjectPerModel"}}', True),
        (429, b"rate limit per minute", False),
        (503, STORAGE.encode(), False),
    ],
)
def test_is_lasting_quota(status, body, lasting):
    assert is_lasting_quota(status, body) is lasting


def test_the_files_api_does_not_retry_a_full_storage(invoke, scripted_server, api_key, tmp_path):
    import json

    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"x" * 100)
    body = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": STORAGE}}
    scripted_server.reply(429, body=json.dumps(body).encode())
    result = invoke(["--base-url", scripted_server.url, "files", "upload", str(blob)])
    assert result.exit_code == 5 and "retrying" not in result.stderr
    assert len(scripted_server.requests) == 1
