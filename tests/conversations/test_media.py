"""get, poll and research save media like create: --save DIR, -o FILE, -o - (raw bytes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conversations.conftest import Gem, last_id


@pytest.mark.parametrize("command", ["get", "poll"])
def test_save_and_output(gem: Gem, tmp_path: Path, command: str) -> None:
    gem("create", "[[mixed]] bake")
    ident = last_id(gem)
    saved = gem(command, ident, "--save", str(tmp_path / "out"))
    assert saved.exit_code == 0, saved.stderr
    (image,) = (tmp_path / "out").iterdir()
    # the answer's first media block, as create names it (a GET's steps add the user_input)
    assert image.name == f"{ident}-1.png" and image.read_bytes().startswith(b"\x89PNG")
    assert saved.stdout == "Step 1: Echo: [[mixed]] bake (turn 1)\n\n\n\nStep 2: the end.\n"
    assert "not shown" not in saved.stderr and f"gem: saved {image}" in saved.stderr
    one = gem(command, ident, "-o", str(tmp_path / "one.png"))
    assert one.exit_code == 0 and (tmp_path / "one.png").read_bytes() == image.read_bytes()
    raw = gem(command, ident, "-o", "-")
    assert raw.exit_code == 0 and raw.stdout_bytes == image.read_bytes()


def test_research_saves_its_chart_with_o(gem: Gem, tmp_path: Path) -> None:
    target = tmp_path / "chart.png"
    result = gem("research", "--visualization", "auto", "-o", str(target), "Charts")
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes().startswith(b"\x89PNG")


def test_media_options_are_checked_before_anything_is_sent(gem: Gem, tmp_path: Path) -> None:
    both = gem("get", "last", "--save", str(tmp_path), "-o", str(tmp_path / "x"))
    assert both.exit_code == 2 and "--save and -o cannot be combined" in both.stderr
    missing = gem("poll", "v1_x", "-o", str(tmp_path / "no" / "x.png"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    raw_json = gem("research", "-o", "-", "--json", "q")
    assert raw_json.exit_code == 2
