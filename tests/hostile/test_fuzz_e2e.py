"""End-to-end fuzz: mutated JSON and SSE answers served to the real executable (fixed seed).
Whatever the bytes, gem ends with a documented exit code: never 70, never a traceback, never
a hang (issue 17, "Tests")."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.processes import run_gem
from tests.scripted_server import Reply, ScriptedServer

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEED = 1717
RUNS = 40
GARBAGE: list[Any] = [
    None,
    True,
    -1,
    2**70,
    1e308,
    "",
    "\x1b[2J\x1b]0;pwned\x07",
    "\ud800",
    "..",
    [],
    {},
    [[[[[[[[[[]]]]]]]]]],
    {"type": {"type": []}},
    "x" * 5000,
]
DEEP = "[" * 100_000 + "]" * 100_000


def garble(value: Any, rnd: random.Random, depth: int = 0) -> Any:
    """`value` with one node somewhere replaced by garbage of any JSON type."""
    if isinstance(value, dict) and value and rnd.random() < 0.8:
        key = rnd.choice(list(value))
        return {**value, key: garble(value[key], rnd, depth + 1)}
    if isinstance(value, list) and value and rnd.random() < 0.8:
        index = rnd.randrange(len(value))
        return [*value[:index], garble(value[index], rnd, depth + 1), *value[index + 1 :]]
    return rnd.choice([*GARBAGE, json.loads('"\\ud800 lone"')])


def mutate_bytes(data: bytes, rnd: random.Random) -> bytes:
    choice = rnd.randrange(5)
    if choice == 0:  # cut anywhere
        return data[: rnd.randrange(len(data) + 1)]
    if choice == 1:  # flip some bytes
        out = bytearray(data)
        for _ in range(rnd.randint(1, 8)):
            out[rnd.randrange(len(out))] = rnd.randrange(256)
        return bytes(out)
    if choice == 2:  # splice in control bytes / invalid UTF-8
        at = rnd.randrange(len(data) + 1)
        return (
            data[:at] + rnd.choice([b"\x00", b"\xff\xfe", b"\x1b[2J", b"\r", b"\n\n"]) + data[at:]
        )
    if choice == 3:  # nested far too deep
        return DEEP.encode()
    return data + data  # twice


def json_case(rnd: random.Random) -> bytes:
    seeds = sorted((FIXTURES / "api").glob("*.response.json"))
    data = json.loads(rnd.choice(seeds).read_text())
    if rnd.random() < 0.7:
        return json.dumps(garble(data, rnd)).encode()
    return mutate_bytes(json.dumps(data).encode(), rnd)


def sse_case(rnd: random.Random) -> bytes:
    seed = rnd.choice(sorted(FIXTURES.glob("*.sse"))).read_text()
    events = seed.split("\n\n")
    index = rnd.randrange(len(events))
    head, _, payload = events[index].partition("data: ")
    if payload and rnd.random() < 0.6:
        events[index] = head + "data: " + json.dumps(garble(json.loads(payload), rnd))
    else:
        events[index] = mutate_bytes(events[index].encode(), rnd).decode("utf-8", "surrogateescape")
    if rnd.random() < 0.2:
        events.insert(
            index, rnd.choice(["id: \udc80", "retry: -1", ": keep-alive", "data: [DONE]"])
        )
    return "\n\n".join(events).encode("utf-8", "surrogateescape")


def cases() -> list[tuple[list[str], Reply]]:
    rnd = random.Random(SEED)
    made = []
    for number in range(RUNS):
        if number % 2:
            args = rnd.choice([["stream", "hi"], ["stream", "--thoughts", "-f", "ndjson", "hi"]])
            reply = Reply(200, {"Content-Type": "text/event-stream"}, sse_case(rnd))
        else:
            args = rnd.choice(
                [
                    ["create", "hi"],
                    ["get", "v1_x"],
                    ["create", "-f", "yaml", "hi"],
                    ["get", "--json", "v1_x"],
                ]
            )
            status = rnd.choice([200, 200, 200, 400, 500])
            reply = Reply(status, {"Content-Type": "application/json"}, json_case(rnd))
        made.append((args, reply))
    return made


@pytest.mark.e2e
@pytest.mark.parametrize(("args", "reply"), cases(), ids=[f"run{n}" for n in range(RUNS)])
def test_no_bytes_make_gem_crash_or_hang(
    isolated_env: Path, scripted_server: ScriptedServer, args: list[str], reply: Reply
) -> None:
    scripted_server.handler = lambda _request: reply
    flags = ["--base-url", scripted_server.url, "--timeout", "5", "--max-retries", "1", "--no-log"]
    try:
        result = run_gem(isolated_env, [*args, *flags], timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"gem {' '.join(args)} hung on {reply.body[:200]!r}")
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode != 70, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert result.returncode in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), err
