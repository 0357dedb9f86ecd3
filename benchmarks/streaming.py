"""`gem stream` cost against the number of deltas: CPU, wall, per-event cost and peak memory.

Usage: python benchmarks/streaming.py [--deltas 0,10000,100000] [--mib 100] [--runs 3]
                                      [--limit 300] [--format text]

Streams from benchmarks/bench_server.py (its own process, the live service's SSE shape) into
`gem stream` with stdout to /dev/null, and prints for each size the median CPU (user + system)
and wall time of the gem process alone, the CPU per delta beyond the empty stream, and peak RSS
(also as a ratio to the empty stream). Then the growth factor from 10k to 100k deltas: a linear
pipeline grows ~10x. `--mib 0` skips the large run; a run past --limit seconds is stopped and
shown as such. Goals (issue 11): 10k deltas <= 0.3 s CPU, 100k <= 2 s, 100 MiB <= 20 s, peak RSS
for 100 MiB <= 1.5x the empty stream.
"""

from __future__ import annotations

import argparse
import tempfile

from measure import Sample, bench_server, environment, gem_argv, median_of, run_child

DELTA_BYTES = 100
GOALS_CPU = {10_000: 0.3, 100_000: 2.0}
GOAL_100MIB_CPU = 20.0
GOAL_RSS_RATIO = 1.5


def stream_once(env: dict[str, str], port: int, deltas: int, fmt: str, limit: float) -> Sample:
    base = f"http://127.0.0.1:{port}/deltas/{deltas}/size/{DELTA_BYTES}"
    argv = [*gem_argv(), "--base-url", base, "--format", fmt, "stream", "--no-stdin", "hi"]
    return run_child(argv, env, limit=limit)


def row(label: str, deltas: int, got: Sample, empty: Sample | None) -> str:
    if got.status is None:
        return f"{label:<22} {deltas:>9}  stopped at the time limit"
    per_event = ""
    if empty is not None and deltas:
        per_event = f"{(got.cpu - empty.cpu) / deltas * 1e6:8.1f}"
    rss = got.rss_kib / 1024
    ratio = f"{got.rss_kib / empty.rss_kib:6.2f}" if empty is not None else f"{1.0:6.2f}"
    return (
        f"{label:<22} {deltas:>9} {got.cpu:8.2f} {got.wall:8.2f} {per_event:>8} "
        f"{rss:8.1f} {ratio}  exit {got.status}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", default="0,10000,100000")
    parser.add_argument("--mib", type=int, default=100, help="size of the large run (0: skip)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=300.0, help="seconds before a run stops")
    parser.add_argument("--format", default="text", help="gem's --format (text, json, ndjson)")
    opts = parser.parse_args()
    sizes = [int(n) for n in opts.deltas.split(",") if n.strip()]
    if 0 not in sizes:
        sizes.insert(0, 0)
    results: dict[int, Sample] = {}
    with tempfile.TemporaryDirectory() as home, bench_server() as port:
        env = {**environment(home), "GEM_NO_LOG": "1"}
        stream_once(env, port, 0, opts.format, opts.limit)  # warm the .pyc files
        print(
            f"gem stream --format {opts.format}, {DELTA_BYTES} B per delta, "
            f"median of {opts.runs} runs\n"
        )
        print(
            f"{'case':<22} {'deltas':>9} {'cpu s':>8} {'wall s':>8} {'us/delta':>8} "
            f"{'rss MiB':>8} {'x empty':>6}"
        )
        for deltas in sizes:
            runs = [
                stream_once(env, port, deltas, opts.format, opts.limit) for _ in range(opts.runs)
            ]
            results[deltas] = (
                median_of(runs) if all(r.status is not None for r in runs) else runs[-1]
            )
            print(row(f"{deltas} deltas", deltas, results[deltas], results.get(0)), flush=True)
        big = opts.mib * 1024 * 1024 // DELTA_BYTES
        if big:
            got = stream_once(env, port, big, opts.format, opts.limit)  # once: it is long
            results[big] = got
            print(row(f"{opts.mib} MiB of text", big, got, results.get(0)))
    return report_goals(results, big)


def report_goals(results: dict[int, Sample], big: int) -> int:
    print()
    small, large = results.get(10_000), results.get(100_000)
    if small and large and small.status is not None and large.status is not None:
        empty = results[0].cpu
        growth = (large.cpu - empty) / max(small.cpu - empty, 1e-9)
        print(
            f"growth 10k -> 100k deltas (CPU beyond the empty stream): {growth:.1f}x (linear ~10)"
        )
    missed = []
    for deltas, goal in GOALS_CPU.items():
        got = results.get(deltas)
        if got is not None and (got.status is None or got.cpu > goal):
            missed.append(f"{deltas} deltas > {goal} s CPU")
    got = results.get(big) if big else None
    if got is not None:
        if got.status is None or got.cpu > GOAL_100MIB_CPU:
            missed.append(f"large run > {GOAL_100MIB_CPU} s CPU")
        if got.rss_kib > GOAL_RSS_RATIO * results[0].rss_kib:
            missed.append(f"large run peak RSS > {GOAL_RSS_RATIO}x the empty stream")
    print("goals: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
