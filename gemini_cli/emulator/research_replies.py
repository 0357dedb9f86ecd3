"""Deep Research answers: a thought, search and url-context steps, and a cited markdown report."""

from __future__ import annotations

from gemini_cli.core.jsontypes import JSONObject

from .replies import (
    THOUGHT_OVERHEAD_TOKENS,
    Reply,
    input_usage,
    make_usage,
    short_id,
    summaries_enabled,
    text_step,
    thought_step,
    user_text,
)

SEARCH_TOOL_TOKENS = 120
CITATION_URL = "https://example.com/emulated-source"
CITATION_TITLE = "Emulated source"


def research_reply(
    body: JSONObject, steps_in: list[JSONObject], turn: int, history: int, phases: int
) -> Reply:
    text = user_text(steps_in)
    planning = bool((body.get("agent_config") or {}).get("collaborative_planning"))
    summaries = _research_summaries(text, phases) if summaries_enabled(body) else []
    steps: list[JSONObject] = [thought_step(f"{text}|{turn}|research", summaries)]
    if planning:
        report = _plan_text(text, turn)
        steps.append(text_step(report))
    else:
        steps.extend(_search_steps(text))
        report, annotation = _report_text(text, turn)
        output = text_step(report, [annotation])
        if (body.get("agent_config") or {}).get("visualization") == "auto":
            from .answer_kinds import with_chart

            output = with_chart(output, f"{text}|{turn}|chart")
        steps.append(output)
    thinking = THOUGHT_OVERHEAD_TOKENS + sum(len(s.split()) for s in summaries)
    tools = 0 if planning else SEARCH_TOOL_TOKENS
    usage = make_usage(input_usage(steps_in), history, len(report.split()), thinking, tools)
    if not planning:
        usage["grounding_tool_count"] = [{"type": "google_search", "count": 1}]
    # A plan waits for the user: approve it (or revise it) in the next turn.
    return Reply(steps, "requires_action" if planning else "completed", usage, summaries)


def _research_summaries(text: str, phases: int) -> list[str]:
    titles = ["Planning the research", "Searching the web", "Reading sources", "Writing the report"]
    count = max(1, phases)
    return [
        f"**{titles[min(n, len(titles) - 1)]}**\n\nResearch question: {text}" for n in range(count)
    ]


def _search_steps(text: str) -> list[JSONObject]:
    search_id, url_id = short_id("gs_", text), short_id("uc_", text)
    chips = '<div class="container"><!-- emulated search suggestions --></div>'
    return [
        {
            "type": "google_search_call",
            "id": search_id,
            "arguments": {"queries": [text]},
            "search_type": "web_search",
        },
        {
            "type": "google_search_result",
            "call_id": search_id,
            "result": [{"search_suggestions": chips}],
        },
        {"type": "url_context_call", "id": url_id, "arguments": {"urls": [CITATION_URL]}},
        {
            "type": "url_context_result",
            "call_id": url_id,
            "result": [{"url": CITATION_URL, "status": "success"}],
        },
    ]


def _report_text(text: str, turn: int) -> tuple[str, JSONObject]:
    """A markdown report whose cited sentence is covered by a url_citation (byte offsets)."""
    head = f"# Research report\n\nEcho: {text} (turn {turn})\n\n## Findings\n\n"
    cited = "The emulator consulted one source for this question."
    # Like the real agent, sources are only in the annotations: clients list them.
    report = f"{head}{cited}\n"
    start = len(head.encode())
    annotation = {
        "type": "url_citation",
        "url": CITATION_URL,
        "title": CITATION_TITLE,
        "start_index": start,
        "end_index": start + len(cited.encode()),
    }
    return report, annotation


def _plan_text(text: str, turn: int) -> str:
    return (
        f"Research plan for: {text}\n\n"
        "1. Search the web for recent, authoritative sources.\n"
        "2. Read the most relevant pages.\n"
        "3. Write a cited report.\n\n"
        f"Reply to approve or edit this plan. (turn {turn})"
    )
