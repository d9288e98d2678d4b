"""The student's side of an ask, made safe to use: the question and the recent history."""

from __future__ import annotations

import re

from coach.errors import InputError

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_HISTORY_TURNS = 20


def clean_question(question: str, limit: int) -> str:
    """Strip control characters and whitespace; reject empty or over-long questions."""
    text = CONTROL.sub("", question or "").strip()
    if not text:
        raise InputError("Please type a question (it was empty).")
    if len(text) > limit:
        raise InputError(
            f"That question is {len(text):,} characters; the limit is {limit:,}. "
            "Please shorten it to the part you most want help with."
        )
    return text


def normalise_history(history: list | None) -> list[dict]:
    """Accept [{'role','content'}] with str or Gradio's list-of-parts content."""
    turns = []
    for turn in (history or [])[-MAX_HISTORY_TURNS:]:  # older turns never matter; bound the work
        content = turn.get("content") if isinstance(turn, dict) else None
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if isinstance(content, str) and content.strip():
            turns.append({"role": turn.get("role", "user"), "content": content.strip()[:4000]})
    return turns
