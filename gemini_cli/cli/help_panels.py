"""Plain `--help` in sections (the options' rich_help_panel), without rich and without Python
type names, wrapped only between words."""

from __future__ import annotations

import textwrap
from typing import Any

from typer.core import TyperCommand

OPTIONS = "Options"
GLOBAL = "Global options"
COL_MAX = 30
COL_SPACING = 2
# Sections in this order (a command's own panels come right after "Options").
ORDER = (OPTIONS, "Input", "Request", "Generation", "Tools", "Output", GLOBAL)
SMALL = 6  # options of its own up to which a command shows one "Options" section


class PanelCommand(TyperCommand):
    """A command whose help lists its arguments, then its options grouped by panel: options
    without a panel first, the global options last."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        panels: dict[str, list[tuple[str, str]]] = {OPTIONS: []}
        for param in self.get_params(ctx):
            if getattr(param, "hidden", False):
                continue
            if getattr(param, "param_type_name", "") == "argument":
                arguments.append(argument_record(param))
                continue
            record = param.get_help_record(ctx)
            if record is not None:
                panel = getattr(param, "rich_help_panel", None) or _default_panel(param)
                panels.setdefault(panel, []).append(record)
        panels = _merge_small(_ordered(panels))
        records = [*arguments, *(r for rows in panels.values() for r in rows)]
        first_col = min(max((len(name) for name, _ in records), default=0), COL_MAX)
        for title, rows in (("Arguments", arguments), *panels.items()):
            if rows:
                with formatter.section(title):
                    write_rows(formatter, rows, first_col)


def _ordered(panels: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
    """The known panels in reading order, a command's own panels after its plain options,
    the global options last."""
    appearance = list(panels)

    def rank(title: str) -> tuple[int, int]:
        known = ORDER.index(title) if title in ORDER else 0  # a command's own, near the top
        return known, appearance.index(title)

    return {title: panels[title] for title in sorted(panels, key=rank)}


def _merge_small(panels: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
    """A command with a few options lists them together: sections of one line are noise."""
    own = [record for title, rows in panels.items() if title != GLOBAL for record in rows]
    if len(own) > SMALL:
        return panels
    return {OPTIONS: own, GLOBAL: panels.get(GLOBAL, [])}


def _default_panel(param: Any) -> str:
    return GLOBAL if "--help" in getattr(param, "opts", ()) else OPTIONS


def argument_record(param: Any) -> tuple[str, str]:
    """`PROMPT...` and its help: the metavar, never the Python type (`<list[str]>`)."""
    name = param.metavar or (param.name or "").upper()
    if getattr(param, "nargs", 1) != 1 and not name.endswith("..."):
        name += "..."
    return name, param.help or ""


def write_rows(formatter: Any, rows: list[tuple[str, str]], first_col: int) -> None:
    """A definition list like click's, with one first-column width for every section and
    text wrapped at spaces only (a URL or model id is never cut in two)."""
    indent = " " * formatter.current_indent
    column = first_col + COL_SPACING
    width = max(formatter.width - column - formatter.current_indent, 20)
    wrapper = textwrap.TextWrapper(width, break_long_words=False, break_on_hyphens=False)
    for name, text in rows:
        lines = wrapper.wrap(text) if text else []
        if not lines:
            formatter.write(f"{indent}{name}\n")
            continue
        if len(name) <= first_col:
            formatter.write(f"{indent}{name.ljust(column)}{lines[0]}\n")
        else:
            formatter.write(f"{indent}{name}\n{indent}{' ' * column}{lines[0]}\n")
        for line in lines[1:]:
            formatter.write(f"{indent}{' ' * column}{line}\n")
