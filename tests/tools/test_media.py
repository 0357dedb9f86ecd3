"""Media output: --save DIR, -o FILE, --format paths; names never come from server text."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import httpx
import pytest

from gemini_cli.turns.media import file_name, safe_stem
from tests.helpers import interaction, ok

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
        return api.post("/interactions").mock(return_value=httpx.Response(200, json=data))

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


PNG64 = base64.b64encode(PNG).decode()


def with_blocks(*blocks, status="completed", ident="v1_abc123"):
    steps = [{"type": "model_output", "content": list(blocks)}]
    return interaction(status=status, text=None, ident=ident, steps=steps)


def test_stream_output_dash_writes_only_the_media_bytes(emulator):
    result = emulator(["stream", "--response-format", "image", "-o", "-", "a red bicycle"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"Echo" not in result.stdout_bytes


@pytest.mark.parametrize("command", ["create", "stream"])
@pytest.mark.parametrize("fmt", ["json", "yaml", "id", "ndjson", "paths"])
def test_output_dash_refuses_formats_that_write_stdout(invoke, api, api_key, command, fmt):
    route = api.post("/interactions").mock(return_value=ok())
    result = invoke([command, "-f", fmt, "-o", "-", "Draw"])
    assert result.exit_code == 2
    assert not route.called


@pytest.mark.parametrize(
    "args", [["-o", ""], ["-o", "{tmp}"], ["--save", "{tmp}/file"], ["-o", "{tmp}/file/x.png"]]
)
def test_bad_output_paths_are_refused_before_sending(invoke, reply, tmp_path, args):
    (tmp_path / "file").write_text("x")
    route = reply(with_blocks({"type": "image", "mime_type": "image/png", "data": PNG64}))
    result = invoke(["create", *[a.format(tmp=tmp_path) for a in args], "Draw"])
    assert result.exit_code == 2, result.stderr
    assert not route.called


def test_a_failed_write_names_the_interaction(invoke, reply, tmp_path, monkeypatch):
    reply(with_blocks({"type": "image", "mime_type": "image/png", "data": PNG64}))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("gemini_cli.turns.media.tempfile.mkstemp", refuse)
    result = invoke(["create", "-o", str(tmp_path / "a.png"), "Draw"])
    assert result.exit_code == 1
    assert "v1_abc123" in result.stderr and "gem get v1_abc123" in result.stderr


def test_output_file_without_media_is_exit_1(invoke, reply, tmp_path):
    reply(interaction())
    result = invoke(["create", "-o", str(tmp_path / "a.png"), "Draw"])
    assert result.exit_code == 1
    assert "no media block" in result.stderr
    assert not (tmp_path / "a.png").exists()


def test_output_file_with_a_uri_only_block_downloads_it_without_the_key(
    invoke, reply, api, tmp_path
):
    reply(with_blocks({"type": "image", "mime_type": "image/png", "uri": "https://x/a.png"}))
    route = api.route(host="x", path="/a.png").mock(return_value=httpx.Response(200, content=b"P"))
    result = invoke(["create", "-o", str(tmp_path / "a.png"), "Draw"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "a.png").read_bytes() == b"P"
    assert "x-goog-api-key" not in route.calls[0].request.headers  # another host: no key
    route.mock(return_value=httpx.Response(404))
    failed = invoke(["create", "-o", str(tmp_path / "b.png"), "Draw"])
    assert failed.exit_code == 1 and "could not download https://x/a.png: HTTP 404" in failed.stderr
    assert not (tmp_path / "b.png").exists()


def test_output_file_on_requires_action_exits_by_status(invoke, reply, tmp_path):
    reply(
        interaction(
            "requires_action",
            None,
            steps=[{"type": "function_call", "id": "c1", "name": "f", "arguments": {}}],
        )
    )
    result = invoke(["create", "-o", str(tmp_path / "a.png"), "Draw"])
    assert result.exit_code == 9


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_save_does_not_follow_a_planted_symlink(invoke, reply, tmp_path):
    reply(with_blocks({"type": "image", "mime_type": "image/png", "data": PNG64}))
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (out / "v1_abc123-1.png").symlink_to(victim)
    (out / "v1_abc123-1-1.png").write_text("old")
    result = invoke(["create", "-f", "paths", "--save", str(out), "Draw"])
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "keep me"
    assert (out / "v1_abc123-1-1.png").read_text() == "old"
    assert result.stdout == f"{out / 'v1_abc123-1-2.png'}\n"
    assert (out / "v1_abc123-1-2.png").read_bytes() == PNG


def test_output_file_overwrites_like_a_shell_redirect(invoke, reply, tmp_path):
    reply(with_blocks({"type": "image", "mime_type": "image/png", "data": PNG64}))
    target = tmp_path / "a.png"
    target.write_text("old")
    assert invoke(["create", "-o", str(target), "Draw"]).exit_code == 0
    assert target.read_bytes() == PNG


def test_undecodable_media_is_exit_1_not_a_corrupt_file(invoke, reply, tmp_path):
    reply(with_blocks({"type": "image", "mime_type": "image/png", "data": "!!!not base64***"}))
    result = invoke(["create", "--save", str(tmp_path / "out"), "Draw"])
    assert result.exit_code == 1 and "not valid base64" in result.stderr
    assert not any((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True
