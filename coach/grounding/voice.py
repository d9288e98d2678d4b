"""Guards for LLM text that is not a cited answer: persona turns and the feedback narrative.

Small models write the next speaker's line too ("mentor: I'm so glad…", "Student: …"),
repeat themselves, run long, and may echo their instructions. `clean_reply` fixes the first
three; `leaks` detects the last, so the caller can fall back to its scripted text.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from coach.grounding.sentences import split_units

WORD = re.compile(r"[a-z0-9]+", re.I)
LEAK_WINDOW = 8  # words copied in a row from the instructions = a leak


def _prefix(names: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True) if n)
    return re.compile(rf"^\s*[*_]*\s*(?:{alternatives})\s*[*_]*\s*(?:\([^)\n]*\))?\s*[:>][*_]*\s*",
                      re.I)


def clean_reply(text: str, own: list[str], others: list[str], max_words: int) -> str:
    """The reply in one voice: own speaker labels removed, cut where another speaker's line
    begins, repeated sentences dropped, and at most `max_words` (whole sentences)."""
    own_rx, other_rx = _prefix(own), _prefix(others)
    lines = []
    for line in (text or "").splitlines():
        if other_rx.match(line):
            break  # the model started writing the student's turn
        lines.append(own_rx.sub("", line))
    kept: list[str] = []
    seen: list[str] = []
    words = 0
    for unit in split_units("\n".join(lines)):
        key = " ".join(WORD.findall(unit.text.lower()))
        if not key:
            continue
        if any(key == k or SequenceMatcher(None, key, k).ratio() > 0.9 for k in seen):
            continue  # a repeated sentence or paragraph
        n = len(unit.text.split())
        if kept and words + n > max_words:
            break
        seen.append(key)
        kept.append(unit.text.strip() + ("\n" if "\n" in unit.sep else " "))
        words += n
    out = "".join(kept).strip()
    if words > max_words:  # one very long sentence
        out = " ".join(out.split()[:max_words]).rstrip(",;:") + "…"
    return out


def _windows(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in WORD.findall(text)]
    return {tuple(words[i:i + LEAK_WINDOW]) for i in range(len(words) - LEAK_WINDOW + 1)}


def leaks(text: str, instructions: str, allowed: str = "") -> bool:
    """True when `text` copies a run of `instructions` that `allowed` (e.g. the transcript or
    the guide wording the model was asked to quote) does not contain."""
    copied = _windows(text) & _windows(instructions)
    return bool(copied - _windows(allowed)) if copied else False
