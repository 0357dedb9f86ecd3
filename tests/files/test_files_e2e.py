"""The installed gem in a shell script, against the emulator on a loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gemini_cli.emulator import start_background

pytestmark = pytest.mark.e2e
SCRIPT = """
set -e
gem() { "$PYTHON" -m gemini_cli --base-url "$URL" "$@"; }
store=$(gem stores create docs --format id)
gem stores upload "$store" *.txt > documents
gem research --file-search "$store" "Which ship passed the reef at dawn?"
"""


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with start_background(work_seconds=0.3) as handle:
        yield handle.url


def test_the_store_script_from_the_docs(url: str, tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text("At dawn the Northern Star passed the reef.\n")
    (tmp_path / "crew.txt").write_text("The crew of the Northern Star numbered twelve.\n")
    env = {**os.environ, "GEMINI_API_KEY": "e2e", "URL": url, "PYTHON": sys.executable,
           "GEM_UPLOAD_CHUNK": "16"}  # fmt: skip
    done = subprocess.run(
        ["bash", "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert len((tmp_path / "documents").read_text().split()) == 2
    assert 'From log.txt: "At dawn the Northern Star passed the reef.' in done.stdout
    assert "log.txt - fileSearchStores/docs-" in done.stdout  # the cited document, listed


def test_upload_from_a_pipe(url: str, tmp_path: Path) -> None:
    env = {**os.environ, "GEMINI_API_KEY": "e2e"}
    command = [sys.executable, "-m", "gemini_cli", "--base-url", url, "files", "upload", "-"]
    done = subprocess.run(command, input=b"piped bytes\n", env=env, capture_output=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout.decode().startswith(url + "/v1beta/files/")
