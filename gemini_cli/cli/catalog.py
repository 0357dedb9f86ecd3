"""Every command gem has, by name: its module and one-line help (no Typer here)."""

# Every command: name -> (module, the first paragraph of its help). A run imports only the
# module of the command it runs; `gem --help` lists them all from this table (a test checks it
# against the commands' own help). Importing a module registers its command: in
# command.REGISTRY (gem_command(ROOT, ...)), or on the Typer app.
COMMANDS: dict[str, tuple[str, str]] = {
    "batch": (
        "gemini_cli.cli.batch",
        "Run many requests from a JSON Lines file: one output line per item, resumable.",
    ),
    "cancel": (
        "gemini_cli.cli.cancel",
        "Cancel a running background interaction; exit 0 when the API accepted it.",
    ),
    "create": ("gemini_cli.cli.create", "Create an interaction and print its output."),
    "delete": (
        "gemini_cli.cli.delete",
        "Delete a stored interaction; exit 0 when the API accepted it.",
    ),
    "emulator": (
        "gemini_cli.cli.emulator",
        "Serve a local, deterministic Interactions API (for offline use, CI and tests).",
    ),
    "get": (
        "gemini_cli.cli.get",
        "Fetch an interaction and print it; the exit code follows its status.",
    ),
    "history": (
        "gemini_cli.cli.history",
        "List the interactions gem created on the current back-end, newest first.",
    ),
    "poll": (
        "gemini_cli.cli.poll",
        "Wait until an interaction finishes, then print it; the exit code follows its status.",
    ),
    "research": (
        "gemini_cli.cli.research",
        "Research a question with the Deep Research agent and print its report (markdown).",
    ),
    "stream": (
        "gemini_cli.cli.stream",
        "Create an interaction and print its output as it is generated.",
    ),
    "config": (
        "gemini_cli.cli.config",
        "Show and change gem's settings (the YAML config file).",
    ),
    "files": (
        "gemini_cli.cli.files",
        "Upload, list, show and delete files (the Files API; files are kept 48 hours).",
    ),
    "stores": (
        "gemini_cli.cli.stores",
        "Create and fill File Search stores, for `--file-search STORE` (research over your files).",
    ),
}
