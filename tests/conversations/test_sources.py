"""Sources wherever an answer is printed: agents by default, --sources/--no-sources, markers."""

from __future__ import annotations

import json

from gemini_cli.render.sources import collect, format_list, marked_answer
from tests.conversations.conftest import Gem, last_id

SOURCE = "[1] Emulated source - https://example.com/emulated-source"
CITED = "The emulator consulted one source for this question.[1]\n"


def test_research_get_and_poll_print_the_report_with_its_sources(gem: Gem) -> None:
    research = gem("research", "Batteries")
    assert research.exit_code == 0, research.stderr
    assert CITED in research.stdout and research.stdout.endswith(f"\nSources:\n{SOURCE}\n")
    ident = last_id(gem)
    for command in ("get", "poll"):
        again = gem(command, ident)
        assert (again.exit_code, again.stdout) == (0, research.stdout), command


def test_no_sources_prints_the_bare_report(gem: Gem) -> None:
    gem("research", "Batteries")
    for command in (("research", "Batteries"), ("get", "last"), ("poll", "last")):
        result = gem(*command, "--no-sources")
        assert result.exit_code == 0
        assert "Sources:" not in result.stdout and "[1]" not in result.stdout


def test_json_is_still_the_servers_bytes(gem: Gem) -> None:
    gem("research", "Batteries")
    result = gem("get", "last", "--json")
    data = json.loads(result.stdout)
    block = data["steps"][-1]["content"][0] if data["steps"][-1]["type"] == "model_output" else None
    texts = [
        b["text"]
        for s in data["steps"]
        if s["type"] == "model_output"
        for b in s["content"]
        if b["type"] == "text"
    ]
    assert "[1]" not in "".join(texts) and "Sources:" not in result.stdout
    assert block is None or "annotations" in block


def test_a_grounded_model_answer_lists_its_sources_on_request(gem: Gem) -> None:
    plain = gem("create", "--search", "--url-context", "read https://a.example/x")
    assert plain.stdout == "Echo: read https://a.example/x (turn 1)\n"
    assert "gem: 2 sources not shown; use --sources" in plain.stderr
    shown = gem("get", "last", "--sources")
    assert shown.stdout == (
        "Echo: read https://a.example/x (turn 1)[1][2]\n\nSources:\n"
        "[1] Search result for read https://a.example/x - "
        "https://example.com/search/read%20https%3A%2F%2Fa.example%2Fx\n"
        "[2] https://a.example/x\n"
    )
    assert "not shown" not in shown.stderr
    streamed = gem("create", "--sources", "--url-context", "see https://b.example")
    assert streamed.stdout.endswith("[1]\n\nSources:\n[1] https://b.example\n")


def test_quiet_keeps_the_sources_hint_off_stderr(gem: Gem) -> None:
    result = gem("create", "-q", "--search", "hello")
    assert result.exit_code == 0 and result.stderr == ""


def test_markers_follow_utf8_byte_offsets_and_line_up_with_the_list() -> None:
    text = "Café au lait. Tea."
    first_end = len("Café au lait.".encode())
    steps = [
        {"type": "user_input", "content": [{"type": "text", "text": "q"}]},
        {
            "type": "model_output",
            "content": [
                {
                    "type": "text",
                    "text": text,
                    "annotations": [
                        {"type": "url_citation", "url": "https://b", "end_index": len(text.encode())},
                        {"type": "url_citation", "url": "https://a", "title": "A", "end_index": first_end},
                        {"type": "file_citation", "file_name": "notes.pdf", "end_index": 3},
                        {"type": "url_citation", "url": "https://b", "end_index": 999},
                    ],
                }
            ],
        },
        {"type": "url_context_result", "result": [{"url": "https://c", "status": "success"},
                                                  {"url": "https://d", "status": "error"}]},
    ]  # fmt: skip
    found = collect(steps)
    # numbered in reading order (not the annotations' order), one number per source
    assert marked_answer(steps, found) == "Caf[1]é au lait.[2] Tea.[3]"
    assert format_list(found) == (
        "\nSources:\n[1] notes.pdf\n[2] A - https://a\n[3] https://b\n[4] https://c\n"
    )


def test_earlier_turns_sources_are_not_this_answers() -> None:
    old = {"type": "url_citation", "url": "https://old", "end_index": 1}
    steps = [
        {"type": "user_input", "content": [{"type": "text", "text": "q"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "a", "annotations": [old]}]},
        {"type": "user_input", "content": [{"type": "text", "text": "q2"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "b"}]},
    ]
    assert collect(steps).items == []


def test_stream_lists_the_sources_after_the_text(gem: Gem) -> None:
    plain = gem("stream", "--search", "hello")
    assert plain.stdout == "Echo: hello (turn 1)\n"
    assert "gem: 1 source not shown; use --sources" in plain.stderr
    listed = gem("stream", "--sources", "--search", "hello")
    assert listed.stdout == (
        "Echo: hello (turn 1)\n\nSources:\n"
        "[1] Search result for hello - https://example.com/search/hello\n"
    )
    ident = gem("research", "--no-wait", "Batteries").stdout.strip()
    followed = gem("stream", "--follow", ident)
    assert followed.stdout.endswith(f"\nSources:\n{SOURCE}\n")
