"""`gem batch` end to end against the emulator: output lines, order, errors, overrides."""

from __future__ import annotations

import json
from typing import Any

from tests.batch.conftest import Batch, lines_of, write_items


def test_every_item_gives_one_line_in_input_order(batch: Batch, tmp_path):
    source = write_items(tmp_path / "in.jsonl", 40)
    result = batch(str(source), "-j", "8")
    assert result.exit_code == 0, result.stderr
    lines = lines_of(result)
    assert [line["key"] for line in lines] == list(range(1, 41))
    first = lines[0]
    assert list(first) == ["key", "status", "exit_code", "text", "id", "usage", "error"]
    assert first["status"] == "completed" and first["exit_code"] == 0 and first["error"] is None
    assert first["text"] == "Echo: prompt 1 (turn 1)"
    assert first["usage"]["total_tokens"] > 0
    assert result.stderr.startswith("gem: batch: 40 ok;")


def test_a_slow_first_item_keeps_its_place_unless_unordered(batch: Batch, tmp_path, monkeypatch):
    source = write_items(tmp_path / "in.jsonl", 12)
    monkeypatch.setenv("GEM_EMULATOR_FAULT", "stall:0.5@create;key=ordered")
    ordered = batch(str(source), "-j", "4")
    assert [line["key"] for line in lines_of(ordered)] == list(range(1, 13))
    monkeypatch.setenv("GEM_EMULATOR_FAULT", "stall:0.5@create;key=unordered")
    unordered = batch(str(source), "-j", "4", "--unordered")
    keys = [line["key"] for line in lines_of(unordered)]
    assert sorted(keys) == list(range(1, 13)) and keys != sorted(keys)  # the stalled one is late


def test_stdin_is_the_default_input(batch: Batch):
    result = batch(input='"one"\n{"key": "two", "prompt": "zwei"}\n')
    assert [(x["key"], x["text"]) for x in lines_of(result)] == [
        (1, "Echo: one (turn 1)"),
        ("two", "Echo: zwei (turn 1)"),
    ]


def test_bad_lines_are_reported_and_skipped_and_the_exit_code_says_so(batch: Batch, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('"fine"\n{oops\n{"prompt": "x", "colour": 1}\n"also fine"\n')
    result = batch(str(source))
    assert result.exit_code == 10
    lines = lines_of(result)
    assert [(x["key"], x["status"], x["exit_code"]) for x in lines] == [
        (1, "completed", 0), (2, "invalid", 2), (3, "invalid", 2), (4, "completed", 0),
    ]  # fmt: skip
    assert "gem: warning: line 2: not valid JSON" in result.stderr
    assert "gem: warning: line 3: unknown field 'colour'" in result.stderr
    assert "2 ok" in result.stderr and "2 invalid lines" in result.stderr


def test_strict_stops_at_the_first_bad_line(batch: Batch, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('"fine"\n{oops\n' + '"more"\n' * 50)
    result = batch(str(source), "--strict", "-j", "1")
    assert result.exit_code == 2
    assert len(lines_of(result)) < 10
    assert "batch stopped at line 2 (--strict)" in result.stderr
    assert "gem: warning: line 2: not valid JSON" in result.stderr
    assert "skipped" not in result.stderr  # it was not skipped: the run stopped there


def test_flags_are_defaults_and_items_override_them(batch: Batch, emulator: Any, tmp_path):
    source = tmp_path / "in.jsonl"
    items = [
        {"key": "a", "prompt": "one"},
        {"key": "b", "prompt": "two", "model": "gemini-3-pro-preview", "system": "Be brief"},
        {"key": "c", "body": {"input": "three", "generation_config": {"seed": 9}}},
        {"key": "d", "prompt": "four", "set": "generation_config.seed=5", "labels": {"t": "x"}},
    ]
    source.write_text("".join(json.dumps(i) + "\n" for i in items))
    result = batch(str(source), "-m", "gemini-3-flash-preview", "-s", "Default system", "-f",
                   "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    got = {x["key"]: x["interaction"] for x in lines_of(result)}
    assert got["a"]["model"] == "gemini-3-flash-preview"
    assert got["b"]["model"] == "gemini-3-pro-preview"
    stored = {k: emulator.engine.store.get(v["id"]) for k, v in got.items()}
    assert stored["b"] is not None


def test_format_json_puts_the_servers_interaction_in_each_line(batch: Batch, tmp_path):
    result = batch(str(write_items(tmp_path / "in.jsonl", 2)), "--format", "json")
    lines = lines_of(result)
    assert [x["interaction"]["status"] for x in lines] == ["completed", "completed"]
    assert lines[0]["id"] == lines[0]["interaction"]["id"] and "text" not in lines[0]


def test_schema_items_print_the_parsed_object(batch: Batch, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '"Invent a person"\n{"key": "t", "prompt": "A book", "schema": "title str"}\n'
    )
    result = batch(str(source), "--schema", "name str, age int")
    assert result.exit_code == 0, result.stderr
    first, second = lines_of(result)
    assert isinstance(first["text"], dict) and set(first["text"]) == {"name", "age"}
    assert set(second["text"]) == {"title"}


def test_a_bad_attachment_fails_its_item_only(batch: Batch, tmp_path):
    source = tmp_path / "in.jsonl"
    (tmp_path / "note.txt").write_text("a note")
    source.write_text(
        json.dumps({"key": "ok", "prompt": "Read", "attach": str(tmp_path / "note.txt")}) + "\n"
        + json.dumps({"key": "missing", "prompt": "Read", "attach": str(tmp_path / "no.txt")})
        + "\n"
    )  # fmt: skip
    result = batch(str(source))
    assert result.exit_code == 10
    ok, missing = lines_of(result)
    assert ok["exit_code"] == 0
    assert (missing["status"], missing["exit_code"]) == ("error", 2)
    assert "no.txt" in missing["error"]["message"]
    assert "exit 2: 1" in result.stderr


def test_a_429_storm_slows_the_whole_batch_down_and_every_item_succeeds(
    batch: Batch, tmp_path, monkeypatch, fake_clock
):
    source = write_items(tmp_path / "in.jsonl", 30)
    monkeypatch.setenv("GEM_EMULATOR_FAULT", "429:25@create;key=storm")
    result = batch(str(source), "-j", "8", "--max-retries", "2", "--json")
    assert result.exit_code == 0, result.stderr
    assert [x["key"] for x in lines_of(result)] == list(range(1, 31))
    summary = json.loads(result.stderr.strip().splitlines()[-1])["batch"]
    assert summary["ok"] == 30 and summary["rate_limited"] >= 10
    assert summary["lowest_jobs"] < 8  # the concurrency was cut, not 8 workers hammering
    assert fake_clock.sleeps and min(fake_clock.sleeps) > 0  # Retry-After honoured


def test_shards_partition_the_input_exactly(batch: Batch, tmp_path):
    source = write_items(tmp_path / "in.jsonl", 30)
    parts = [lines_of(batch(str(source), "--shard", f"{k}/3")) for k in (1, 2, 3)]
    keys = [line["key"] for part in parts for line in part]
    assert sorted(keys) == list(range(1, 31))
    assert all(part for part in parts)


def test_an_invalid_line_is_printed_by_one_shard_only(batch: Batch, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(f'"item {n}"\n' for n in range(1, 10)) + "{oops\n")
    results = [batch(str(source), "--shard", f"{k}/3") for k in (1, 2, 3)]
    lines = [line for result in results for line in lines_of(result)]
    assert sorted(line["key"] for line in lines) == list(range(1, 11))  # one result set
    assert [line["status"] for line in lines].count("invalid") == 1
    assert sorted(result.exit_code for result in results) == [0, 0, 10]
    assert sum("line 10: not valid JSON" in result.stderr for result in results) == 1


def test_embedded_emulator_faults_count_for_the_whole_batch(invoke: Any, monkeypatch, tmp_path):
    # `emulator:` serves every worker from one in-process server: 429:6 means six 429s in
    # all, not six per worker thread
    monkeypatch.setenv("GEM_EMULATOR_FAULT", "429:6@create;key=shared")
    source = str(write_items(tmp_path / "in.jsonl", 12))
    result = invoke(["--base-url", "emulator:", "batch", source, "-j", "6", "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stderr.strip().splitlines()[-1])["batch"]
    assert summary["ok"] == 12 and 1 <= summary["rate_limited"] <= 6


def test_an_auth_failure_stops_the_batch(invoke: Any, api: Any, api_key: str, tmp_path):
    from tests.helpers import error_body

    route = api.post("/interactions").mock(return_value=error_body(401, "API key not valid"))
    result = invoke(["batch", "-j", "1", str(write_items(tmp_path / "in.jsonl", 20))])
    assert result.exit_code == 4
    [line] = lines_of(result)
    assert (line["key"], line["exit_code"], line["error"]["http_status"]) == (1, 4, 401)
    assert route.call_count == 1  # the other 19 would be refused the same way: not sent
    assert "batch stopped: the API refused the credentials" in result.stderr


def test_usage_errors_send_nothing(batch: Batch, tmp_path):
    source = str(write_items(tmp_path / "in.jsonl", 2))
    for args, message in [
        (["--jobs", "0"], "--jobs 0"),
        (["--shard", "5/4"], "--shard"),
        (["--thinking", "loud"], "--thinking"),
        (["--rpm", "0"], "--rpm 0"),
        (["--retry-failed"], "--retry-failed needs --journal"),
    ]:
        result = batch(source, *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
        assert result.stdout == ""
    missing = batch(str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2 and "nope.jsonl" in missing.stderr


def test_a_refused_connection_is_sent_again_as_it_never_ran(
    invoke: Any, api: Any, api_key: str, tmp_path
):
    import httpx

    from tests.helpers import ok

    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) <= 3:
            raise httpx.ConnectError("refused", request=request)
        return ok()

    api.post("/interactions").mock(side_effect=flaky)
    result = invoke(["batch", "-j", "1", "--max-retries", "0",
                     str(write_items(tmp_path / "in.jsonl", 2))])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [x["exit_code"] for x in lines_of(result)] == [0, 0]
    assert len(calls) == 5


def test_a_read_failure_after_sending_is_not_sent_again(
    invoke: Any, api: Any, api_key: str, tmp_path
):
    import httpx

    route = api.post("/interactions").mock(side_effect=httpx.ReadError("reset"))
    result = invoke(["batch", "-j", "1", str(write_items(tmp_path / "in.jsonl", 1))])
    assert result.exit_code == 10
    assert route.call_count == 1  # it may have run: never sent twice
    [line] = lines_of(result)
    assert line["exit_code"] == 6


def test_a_terminal_gets_a_progress_line_and_a_pipe_does_not(batch: Batch, tmp_path):
    source = str(write_items(tmp_path / "in.jsonl", 3))
    on_tty = batch(source, tty={"stderr_isatty": True})
    assert "\r\x1b[Kgem batch: " in on_tty.stderr and "in flight" in on_tty.stderr
    assert "\r" not in batch(source).stderr


def test_items_attach_files_api_uris(batch: Batch, invoke: Any, emulator: Any, tmp_path):
    note = tmp_path / "note.md"
    note.write_text("A note for the Files API.")
    uploaded = invoke(["--base-url", emulator.url, "files", "upload", str(note)])
    assert uploaded.exit_code == 0, uploaded.stderr
    uri = uploaded.stdout.strip()
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"key": "f", "prompt": "Summarise", "attach": uri}) + "\n")
    result = batch(str(source), "--format", "json")
    assert result.exit_code == 0, result.stderr
    [line] = lines_of(result)
    assert line["interaction"]["status"] == "completed"
