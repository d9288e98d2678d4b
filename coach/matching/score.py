"""Compatibility of every mentor-mentee pair: embedding similarity of the free text plus shared
interests, background, school and availability, weighted by the board's `Weights`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from pydantic import BaseModel

from coach.embeddings import Embeddings
from coach.matching.roster import StudentRow
from coach.matching.weights import PARTS, Weights

# A preference a student ticks -> the score part it boosts for that student's pairs.
PREFERENCE_PART = {"same school": "school", "shared background": "background",
                   "shared interests": "interests", "same availability": "availability"}
CENTRE_MIN = 20  # below this a mean says more about the few students than the form
UNKNOWN = 0.5  # a part one of the two left blank: neither a match nor a mismatch


class PairScore(BaseModel):
    """A pair's score (0-100), its parts (each 0-1) and the reasons a board can read."""

    score: float
    parts: dict[str, float]
    reasons: list[str]


def embed_profiles(students: Sequence[StudentRow], embedder: Embeddings) -> dict[str, np.ndarray]:
    """One batch encode of the whole roster's free text: student key -> unit vector.

    From `CENTRE_MIN` students on, the roster's mean vector is removed first: every answer to the
    same questionnaire shares a large common direction, and cosine over the residuals separates
    students far better (planted pairs recovered: 0.82 centred vs 0.61 raw on the seed-17 dev
    roster, with the first weights).
    """
    if not students:
        return {}
    vectors = np.asarray(embedder.embed_documents([s.profile_text for s in students]), dtype=float)
    if len(students) >= CENTRE_MIN:
        vectors = vectors - vectors.mean(axis=0)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1, norms)
    return {s.key: v for s, v in zip(students, vectors, strict=True)}


def _jaccard(a: list[str], b: list[str]) -> float:
    if not a or not b:
        return UNKNOWN
    return len(set(a) & set(b)) / len(set(a) | set(b))


def _overlap(a: list[str], b: list[str]) -> float:
    """One shared free time is enough to meet: overlap over the smaller list."""
    if not a or not b:
        return UNKNOWN
    return len(set(a) & set(b)) / min(len(set(a)), len(set(b)))


def _same_school(a: str, b: str) -> float:
    if not a or not b:
        return UNKNOWN
    return float(" ".join(a.lower().split()) == " ".join(b.lower().split()))


@lru_cache(maxsize=20_000)
def _terms(text: str) -> frozenset[str]:
    return frozenset(t.removesuffix("s") for t in _analyzer()(text))


def _shared_words(mentor: StudentRow, mentee: StudentRow) -> float:
    """Jaccard of the content words in 'what matters' and 'favourite things' (the words the
    reasons quote: 'both value family', 'both enjoy hiking')."""
    a = _terms(f"{mentor.what_matters}. {mentor.favourite_things}")
    b = _terms(f"{mentee.what_matters}. {mentee.favourite_things}")
    return len(a & b) / len(a | b) if a and b else UNKNOWN


def parts_for(mentor: StudentRow, mentee: StudentRow, similarity: float) -> dict[str, float]:
    """Each part of the score between 0 and 1."""
    return {"text": float(np.clip(similarity, 0.0, 1.0)),
            "words": _shared_words(mentor, mentee),
            "interests": _jaccard(mentor.interests, mentee.interests),
            "availability": _overlap(mentor.availability, mentee.availability),
            "background": _jaccard(mentor.background, mentee.background),
            "school": _same_school(mentor.undergraduate_school, mentee.undergraduate_school)}


def combine(parts: dict[str, float], mentor: StudentRow, mentee: StudentRow,
            weights: Weights) -> float:
    """The weighted mean of the parts (0-1); a part either student asked for counts more."""
    asked = {PREFERENCE_PART[p] for p in [*mentor.preferences, *mentee.preferences]}
    w = {p: getattr(weights, p) * (weights.preference_boost if p in asked else 1.0) for p in PARTS}
    return sum(w[p] * parts[p] for p in PARTS) / sum(w.values())


def score_matrix(mentors: Sequence[StudentRow], mentees: Sequence[StudentRow],
                 vectors: dict[str, np.ndarray], weights: Weights) -> np.ndarray:
    """Scores (0-1) with one row per mentee and one column per mentor."""
    if not mentors or not mentees:
        return np.zeros((len(mentees), len(mentors)))
    similarity = (np.stack([vectors[s.key] for s in mentees])
                  @ np.stack([vectors[m.key] for m in mentors]).T)
    return np.array([[combine(parts_for(m, e, similarity[i, j]), m, e, weights)
                      for j, m in enumerate(mentors)] for i, e in enumerate(mentees)])


@lru_cache(maxsize=1)
def _analyzer():
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(stop_words="english",
                           token_pattern=r"(?u)\b[^\W\d_]{3,}\b").build_analyzer()


def shared_terms(a: str, b: str, limit: int = 3) -> list[str]:
    """Content words two answers share ('family', 'hiking'), plural-insensitive, in a's order."""
    analyze = _analyzer()
    theirs = {t.removesuffix("s") for t in analyze(b)}
    return list(dict.fromkeys(t for t in analyze(a) if t.removesuffix("s") in theirs))[:limit]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def reasons_for(mentor: StudentRow, mentee: StudentRow, parts: dict[str, float]) -> list[str]:
    """Why this pair: 'both interested in pediatrics', 'both value family', ..."""
    reasons = []
    if shared := [t for t in mentee.interests if t in mentor.interests]:
        reasons.append(f"both interested in {_and(shared)}")
    if values := shared_terms(mentee.what_matters, mentor.what_matters):
        reasons.append(f"both value {_and(values)}")
    if likes := shared_terms(mentee.favourite_things, mentor.favourite_things):
        reasons.append(f"both enjoy {_and(likes)}")
    if goals := shared_terms(mentee.goals, mentor.goals):
        reasons.append(f"goals in common: {_and(goals)}")
    if parts["school"] == 1.0:
        reasons.append(f"both went to {mentee.undergraduate_school}")
    if background := [t for t in mentee.background if t in mentor.background]:
        reasons.append(f"both {_and(background)}")
    if times := [t for t in mentee.availability if t in mentor.availability]:
        reasons.append(f"both free {_and(times)}")
    if not reasons and parts["text"] >= 0.4:
        reasons.append("similar answers overall")
    return reasons or ["best available pairing for the whole group"]


def pair_score(mentor: StudentRow, mentee: StudentRow, vectors: dict[str, np.ndarray],
               weights: Weights) -> PairScore:
    """The full account of one pair: score, parts and reasons."""
    parts = parts_for(mentor, mentee, float(vectors[mentor.key] @ vectors[mentee.key]))
    return PairScore(score=round(100 * combine(parts, mentor, mentee, weights), 1),
                     parts={k: round(v, 3) for k, v in parts.items()},
                     reasons=reasons_for(mentor, mentee, parts))
