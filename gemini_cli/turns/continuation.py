"""`requires_continuation`: resume with the token (§7) and merge the hops into one interaction."""

from __future__ import annotations

import copy
from collections.abc import Callable

from gemini_cli.api.models import Interaction
from gemini_cli.core.jsontypes import JSONObject, JSONValue

Send = Callable[[JSONObject], Interaction]
Note = Callable[[str], None]
# Fields the merged result takes from the first hop rather than the last (as the SDK does).
FIRST_HOP_FIELDS = ("previous_interaction_id", "created", "input")


def hop_body(body: JSONObject, hop: Interaction) -> JSONObject:
    """The request that resumes `hop`: same body + token; stored chains drop the input."""
    follow = {k: copy.deepcopy(v) for k, v in body.items() if k != "continuation_token"}
    follow["continuation_token"] = hop.continuation_token
    if body.get("store") is False:
        follow.pop("previous_interaction_id", None)  # nothing stored to point at
    else:
        follow.pop("input", None)
        follow["previous_interaction_id"] = hop.id
    return follow


def continue_hops(
    send: Send, body: JSONObject, first: Interaction, *, max_hops: int, note: Note | None = None
) -> Interaction:
    """Follow `requires_continuation` up to `max_hops` times; the hops merged into one."""
    hops = [first]
    while len(hops) <= max_hops and _resumable(hops[-1]):
        hop = hops[-1]
        if note:
            note(f"gem: {hop.id} stopped at the decode limit; continuing ({len(hops)}/{max_hops})")
        nxt = send(hop_body(body, hop))
        hops.append(nxt)
        if (
            nxt.status == "requires_continuation"
            and nxt.continuation_token == hop.continuation_token
        ):
            if note:
                note("gem: the continuation made no progress (same token); stopping")
            break
    return hops[0] if len(hops) == 1 else merge_hops(hops)


def _resumable(hop: Interaction) -> bool:
    return hop.status == "requires_continuation" and bool(hop.continuation_token)


def merge_hops(hops: list[Interaction]) -> Interaction:
    """Steps concatenated (later hops' leading user_input dropped), usage summed, rest from last."""
    merged = copy.deepcopy(hops[-1].data)
    first = hops[0].data
    for key in FIRST_HOP_FIELDS:
        if key in first:
            merged[key] = copy.deepcopy(first[key])
        else:
            merged.pop(key, None)
    steps: list[JSONObject] = []
    for i, hop in enumerate(hops):
        hop_steps = copy.deepcopy(hop.step_dicts)
        while i and hop_steps and hop_steps[0].get("type") == "user_input":
            hop_steps.pop(0)
        steps.extend(hop_steps)
    merged["steps"] = steps
    usage = sum_usage([h.data.get("usage") for h in hops])
    if usage is not None:
        merged["usage"] = usage
    return Interaction.from_dict(merged)


def sum_usage(usages: list[JSONValue]) -> JSONObject | None:
    """Token counts and per-modality lists summed; initial_input_tokens from the first hop."""
    present = [u for u in usages if isinstance(u, dict)]
    if not present:
        return None
    total: JSONObject = {}
    for usage in present:
        for key, value in usage.items():
            if key == "initial_input_tokens":
                total.setdefault(key, value)
            elif isinstance(value, int) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
            elif isinstance(value, list):
                total[key] = _sum_lists(total.get(key), value)
            else:
                total.setdefault(key, copy.deepcopy(value))
    first_input = present[0].get("initial_input_tokens", present[0].get("total_input_tokens"))
    if isinstance(first_input, int) and any("initial_input_tokens" in u for u in present):
        total["initial_input_tokens"] = first_input
    return total


def _sum_lists(current: JSONValue, more: list[JSONValue]) -> list[JSONValue]:
    """Sum `[{modality|type: X, tokens|count: N}]` lists entry by entry."""
    out = copy.deepcopy(current) if isinstance(current, list) else []
    for item in more:
        if not isinstance(item, dict):
            out.append(copy.deepcopy(item))
            continue
        label = (
            ("modality", item.get("modality")) if "modality" in item else ("type", item.get("type"))
        )
        match = next((o for o in out if isinstance(o, dict) and o.get(label[0]) == label[1]), None)
        if match is None:
            out.append(copy.deepcopy(item))
            continue
        for key, value in item.items():
            if isinstance(value, int) and isinstance(match.get(key), int):
                match[key] += value
    return out
