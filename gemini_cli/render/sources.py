"""An answer's sources: citations in its text (numbered as they appear) and the pages or
documents its tools consulted, with the answer text carrying matching markers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from gemini_cli.api.steps import final_run, is_text_block, type_of
from gemini_cli.core.jsontypes import JSONObject, JSONValue

Marker = Callable[[list[int]], str]


@dataclass(frozen=True)
class Source:
    """One numbered source: what to call it and where it is (a URL, a file or place name)."""

    title: str
    where: str


@dataclass
class Sources:
    """The numbered sources of one turn, and where each citation ends in which text block."""

    items: list[Source] = field(default_factory=list)
    # id(block) -> [(end byte offset, source number)] for the blocks of the answer
    marks: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def number(self, source: Source) -> int:
        for n, known in enumerate(self.items, 1):
            if known.where == source.where:
                return n
        self.items.append(source)
        return len(self.items)


def this_turn(steps: list[JSONObject]) -> list[JSONObject]:
    """The steps after the last user_input: GET returns the whole conversation, and earlier
    turns' sources are not this answer's."""
    for index in range(len(steps) - 1, -1, -1):
        if type_of(steps[index]) == "user_input":
            return steps[index + 1 :]
    return steps


def collect(steps: list[JSONObject]) -> Sources:
    """Citations of this turn's text first (numbered in order of appearance in the answer,
    one number per URL or document; then the turn's earlier text), then what url_context and
    file_search results consulted uncited."""
    found = Sources()
    turn = this_turn(steps)
    answer = list(_text_blocks(final_run(turn)))
    shown = {id(block) for block in answer}
    earlier = [block for block in _text_blocks(turn) if id(block) not in shown]
    for block in answer + earlier:
        for note, source in _citations(block):
            end = note.get("end_index")
            n = found.number(source)
            if isinstance(end, int) and not isinstance(end, bool):
                found.marks.setdefault(id(block), []).append((end, n))
    for source in _consulted(turn):
        found.number(source)
    return found


def _text_blocks(steps: list[JSONObject]) -> Iterator[JSONObject]:
    for step in steps:
        content = step.get("content") if type_of(step) == "model_output" else None
        for block in content if isinstance(content, list) else []:
            if is_text_block(block):
                yield block


def _citations(block: JSONObject) -> Iterator[tuple[JSONObject, Source]]:
    """The block's citations in the order they appear in its text (by where they start;
    the service does not promise to list them so)."""
    notes: JSONValue = block.get("annotations")
    listed = [n for n in notes if isinstance(n, dict)] if isinstance(notes, list) else []
    for note in sorted(listed, key=_position):
        source = citation_source(note)
        if source is not None:
            yield note, source


def _position(note: JSONObject) -> tuple[int, int]:
    """Where a citation starts and ends; one without offsets sorts last (stable)."""
    start, end = note.get("start_index"), note.get("end_index")
    last = 1 << 62
    end_at = end if isinstance(end, int) and not isinstance(end, bool) else last
    start_at = start if isinstance(start, int) and not isinstance(start, bool) else end_at
    return (start_at, end_at)


def citation_source(note: JSONObject) -> Source | None:
    """The source a url_citation, file_citation or place_citation names; None for others."""
    kind = type_of(note)
    if kind == "url_citation":
        return _source(note.get("title"), note.get("url"))
    if kind == "file_citation":
        where = note.get("document_uri") or note.get("source") or note.get("file_name")
        return _source(note.get("file_name"), where)
    if kind == "place_citation":
        return _source(note.get("name"), note.get("url") or note.get("place_id"))
    return None


def _source(title: JSONValue, where: JSONValue) -> Source | None:
    """A source with its title and place on one line each: a web page's title may hold line
    breaks or terminal control codes, and the list is one line per source."""
    place = one_line(where) if isinstance(where, str) else ""
    if not place:
        return None
    shown = one_line(title) if isinstance(title, str) else ""
    return Source(shown if shown != place else "", place)


def one_line(text: str) -> str:
    """`text` with control characters dropped and white space runs as one space."""
    return " ".join("".join(c for c in text if c.isprintable() or c.isspace()).split())


def _consulted(steps: list[JSONObject]) -> Iterator[Source]:
    """Pages url_context read successfully and documents file_search returned."""
    for step in steps:
        kind, result = type_of(step), step.get("result")
        for item in result if isinstance(result, list) else []:
            if not isinstance(item, dict):
                continue
            if kind == "url_context_result" and item.get("status", "success") == "success":
                source = _source(None, item.get("url"))
            elif kind == "file_search_result":
                source = _source(item.get("title"), item.get("document") or item.get("title"))
            else:
                source = None
            if source is not None:
                yield source


# -- the answer with markers ------------------------------------------------------------------


def text_marker(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def footnote_marker(numbers: list[int]) -> str:
    return "".join(f"[^{n}]" for n in numbers)


def marked_text(block: JSONObject, sources: Sources, marker: Marker = text_marker) -> str:
    """The block's text with a marker where each of its citations ends (offsets are UTF-8
    bytes, as the service counts them; one out of range goes at the end)."""
    text = str(block.get("text") or "")
    marks = sources.marks.get(id(block))
    if not marks:
        return text
    data = text.encode("utf-8")
    at: dict[int, list[int]] = {}
    for end, n in marks:
        position = _char_boundary(data, min(max(end, 0), len(data)))
        if n not in at.setdefault(position, []):
            at[position].append(n)
    pieces, last = [], 0
    for position in sorted(at):
        pieces.append(data[last:position].decode("utf-8", "replace"))
        pieces.append(marker(sorted(at[position])))
        last = position
    pieces.append(data[last:].decode("utf-8", "replace"))
    return "".join(pieces)


def _char_boundary(data: bytes, position: int) -> int:
    while 0 < position < len(data) and (data[position] & 0xC0) == 0x80:
        position += 1  # never split a character: move to the end of it
    return position


def marked_answer(steps: list[JSONObject], sources: Sources) -> str:
    """The answer (steps.answer_text's rule) with citation markers in it."""
    return "".join(
        marked_text(block, sources)
        for step in final_run(steps)
        for block in _blocks(step)
        if is_text_block(block)
    )


def _blocks(step: JSONObject) -> list[JSONObject]:
    content = step.get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def format_list(sources: Sources) -> str:
    """`Sources:` and one numbered line per source, after a blank line."""
    lines = [
        f"[{n}] {s.title} - {s.where}" if s.title else f"[{n}] {s.where}"
        for n, s in enumerate(sources.items, 1)
    ]
    return "\nSources:\n" + "\n".join(lines) + "\n"
