"""Safety: the gate run before every answer and role-play turn (crisis, prompt injection and
out-of-scope requests), and the cleaning of everything shown to a student.

Modules: gate (classify), classifier (learned model over MiniLM embeddings) and train,
patterns (+ patterns.yaml), normalise (Unicode, look-alikes, base64, leetspeak), language,
responses (crisis, redirect and other-language replies), third_party (someone else at risk:
detector and replies, third_party.yaml).
"""

from coach.safety.gate import SEMANTIC_CHARS, Verdict, classify
from coach.safety.normalise import normalize
from coach.safety.responses import (
    CRISIS_MARKERS,
    care_for,
    care_note,
    crisis_reply,
    crisis_response,
    other_language_response,
    redirect_response,
)

__all__ = ["CRISIS_MARKERS", "SEMANTIC_CHARS", "Verdict", "care_for", "care_note", "classify",
           "crisis_reply", "crisis_response", "normalize", "other_language_response",
           "redirect_response"]
