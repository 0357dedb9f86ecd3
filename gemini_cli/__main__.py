"""`python -m gemini_cli` runs the `gem` command."""

from gemini_cli.cli.main import main

raise SystemExit(main())
