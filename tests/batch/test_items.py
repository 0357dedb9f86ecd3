"""The batch input: each line is an item or a reported bad line; memory does not grow."""

from __future__ import annotations

import io

from gemini_cli.batch import items
from gemini_cli.batch.items import BadLine, Item, read_items


def parse(text: str) -> list[Item | BadLine]:
    return list(read_items(io.BytesIO(text.encode())))


def test_a_string_line_is_a_prompt_keyed_by_its_line_number():
    assert parse('"Hello"\n\n  \n"Bye"\n') == [Item(1, 1, prompt="Hello"), Item(4, 4, prompt="Bye")]


def test_an_object_line_carries_its_key_attachments_and_overrides():
    [item] = parse('{"key": "a", "prompt": "Hi", "attach": "x.png", "model": "m", "seed": 3}\n')
    assert isinstance(item, Item)
    assert (item.key, item.ident, item.prompt, item.attach) == ("a", "a", "Hi", ("x.png",))
    assert item.overrides == {"model": "m", "seed": 3}


def test_a_body_with_input_needs_no_prompt():
    [item] = parse('{"key": 7, "body": {"input": "x", "model": "m"}}')
    assert isinstance(item, Item) and item.body == {"input": "x", "model": "m"}
    assert item.ident == "7"


def test_bad_lines_say_what_is_wrong_with_their_line_number():
    lines = [
        "not json",
        "[1, 2]",
        '{"prompt": "x", "colour": "red"}',
        '{"prompt": 3}',
        '{"key": true, "prompt": "x"}',
        '{"prompt": "x", "max_tokens": "ten"}',
        '{"model": "m"}',
        '""',
        '{"prompt": "x", "attach": [1]}',
    ]
    found = parse("\n".join(lines) + "\n")
    assert [type(f) for f in found] == [BadLine] * len(lines)
    assert [f.line for f in found] == list(range(1, len(lines) + 1))
    messages = [f.message for f in found if isinstance(f, BadLine)]
    assert "not valid JSON" in messages[0]
    assert "unknown field 'colour'" in messages[2]
    assert "'max_tokens' has the wrong type" in messages[5]
    assert messages[6].startswith("no input")


def test_invalid_utf8_is_a_bad_line_not_a_crash():
    [bad] = list(read_items(io.BytesIO(b'"caf\xe9"\n')))
    assert isinstance(bad, BadLine) and "UTF-8" in bad.message


def test_an_overlong_line_is_skipped_without_holding_it(monkeypatch):
    monkeypatch.setattr(items, "MAX_LINE_BYTES", 64)
    found = parse('"' + "x" * 500 + '"\n"ok"\n')
    assert isinstance(found[0], BadLine) and found[0].line == 1
    assert found[1] == Item(2, 2, prompt="ok")


def test_items_are_read_lazily():
    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            data = b'"p"\n' * (len(buffer) // 4)
            buffer[: len(data)] = data
            return len(data)

    stream = read_items(io.BufferedReader(Endless()))
    first = [next(stream) for _ in range(3)]
    assert [i.line for i in first] == [1, 2, 3]
