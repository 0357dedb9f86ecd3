"""Media output: --save DIR, -o FILE, --format paths; names never come from server text."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from gemini_cli.turns.media import file_name, safe_stem
from tests.helpers import interaction

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt "


def media_reply(ident="v1_abc123", uri=False):
    blocks = [
        {"type": "text", "text": "Here you go."},
        {"type": "image", "mime_type": "image/png", "data": base64.b64encode(PNG).decode()},
        {"type": "audio", "mime_type": "audio/wav", "data": base64.b64encode(WAV).decode()},
    ]
    if uri:
        blocks.append({"type": "video", "mime_type": "video/mp4", "uri": "gs://b/v.mp4"})
    steps = [{"type": "thought", "signature": "c2ln"}, {"type": "model_output", "content": blocks}]
    return interaction(ident=ident, text=None, steps=steps)


@pytest.fixture
def reply(api, api_key):
    def mock(data):
        api.post("/interactions").mock(return_value=httpx.Response(200, json=data))

    return mock


def test_save_writes_every_block_and_reports_paths_on_stderr(invoke, reply, tmp_path):
    reply(media_reply(uri=True))
    out = tmp_path / "out"
    result = invoke(["create", "--save", str(out), "Draw"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Here you go.\n"
    assert (out / "v1_abc123-1.png").read_bytes() == PNG
    assert (out / "v1_abc123-2.wav").read_bytes() == WAV
    assert f"gem: saved {out / 'v1_abc123-1.png'}" in result.stderr
    assert "gem: media at gs://b/v.mp4" in result.stderr


def test_format_paths_prints_paths_and_uris_on_stdout(invoke, reply, tmp_path):
    reply(media_reply(uri=True))
    result = invoke(["create", "-f", "paths", "--save", str(tmp_path), "Draw"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        str(tmp_path / "v1_abc123-1.png"),
        str(tmp_path / "v1_abc123-2.wav"),
        "gs://b/v.mp4",
    ]


def test_a_malicious_id_stays_inside_the_folder(invoke, reply, tmp_path):
    reply(media_reply(ident="../../x/..\\evil"))
    out = tmp_path / "a" / "b"
    out.parent.mkdir()  # --save creates DIR, never its parents
    result = invoke(["create", "-f", "paths", "--save", str(out), "Draw"])
    assert result.exit_code == 0, result.stderr
    for line in result.stdout.splitlines():
        assert Path(line).resolve().parent == out.resolve()
    assert sorted(p.name for p in out.iterdir()) == ["xevil-1.png", "xevil-2.wav"]
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("ident", "stem"),
    [("../../x", "x"), ("", "interaction"), ("/etc/passwd", "etcpasswd"), ("a b;c", "abc")],
)
def test_safe_stem(ident, stem):
    assert safe_stem(ident) == stem


def test_unknown_mime_type_gets_bin():
    assert file_name("v1", 1, "application/x-unknown-thing") == "v1-1.bin"


def test_output_file_takes_one_block(invoke, api, api_key, tmp_path):
    data = media_reply()
    data["steps"][1]["content"].pop()  # keep text + image
    api.post("/interactions").mock(return_value=httpx.Response(200, json=data))
    target = tmp_path / "pic.png"
    result = invoke(["create", "-o", str(target), "Draw"])
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == PNG and result.stdout == "Here you go.\n"


def test_output_file_refuses_several_blocks(invoke, reply, tmp_path):
    reply(media_reply())
    result = invoke(["create", "-o", str(tmp_path / "x"), "Draw"])
    assert result.exit_code == 1 and "--save DIR" in result.stderr


def test_output_dash_writes_raw_bytes_to_stdout(invoke, api, api_key):
    data = media_reply()
    data["steps"][1]["content"].pop()
    api.post("/interactions").mock(return_value=httpx.Response(200, json=data))
    result = invoke(["create", "-o", "-", "Draw"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == PNG


def test_emulator_image_is_a_valid_png(emulator, tmp_path):
    result = emulator(
        [
            "create",
            "--response-format",
            "image",
            "-f",
            "paths",
            "--save",
            str(tmp_path),
            "a red bicycle",
        ]
    )
    assert result.exit_code == 0, result.stderr
    (path,) = result.stdout.splitlines()
    data = Path(path).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and path.endswith("-1.png")


def test_emulator_streamed_media_is_assembled_and_saved(emulator, tmp_path):
    result = emulator(
        [
            "stream",
            "--response-format",
            "image",
            "--response-format",
            "audio",
            "--save",
            str(tmp_path / "out"),
            "a red bicycle",
        ]
    )
    assert result.exit_code == 0, result.stderr
    names = sorted(p.suffix for p in (tmp_path / "out").iterdir())
    assert names == [".png", ".wav"]
    assert "gem: saved" in result.stderr
