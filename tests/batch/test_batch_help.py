"""`gem batch --help` describes what batch does: no --run-tools, a per-item --timeout."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("command", [["batch", "run"], ["batch", "submit"]])
def test_batch_help_offers_no_run_tools_and_a_per_item_timeout(invoke, command):
    result = invoke([*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "--run-tools" not in text
    assert "A batch runs no local commands" in text
    assert "Deadline for each item" in text and "Total wall-clock deadline" not in text


def test_create_help_keeps_the_total_deadline(invoke):
    text = " ".join(invoke(["create", "--help"], env={"COLUMNS": "200"}).stdout.split())
    assert "Total wall-clock deadline" in text and "Deadline for each item" not in text
