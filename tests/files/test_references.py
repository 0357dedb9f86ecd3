"""`-a` by reference: Files API names and uris, URLs, and big files uploaded first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Emulator


def sent_input(emulator: Emulator) -> list[dict]:
    create = [s for s in emulator.seen if s.path.endswith("/interactions") and s.method == "POST"]
    return json.loads(create[-1].body)["input"][0]["content"]


@pytest.fixture
def uploaded(gem, tmp_path: Path) -> dict:
    doc = tmp_path / "report.pdf"
    doc.write_bytes(b"%PDF-1.4 a tiny report")
    return json.loads(gem("files", "upload", "--json", str(doc)).stdout)


def test_a_files_api_name_or_uri(gem, emulator, uploaded) -> None:
    for given in (uploaded["name"], uploaded["uri"]):
        result = gem("create", "-a", given, "Summarise")
        assert result.exit_code == 0, result.stderr
        assert sent_input(emulator)[0] == {
            "type": "document", "uri": uploaded["uri"], "mime_type": "application/pdf"
        }  # fmt: skip
        assert uploaded["uri"] in result.stdout


def test_an_https_url_is_sent_by_reference(gem, emulator) -> None:
    result = gem("create", "-a", "https://example.com/pics/cat.png", "What is it?")
    assert result.exit_code == 0, result.stderr
    assert sent_input(emulator)[0] == {
        "type": "image", "uri": "https://example.com/pics/cat.png", "mime_type": "image/png"
    }  # fmt: skip
    typed = gem("create", "--mime-type", "video/mp4", "-a", "https://example.com/v?id=1", "x")
    assert typed.exit_code == 0 and sent_input(emulator)[0]["type"] == "video"
    unknown = gem("create", "-a", "https://example.com/thing", "x")
    assert unknown.exit_code == 2 and "--mime-type" in unknown.stderr


def test_a_missing_or_unready_file(gem, emulator, tmp_path) -> None:
    missing = gem("create", "-a", "files/doesnotexist", "x")
    assert missing.exit_code == 3 and "may not exist" in missing.stderr
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00" * 10)
    name = gem("files", "upload", "--no-wait", "-f", "id", str(clip)).stdout.strip()
    waited = gem("create", "-a", name, "Describe")  # PROCESSING: waited for
    assert waited.exit_code == 0, waited.stderr


def test_a_local_path_wins_over_a_name(gem, emulator, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "abc").write_text("local text")
    result = gem("create", "-a", "files/abc", "x")
    assert result.exit_code == 0 and sent_input(emulator)[0] == {
        "type": "text",
        "text": "local text",
    }


def test_a_big_file_is_uploaded_first(gem, emulator, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("gemini_cli.request.references.INLINE_MAX_BYTES", 1000)
    monkeypatch.setenv("GEM_UPLOAD_CHUNK", "1K")
    lecture = tmp_path / "lecture.mp3"
    lecture.write_bytes(b"\xff\xfb" + b"\x00" * 3000)
    result = gem("create", "-a", str(lecture), "Summarise")
    assert result.exit_code == 0, result.stderr
    assert "uploading" in result.stderr and "lecture.mp3" in result.stderr
    block = sent_input(emulator)[0]
    assert block["type"] == "audio" and block["uri"].startswith(emulator.url + "/v1beta/files/")
    assert len(emulator.chunks()) == 3
    refused = gem("create", "--no-upload", "-a", str(lecture), "Summarise")
    assert refused.exit_code == 2 and "--no-upload" in refused.stderr


def test_dry_run_sends_nothing(gem, emulator, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("gemini_cli.request.references.INLINE_MAX_BYTES", 10)
    big = tmp_path / "big.txt"
    big.write_text("x" * 100)
    result = gem("create", "--dry-run", "-a", "files/abc", "-a", str(big), "x")
    assert result.exit_code == 0, result.stderr
    blocks = json.loads(result.stdout)["body"]["input"][0]["content"]
    assert blocks[0]["uri"] == "<the uri of files/abc, looked up when sent>"
    assert blocks[1]["uri"] == f"<the uri of {big}, uploaded when sent>"
    assert emulator.seen == []


def test_urls_are_sent_exactly_as_typed(gem, emulator) -> None:
    # -a is a plain string: a Path would turn `//` into `/` (and `https://` into `https:/`).
    for url in ("https://example.com//pics//cat.png#x", "HTTPS://EXAMPLE.COM/CAT.PNG"):
        result = gem("create", "-a", url, "What is it?")
        assert result.exit_code == 0, result.stderr
        assert sent_input(emulator)[0] == {"type": "image", "uri": url, "mime_type": "image/png"}


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ("https:/example.com/cat.png", "https:/example.com/cat.png: no such file"),
        ("ftp://example.com/cat.png", "only http(s) URLs can be sent by reference"),
        ("", "--attach: the value is empty"),
    ],
)
def test_what_is_neither_a_file_nor_a_url(gem, emulator, given: str, error: str) -> None:
    result = gem("create", "--dry-run", "-a", given, "x")
    assert result.exit_code == 2 and error in result.stderr
    assert emulator.seen == []


def test_a_files_path_on_another_host_is_an_ordinary_url(gem, emulator) -> None:
    result = gem("create", "-a", "https://api.example.com/v1beta/files/abc", "x")
    assert result.exit_code == 2 and "--mime-type" in result.stderr
    assert emulator.seen == []  # not looked up in the Files API
    typed = gem("create", "--mime-type", "application/pdf", "-a", "https://api.example.com/v1beta/files/abc", "x")  # fmt: skip
    assert typed.exit_code == 0, typed.stderr
    assert sent_input(emulator)[0]["uri"] == "https://api.example.com/v1beta/files/abc"


def test_a_file_over_the_files_api_limit_is_refused_first(gem, emulator, tmp_path) -> None:
    huge = tmp_path / "lecture.mp4"
    with huge.open("wb") as handle:
        handle.truncate(3 * 1024**3)  # sparse: no disk used
    for extra in ([], ["--dry-run"]):
        result = gem("create", *extra, "-a", str(huge), "Summarise")
        assert result.exit_code == 2
        assert result.stderr == (
            f"gem: error: {huge}: 3.0 GiB is more than the API takes (2.0 GiB at most)\n"
        )  # and no "uploading" note before it
    assert emulator.seen == []


def test_dry_run_shows_the_type_an_upload_would_have(gem, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("gemini_cli.request.references.INLINE_MAX_BYTES", 10)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00" * 100)
    result = gem("create", "--dry-run", "-a", str(clip), "x")
    assert result.exit_code == 0, result.stderr
    block = json.loads(result.stdout)["body"]["input"][0]["content"][0]
    assert (block["type"], block["mime_type"]) == ("video", "video/mp4")


def test_a_big_file_no_block_can_carry_is_refused_before_uploading(
    gem, emulator, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr("gemini_cli.request.references.INLINE_MAX_BYTES", 10)
    blob = tmp_path / "data.bin"
    blob.write_bytes(b"\x00\x01\x02" * 100)
    result = gem("create", "-a", str(blob), "x")
    assert result.exit_code == 2
    assert "MIME type application/octet-stream cannot be sent as input" in result.stderr
    assert "uploading" not in result.stderr and emulator.seen == []
    typed = gem("create", "--mime-type", "video/mp4", "-a", str(blob), "x")
    assert typed.exit_code == 0, typed.stderr
    assert sent_input(emulator)[0]["mime_type"] == "video/mp4"
