"""`gem emulator`: run the local Interactions API emulator in the foreground."""

from pathlib import Path

import typer

from gemini_cli.cli.app import app
from gemini_cli.cli.command import gem_command
from gemini_cli.cli.global_options import NETWORK_OPTIONS
from gemini_cli.cli.runtime import Runtime

HELP = """Serve a local, deterministic Interactions API (for offline use, CI and tests).

Prints its base URL as the first line on stdout, then serves until Ctrl-C or SIGTERM.
Any client works against it: gem (--base-url URL), or the official SDK (base_url=URL).
Requests need a non-empty x-goog-api-key header (any value) and JSON bodies.
By default it answers like the live service (no event ids; see --flavor). Faults: see --fault.

Examples:

\b
  gem emulator --port 8765 &
  GEM_BASE_URL=http://127.0.0.1:8765 GEMINI_API_KEY=test gem create "Hello"
  gem emulator --port 0 --url-file /tmp/emu.url --work-seconds 1 &
  gem emulator --flavor sdk --fault 429:2 --fault drop:3 --port 0 &
"""


@gem_command(app, "emulator", formats=("text",), help=HELP, omit=(*NETWORK_OPTIONS, "no_log"))
def emulator(
    run: Runtime,
    host: str = typer.Option(
        "127.0.0.1", "--host", metavar="HOST", help="Address to bind (loopback by default)."
    ),
    port: int = typer.Option(
        0, "--port", metavar="PORT", help="Port to listen on (0-65535); 0 picks a free one."
    ),
    url_file: Path | None = typer.Option(
        None, "--url-file", metavar="PATH", help="Also write the base URL to this file."
    ),
    work_seconds: float = typer.Option(
        3.0, "--work-seconds", metavar="SECONDS", help="How long background work and agents take."
    ),
    flavor: str | None = typer.Option(
        None,
        "--flavor",
        metavar="live|sdk",
        help="live: what the live service sends (the default); sdk: the SDK's documented "
        "shapes, with event ids and last_event_id resumption [env: GEM_EMULATOR_FLAVOR].",
    ),
    faults: list[str] | None = typer.Option(
        None,
        "--fault",
        metavar="SPEC",
        help="Inject a fault: 429:N, 503:N, 502-html:N, drop:N, stall:SECONDS, malformed-sse "
        "(repeatable; per request: header x-gem-emulator-fault).",
    ),
) -> None:
    serve_emulator(run, host, port, url_file, work_seconds, flavor, list(faults or []))


def serve_emulator(
    run: Runtime,
    host: str,
    port: int,
    url_file: Path | None,
    work_seconds: float,
    flavor: str | None,
    faults: list[str],
) -> None:
    """Check the options (exit 2 before binding), then serve until Ctrl-C or SIGTERM."""
    from gemini_cli.core.errors import UsageError
    from gemini_cli.emulator.faults import FaultSpecError
    from gemini_cli.emulator.flavor import check_work_seconds, flavor_from_env, parse_flavor
    from gemini_cli.emulator.server import serve

    if not 0 <= port <= 65535:
        raise UsageError(f"--port: expected a port number from 0 to 65535, got {port}")
    check_work_seconds(work_seconds)
    flavor = parse_flavor(flavor) if flavor is not None else flavor_from_env()
    if url_file is not None:
        check_url_file(url_file)
    if host not in ("127.0.0.1", "localhost", "::1"):
        run.warn(f"binding to {host}: the emulator is reachable beyond this machine")
    try:
        code = serve(
            host=host,
            port=port,
            url_file=url_file,
            work_seconds=work_seconds,
            faults=faults,
            out=run.io.stdout,
            flavor=flavor,
        )
    except FaultSpecError as exc:
        raise UsageError(f"--fault: {exc}") from exc
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    run.exit_code = code


def check_url_file(url_file: Path) -> None:
    """Fail (exit 2) before binding when --url-file cannot be written, naming the file."""
    import os

    from gemini_cli.core.errors import UsageError

    folder = url_file.parent
    if url_file.is_dir():
        reason = "it is a directory"
    elif not folder.is_dir():
        reason = f"{folder} is not an existing directory"
    elif not os.access(folder, os.W_OK | os.X_OK):
        reason = f"{folder} is not writable"
    else:
        return
    raise UsageError(f"--url-file: cannot write the url file {url_file}: {reason}")
