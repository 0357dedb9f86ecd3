"""How an answer is shown: a plain dataclass, light enough for every command's start-up."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AnswerOptions"]


@dataclass(frozen=True)
class AnswerOptions:
    """How an answer is shown: its sources (None: when an agent made it) and thoughts."""

    sources: bool | None = None
    thoughts: bool = False
