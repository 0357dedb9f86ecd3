"""docs/cli.md is generated from the app: every command's --help, never stale."""

from __future__ import annotations

import pytest

from tests.helpers import ROOT, load_script


@pytest.fixture(scope="module")
def rendered() -> str:
    """docs/cli.md as scripts/gen_docs.py renders it now (rendered once: it runs every --help)."""
    text: str = load_script("gen_docs").render()
    return text


def test_cli_reference_is_fresh(rendered: str) -> None:
    fresh = rendered
    checked_in = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert checked_in == fresh, "docs/cli.md is stale: run python scripts/gen_docs.py"


def test_every_command_is_documented(rendered: str) -> None:
    from gemini_cli.cli.app import COMMANDS, command_tree

    text = rendered
    root = command_tree()
    assert set(COMMANDS) <= set(root.commands)
    for name, command in root.commands.items():
        if not command.hidden:
            assert f"\n## gem {name}\n" in text
    assert "\n## gem config set\n" in text
    assert "Usage: gem config set [OPTIONS]" in text
