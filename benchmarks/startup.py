"""Start-up time of `gem` against a bare interpreter, and the heavy modules each path imports.

Usage: python benchmarks/startup.py [--runs 15] [--check] [--no-bytecode]

Runs each path below with the interpreter running this script (stdin from /dev/null, stdout to
/dev/null, a throw-away HOME), interleaved with `python -c pass` round by round, and prints the
median wall and CPU time of each as a ratio to the bare interpreter measured in the same run.
The one-shot `create` goes to benchmarks/bench_server.py on a loopback port; the `ref` and
`floor` rows import only Typer, or only httpx: what a run Typer parses, or one that sends,
starts from (gem parses the commands below itself: none of them imports Typer). Then lists
which heavy modules each path imports, and the slowest imports of each (`python -X importtime`).
With --check the exit status is 1 when a path imports something it must not (FORBIDDEN, and
the module of any command but the one it runs).
Goals (issue 11, judged on CPU time, which a busy machine disturbs least): --version ~1.5x,
--help and --dry-run <= 5x, one-shot create <= 10x.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

from measure import Sample, bench_server, environment, gem_argv, median_of, run_child

PATHS: dict[str, list[str]] = {
    "gem --version": ["--version"],
    "gem --help": ["--help"],
    "gem create --dry-run": ["create", "--no-stdin", "--dry-run", "hi"],
    "gem create (loopback)": ["create", "--no-stdin", "hi"],
    "gem create (+history)": ["create", "--no-stdin", "hi"],
}
WITH_HISTORY = {"gem create (+history)"}
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
    "sqlite3",
    "email",
    "gemini_cli.turns.toolrun",
)
# Modules (and their submodules) a path must not import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "gem --version": ("typer", "click", "rich", "httpx", "pydantic", "yaml"),
    "gem --help": ("typer", "click", "rich", "httpx", "pydantic", "yaml"),  # pre-rendered
    # (ipaddress is allowed: the base URL here is http:// on loopback, which gem checks)
    "gem create --dry-run": (
        *("typer", "click", "httpx", "pydantic", "rich", "yaml"),
        *("inspect", "subprocess", "shutil", "platform", "shlex", "random"),
    ),
    # stdout is a pipe: nothing to colour; a plain create runs no local tools
    "gem create (loopback)": (
        "typer",
        "click",
        "pydantic",
        "rich",
        "yaml",
        "gemini_cli.turns.toolrun",
    ),
}
GOALS = {"gem --version": 2.0, "gem --help": 5.0, "gem create --dry-run": 5.0}
GOALS["gem create (loopback)"] = 10.0
# Runs gem's entry point in-process and reports every module that got imported.
PROBE = """
import contextlib, io, json, sys
from gemini_cli.cli.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
from gemini_cli.core.deferred import is_placeholder  # not imported until used: not counted
print(json.dumps(sorted(n for n, m in sys.modules.items() if not is_placeholder(m))))
"""


def path_env(env: dict[str, str], label: str, port: int) -> dict[str, str]:
    env = {**env, "GEM_BASE_URL": f"http://127.0.0.1:{port}"}
    if label not in WITH_HISTORY:
        env["GEM_NO_LOG"] = "1"
    return env


def imports(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


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


# Reference rows: Typer alone (what a run that Typer parses pays before anything else; gem's
# own parser spares the commands above), and the HTTP library alone (what a one-shot request
# cannot go below: httpx, and httpcore which sends for it).
FLOORS = {
    "ref: import typer": "import typer",
    "floor: import httpx, httpcore": "import httpx, httpcore",
}


def measure(env: dict[str, str], port: int, runs: int) -> dict[str, Sample]:
    """Medians of interleaved rounds (a slow moment of the machine hits every command alike);
    the first round warms the file cache and the .pyc files and is not counted."""
    argvs = {"python -c pass": ([sys.executable, "-c", "pass"], env)}
    for label, code in FLOORS.items():
        argvs[label] = ([sys.executable, "-c", code], env)
    for label, args in PATHS.items():
        argvs[label] = ([*gem_argv(), *args], path_env(env, label, port))
    samples: dict[str, list[Sample]] = {label: [] for label in argvs}
    for round_ in range(runs + 1):
        for label, (argv, child_env) in argvs.items():
            sample = run_child(argv, child_env, limit=60)
            if round_:
                samples[label].append(sample)
    return {label: median_of(got) for label, got in samples.items()}


def report_times(results: dict[str, Sample]) -> None:
    bare = results["python -c pass"]
    print(f"{'command':<24} {'wall ms':>8} {'x python':>9} {'cpu ms':>8} {'x python':>9}  goal")
    for label, got in results.items():
        goal = GOALS.get(label)
        verdict = ""
        if goal is not None:
            verdict = f"<= {goal:g}x " + ("ok" if got.cpu / bare.cpu <= goal else "MISSED")
        print(
            f"{label:<24} {got.wall * 1000:8.1f} {got.wall / bare.wall:9.2f} "
            f"{got.cpu * 1000:8.1f} {got.cpu / bare.cpu:9.2f}  {verdict}"
        )


def other_commands(label: str) -> set[str]:
    """The command modules a path must not import: all but the one it runs (`--help`: all)."""
    from gemini_cli.cli.app import COMMANDS

    own = f"gemini_cli.cli.{PATHS[label][0]}"
    return {module for module, _ in COMMANDS.values()} - {own}


def report_imports(env: dict[str, str], port: int) -> bool:
    failed = False
    print("\nheavy modules imported on each path:")
    for label, args in PATHS.items():
        mods = imported(args, path_env(env, label, port))
        heavy = [m for m in HEAVY if imports(mods, m)]
        bad = [m for m in FORBIDDEN.get(label, ()) if imports(mods, m)]
        bad += sorted(other_commands(label) & mods)
        failed |= bool(bad)
        verdict = f"  FORBIDDEN: {', '.join(bad)}" if bad else ""
        print(f"  {label:<24} {', '.join(heavy) or '(none)'}{verdict}")
    print("\nimport time of gem's command tree and heavy packages (cumulative ms):")
    for label, args in PATHS.items():
        top = slowest_imports(args, path_env(env, label, port))
        print(f"  {label:<24} {', '.join(f'{name} {us / 1000:.0f}' for us, name in top)}")
    return failed


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
    with tempfile.TemporaryDirectory() as home, bench_server() as port:
        env = environment(home, bytecode=not opts.no_bytecode)
        cache = "without" if opts.no_bytecode else "with"
        print(f"python {sys.version.split()[0]}, {cache} .pyc cache, median of {opts.runs} runs\n")
        report_times(measure(env, port, opts.runs))
        failed = report_imports(env, port)
    return 1 if failed and opts.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
