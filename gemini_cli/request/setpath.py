"""`--set KEY.PATH=VALUE`: one assignment into a request body, never reshaping a value."""

from __future__ import annotations

import json
from typing import Any

from gemini_cli.core.errors import UsageError
from gemini_cli.core.jsontypes import JSONObject
from gemini_cli.request.document import check_json_value, too_deep

# Top-level body fields that are strings: `--set model.x=1` must not turn one into an object.
STRING_FIELDS = ("model", "agent", "system_instruction", "previous_interaction_id")


def apply_set(body: JSONObject, assignment: str) -> None:
    """`--set a.b.c=value`: the value is JSON when it parses, else a string."""
    path, sep, raw = assignment.partition("=")
    keys = [k for k in path.strip().split(".")]
    if not sep or not all(keys):
        raise UsageError(f"--set {assignment!r}: expected KEY.PATH=VALUE")
    try:
        value = json.loads(raw)
    except RecursionError:
        raise too_deep(f"--set {path.strip()}") from None
    except ValueError:
        value = raw
    check_json_value(value, f"--set {path.strip()}")
    if len(keys) > 1 and keys[0] in STRING_FIELDS:  # even before a default model is filled in
        raise UsageError(
            f"--set {assignment!r}: {keys[0]} is a string, not an object; "
            f"set it whole: --set {keys[0]}=VALUE"
        )
    target: Any = body
    for depth, key in enumerate(keys[:-1]):
        where = ".".join(keys[: depth + 1])
        if (
            isinstance(target, dict)
            and target.get(key) is None
            and keys[depth + 1].lstrip("-").isdigit()
        ):  # an index into a list not there yet
            raise UsageError(
                f"--set {assignment!r}: there is no {where} list yet (set {where}=[...] first)"
            )
        target = _descend(target, key, assignment, where)
    _assign(target, keys[-1], value, assignment)


def _descend(target: Any, key: str, assignment: str, where: str) -> Any:
    if isinstance(target, list):
        target = target[_index(target, key, assignment)]
    elif not isinstance(target, dict):
        raise UsageError(f"--set {assignment!r}: {key!r} is inside a value that is not an object")
    elif target.get(key) is None:
        target[key] = {}
        return target[key]
    else:
        target = target[key]
    if not isinstance(target, (dict, list)):
        # Never turn a value into an object behind the user's back (`--set model.x=1`).
        raise UsageError(
            f"--set {assignment!r}: {where} is {_kind(target)}, not an object "
            "or a list; set it whole instead"
        )
    return target


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string" if isinstance(value, str) else f"a {type(value).__name__}"


def _assign(target: Any, key: str, value: Any, assignment: str) -> None:
    if isinstance(target, list):
        target[_index(target, key, assignment)] = value
    elif isinstance(target, dict):
        target[key] = value
    else:
        raise UsageError(f"--set {assignment!r}: cannot set {key!r} on a non-object")


def _index(target: list[Any], key: str, assignment: str) -> int:
    if not key.lstrip("-").isdigit() or not -len(target) <= int(key) < len(target):
        raise UsageError(f"--set {assignment!r}: {key!r} is not an index of the list")
    return int(key)
