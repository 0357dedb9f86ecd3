"""Local inputs end within --timeout and stay within a size cap; odd JSON is exit 2."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from gemini_cli.core.errors import UsageError
from gemini_cli.request import localread
from gemini_cli.request.document import check_json_value, parse_document
from gemini_cli.request.localread import read_attachment, read_stdin, read_stdin_line, reading
from gemini_cli.request.setpath import apply_set

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero")


def _write_later(path: Path, data: bytes) -> threading.Thread:
    def write() -> None:
        with open(path, "wb") as fifo:  # blocks until gem opens the FIFO to read
            fifo.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@posix_only
def test_a_fifo_nobody_writes_to_ends_at_the_deadline(tmp_path):
    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(UsageError, match="ff: no data arrived within 0.2s"):
        read_attachment(fifo, timeout=0.2)
    assert time.monotonic() - started < 5


@posix_only
def test_a_fifo_is_read_to_its_end(tmp_path):
    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    writer = _write_later(fifo, b"hello")
    assert read_attachment(fifo, timeout=10) == b"hello"
    writer.join(5)


@posix_only
def test_the_deadline_of_a_reading_block_bounds_file_reads(tmp_path):
    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    with reading(0.2), pytest.raises(UsageError, match="no data arrived"):
        read_attachment(fifo)


@posix_only
def test_an_endless_device_is_cut_at_the_size_cap(monkeypatch):
    monkeypatch.setattr(localread, "MAX_INPUT_BYTES", 1 << 20)
    with pytest.raises(UsageError, match="/dev/zero is larger than 100 MiB") as caught:
        read_attachment(Path("/dev/zero"), timeout=10)
    assert "gem files upload /dev/zero" in (caught.value.hint or "")  # not --set/--body


def test_a_regular_file_over_the_cap_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(localread, "MAX_INPUT_BYTES", 10)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 11)
    with pytest.raises(UsageError, match="big.txt is larger than"):
        read_attachment(big)


def test_all_inputs_together_are_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(localread, "MAX_INPUT_BYTES", 10)
    one, two = tmp_path / "a", tmp_path / "b"
    one.write_bytes(b"x" * 6)
    two.write_bytes(b"y" * 6)
    with reading(10), pytest.raises(UsageError, match="larger than 100 MiB in total") as caught:
        read_attachment(one)
        read_attachment(two)
    assert "gem files upload" in (caught.value.hint or "")


def test_stdin_over_the_cap_is_refused(monkeypatch):
    import io

    monkeypatch.setattr(localread, "MAX_INPUT_BYTES", 10)
    with pytest.raises(UsageError, match="stdin is larger than") as caught:
        read_stdin(io.BytesIO(b"x" * 11), False)
    assert "`gem files upload -`" in (caught.value.hint or "")


@posix_only
def test_an_id_line_is_taken_without_waiting_for_the_end_of_stdin():
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"\n  v1_abc  \nmore")
        with os.fdopen(os.dup(read_end), "rb") as stdin:  # the writer stays open
            assert read_stdin_line(stdin, 5, "ID '-'") == "v1_abc"
    finally:
        os.close(read_end)
        os.close(write_end)


@posix_only
def test_a_silent_stdin_line_read_ends_at_the_deadline():
    read_end, write_end = os.pipe()
    try:
        with (
            os.fdopen(os.dup(read_end), "rb") as stdin,
            pytest.raises(UsageError, match="stdin stayed open without data"),
        ):
            read_stdin_line(stdin, 0.2, "ID '-'")
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_stdin_line_must_be_utf8_and_short():
    import io

    with pytest.raises(UsageError, match="not valid UTF-8"):
        read_stdin_line(io.BytesIO(b"\xff\xfe\n"), 5, "ID '-'")
    with pytest.raises(UsageError, match="longer than 16 bytes"):
        read_stdin_line(io.BytesIO(b"a" * 40), 5, "ID '-'", limit=16)
    with pytest.raises(UsageError, match="stdin is closed"):
        read_stdin_line(None, 5, "ID '-'")
    assert read_stdin_line(io.BytesIO(b"\n\n"), 5, "ID '-'") is None


@pytest.mark.parametrize(
    "text",
    [
        '{"a": ' + "[" * 5000 + "]" * 5000 + "}",
        "a:\n" + "".join("  " * i + "- \n" for i in range(1, 3000)),
        '{"a": ' + "[" * 150 + "]" * 150 + "}",
    ],
)
def test_deeply_nested_documents_are_exit_2(text):
    with pytest.raises(UsageError, match="nested more than 100 levels deep"):
        parse_document(text, "body.json", "request body")


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999", "[1, NaN]"])
def test_set_refuses_numbers_json_cannot_hold(raw):
    with pytest.raises(UsageError, match="is not a number JSON can hold"):
        apply_set({}, f"generation_config.temperature={raw}")


def test_body_refuses_nan():
    with pytest.raises(UsageError, match="NaN is not a number"):
        parse_document('{"generation_config": {"temperature": NaN}}', "b.json", "request body")
    with pytest.raises(UsageError, match="Infinity is not a number"):
        parse_document("generation_config:\n  temperature: .inf\n", "b.yaml", "request body")


def test_set_refuses_deep_values():
    with pytest.raises(UsageError, match="--set x: nested more than"):
        apply_set({}, "x=" + "[" * 5000 + "]" * 5000)
    check_json_value({"ok": [[1.5]]}, "fine")


def test_set_into_a_list_that_is_not_there_says_so():
    with pytest.raises(
        UsageError, match=r"there is no tools list yet \(set tools=\[\.\.\.\] first\)"
    ):
        apply_set({}, "tools.0.name=x")
    body = {"tools": [{"type": "google_search"}]}
    apply_set(body, 'tools.0.search_types=["image_search"]')
    assert body["tools"][0]["search_types"] == ["image_search"]


def test_stdin_that_stays_open_without_data_times_out(fake_clock):
    import os

    from gemini_cli.core.errors import UsageError
    from gemini_cli.request.localread import read_stdin

    read_end, write_end = os.pipe()
    waits = []

    def never_ready(rlist, wlist, xlist, timeout):
        waits.append(timeout)
        fake_clock.advance(timeout)
        return [], [], []

    try:
        with os.fdopen(read_end, "rb") as stdin, pytest.raises(UsageError) as caught:
            read_stdin(stdin, False, 7.0, fake_clock.monotonic, never_ready)
    finally:
        os.close(write_end)
    assert "stdin stayed open without data for 7s" in caught.value.message
    assert "--no-stdin" in caught.value.hint
    assert waits == [7.0]


def test_stdin_with_data_then_silence_times_out_too(fake_clock):
    import os

    from gemini_cli.core.errors import UsageError
    from gemini_cli.request.localread import read_stdin

    read_end, write_end = os.pipe()
    os.write(write_end, b"partial")
    calls = []

    def ready_once(rlist, wlist, xlist, timeout):
        calls.append(timeout)
        if len(calls) == 1:
            return rlist, [], []
        fake_clock.advance(timeout)
        return [], [], []

    try:
        with os.fdopen(read_end, "rb") as stdin, pytest.raises(UsageError) as caught:
            read_stdin(stdin, False, 3.0, fake_clock.monotonic, ready_once)
    finally:
        os.close(write_end)
    assert "stdin did not end within 3s" in caught.value.message


def test_a_pipe_that_ends_is_read_whole(fake_clock):
    import os

    from gemini_cli.request.localread import read_stdin

    read_end, write_end = os.pipe()
    os.write(write_end, b"all of it")
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stdin:
        assert read_stdin(stdin, False, 3.0, fake_clock.monotonic) == b"all of it"


@posix_only
@pytest.mark.parametrize("flag", ["-a", "--system-file", "--body", "--tool", "--schema"])
def test_a_fifo_input_nobody_writes_to_ends_at_the_timeout(invoke, api_key, tmp_path, flag):
    from gemini_cli.api.retry import Clock  # a real clock: the FIFO wait is real

    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    result = invoke(
        ["create", "--dry-run", "--timeout", "0.3", flag, str(fifo), "hi"], clock=Clock()
    )
    assert result.exit_code == 2, result.stderr
    assert "ff: no data arrived within" in result.stderr


@posix_only
def test_schema_reads_a_pipe(invoke, api_key, tmp_path):
    fifo = tmp_path / "schema"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "w") as handle:
            handle.write('{"type": "object", "properties": {"a": {"type": "string"}}}')

    threading.Thread(target=write, daemon=True).start()
    result = invoke(["create", "--dry-run", "--schema", str(fifo), "hi"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["response_format"]["schema"]["type"] == "object"


@pytest.mark.parametrize("content", [b"\xff\xfe", b"\xef\xbb\xbf", b"  \n\t\n"])
def test_an_attachment_with_no_text_is_empty(invoke, api_key, tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    result = invoke(["create", "--dry-run", "-a", str(path), "hi"])
    assert result.exit_code == 2
    assert "empty.txt: is empty" in result.stderr
