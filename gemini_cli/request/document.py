"""Local JSON/YAML documents (--body, --set values, --tool, --schema): parsed strictly."""

from __future__ import annotations

import json
import math
from typing import Any

from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject, JSONValue

# JSON/YAML given locally (--body, --set, --tool, --schema) may nest this deep, no deeper.
MAX_DEPTH = 100


def parse_document(text: str, name: str, what: str) -> JSONValue:
    """JSON, else YAML; errors name the file and line. Nesting deeper than MAX_DEPTH and
    numbers JSON cannot hold (NaN, Infinity) are refused."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise too_deep(name) from None
    except ValueError:
        import yaml

        try:
            data = yaml.safe_load(text)
        except RecursionError:
            raise too_deep(name) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise UsageError(f"{name}{where}: not valid JSON or YAML for the {what}") from exc
    check_json_value(data, name)
    return data


def parse_object(text: str, name: str, what: str) -> JSONObject:
    """parse_document for a document that must be an object (a request body)."""
    data = parse_document(text, name, what)
    if not isinstance(data, dict):
        raise UsageError(f"{name}: the {what} must be a JSON/YAML object")
    return data


def too_deep(name: str) -> UsageError:
    return UsageError(f"{name}: nested more than {MAX_DEPTH} levels deep")


def check_json_value(value: Any, name: str) -> None:
    """Exit 2 for what cannot go in a JSON request: nesting deeper than MAX_DEPTH, a NaN or an
    infinite number (json.dumps would write NaN/Infinity, which is not JSON)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            shown = "NaN" if math.isnan(item) else ("Infinity" if item > 0 else "-Infinity")
            raise UsageError(
                f"{name}: {shown} is not a number JSON can hold (the value is "
                "out of range, or NaN/Infinity)"
            )
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise too_deep(name)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
