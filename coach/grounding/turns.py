"""Guards for rehearsal text from an LLM: persona turns (voice, length, repetition, leaks), and
the feedback narrative and out-of-character coaching replies (the same, plus the grounding
check against the scorecard and the guide's advice on the ask)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from coach.errors import LLMError
from coach.grounding.guard import GroundingGuard
from coach.grounding.stream import GroundingReport, guard_text
from coach.grounding.voice import clean_reply, leaks

log = logging.getLogger(__name__)
PERSONA_MAX_WORDS = 90
NARRATIVE_MAX_WORDS = 130
COACH_MAX_WORDS = 90  # "2 to 4 sentences" out of character
STUDENT_LABELS = ["student", "user", "medical student", "mentee", "me"]
# The guide's line the narrative is asked to pass on (Finding faculty mentors).
GUIDE_REMINDER = ("Remember: If they say no, don't take it personally; it may have to do with "
                  "their schedule and their timing.")


@lru_cache(maxsize=1)
def default_guard() -> GroundingGuard:
    """One guard per process over the configured local embedder."""
    from coach.config import get_settings
    from coach.embeddings import get_embeddings

    return GroundingGuard(get_embeddings(get_settings().embedding_model))


def _names(persona: Any) -> list[str]:
    return [n for n in (getattr(persona, "name", ""), getattr(persona, "short_name", "")) if n]


def guard_persona_turn(text: str, persona: Any, instructions: str, transcript: str) -> str:
    """The persona's reply in its own voice; LLMError when nothing usable is left or it leaks."""
    from coach.prompts import CANARY

    out = clean_reply(text, ["mentor", "assistant", *_names(persona)], STUDENT_LABELS,
                      PERSONA_MAX_WORDS)
    if not out:
        raise LLMError("empty persona reply")
    if CANARY in out or leaks(out, instructions, allowed=transcript):
        raise LLMError("persona reply repeated its instructions")
    return out


def guard_narrative(text: str, card: Any, persona: Any, instructions: str,
                    transcript: str) -> tuple[str, GroundingReport | None]:
    """(the narrative to show, or "" when too little of it holds up; the grounding report).

    Its sentences must match the scorecard (tips, the student's quoted evidence, the guide's
    reminder) or the transcript; names and numbers must come from them.
    """
    from coach.prompts import CANARY

    labels = ["mentor coach", "coach", "feedback", "mentor", "assistant", *_names(persona)]
    if re.match(r"\s*[*_]*\s*(?:" + "|".join(re.escape(n) for n in labels) + r")\s*,", text, re.I):
        return "", None  # "Mentor, I'm so glad…": written as the mentor, not to the student
    out = clean_reply(text, labels, STUDENT_LABELS, NARRATIVE_MAX_WORDS)
    if not out or CANARY in out or leaks(out, instructions, allowed=transcript):
        return "", None
    if _as_persona(out, persona):
        return "", None
    return _grounded(out, _card_passages(card), transcript, "narrative")


def guard_coach_reply(text: str, card: Any, persona: Any, prompt: str, transcript: str,
                      advice: list[str]) -> tuple[str, GroundingReport | None]:
    """An out-of-character coaching reply guarded like an answer: the coach's voice only (cut
    where the mentor or the student speaks), bounded, no repeats, no prompt leak, not spoken as
    the persona, and its sentences grounded in the scorecard and the guide's `advice`.
    ("", report) when too little of it holds up: the caller keeps its scripted reply."""
    from coach.prompts import CANARY

    own = ["mentor coach", "coach", "out of character", "ooc", "assistant"]
    others = STUDENT_LABELS + ["mentor", *_names(persona)]
    out = clean_reply(text, own, others, COACH_MAX_WORDS)
    if not out or CANARY in text or leaks(out, prompt, allowed=transcript) or _as_persona(
            out, persona):
        return "", None
    return _grounded(out, _card_passages(card) + advice, transcript, "coach reply")


def _as_persona(text: str, persona: Any) -> bool:
    """Written in the persona's voice ("I'm Dr. Osei")."""
    surname = (getattr(persona, "name", "") or "").split()[-1:] or ["\0"]
    return bool(re.search(rf"\b(?:I'm|I am|my name is)\s+(?:Dr\.?\s+)?(?:\w+\s+)?"
                          rf"{re.escape(surname[0])}\b", text, re.I))


def _card_passages(card: Any) -> list[str]:
    passages = [c.tip for c in card.criteria] + [c.evidence for c in card.criteria if c.met]
    passages += [c.label for c in card.criteria]  # "Named your goals": what the card judged
    return passages + [card.first_fix, GUIDE_REMINDER]


def _grounded(text: str, passages: list[str], transcript: str,
              what: str) -> tuple[str, GroundingReport | None]:
    from coach.config import get_settings

    if not get_settings().llm_grounding:
        return text, None
    shown, report = guard_text(default_guard().context([p for p in passages if p], transcript),
                               text)
    log.info("rehearsal %s grounding: %s", what, report.counts())  # counts only, no text
    return (shown if report.enough else ""), report
