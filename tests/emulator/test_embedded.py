"""The in-process httpx transport over SQLite: across threads, across processes, with faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from gemini_cli.core.errors import UsageError
from gemini_cli.emulator import EmbeddedTransport
from gemini_cli.emulator.faults import HEADER

from .conftest import FakeClock, events_only, parse_sse, stream_text

REPO = Path(__file__).resolve().parents[2]
BASE = "http://emulator.invalid"


def embedded(state: Path, **options) -> httpx.Client:
    return httpx.Client(base_url=BASE, transport=EmbeddedTransport(state, **options))


def run_python(code: str, state: Path, **env: str) -> str:
    """Run `code` in a fresh interpreter with `http` bound to an embedded client on `state`."""
    prelude = (
        "import httpx, json, sys\n"
        "from gemini_cli.emulator import EmbeddedTransport\n"
        f"http = httpx.Client(base_url={BASE!r}, transport=EmbeddedTransport({str(state)!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_no_api_key_needed_and_state_in_sqlite(tmp_path: Path) -> None:
    with embedded(tmp_path) as http:
        created = http.post("/v1beta/interactions", json={"model": "m", "input": "hi"})
        assert created.status_code == 200
        assert http.get(f"/v1beta/interactions/{created.json()['id']}").status_code == 200
        assert http.get("/v1beta/interactions/v1_nope").status_code == 404
    assert (tmp_path / "emulator.sqlite3").exists()


@pytest.mark.e2e
def test_two_processes_share_the_state(tmp_path: Path) -> None:
    first = run_python(
        "a = http.post('/v1/interactions', json={'model': 'm', 'input': 'one'}).json()\n"
        "b = http.post('/v1/interactions', json={'model': 'm', 'input': 'slow',"
        " 'background': True}).json()\n"
        "print(json.dumps([a['id'], b['id'], b['status']]))",
        tmp_path,
        GEM_EMULATOR_WORK_SECONDS="3600",
    )
    done_id, running_id, status = json.loads(first)
    assert status == "in_progress"
    second = run_python(
        f"c = http.post('/v1/interactions', json={{'model': 'm', 'input': 'two',"
        f" 'previous_interaction_id': {done_id!r}}}).json()\n"
        f"g = http.get('/v1/interactions/{running_id}').json()\n"
        f"x = http.post('/v1/interactions/{running_id}/cancel').json()\n"
        "print(json.dumps([c['steps'][-1]['content'][0]['text'], g['status'], x['status']]))",
        tmp_path,
        GEM_EMULATOR_WORK_SECONDS="3600",
    )
    assert json.loads(second) == ["Echo: two (turn 2)", "in_progress", "cancelled"]
    with embedded(tmp_path) as http:
        assert http.get(f"/v1/interactions/{running_id}").json()["status"] == "cancelled"


def test_background_completes_for_a_later_transport(tmp_path: Path) -> None:
    clock = FakeClock()
    with embedded(tmp_path, clock=clock, work_seconds=10) as http:
        created = http.post(
            "/v1/interactions", json={"model": "m", "input": "x", "background": True}
        ).json()
    clock.advance(10)
    with embedded(tmp_path, clock=clock, work_seconds=10) as http:
        done = http.get(f"/v1/interactions/{created['id']}").json()
    assert done["status"] == "completed"


def test_work_seconds_env_sets_the_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GEM_EMULATOR_WORK_SECONDS", "42")
    assert EmbeddedTransport(tmp_path).engine.work_seconds == 42
    assert EmbeddedTransport(tmp_path, work_seconds=1).engine.work_seconds == 1


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_a_bad_work_seconds_env_is_a_usage_error(tmp_path: Path, monkeypatch, value: str) -> None:
    monkeypatch.setenv("GEM_EMULATOR_WORK_SECONDS", value)
    with pytest.raises(UsageError, match="GEM_EMULATOR_WORK_SECONDS"):
        EmbeddedTransport(tmp_path)


def test_flavor_env_picks_the_shapes(tmp_path: Path, monkeypatch) -> None:
    body = {"model": "m", "input": "x", "stream": True}
    assert EmbeddedTransport(tmp_path).engine.flavor == "live"
    monkeypatch.setenv("GEM_EMULATOR_FLAVOR", " SDK ")
    with embedded(tmp_path) as http:
        assert b"event_id" in http.post("/v1/interactions", json=body).content
    monkeypatch.setenv("GEM_EMULATOR_FLAVOR", "live")
    with embedded(tmp_path) as http:
        raw = http.post("/v1/interactions", json=body).content
    assert b"event_id" not in raw and raw.endswith(b"event: done\ndata: [DONE]\n\n")
    monkeypatch.setenv("GEM_EMULATOR_FLAVOR", "beta")
    with pytest.raises(UsageError, match="GEM_EMULATOR_FLAVOR"):
        EmbeddedTransport(tmp_path)


def test_the_state_file_is_private(tmp_path: Path) -> None:
    with embedded(tmp_path) as http:
        http.post("/v1/interactions", json={"model": "m", "input": "secret prompt"})
    for path in tmp_path.glob("emulator.sqlite3*"):
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_an_existing_world_readable_state_file_is_made_private(tmp_path: Path) -> None:
    state = tmp_path / "emulator.sqlite3"
    state.touch(mode=0o644)
    state.chmod(0o644)
    EmbeddedTransport(tmp_path)
    assert state.stat().st_mode & 0o777 == 0o600


def test_concurrent_threads_do_not_lose_writes(tmp_path: Path) -> None:
    ids: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with embedded(tmp_path) as http:
            for n in range(10):
                reply = http.post("/v1/interactions", json={"model": "m", "input": f"{n}"})
                with lock:
                    ids.append(reply.json()["id"])

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with embedded(tmp_path) as http:
        assert all(http.get(f"/v1/interactions/{i}").status_code == 200 for i in ids)
    assert len(set(ids)) == 60


@pytest.mark.e2e
def test_concurrent_processes_do_not_corrupt_the_store(tmp_path: Path) -> None:
    code = (
        "ids = []\n"
        "prev = None\n"
        "for n in range(25):\n"
        "    body = {'model': 'm', 'input': str(n)}\n"
        "    if prev: body['previous_interaction_id'] = prev\n"
        "    prev = http.post('/v1/interactions', json=body).json()['id']\n"
        "    ids.append(prev)\n"
        "print(json.dumps(ids))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    prelude = (
        "import httpx, json\nfrom gemini_cli.emulator import EmbeddedTransport\n"
        f"http = httpx.Client(base_url={BASE!r}, transport=EmbeddedTransport({str(tmp_path)!r}))\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", prelude + code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _, err in outputs]
    chains = [json.loads(out) for out, _ in outputs]
    with embedded(tmp_path) as http:
        for chain in chains:
            last = http.get(f"/v1/interactions/{chain[-1]}").json()
            assert last["steps"][-1]["content"][0]["text"] == "Echo: 24 (turn 25)"


def test_stream_is_streamed_chunk_by_chunk(tmp_path: Path) -> None:
    with embedded(tmp_path) as http:
        body = {"model": "m", "input": "a b c d e f g h", "stream": True}
        with http.stream("POST", "/v1/interactions", json=body) as reply:
            assert reply.headers["content-type"] == "text/event-stream"
            chunks = list(reply.iter_raw())
    assert len(chunks) > 5 and all(c.endswith(b"\n\n") for c in chunks)
    assert stream_text(events_only(parse_sse(b"".join(chunks)))) == "Echo: a b c d e f g h (turn 1)"


def test_background_stream_uses_the_injected_sleep(tmp_path: Path) -> None:
    clock = FakeClock()
    with embedded(tmp_path, clock=clock, sleep=clock.sleep, work_seconds=2) as http:
        body = {"model": "m", "input": "x", "stream": True, "background": True}
        raw = http.post("/v1/interactions", json=body).content
    assert sum(clock.sleeps) == pytest.approx(2)
    assert events_only(parse_sse(raw))[-1]["interaction"]["status"] == "completed"


def test_drop_raises_mid_stream_then_reattach_works(tmp_path: Path) -> None:
    received: list[bytes] = []
    with embedded(tmp_path, flavor="sdk") as http:
        body = {"model": "m", "input": "a b c d e f g h", "stream": True}
        with pytest.raises(httpx.RemoteProtocolError):  # noqa: SIM117 - the error is mid-stream
            with http.stream(
                "POST", "/v1/interactions", json=body, headers={HEADER: "drop:2;key=e1"}
            ) as reply:
                received.extend(reply.iter_raw())
        head = events_only(parse_sse(b"".join(received)))
        assert len(head) == 2
        path = f"/v1/interactions/{head[0]['interaction']['id']}"
        tail = http.get(path, params={"stream": "true", "last_event_id": head[0]["event_id"]})
    events = events_only(parse_sse(tail.content))
    assert events[0]["event_type"] == "interaction.status_update"


def test_status_faults_and_stall_honour_the_header(tmp_path: Path) -> None:
    clock = FakeClock()
    with embedded(tmp_path, clock=clock, sleep=clock.sleep) as http:
        headers = {HEADER: "stall:0.2;429:1;key=e2"}
        first = http.post("/v1/interactions", json={"model": "m", "input": "x"}, headers=headers)
        second = http.post("/v1/interactions", json={"model": "m", "input": "x"}, headers=headers)
    assert (first.status_code, second.status_code) == (429, 200)
    assert first.headers["retry-after-ms"] == "50"
    assert clock.sleeps == [0.2]


def test_transport_level_faults(tmp_path: Path) -> None:
    with embedded(tmp_path, faults=["502-html:1@create"]) as http:
        first = http.post("/v1/interactions", json={"model": "m", "input": "x"})
        second = http.post("/v1/interactions", json={"model": "m", "input": "x"})
    assert (first.status_code, second.status_code) == (502, 200)


def test_a_bad_fault_header_is_a_400(tmp_path: Path) -> None:
    with embedded(tmp_path) as http:
        reply = http.post(
            "/v1/interactions", json={"model": "m", "input": "x"}, headers={HEADER: "teapot:1"}
        )
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "invalid_request"  # the live flavor's 400
    assert "teapot" in reply.json()["error"]["message"]


def test_a_stall_longer_than_the_read_timeout_times_out(tmp_path: Path) -> None:
    clock = FakeClock()
    with (
        embedded(tmp_path, clock=clock, sleep=clock.sleep) as http,
        pytest.raises(httpx.ReadTimeout),
    ):
        http.post(
            "/v1/interactions",
            json={"model": "m", "input": "x"},
            headers={HEADER: "stall:8"},
            timeout=2,
        )
    assert clock.sleeps == [2]


def test_a_paced_stream_honours_the_read_timeout(tmp_path: Path) -> None:
    """Background work of 10 s streamed with a 2 s read timeout: ReadTimeout after 2 s of
    silence, as over a socket (and not the whole 10 s of simulated work)."""
    clock = FakeClock()
    with embedded(tmp_path, clock=clock, sleep=clock.sleep, work_seconds=10) as http:
        created = http.post(
            "/v1/interactions", json={"model": "m", "input": "x", "background": True}
        ).json()
        start = clock.now
        with (
            pytest.raises(httpx.ReadTimeout),
            http.stream(
                "GET", f"/v1/interactions/{created['id']}", params={"stream": "true"}, timeout=2
            ) as reply,
        ):
            for _ in reply.iter_raw():
                pass
    assert clock.now - start == pytest.approx(2)


def test_poll_timeout_is_honoured_in_embedded_mode(tmp_path: Path) -> None:
    from gemini_cli.api.client import InteractionsClient
    from gemini_cli.api.errors import StillRunningError
    from gemini_cli.api.waiting import wait_until_done
    from tests.conftest import FakeClock as ClientClock

    clock = ClientClock()
    transport = EmbeddedTransport(
        tmp_path, clock=clock.monotonic, sleep=clock.sleep, work_seconds=10
    )
    with InteractionsClient(
        api_key=None, base_url="http://emulator.local", clock=clock, transport=transport
    ) as client:
        ident = client.create({"model": "m", "input": "x", "background": True}).id
        start = clock.now
        with pytest.raises(StillRunningError):
            wait_until_done(client, ident, timeout=2, clock=clock)
    assert clock.now - start == pytest.approx(2, abs=0.5)


def test_a_state_file_locked_for_good_is_a_503_within_the_read_timeout(tmp_path: Path) -> None:
    """gem runs the embedded engine in its own thread, where no watchdog can cut a SQLite lock
    wait short: the wait is bounded by the request's read timeout (was 5 x 10 s)."""
    import sqlite3
    import time

    with embedded(tmp_path) as http:
        assert http.post("/v1/interactions", json={"model": "m", "input": "a"}).status_code == 200
        blocker = sqlite3.connect(tmp_path / "emulator.sqlite3", isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            began = time.monotonic()
            reply = http.post("/v1/interactions", json={"model": "m", "input": "b"}, timeout=0.3)
            elapsed = time.monotonic() - began
        finally:
            blocker.close()
        assert reply.status_code == 503 and "locked" in reply.json()["error"]["message"]
        assert elapsed < 5
        later = http.post("/v1/interactions", json={"model": "m", "input": "c"})
        assert later.status_code == 200  # the default waits are back once the lock is gone


def test_a_locked_state_file_through_the_cli_is_exit_6(tmp_path: Path, invoke, monkeypatch) -> None:
    import sqlite3

    monkeypatch.setenv("GEM_STATE_DIR", str(tmp_path))
    first = invoke(["--base-url", "emulator:", "create", "--no-stdin", "a"])
    assert first.exit_code == 0, first.output
    blocker = sqlite3.connect(tmp_path / "emulator.sqlite3", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        args = ["--base-url", "emulator:", "--timeout", "0.5", "--max-retries", "0"]
        result = invoke([*args, "create", "--no-stdin", "--no-log", "b"])
    finally:
        blocker.close()
    assert result.exit_code == 6
    assert result.stdout == ""
    assert "HTTP 503: The emulator's state file is locked." in result.stderr
