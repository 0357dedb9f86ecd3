"""Fault spec parsing and the per-source counters (no I/O)."""

from __future__ import annotations

import json

import pytest

from gemini_cli.emulator.faults import (
    FaultInjector,
    FaultSpec,
    FaultSpecError,
    StreamFaults,
    parse_specs,
    with_stream_faults,
)


def test_parse_specs() -> None:
    specs = parse_specs(["429:2", "stall:0.25;drop:3@stream;key=x", "malformed-sse"])
    assert specs == [
        FaultSpec("429", 2),
        FaultSpec("stall", 0.25),
        FaultSpec("drop", 3, "stream"),
        FaultSpec("malformed-sse", 1),
    ]


@pytest.mark.parametrize("text", ["teapot:1", "429", "429:x", "drop:-1", "503:1@list"])
def test_bad_specs_raise(text: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_specs([text])


def test_status_fault_counts_per_source() -> None:
    faults = FaultInjector(["503:1"])
    first = faults.before("create", False, "429:1;key=a")
    assert first[1] is not None and first[1].status == 503  # server specs come first
    second = faults.before("create", False, "429:1;key=a")
    assert second[1] is not None and second[1].status == 429
    assert faults.before("create", False, "429:1;key=a") == (0.0, None)
    body = json.loads(second[1].body)
    assert body["error"]["status"] == "RESOURCE_EXHAUSTED"


def test_stall_and_stream_faults_fire_once() -> None:
    faults = FaultInjector(["stall:0.5", "drop:2", "malformed-sse:1"])
    assert faults.before("get", True, None) == (0.5, None)
    assert faults.before("get", True, None) == (0.0, None)
    assert faults.for_stream("create", None) == StreamFaults(drop_after=2, malformed_after=1)
    assert faults.for_stream("create", None) == StreamFaults()


def test_operation_scope() -> None:
    faults = FaultInjector(["429:1@cancel"])
    assert faults.before("create", False, None)[1] is None
    assert faults.before("cancel", False, None)[1] is not None


def test_with_stream_faults_inserts_and_drops() -> None:
    frames = [b"a", b"b", b"c"]
    out = list(with_stream_faults(iter(frames), StreamFaults(drop_after=2, malformed_after=1)))
    assert out[0] == b"a" and out[1].startswith(b"[{") and out[2:] == [b"b", None]
