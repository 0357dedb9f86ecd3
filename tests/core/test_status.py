"""One status table: which statuses are done, and the exit code each final status stands for."""

from __future__ import annotations

import pytest

from gemini_cli.core.status import KNOWN_STATUSES, is_done, status_error, status_exit_code


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("completed", 0),
        ("failed", 1),
        ("cancelled", 7),
        ("incomplete", 7),
        ("budget_exceeded", 7),
        ("requires_continuation", 7),
        ("in_progress", 8),
        ("queued", 8),
        ("requires_action", 9),
        ("some_future_status", 0),  # unknown statuses pass through as success
    ],
)
def test_exit_code_of_each_status(status, code):
    assert status_exit_code(status) == code
    error = status_error(status, "v1_x")
    if code in (1, 7, 9):
        assert error is not None and error.exit_code == code
        assert "v1_x" in error.message
    else:
        assert error is None


@pytest.mark.parametrize(
    "status", ["completed", "failed", "cancelled", "requires_action", "requires_continuation"]
)
def test_nothing_to_wait_for(status):
    assert is_done(status)


@pytest.mark.parametrize("status", ["queued", "in_progress", "created", "pending", "unknown"])
def test_still_to_wait_for(status):
    assert not is_done(status)


def test_known_statuses_cover_every_named_status():
    assert {"completed", "requires_action", "requires_continuation", "pending"} <= KNOWN_STATUSES
