"""`--shard K/N`: which items this process takes, stable by key (so shards partition the input)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from gemini_cli.core.errors import UsageError

AUTO_INDEX = "JOB_COMPLETION_INDEX"  # set by Kubernetes on each pod of an Indexed Job (0-based)
AUTO_COUNT = "JOB_COMPLETIONS"  # the Job's completion count: the pod spec passes it down


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def takes(self, ident: str) -> bool:
        return shard_of(ident, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(ident: str, count: int) -> int:
    """The 1-based shard a key belongs to: a hash, not the line number, so the same item goes
    to the same shard even when the input is reordered or grows."""
    digest = hashlib.blake2b(ident.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count + 1


def parse_shard(spec: str | None, environ: Mapping[str, str]) -> Shard | None:
    """`K/N` (1 <= K <= N) or `auto` (a Kubernetes Indexed Job); None for no --shard."""
    if spec is None:
        return None
    if spec.strip().lower() == "auto":
        return _auto(environ)
    index, sep, count = spec.partition("/")
    try:
        shard = Shard(int(index), int(count))
    except ValueError:
        shard = None
    if not sep or shard is None or not 1 <= shard.index <= shard.count:
        raise UsageError(
            f"--shard {spec!r}: expected K/N with 1 <= K <= N (e.g. 2/4), or auto",
        )
    return shard


def _auto(environ: Mapping[str, str]) -> Shard:
    index, count = environ.get(AUTO_INDEX, "").strip(), environ.get(AUTO_COUNT, "").strip()
    if not index or not count:
        missing = AUTO_INDEX if not index else AUTO_COUNT
        raise UsageError(
            f"--shard auto: {missing} is not set",
            hint=f"in a Kubernetes Indexed Job set {AUTO_COUNT} to the Job's completions; "
            "elsewhere give --shard K/N",
        )
    if not (index.isdigit() and count.isdigit()) or not 0 <= int(index) < int(count):
        raise UsageError(
            f"--shard auto: {AUTO_INDEX}={index!r} and {AUTO_COUNT}={count!r} do not make a "
            f"shard (need 0 <= index < completions)"
        )
    return Shard(int(index) + 1, int(count))
