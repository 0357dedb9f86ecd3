"""The progress line on stderr: no styles when colour is off."""

from __future__ import annotations

import io
import re

import pytest


class _TTYErr(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("color", [False, True])
def test_progress_line_has_no_styles_without_color(color: bool) -> None:
    from gemini_cli.api.waiting import Progress
    from gemini_cli.core.termio import IO
    from gemini_cli.render.progress import WaitDisplay

    stderr = _TTYErr()
    terminal = IO.from_sys({"stderr_isatty": True, "color": color})
    terminal.stderr = stderr
    with WaitDisplay(terminal, label="research") as display:
        display.update(Progress("v1_x", "in_progress", 3.0, thought="Reading"))
        display._live.refresh()
    styles = re.findall(r"\x1b\[[0-9;]*m", stderr.getvalue())
    assert bool(styles) is color, stderr.getvalue()
    assert "in_progress" in stderr.getvalue()
