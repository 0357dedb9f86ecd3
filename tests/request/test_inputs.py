"""Arguments, stdin and files -> content blocks and the request body (no CLI involved)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from gemini_cli.core.errors import UsageError
from gemini_cli.request.body import RequestOptions, build_body, parse_labels
from gemini_cli.request.inputs import InputOptions, build_input_blocks
from gemini_cli.request.setpath import apply_set

SAMPLES = {
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 16,
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16,
    "image/gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 8,
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16,
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    "audio/wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 16,
    "audio/mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb" + b"\x00" * 16,
    "video/mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00" + b"\x00" * 16,
}
BLOCK_TYPES = {"image": "image", "application": "document", "audio": "audio", "video": "video"}


def blocks(words=(), stdin: bytes | None = b"", tty=False, **opts):
    stream = io.BytesIO(stdin) if stdin is not None else None
    return build_input_blocks(InputOptions(words=list(words), **opts), stream, tty)


def body(opts: RequestOptions, input_blocks=None):
    return build_body(
        opts,
        input_blocks or [{"type": "text", "text": "hi"}],
        default_model="gemini-3-flash-preview",
        resolve_model=lambda m: m,
    )


def test_text_stdin_then_words():
    assert blocks(["Summarise", "this"], b"report text\n") == [
        {"type": "text", "text": "report text\n"},
        {"type": "text", "text": "Summarise this"},
    ]


def test_tty_stdin_is_never_read():
    stream = io.BytesIO(b"should not be read")
    assert build_input_blocks(InputOptions(words=["hi"]), stream, True) == [
        {"type": "text", "text": "hi"}
    ]
    assert stream.tell() == 0


def test_dash_refuses_a_terminal_stdin():
    with pytest.raises(UsageError, match="stdin is a terminal"):
        blocks(["-"], b"from stdin", tty=True)


def test_no_stdin_leaves_a_pipe_unread():
    assert blocks(["hi"], b"ignored", no_stdin=True) == [{"type": "text", "text": "hi"}]


def test_empty_or_closed_stdin_gives_nothing():
    assert blocks([], b"") == []
    assert blocks([], None) == []


@pytest.mark.parametrize("mime_type", sorted(SAMPLES))
def test_recognised_binary_stdin_becomes_an_inline_media_block(mime_type):
    data = SAMPLES[mime_type]
    [block] = blocks([], data)
    assert block == {
        "type": BLOCK_TYPES[mime_type.split("/")[0]],
        "mime_type": mime_type,
        "data": base64.b64encode(data).decode(),
    }


def test_unknown_binary_stdin_is_refused_with_a_mime_type_hint():
    with pytest.raises(UsageError) as caught:
        blocks([], b"\x00\x01\x02\x03binary\xff\xfe")
    assert caught.value.exit_code == 2
    assert "--mime-type" in caught.value.hint


def test_mime_type_flag_labels_unknown_binary():
    [block] = blocks([], b"\x00\x01raw", mime_type="audio/l16")
    assert block["type"] == "audio" and block["mime_type"] == "audio/l16"


def test_attachments_come_between_stdin_and_words(tmp_path: Path):
    png = tmp_path / "chart.png"
    png.write_bytes(SAMPLES["image/png"])
    notes = tmp_path / "notes.md"
    notes.write_text("# notes")
    got = blocks(["describe"], b"context", attach=[str(png), str(notes)])
    assert [b["type"] for b in got] == ["text", "image", "text", "text"]
    assert got[2]["text"] == "# notes"


def test_missing_attachment_is_a_usage_error(tmp_path: Path):
    with pytest.raises(UsageError, match="no such file"):
        blocks(["x"], attach=[str(tmp_path / "missing.png")])


# -- body ---------------------------------------------------------------------------------


def test_set_parses_json_values_and_keeps_strings():
    data: dict = {}
    apply_set(data, "generation_config.seed=7")
    apply_set(data, "labels.team=core")
    apply_set(data, 'tools=[{"type": "google_search"}]')
    assert data == {
        "generation_config": {"seed": 7},
        "labels": {"team": "core"},
        "tools": [{"type": "google_search"}],
    }


@pytest.mark.parametrize("bad", ["novalue", "=1", "a..b=1"])
def test_malformed_set_is_a_usage_error(bad):
    with pytest.raises(UsageError):
        apply_set({}, bad)


def test_labels_must_be_key_equals_value():
    assert parse_labels(["team=core", "env=dev"]) == {"team": "core", "env": "dev"}
    with pytest.raises(UsageError):
        parse_labels(["Team"])


def test_flags_override_the_body_file(tmp_path: Path):
    spec = tmp_path / "body.yaml"
    spec.write_text("model: gemini-2.5-pro\ngeneration_config:\n  seed: 1\n  temperature: 0.2\n")
    got = body(RequestOptions(body=str(spec), seed=9, model="gemini-3-flash-preview"))
    assert got["model"] == "gemini-3-flash-preview"
    assert got["generation_config"] == {"seed": 9, "temperature": 0.2}


def test_model_and_agent_cannot_be_combined():
    with pytest.raises(UsageError):
        body(RequestOptions(model="m", agent="a"))


def test_no_store_with_background_is_refused():
    with pytest.raises(UsageError, match="--no-store"):
        body(RequestOptions(no_store=True, background=True))


def test_unknown_thinking_level_is_refused():
    with pytest.raises(UsageError, match="--thinking"):
        body(RequestOptions(thinking="extreme"))
