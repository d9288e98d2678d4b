"""Text units for the detector: normalised text, sentences, clauses, and pattern flags."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, field_validator

from coach.datafiles import load_data
from coach.text import STRAIGHT_QUOTES

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_ABBREV = re.compile(r"\b(?:dr|mr|mrs|ms|prof|st|vs|e\.g|i\.e|approx|dept)\.$", re.IGNORECASE)
_CLAUSES = re.compile(r",\s+(?:and|but|so)\s+|;\s+|\s+[—–-]{1,2}\s+|\s+but\s+")
PATTERNS_FILE = "patterns.yaml"
# Structural features (names are part of the model's signature). "about_you": some sentence or
# clause says something about the mentor rather than asking them ("you're the only resident
# who comes to our interest group", "your name came up"): the shape of a reason for choosing
# them, whatever words carry it. Held out by transcript on dev, it lowered re-asks 5 -> 2 of 80
# and raised the second writer's "why them" accuracy 0.927 -> 0.944 (5-fold CV).
STRUCTURE: tuple[str, ...] = ("about_you",)
STRUCTURE_VERSION = 2  # bump when a structural feature changes meaning (part of the signature)
_YOU = re.compile(r"\b(?:you|your|you're|you've|yours)\b")
_COURTESY = re.compile(r"\bthank you\b|\bthanks\b")
# A question by its form (an auxiliary or wh-word first, after fillers), not by its "?": spoken
# lines end statements with one too ("I saw that you work on, um, antibiotic resistance?").
_QUESTION = re.compile(r"^(?:\W*(?:so|and|um|uh|okay|ok|also|but|like)\W+)*(?:would|could|can|do|"
                       r"does|did|are|is|will|what|how|when|where|why|who|which|should|may|"
                       r"might|have|has)\b")


def normalise(text: str) -> str:
    """NFKC, straight quotes, single spaces."""
    text = unicodedata.normalize("NFKC", text or "").translate(STRAIGHT_QUOTES)
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    """A student turn split into sentences; "Dr. Osei" stays whole."""
    out: list[str] = []
    for piece in (p.strip() for p in _SPLIT.split(normalise(text))):
        if piece and out and _ABBREV.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        elif piece:
            out.append(piece)
    return out


def units(text: str, limit: int = 6) -> list[str]:
    """Sentences and longer clauses of a text (what the max-pooled feature looks at)."""
    found: list[str] = []
    for sentence in sentences(text):
        found.append(sentence)
        found += [c for c in _CLAUSES.split(sentence) if len(c.split()) >= 3 and c != sentence]
    return list(dict.fromkeys(found))[:limit] or [normalise(text)]


class PatternFile(BaseModel):
    """criteria/data/patterns.yaml: regexes per criterion, as classifier features."""

    model_config = ConfigDict(extra="forbid")
    patterns: dict[str, list[str]]
    counter: dict[str, list[str]] = {}

    @field_validator("patterns", "counter")
    @classmethod
    def _compiles(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for cid, items in value.items():
            for item in items:
                try:
                    re.compile(item)
                except re.error as exc:
                    raise ValueError(f"{cid}: bad regex {item!r}: {exc}") from None
        return value


@lru_cache(maxsize=1)
def pattern_table() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(feature name, compiled regex) in a fixed order; names are 'cid' or 'cid!' (counter)."""
    spec = load_data("coach.rehearsal.criteria", PATTERNS_FILE, PatternFile)
    table = [(cid, re.compile(p)) for cid, ps in spec.patterns.items() for p in ps]
    table += [(f"{cid}!", re.compile(p)) for cid, ps in spec.counter.items() for p in ps]
    return tuple(table)


def structure_flags(text: str) -> list[float]:
    """1.0 per structural feature (STRUCTURE order) the text shows."""
    statements = [u for u in (x.lower() for x in units(text))
                  if not (u.rstrip().endswith("?") and _QUESTION.search(u))]
    about_you = any(_YOU.search(_COURTESY.sub("", u)) for u in statements)
    return [1.0 if about_you else 0.0]


def pattern_flags(text: str) -> list[float]:
    """1.0 per pattern that occurs in the text, in pattern_table() order."""
    low = normalise(text).lower()
    return [1.0 if rx.search(low) else 0.0 for _, rx in pattern_table()]
