"""Start-up time of `gem` against a bare interpreter, and the heavy modules each path imports.

Usage: python benchmarks/startup.py [--runs 15] [--check] [--no-bytecode]

Runs `python -m gemini_cli --version`, `--help` and `create --dry-run "hi"` (stdin from
/dev/null, a throw-away HOME, no network) with the interpreter running this script, and prints
median wall times next to `python -c pass`. Then lists which heavy third-party modules each path
imports, and the slowest imports of each path (from `python -X importtime`). With --check the
exit status is 1 when a path imports something it must not:
  --version  nothing of typer (nor anything heavy)
  --dry-run  no httpx, pydantic or rich
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PATHS: dict[str, list[str]] = {
    "gem --version": ["--version"],
    "gem --help": ["--help"],
    'gem create --dry-run "hi"': ["create", "--dry-run", "hi"],
}
HEAVY = (
    "typer",
    "click",
    "rich",
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "pydantic",
    "pydantic_core",
    "yaml",
    "ssl",
    "certifi",
    "email",
)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "gem --version": ("typer", "click", "rich", "httpx", "pydantic", "yaml"),
    'gem create --dry-run "hi"': ("httpx", "pydantic", "rich"),
}
# Runs gem's entry point in-process and reports which top-level modules got imported.
PROBE = """
import contextlib, io, json, sys
from gemini_cli.cli.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))
"""


def environment(home: str, bytecode: bool) -> dict[str, str]:
    """A throw-away HOME; with `bytecode`, .pyc files cached under it (as an installed package
    has them) even when PYTHONDONTWRITEBYTECODE is set, without writing into the source tree."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GEM_", "GOOGLE_", "GEMINI_", "PYTHONDONTWRITEBYTECODE"))
    }
    env.update(
        HOME=home,
        XDG_CONFIG_HOME=f"{home}/.config",
        XDG_STATE_HOME=f"{home}/.state",
        GEMINI_API_KEY="benchmark-key",
    )
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = f"{home}/pycache"
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=env["HOME"],
        check=False,
    )
    return (time.perf_counter() - start) * 1000


def median_ms(argv: list[str], env: dict[str, str], runs: int) -> float:
    timed(argv, env)  # warm the OS file cache and .pyc files
    return statistics.median(timed(argv, env) for _ in range(runs))


def imported(args: list[str], env: dict[str, str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=env["HOME"],
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def slowest_imports(args: list[str], env: dict[str, str], top: int = 6) -> list[tuple[int, str]]:
    """The heavy packages (and gem's command tree) by cumulative import time in microseconds,
    from `python -X importtime`: the line of a package's own import includes its submodules."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gemini_cli", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=env["HOME"],
        check=False,
    )
    wanted = (*HEAVY, "gemini_cli.cli.app")
    totals: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, name = (part.strip() for part in line[12:].split("|"))
        if name in wanted and cumulative.isdigit():
            totals[name] = max(totals.get(name, 0), int(cumulative))
    return sorted(((us, name) for name, us in totals.items()), reverse=True)[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a path imports a forbidden module"
    )
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="compile every module from source on each run (no .pyc cache)",
    )
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = environment(home, bytecode=not opts.no_bytecode)
        bare = median_ms([sys.executable, "-c", "pass"], env, opts.runs)
        cache = "without" if opts.no_bytecode else "with"
        print(f"python {sys.version.split()[0]}, {cache} .pyc cache, median of {opts.runs} runs\n")
        print(f"{'command':<28} {'ms':>8} {'x python':>9} {'+ms':>8}")
        print(f"{'python -c pass':<28} {bare:8.1f} {1.0:9.2f} {0.0:8.1f}")
        for label, args in PATHS.items():
            ms = median_ms([sys.executable, "-m", "gemini_cli", *args], env, opts.runs)
            print(f"{label:<28} {ms:8.1f} {ms / bare:9.2f} {ms - bare:8.1f}")
        failed = False
        print("\nheavy modules imported on each path:")
        for label, args in PATHS.items():
            mods = imported(args, env)
            heavy = [m for m in HEAVY if m in mods]
            bad = [m for m in FORBIDDEN.get(label, ()) if m in mods]
            failed |= bool(bad)
            verdict = f"  FORBIDDEN: {', '.join(bad)}" if bad else ""
            print(f"  {label:<28} {', '.join(heavy) or '(none)'}{verdict}")
        print("\nimport time of gem's command tree and heavy packages (cumulative ms):")
        for label, args in PATHS.items():
            top = ", ".join(f"{name} {us / 1000:.0f}" for us, name in slowest_imports(args, env))
            print(f"  {label:<28} {top or '(none)'}")
    return 1 if failed and opts.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
