"""Hypothesis strategies for garbage of every JSON type, shaped enough to reach deep code."""

from __future__ import annotations

from hypothesis import strategies as st

KEYS = ["type", "text", "data", "content", "steps", "outputs", "id", "status", "arguments"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=6,
)
step_types = st.sampled_from(
    ["model_output", "thought", "function_call", "user_input", "google_search_call", "x"]
)
blocks = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "image", "audio"]) | json_values},
    optional={"text": st.text(max_size=5) | json_values, "data": json_values, "uri": json_values},
)
steps = st.fixed_dictionaries(
    {"type": step_types | json_values},
    optional={"content": st.lists(blocks | json_values, max_size=3) | json_values},
)
interactions = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=6) | json_values,
        "status": st.sampled_from(["completed", "requires_action", "in_progress"]) | json_values,
        "steps": st.lists(steps | json_values, max_size=4) | json_values,
        "outputs": st.lists(blocks | json_values, max_size=3) | json_values,
        "usage": json_values,
        "error": json_values,
        "errors": json_values,
    },
)
event_types = (
    st.sampled_from(
        ["interaction.created", "interaction.completed", "interaction.status_update", "step.start"]
        + ["step.delta", "step.stop", "error", "other", "content.start", "content.delta"]
        + ["interaction.start", "interaction.complete"]
    )
    | json_values
)
delta_types = st.sampled_from(
    ["text", "text_annotation_delta", "image", "audio", "thought_summary", "thought_signature"]
    + ["arguments_delta", "function_result", "google_search_call", "function_call", "weird"]
)
events = st.fixed_dictionaries(
    {"event_type": event_types},
    optional={
        "index": st.integers(0, 3) | json_values,
        "step": steps | json_values,
        "content": blocks | json_values,
        "delta": st.fixed_dictionaries(
            {"type": delta_types | json_values},
            optional={
                k: json_values
                for k in ("text", "data", "annotations", "content", "arguments", "signature", "uri")
            },
        )
        | json_values,
        "interaction": interactions | json_values,
        "interaction_id": json_values,
        "status": json_values,
        "metadata": json_values,
        "usage": json_values,
        "error": json_values,
    },
)
