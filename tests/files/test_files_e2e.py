"""The installed gem in a shell script, against the emulator on a loopback port."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_cli.emulator import start_background
from gemini_cli.emulator.files import service

pytestmark = pytest.mark.e2e
SCRIPT = """
set -e
export GEM_BASE_URL="$URL"
store=$(gem stores create docs --format id)
gem stores upload "$store" *.pdf > documents
gem research --file-search "$store" "Which ship passed the reef at dawn?"
"""


@pytest.fixture(scope="module", params=["live", "sdk"])
def handle(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The emulator on a loopback port, imitating the live service, then the SDK's."""
    with start_background(work_seconds=0.3, flavor=request.param) as running:
        yield running


@pytest.fixture(scope="module")
def url(handle: Any) -> str:
    return str(handle.url)


def installed_gem() -> str:
    """The `gem` console script installed beside the interpreter running the tests."""
    script = Path(sys.executable).parent / "gem"
    if not script.is_file():
        pytest.skip("the gem console script is not installed (pip install -e .)")
    return str(script)


def gem_run(url: str, *args: str, **options: Any) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GEMINI_API_KEY": "e2e", **options.pop("env", {})}
    command = [installed_gem(), "--base-url", url, *args]
    return subprocess.run(command, env=env, capture_output=True, timeout=60, **options)


def test_the_store_script_from_the_docs(url: str, tmp_path: Path) -> None:
    (tmp_path / "log.pdf").write_text("At dawn the Northern Star passed the reef.\n")
    (tmp_path / "crew.pdf").write_text("The crew of the Northern Star numbered twelve.\n")
    path = f"{Path(installed_gem()).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "GEMINI_API_KEY": "e2e", "URL": url, "PATH": path,
           "GEM_UPLOAD_CHUNK": "16"}  # fmt: skip
    done = subprocess.run(
        ["bash", "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert len((tmp_path / "documents").read_text().split()) == 2
    assert 'From log.pdf: "At dawn the Northern Star passed the reef.' in done.stdout
    assert "log.pdf - fileSearchStores/docs-" in done.stdout  # the cited document, listed


def test_upload_from_a_pipe(url: str, tmp_path: Path) -> None:
    env = {**os.environ, "GEMINI_API_KEY": "e2e"}
    command = [sys.executable, "-m", "gemini_cli", "--base-url", url, "files", "upload", "-"]
    done = subprocess.run(command, input=b"piped bytes\n", env=env, capture_output=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout.decode().startswith(url + "/v1beta/files/")


def test_attach_urls_reach_the_request_exactly_as_typed(url: str) -> None:
    url_typed = "https://example.com//pics//cat.png?size=2"  # a Path would drop a slash
    done = gem_run(url, "create", "--mime-type", "image/png", "-a", url_typed, "What is it?")
    assert (done.returncode, done.stderr) == (0, b"")
    assert f"[image/png {url_typed}]".encode() in done.stdout  # the emulator echoes the block
    dry = gem_run(url, "create", "--dry-run", "-a", "https://example.com//cat.png", "x")
    assert (dry.returncode, dry.stderr) == (0, b"")
    block = json.loads(dry.stdout)["body"]["input"][0]["content"][0]
    assert block == {
        "type": "image",
        "uri": "https://example.com//cat.png",
        "mime_type": "image/png",
    }


def test_a_dropped_chunk_over_a_real_socket(handle: Any, tmp_path: Path) -> None:
    data = bytes(range(256)) * 40  # 10 KiB: five 2 KiB chunks
    (tmp_path / "blob.bin").write_bytes(data)
    service(handle.engine).chunk_faults[:] = ["", "drop", "", "drop-stored"]
    done = gem_run(
        handle.url,
        "files", "upload", "--format", "json", "--mime-type", "image/png", "blob.bin",
        cwd=tmp_path, env={"GEM_UPLOAD_CHUNK": "2K"},
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, b"")
    assert b'"sizeBytes": "10240"' in done.stdout


def test_progress_is_drawn_on_a_terminal_only(url: str, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x" * 5000)
    env = {**os.environ, "GEMINI_API_KEY": "e2e", "GEM_UPLOAD_CHUNK": "1K"}
    command = [installed_gem(), "--base-url", url, "files", "upload", "notes.txt"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdout and stderr are the terminal
        os.chdir(tmp_path)
        os.execve(command[0], command, env)
    seen = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        try:
            chunk = os.read(fd, 65536) if ready else b""
        except OSError:  # the child closed the terminal
            chunk = b""
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"notes.txt" in seen and b"KiB" in seen  # the bar, with bytes sent
    assert url.encode() + b"/v1beta/files/" in seen  # the uri, after the bar is cleared
    piped = gem_run(url, "files", "upload", "notes.txt", cwd=tmp_path)
    assert (piped.returncode, piped.stderr) == (0, b"")  # no bar on a pipe
