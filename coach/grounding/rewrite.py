"""Guard on the follow-up rewrite: the model turns "and for research?" into a standalone
question used for retrieval. Its output is never shown, but it steers what the coach retrieves,
so it must be a question built from the student's own words, short, and free of the prompt.
Anything else and the student's question is used as it is.
"""

from __future__ import annotations

import re

from coach.grounding.novelty import Vocabulary, content_stems
from coach.grounding.voice import leaks

MAX_WORDS = 40  # a standalone question; more is the model answering or rambling
MIN_OWN_SHARE = 0.6  # share of its content words the student's turns (or the question) used
LABEL = re.compile(r"^\s*[*_\"']*\s*(?:standalone\s+)?(?:question|rewritten(?: question)?|"
                   r"follow-up|query)\s*[*_]*\s*:\s*", re.I)
QUESTION_START = re.compile(
    r"^(?:how|what|when|where|which|who|whom|whose|why|is|are|am|can|could|should|would|will|"
    r"do|does|did|have|has|may|might|must|shall)\b", re.I)


def standalone_question(text: str, question: str, history: list[dict], prompt: str) -> str:
    """The model's rewrite when it passes, else `question` unchanged."""
    from coach.llm_engine import CANARY

    lines = [line for line in (text or "").splitlines() if line.strip()]
    candidate = LABEL.sub("", lines[0]).strip().strip("\"'*_ ") if lines else ""
    if not candidate or CANARY in text:
        return question
    words = candidate.split()
    if len(words) > MAX_WORDS or len(candidate) > 300:
        return question
    if not (candidate.endswith("?") or QUESTION_START.match(candidate)):
        return question  # an answer or a remark, not a question
    student = " ".join(str(t.get("content", "")) for t in history if t.get("role") == "user")
    said = " ".join(str(t.get("content", "")) for t in history)
    if leaks(candidate, prompt, allowed=said + " " + question):
        return question
    own = Vocabulary(question + " " + student + " " + said)
    stems = content_stems(candidate)
    if stems:
        share = sum(own.knows(s) for s in stems) / len(stems)
        if share < MIN_OWN_SHARE:
            return question  # it drifted to words nobody in the conversation used
        asked = Vocabulary(question)
        if asked.stems and not any(asked.knows(s) for s in stems):
            return question  # it lost the follow-up itself
    return candidate
