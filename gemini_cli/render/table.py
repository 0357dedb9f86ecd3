"""Plain tables: aligned columns for a terminal, tab-separated rows for pipes."""

from __future__ import annotations

from collections.abc import Sequence

MIN_LAST = 20


def clean(value: object) -> str:
    """One cell: None is empty; tabs and newlines would break the row, so they become spaces;
    other control characters (ESC, NUL...) are shown as `\\xNN`, never sent to the terminal."""
    from gemini_cli.core.termio import escape_controls

    text = "" if value is None else str(value)
    return escape_controls(text.replace("\t", " ").replace("\r", " ").replace("\n", " "))


def tab_separated(rows: Sequence[Sequence[object]]) -> str:
    """No header: `cut -f2`, `awk -F'\\t'` and `while IFS=$'\\t' read` get data only."""
    return "".join("\t".join(clean(cell) for cell in row) + "\n" for row in rows)


def aligned(rows: Sequence[Sequence[object]], headers: Sequence[str] = (), width: int = 0) -> str:
    """Columns padded to their widest cell. Only the last column is shortened to fit `width`
    (if > 0), and never below MIN_LAST characters: the other cells (ids) stay whole."""
    cells = [[clean(c) for c in row] for row in ([headers] if headers else []) + list(rows)]
    if not cells:
        return ""
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]) - 1)]
    room = width - sum(w + 2 for w in widths) if width > 0 else 0
    lines = []
    for row in cells:
        last = _shorten(row[-1], max(room, MIN_LAST)) if width > 0 else row[-1]
        padded = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*padded, last]).rstrip())
    return "\n".join(lines) + "\n"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
