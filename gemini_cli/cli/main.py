"""Entry point: answer `--version` before importing anything heavy, then run the app."""

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from gemini_cli import __version__

        sys.stdout.write(f"gem {__version__}\n")
        return 0
    from gemini_cli.cli.app import app

    code = app(args=args, prog_name="gem", standalone_mode=False)
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
