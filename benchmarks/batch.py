"""`gem batch` cost per item against a loopback server, memory over input size, and the ratio
to `xargs -P 16 gem create` (a process per item), in one run.

Usage: python benchmarks/batch.py [--items 10000] [--jobs 16] [--xargs-items 200] [--limit 600]

Runs benchmarks/bench_server.py in its own process (its CPU is not gem's), then:
  1. `gem batch` over 1 item (start-up), --items/10 items and --items items with -j --jobs:
     gem's CPU (user + system) per item beyond start-up, wall time, items/s, peak RSS;
  2. `xargs -P --jobs -n 1 gem create` over --xargs-items prompts: CPU per item;
  3. the ratio of the two per-item costs, and peak RSS at --items vs --items/10 (flat memory
     means ~1x). Goals (issue 15): <= 2 ms CPU per item, RSS ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import json
import shlex
import tempfile
from collections import Counter
from pathlib import Path

from measure import Sample, bench_server, environment, gem_argv, run_child

GOAL_CPU_PER_ITEM = 0.002
GOAL_RSS_RATIO = 1.3


def write_items(path: Path, count: int) -> Path:
    with path.open("w") as out:
        for n in range(count):
            out.write(json.dumps(f"Summarise item {n}") + "\n")
    return path


def batch_once(env: dict[str, str], port: int, items: Path, jobs: int, limit: float) -> Sample:
    """One `gem batch` (its output kept next to the input, for `failures`)."""
    argv = [*gem_argv(), "--base-url", f"http://127.0.0.1:{port}", "batch", str(items),
            "-j", str(jobs), "-q"]  # fmt: skip
    script = " ".join(shlex.quote(a) for a in argv) + f" > {shlex.quote(str(items))}.out"
    return run_child(["sh", "-c", script], env, limit=limit)


def failures(items: Path) -> Counter[str]:
    """What failed items failed with (the machine being too busy shows up here as timeouts)."""
    found: Counter[str] = Counter()
    for line in Path(f"{items}.out").read_text().splitlines():
        record = json.loads(line)
        if record["exit_code"]:
            found[f"exit {record['exit_code']}: {(record.get('error') or {}).get('type')}"] += 1
    return found


def xargs_once(env: dict[str, str], port: int, prompts: Path, jobs: int, limit: float) -> Sample:
    gem = " ".join(gem_argv())
    script = (f"xargs -P {jobs} -n 1 {gem} --base-url http://127.0.0.1:{port} create "
              f"--no-stdin --no-log < {prompts}")  # fmt: skip
    return run_child(["sh", "-c", script], env, limit=limit)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--xargs-items", type=int, default=200)
    parser.add_argument("--limit", type=float, default=600.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, bench_server() as port:
        env = environment(home)
        where = Path(home)
        small = max(args.items // 10, 1)
        runs = {n: write_items(where / f"items-{n}.jsonl", n) for n in (1, small, args.items)}
        prompts = where / "prompts.txt"
        prompts.write_text("".join(f"item{n}\n" for n in range(args.xargs_items)))
        batch_once(env, port, runs[1], args.jobs, args.limit)  # warm the bytecode cache
        got = {n: batch_once(env, port, path, args.jobs, args.limit) for n, path in runs.items()}
        xargs = xargs_once(env, port, prompts, args.jobs, args.limit)
        for n, path in runs.items():
            for reason, count in failures(path).items():
                print(f"{n} items: {count} failed ({reason})")
    return report(args, got, xargs, small)


def report(args: argparse.Namespace, got: dict[int, Sample], xargs: Sample, small: int) -> int:
    start = got[1]
    print(f"{'run':<28} {'items':>7} {'cpu s':>8} {'wall s':>8} {'items/s':>9} {'RSS MiB':>8}")
    for n, sample in got.items():
        print(f"{'gem batch -j ' + str(args.jobs):<28} {n:>7} {sample.cpu:8.2f} {sample.wall:8.2f} "
              f"{n / sample.wall:9.0f} {sample.rss_kib / 1024:8.1f}  exit {sample.status}")  # fmt: skip
    print(f"{'xargs -P ' + str(args.jobs) + ' gem create':<28} {args.xargs_items:>7} "
          f"{xargs.cpu:8.2f} {xargs.wall:8.2f} {args.xargs_items / xargs.wall:9.0f} "
          f"{xargs.rss_kib / 1024:8.1f}  exit {xargs.status}")  # fmt: skip
    big = got[args.items]
    per_item = (big.cpu - start.cpu) / max(args.items - 1, 1)
    per_process = xargs.cpu / args.xargs_items
    rss_ratio = big.rss_kib / max(got[small].rss_kib, 1)
    print()
    print(
        f"gem batch CPU per item:  {per_item * 1000:.3f} ms (goal <= {GOAL_CPU_PER_ITEM * 1000:g} ms)"
    )
    print(f"xargs gem create per item: {per_process * 1000:.1f} ms")
    print(f"ratio (xargs / batch):     {per_process / max(per_item, 1e-9):.0f}x")
    print(f"peak RSS {args.items} vs {small} items: {rss_ratio:.2f}x (goal <= {GOAL_RSS_RATIO})")
    ok = per_item <= GOAL_CPU_PER_ITEM and rss_ratio <= GOAL_RSS_RATIO
    ok = ok and all(s.status == 0 for s in got.values())
    print("goals met" if ok else "goals NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
