"""`gem --show-completion [SHELL]` and `gem --install-completion [SHELL]`.

Typer declares both as flags (the shell comes from detecting the parent process), so in
`gem --show-completion bash` the `bash` was silently ignored, and the install confirmation went
to stdout. gem answers the two forms itself when they open the command line: an explicit SHELL
wins over detection, and the confirmation goes to stderr (stdout carries the script only).
"""

from __future__ import annotations

import sys

PROG_NAME = "gem"
COMPLETE_VAR = "_GEM_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
OPTIONS = ("--show-completion", "--install-completion")


def request(args: list[str]) -> tuple[str, str | None] | None:
    """(option, shell or None) when args are `--show-completion [SHELL]` (or `=SHELL`), or the
    same for --install-completion; None for anything else (Typer handles it)."""
    if not args:
        return None
    option, sep, value = args[0].partition("=")
    if option not in OPTIONS:
        return None
    rest = args[1:]
    if not sep and rest and not rest[0].startswith("-"):
        value, rest = rest[0], rest[1:]
    if rest:
        return None
    return option, value or None


def answer(option: str, shell: str | None) -> int:
    """Print the script (show) or install it; the exit status."""
    from gemini_cli.cli.typer_compat import completion_script, install_completion, shell_name

    shell = (shell or shell_name() or "").lower()
    if shell not in SHELLS:
        what = f"unsupported shell {shell!r}" if shell else "cannot detect the shell"
        sys.stderr.write(
            f"gem: error: {option}: {what}: name one of {', '.join(SHELLS)} "
            f"(e.g. gem {option} bash)\n"
        )
        return 2
    if option == "--show-completion":
        script = completion_script(PROG_NAME, COMPLETE_VAR, shell)
        sys.stdout.write(script + "\n")
        sys.stdout.flush()
        return 0
    shell, path = install_completion(PROG_NAME, COMPLETE_VAR, shell)
    sys.stderr.write(
        f"gem: {shell} completion installed in {path}\ngem: it takes effect in a new shell\n"
    )
    return 0
