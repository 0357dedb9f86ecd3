"""`gem files` against the emulator over loopback sockets: chunks, resumes, waits, limits."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from gemini_cli.emulator.files import FAIL_MARKER
from tests.scripted_server import Reply, Request

from .conftest import Emulator

DATA = bytes(range(256)) * 20  # 5120 bytes: five chunks of 1 KiB


@pytest.fixture
def blob(tmp_path: Path) -> Path:
    path = tmp_path / "blob.bin"
    path.write_bytes(DATA)
    return path


def sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_upload_in_chunks_prints_the_uri(gem, emulator: Emulator, blob, monkeypatch) -> None:
    monkeypatch.setenv("GEM_UPLOAD_CHUNK", "1K")
    result = gem("files", "upload", "--mime-type", "application/pdf", str(blob))
    assert result.exit_code == 0, result.stderr
    uri = result.stdout.strip()
    assert uri.startswith(emulator.url + "/v1beta/files/") and result.stderr == ""
    chunks = emulator.chunks()
    assert [c.headers["x-goog-upload-offset"] for c in chunks] == [
        "0",
        "1024",
        "2048",
        "3072",
        "4096",
    ]
    commands = [c.headers["x-goog-upload-command"] for c in chunks]
    assert commands == ["upload"] * 4 + ["upload, finalize"]
    assert all("x-goog-api-key" not in c.headers for c in chunks)  # the session URL suffices
    start = next(s for s in emulator.seen if s.headers.get("x-goog-upload-command") == "start")
    assert start.path == "/upload/v1beta/files"
    assert start.headers["x-goog-upload-header-content-length"] == str(len(DATA))
    assert json.loads(start.body) == {
        "file": {"mimeType": "application/pdf", "displayName": "blob.bin"}
    }
    got = gem("files", "get", uri, "--json")
    file = json.loads(got.stdout)
    assert (file["sizeBytes"], file["sha256Hash"], file["state"]) == (
        str(len(DATA)),
        sha(DATA),
        "ACTIVE",
    )


def test_chunk_size_follows_the_servers_granularity(gem, emulator, blob, monkeypatch) -> None:
    monkeypatch.setenv("GEM_UPLOAD_CHUNK", "1500")  # the emulator asks for multiples of 1024
    assert gem("files", "upload", "--mime-type", "image/png", str(blob)).exit_code == 0
    assert [len(c.body) for c in emulator.chunks()] == [1024] * 5


@pytest.mark.parametrize("fault", ["drop", "drop-stored"])
def test_a_dropped_chunk_is_resumed_from_the_servers_offset(
    gem, emulator: Emulator, blob, monkeypatch, fault: str
) -> None:
    monkeypatch.setenv("GEM_UPLOAD_CHUNK", "2K")
    emulator.files.chunk_faults[:] = ["", fault]  # the second chunk's answer is lost
    result = gem("files", "upload", "--format", "json", "--mime-type", "image/png", str(blob))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["sha256Hash"] == sha(DATA)
    queries = [s for s in emulator.seen if s.headers.get("x-goog-upload-command") == "query"]
    assert len(queries) == 1
    offsets = [c.headers["x-goog-upload-offset"] for c in emulator.chunks()]
    # kept: go on after it; lost: send it again
    assert offsets == (
        ["0", "2048", "4096"] if fault == "drop-stored" else ["0", "2048", "2048", "4096"]
    )


def test_a_lost_finalize_answer_is_recovered_by_the_query(gem, emulator, tmp_path) -> None:
    small = tmp_path / "note.txt"
    small.write_text("hello")
    emulator.files.chunk_faults[:] = ["drop-stored"]
    result = gem("files", "upload", "--format", "id", str(small))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("files/")
    assert len(emulator.files.records("files")) == 1  # uploaded once, not twice


def test_stdin_and_several_paths(gem, emulator, blob) -> None:
    result = gem("files", "upload", "--format", "id", "-", str(blob), input=b"from stdin\n")
    assert result.exit_code == 0, result.stderr
    names = result.stdout.split()
    assert len(names) == 2 and all(n.startswith("files/") for n in names)
    first = json.loads(gem("files", "get", names[0], "--json").stdout)
    assert first["mimeType"] == "text/plain" and "displayName" not in first


def test_several_results_are_several_yaml_documents(gem, blob) -> None:
    import yaml

    uploaded = gem("files", "upload", "--format", "yaml", str(blob), str(blob))
    assert uploaded.exit_code == 0, uploaded.stderr
    files = list(yaml.safe_load_all(uploaded.stdout))  # not one mapping, the second winning
    assert len(files) == 2 and files[0]["name"] != files[1]["name"]
    deleted = gem("files", "delete", "--format", "yaml", files[0]["name"], files[1]["name"])
    assert deleted.exit_code == 0 and deleted.stdout == "{}\n---\n{}\n"


def test_limits_and_paths_are_checked_before_anything_is_sent(
    gem, emulator, tmp_path, blob
) -> None:
    huge = tmp_path / "huge.mp4"
    with huge.open("wb") as handle:
        handle.truncate(2 * 1024**3 + 1)  # sparse: no disk used
    result = gem("files", "upload", str(blob), str(huge))
    assert result.exit_code == 2
    assert "huge.mp4: 2147483649 bytes is more than the API takes (2147483648 bytes at most)" in (
        result.stderr
    )
    missing = gem("files", "upload", str(blob), str(tmp_path / "nope.png"))
    assert (missing.exit_code, missing.stderr.strip()) == (
        2,
        f"gem: error: {tmp_path}/nope.png: no such file",
    )
    two = gem("files", "upload", "--display-name", "x", str(blob), str(blob))
    assert two.exit_code == 2 and "--display-name names one file" in two.stderr
    assert emulator.seen == []


def test_waits_for_processing_then_prints(gem, emulator, tmp_path, fake_clock) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00" * 100)
    result = gem("files", "upload", "--format", "json", str(clip))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "ACTIVE"
    assert fake_clock.sleeps == [1.0]  # one poll after 1 s: processing takes 1 s here
    waited = gem("files", "upload", "--no-wait", "--format", "json", str(clip))
    assert json.loads(waited.stdout)["state"] == "PROCESSING"


def test_failed_processing_is_exit_1(gem, tmp_path) -> None:
    clip = tmp_path / "broken.mp4"
    clip.write_bytes(FAIL_MARKER + b"...")
    result = gem("files", "upload", str(clip))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "processing" in result.stderr and result.stderr.startswith("gem: error: files/")
    name = result.stderr.split()[2].rstrip(":")
    assert f"remove it: gem files delete {name}" in result.stderr  # it is still there


def test_the_deadline_while_processing_is_exit_8_with_the_uri(gem, tmp_path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00" * 100)
    result = gem("files", "upload", "--timeout", "0.5", str(clip))
    assert result.exit_code == 8
    assert "/v1beta/files/" in result.stdout  # a script can come back for it
    assert "still PROCESSING" in result.stderr


def test_list_get_delete(gem, emulator, blob, monkeypatch) -> None:
    monkeypatch.setattr("gemini_cli.api.files.FILES_PAGE_MAX", 2)  # three files: two pages
    names = [gem("files", "upload", "-f", "id", str(blob)).stdout.strip() for _ in range(3)]
    listed = gem("files", "list", "--format", "id")
    assert listed.stdout.split() == names
    pages = [s for s in emulator.seen if s.method == "GET" and s.path == "/v1beta/files"]
    assert [p.query for p in pages] == ["pageSize=2", "pageSize=2&pageToken=p2"]
    limited = gem("files", "list", "--limit", "1", "--json")
    assert [f["name"] for f in json.loads(limited.stdout)] == names[:1]
    rows = gem("files", "list").stdout.splitlines()
    assert rows[0].split("\t")[:5] == [
        names[0],
        "blob.bin",
        "application/octet-stream",
        "5120",
        "ACTIVE",
    ]
    deleted = gem("files", "delete", names[0], names[1].removeprefix("files/"))
    assert deleted.stdout.split() == names[:2]
    gone = gem("files", "get", names[0])
    assert gone.exit_code == 3 and "may not exist" in gone.stderr


def test_server_text_is_shown_safely(gem, blob) -> None:
    gem("files", "upload", "--display-name", "evil\x1b[2Jname", str(blob))
    out = gem("files", "list").stdout
    assert "\x1b" not in out and "evil\\x1b[2Jname" in out


def test_debug_traces_hide_the_session_url(gem, blob, api_key) -> None:
    result = gem("files", "upload", "--debug", str(blob))
    assert result.exit_code == 0
    assert "upload_id=" in result.stderr  # the session URL is traced, its id is not
    assert re.search(r"upload_id=(?!<redacted>)", result.stderr) is None
    assert api_key not in result.stderr


def test_a_full_storage_quota_says_so(invoke, scripted_server, api_key, blob) -> None:
    body = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                      "message": "Corpus has reached the storage limit of 1000000000 bytes."}}  # fmt: skip
    scripted_server.reply(
        429, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    result = invoke(
        ["--base-url", scripted_server.url, "--max-retries", "0", "files", "upload", str(blob)]
    )
    assert result.exit_code == 5
    assert "storage limit" in result.stderr and "delete files or documents" in result.stderr


def test_files_api_version_follows_an_explicit_setting(gem, emulator, blob) -> None:
    assert gem("--api-version", "v1", "files", "list").exit_code == 0
    assert emulator.seen[-1].path == "/v1/files"


def test_progress_only_on_a_terminal(gem, blob, monkeypatch) -> None:
    monkeypatch.setenv("GEM_UPLOAD_CHUNK", "1K")
    shown = gem("files", "upload", str(blob), tty={"stderr_isatty": True})
    assert shown.exit_code == 0
    assert shown.stdout.count("\n") == 1 and "/v1beta/files/" in shown.stdout  # data only
    assert "blob.bin" in shown.stderr  # the bar's label
    quiet = gem("files", "upload", "-q", str(blob), tty={"stderr_isatty": True})
    assert quiet.stderr == ""


def test_a_bad_chunk_size_is_exit_2(gem, blob, monkeypatch, emulator) -> None:
    monkeypatch.setenv("GEM_UPLOAD_CHUNK", "lots")
    result = gem("files", "upload", str(blob))
    assert result.exit_code == 2 and "GEM_UPLOAD_CHUNK" in result.stderr


def test_empty_input_is_refused(gem, emulator, tmp_path) -> None:
    empty = tmp_path / "empty.txt"
    empty.touch()
    assert gem("files", "upload", str(empty)).stderr == f"gem: error: {empty}: is empty\n"
    assert gem("files", "upload", "-", input=b"").exit_code == 2
    assert emulator.seen == []


def test_resumes_are_bounded_by_max_retries(gem, emulator, blob, monkeypatch) -> None:
    monkeypatch.setenv("GEM_UPLOAD_CHUNK", "2K")
    emulator.files.chunk_faults[:] = ["", "drop", "drop"]
    result = gem("--max-retries", "1", "files", "upload", str(blob))
    assert result.exit_code == 6
    assert result.stderr == "gem: error: the upload broke off at byte 2048 and could not resume\n"
    assert result.stdout == ""


def test_a_silent_pipe_ends_at_the_deadline(gem, emulator, tmp_path) -> None:
    from gemini_cli.api.retry import Clock

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = gem("files", "upload", "--timeout", "0.3", str(fifo), clock=Clock())
    assert result.exit_code == 2
    assert "no data arrived within 0.3s" in result.stderr
    assert emulator.seen == []


@pytest.mark.parametrize("given", ["notamime", "text/plain\r\nX-Injected: 1"])
def test_a_malformed_mime_type_is_exit_2(gem, emulator, blob, given: str) -> None:
    result = gem("files", "upload", "--mime-type", given, str(blob))
    assert result.exit_code == 2 and "not a MIME type" in result.stderr
    assert emulator.seen == []  # it would have gone into a header


@pytest.mark.parametrize("same_token", [True, False])
def test_a_server_that_pages_forever_is_stopped(
    invoke, scripted_server, api_key, same_token: bool
) -> None:
    def page(request: Request) -> Reply:
        token = "again" if same_token else f"t{len(scripted_server.requests)}"
        body = {"files": [], "nextPageToken": token}
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(body).encode())

    scripted_server.handler = page
    result = invoke(["--base-url", scripted_server.url, "files", "list"])
    assert (result.exit_code, result.stdout) == (6, "")
    assert "stopped listing" in result.stderr
    assert len(scripted_server.requests) <= 10
