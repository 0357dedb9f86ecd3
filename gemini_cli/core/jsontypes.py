"""Names for JSON values: what the server sends and what a request body holds.

Server JSON is kept as plain dicts (lossless: unknown fields pass through); these names say so
at the edges instead of a bare `dict[str, Any]`.
"""

from __future__ import annotations

from typing import Any, TypeAlias

JSONValue: TypeAlias = Any
"""Any JSON value (object, array, string, number, bool or null)."""

JSONObject: TypeAlias = dict[str, Any]
"""A JSON object as decoded by `json.loads`: the server's fields, unknown ones included."""
