"""The exit-code table is an API: the constants, the README's table and the error classes agree."""

from __future__ import annotations

import re
from pathlib import Path

from gemini_cli.api import errors as api_errors
from gemini_cli.core import errors

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_table_lists_exactly_the_exit_codes():
    rows = re.findall(r"^\| (\d+) \| ", README.read_text(encoding="utf-8"), re.M)
    codes = sorted({value for name, value in vars(errors).items() if name.startswith("EXIT_")})
    assert sorted(int(code) for code in rows) == codes


def test_the_codes_are_the_documented_numbers():
    assert (errors.EXIT_OK, errors.EXIT_FAILED, errors.EXIT_USAGE) == (0, 1, 2)
    assert (errors.EXIT_API_REFUSED, errors.EXIT_AUTH, errors.EXIT_RATE_LIMITED) == (3, 4, 5)
    assert (errors.EXIT_UNAVAILABLE, errors.EXIT_STOPPED, errors.EXIT_STILL_RUNNING) == (6, 7, 8)
    assert (errors.EXIT_REQUIRES_ACTION, errors.EXIT_INTERNAL) == (9, 70)
    assert (errors.EXIT_INTERRUPTED, errors.EXIT_TERMINATED) == (130, 143)


def test_every_error_class_exits_with_a_code_from_the_table():
    table = {value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    classes = [
        cls
        for module in (errors, api_errors)
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, errors.GemError)
    ]
    assert len(classes) > 10
    assert all(cls.exit_code in table for cls in classes)


def test_usage_errors_live_in_core_and_api_errors_build_on_them():
    assert issubclass(api_errors.APIError, errors.GemError)
    assert not hasattr(api_errors, "UsageError") or api_errors.UsageError is errors.UsageError
    assert errors.OutputError("x").exit_code == errors.EXIT_USAGE
    assert errors.Interrupted("x").to_dict()["exit_code"] == 130
