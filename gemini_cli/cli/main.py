"""Entry point: answer `--version` before importing anything heavy, then run the app."""

import sys

EXIT_INTERRUPTED = 130  # gemini_cli.api.errors.EXIT_INTERRUPTED, without importing it yet


def main(argv: list[str] | None = None) -> int:
    """Run gem; a Ctrl-C at any moment (even while the modules load) is exit 130, one line."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        try:
            if sys.stderr is not None:
                sys.stderr.write("gem: error: interrupted\n")
        except (OSError, ValueError):
            pass
        return EXIT_INTERRUPTED


def _main(argv: list[str] | None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from gemini_cli import __version__

        if sys.stdout is not None:
            sys.stdout.write(f"gem {__version__}\n")
        return 0
    from gemini_cli.cli.app import app

    code = app(args=args, prog_name="gem", standalone_mode=False)
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
