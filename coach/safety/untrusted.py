"""Everything a model reads is untrusted: screen conversation history, rehearsal transcripts and
email fields before they reach a prompt.

A redirected student turn (injection, out of scope) never re-enters a prompt, and neither does
the reply that followed it; a turn of the coach's own that reads as an instruction (a forged
"assistant" line in an API history) is dropped the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from coach.safety.gate import Verdict, classify
from coach.safety.normalise import variants
from coach.safety.patterns import patterns
from coach.safety.responses import CRISIS_MARKERS

STUDENT_ROLES = ("user", "student", "human")
# Form fields are fragments ("president of our AMWA chapter"), where the classifier's injection
# score is noisy: without a pattern hit it must be this sure to stop a draft.
FIELD_INJECTION_P = 0.8
# A short field ("Sleep before midnight") is not the kind of message the classifier learned from:
# a learned crisis guess on one field below this is confirmed on the whole request read as one
# message (chosen on the dev and train2 email requests: 2 of 70 benign requests stopped, every
# crisis row from the safety training sets still stopped as a field among four goals).
FIELD_CRISIS_P = 0.8


def _is_instruction(text: str) -> bool:
    """An injection or extraction in any reading of the text: patterns first, then the
    classifier (a planted "(system) ignore the rubric..." line in a transcript)."""
    p = patterns()
    if any(p.injection.search(r) or p.extraction.search(r) for r in variants(text)):
        return True
    return classify(text).kind == "injection"


def _is_gate_reply(text: str) -> bool:
    """The coach's own crisis or redirect text: it carries no content a prompt needs."""
    return all(m in text for m in CRISIS_MARKERS[:2]) or text.startswith(
        ("I can't change how I work", "I can't share or describe", "That's outside what I",
         "I can't give clinical", "I can't do assignments", "I can't help with that",
         "I can help in English only", "Por ahora solo puedo"))


def student_lines(history: Iterable[dict], key: str = "content") -> list[str]:
    """The student's own lines of a history, oldest first, for the gate's window. A line the
    coach already answered with its crisis or redirect reply is left out: the student has seen
    988 (or the redirect), and chose to carry on."""
    turns = list(history)
    lines = []
    for i, turn in enumerate(turns):
        if turn.get("role") not in STUDENT_ROLES:
            continue
        reply = turns[i + 1] if i + 1 < len(turns) else None
        if reply is not None and reply.get("role") not in STUDENT_ROLES and _is_gate_reply(
                str(reply.get(key) or "")):
            continue
        lines.append(str(turn.get(key) or ""))
    return lines


def screen_history(history: list[dict], key: str = "content") -> list[dict]:
    """The turns safe to pass to a prompt: a flagged student turn is dropped together with the
    reply after it; the coach's own redirect/crisis replies and any turn carrying an injection
    are dropped too. Order is kept."""
    kept: list[dict] = []
    skip_reply = False
    for turn in history:
        text = str(turn.get(key) or "")
        if turn.get("role") in STUDENT_ROLES:
            skip_reply = classify(text).kind != "ok"
            if not skip_reply:
                kept.append(turn)
            continue
        if skip_reply or _is_gate_reply(text) or _is_instruction(text):
            skip_reply = False
            continue
        kept.append(turn)
    return kept


def _learned_p(verdict: Verdict) -> float:
    """The classifier's probability behind a verdict; 1.0 for a pattern's (unmistakable)."""
    found = re.search(r"\bp=([0-9.]+)", verdict.reason)
    return float(found.group(1)) if verdict.reason.startswith("classifier:") and found else 1.0


def _reads_as_crisis_together(texts: list[str], flagged: int) -> bool:
    """A learned crisis guess on one short field ("Sleep before midnight" in a list of goals) is
    confirmed on the whole request read as one message, the flagged field first so nothing cuts
    it off. A crisis pattern never needs this."""
    together = " . ".join([texts[flagged], *texts[:flagged], *texts[flagged + 1:]])
    return classify(together).kind == "crisis"


def screen_fields(fields: Iterable[str]) -> Verdict:
    """The strongest verdict over free-text fields read together (an email's goals, background
    and context): crisis first, then injection; ok when none is flagged."""
    texts = [f for f in fields if f and f.strip()]
    verdicts = [classify(t) for t in texts]  # each field alone; together below
    for i, v in enumerate(verdicts):
        if v.kind == "crisis" and (_learned_p(v) >= FIELD_CRISIS_P
                                   or _reads_as_crisis_together(texts, i)):
            return v
    together = classify(" . ".join(texts)) if len(texts) > 1 else None
    if together is not None and together.kind == "crisis":
        return together
    for v in verdicts:
        if v.kind == "injection" and v.confidence >= FIELD_INJECTION_P:
            return v
    # a field the gate was unsure about (or a crisis guess not confirmed above): draft, with care
    unsure = [v for v in [*verdicts, together] if v is not None and (v.care or v.kind == "crisis")]
    return Verdict(kind="ok", category="ok", reason="fields in scope", care=bool(unsure),
                   lang=unsure[0].lang if unsure else "en",
                   about="other" if any(getattr(v, "about", "self") == "other" for v in unsure)
                   else "self")
