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
MAX_NEW_WORDS = 2  # content words nobody in the conversation used ("potential" is fine) ...
MAX_NEW_SHARE = 0.4  # ... unless they are many and most of the question
TOPIC = "mentor mentorship mentee medical student school find"  # what the prompt asks about
LABEL = re.compile(r"^\s*[*_\"']*\s*(?:standalone\s+)?(?:question|rewritten(?: question)?|"
                   r"follow-up|query)\s*[*_]*\s*:\s*", re.I)
QUESTION_START = re.compile(
    r"^(?:how|what|when|where|which|who|whom|whose|why|is|are|am|can|could|should|would|will|"
    r"do|does|did|have|has|may|might|must|shall)\b", re.I)


def standalone_question(text: str, question: str, history: list[dict], prompt: str) -> str:
    """The model's rewrite when it passes, else `question` unchanged."""
    from coach.prompts import CANARY

    lines = [line for line in (text or "").splitlines() if line.strip()]
    candidate = LABEL.sub("", lines[0]).strip().strip("\"'*_ ") if lines else ""
    if not candidate or CANARY in text:
        return question
    words = candidate.split()
    if len(words) > MAX_WORDS or len(candidate) > 300:
        return question
    if not (candidate.endswith("?") or QUESTION_START.match(candidate)):
        return question  # an answer or a remark, not a question
    said = " ".join(str(t.get("content", "")) for t in history)
    if leaks(candidate, prompt, allowed=said + " " + question):
        return question
    own = Vocabulary(" ".join((question, said, TOPIC)))
    stems = content_stems(candidate)
    if stems:
        novel = [s for s in stems if not own.knows(s)]
        if len(novel) > MAX_NEW_WORDS and len(novel) / len(stems) > MAX_NEW_SHARE:
            return question  # it drifted to words nobody in the conversation used
        asked = Vocabulary(question)
        if len(asked.stems) >= 2 and not any(asked.knows(s) for s in stems):
            return question  # it lost what the follow-up asks ("... the first email?")
    return candidate
