"""The building blocks of gem's options: OptionGroup, the help panels, the options many
commands share (ID, --dry-run, --usage) and completion helpers."""

from collections.abc import Callable
from dataclasses import fields
from typing import Annotated, Any

from gemini_cli.cli.declare import Argument, Option

INPUT_PANEL = "Input"
REQUEST_PANEL = "Request"
GENERATION_PANEL = "Generation"
OUTPUT_PANEL = "Output"


def choices(*values: str) -> Callable[[str], list[str]]:
    """A shell-completion function offering `values` (for a fixed set like auto|off)."""

    def complete(incomplete: str) -> list[str]:
        return [value for value in values if value.startswith(incomplete)]

    return complete


# The ID argument and --dry-run, as every command that names an interaction declares them.
InteractionId = Annotated[
    str,
    Argument(
        metavar="ID",
        show_default=False,
        help="The interaction id; 'last' for the newest one gem created, '-' to read it from stdin.",
    ),
]
_DRY_RUN: dict[str, Any] = {
    "rich_help_panel": REQUEST_PANEL,
    "help": "Print the request as JSON (key redacted); send nothing.",
}
DryRun = Annotated[bool, Option("--dry-run", **_DRY_RUN)]
# As defaults (`dry: bool = DRY_RUN_OPTION`): they work in modules with postponed annotations.
DRY_RUN_OPTION: Any = Option(False, "--dry-run", **_DRY_RUN)
USAGE_OPTION: Any = Option(
    False, "--usage", rich_help_panel=OUTPUT_PANEL, help="Print token usage on stderr."
)


class OptionGroup:
    """A dataclass whose fields are command-line options; the command receives one instance."""

    def __init__(self, name: str, factory: type, options: dict[str, tuple[Any, Any, Any]]):
        self.name = name
        self.factory = factory
        self.options = options  # field -> (type, Option/Argument (cli/declare.py), default)

    def without(self, *names: str) -> "OptionGroup":
        kept = {k: v for k, v in self.options.items() if k not in names}
        return OptionGroup(self.name, self.factory, kept)

    def with_argument(self, name: str, metavar: str, help: str) -> "OptionGroup":
        """The same group with argument `name` shown as `metavar` (research says QUERY)."""
        typ, argument, default = self.options[name]
        argument = argument.replace(metavar=metavar, help=help)
        return OptionGroup(
            self.name, self.factory, {**self.options, name: (typ, argument, default)}
        )

    def with_help(self, name: str, help: str) -> "OptionGroup":
        """The same group with option `name` described differently (batch runs no tools)."""
        typ, option, default = self.options[name]
        option = option.replace(help=help)
        return OptionGroup(self.name, self.factory, {**self.options, name: (typ, option, default)})

    def build(self, values: dict[str, Any]) -> Any:
        known = {f.name for f in fields(self.factory)}
        return self.factory(**{k: v for k, v in values.items() if k in known})
