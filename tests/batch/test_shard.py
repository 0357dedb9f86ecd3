"""--shard K/N and auto: every key in exactly one shard, stable across runs."""

from __future__ import annotations

import pytest

from gemini_cli.batch.shard import Shard, parse_shard, shard_of
from gemini_cli.core.errors import UsageError


def test_shards_partition_the_keys_exactly():
    keys = [str(n) for n in range(1, 3001)] + [f"ticket-{n}" for n in range(500)]
    shards = [Shard(k, 4) for k in range(1, 5)]
    taken = [[key for key in keys if shard.takes(key)] for shard in shards]
    assert sorted(sum(taken, [])) == sorted(keys)
    assert all(600 < len(part) < 1300 for part in taken)  # roughly even


def test_the_shard_of_a_key_never_changes():
    assert shard_of("ticket-17", 4) == shard_of("ticket-17", 4)
    assert [shard_of(str(n), 3) for n in range(1, 7)] == [shard_of(str(n), 3) for n in range(1, 7)]


@pytest.mark.parametrize("spec", ["0/3", "4/3", "1", "a/b", "1/0", "-1/2"])
def test_bad_shard_specs_are_usage_errors(spec):
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(spec, {})


def test_auto_reads_the_kubernetes_indexed_job_variables():
    env = {"JOB_COMPLETION_INDEX": "0", "JOB_COMPLETIONS": "3"}
    assert parse_shard("auto", env) == Shard(1, 3)
    assert parse_shard("2/5", {}) == Shard(2, 5)
    assert parse_shard(None, env) is None


@pytest.mark.parametrize(
    "env",
    [{}, {"JOB_COMPLETION_INDEX": "1"}, {"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "3"}],
)
def test_auto_without_a_usable_index_is_a_usage_error(env):
    with pytest.raises(UsageError, match="--shard auto"):
        parse_shard("auto", env)
