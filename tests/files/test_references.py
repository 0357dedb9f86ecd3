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
