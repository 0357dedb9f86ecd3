"""The e2e guard (tests/conftest.py): a test that starts a process must be marked `e2e`."""

from __future__ import annotations

import pytest

INNER = """
import subprocess, sys
import pytest

def test_unmarked_spawn():
    subprocess.run([sys.executable, "-c", "pass"], check=True)

@pytest.mark.e2e
def test_marked_spawn():
    subprocess.run([sys.executable, "-c", "pass"], check=True)

def test_in_process():
    assert True
"""


@pytest.mark.e2e
def test_a_process_outside_an_e2e_test_fails_that_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from tests.conftest import subprocesses_only_in_e2e  # noqa: F401\n")
    pytester.makeini("[pytest]\nmarkers =\n    e2e: starts processes\n")
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_unmarked_spawn*", "*mark it @pytest.mark.e2e*"]
    )
