"""The guide engine: answers composed from the guide's own sentences, with no LLM.

It splits the retrieved chunks into self-contained sentences and bullet items, scores each
against the question (embedding similarity, weighted word overlap, how well its chunk matched,
whether it says something the question did not), picks a relevant, non-redundant handful
(maximal marginal relevance) and frames them in a short coaching voice with the sections.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter

import numpy as np
from langchain_core.documents import Document

from coach.embeddings import LocalEmbeddings, shared_cache
from coach.index.unit_vectors import UnitVectors
from coach.index.units import ADVICE, Unit, unit_text, units_of
from coach.retrieval import expand, tokenize

__all__ = ["GuideEngine", "Unit", "unit_text", "units_of"]  # units: coach/index/units.py

FOLLOW_UP = re.compile(
    r"^(?:and|but|also|what about|how about|what if|same|ok(?:ay)?|so)\b"
    r"|\b(?:that|it|them|they|those|this one)\b",
    re.I,
)
DISTRESS = re.compile(
    r"\b(stress\w*|anxious|anxiety|overwhelm\w*|failed|fail|burn(?:ed|t)? out|awful|terrible|sad|"
    r"scared|worried|nervous|rejected|bad patient outcome|struggl\w*)\b",
    re.I,
)
# Lines that announce a topic instead of advising on it, or lean on context they don't carry
# ("an important caveat ... should be made.", "A lack of this acknowledgement ...").
FRAMING = re.compile(
    r"\bthere (?:are|is) (?:a few|some|many|various|numerous)\b|\bcan be (?:challenging|invaluable)"
    r"|\bthings to consider\b|\bin this section\b|\bshould be made\b|^a lack of this\b"
    r"|^(?:to avoid this|below are|while these are|with this template)\b",
    re.I,
)
# Advice addressed to the other side of the relationship (by heading): a mentor's duties are not
# a mentee's advice, and outreach advice is not for someone who is already mentoring.
OTHER_SIDE = {"mentee": re.compile(r"\bFor mentors\b"),
              "mentor": re.compile(r"\bFor mentees\b|\bFinding and reaching out\b|\bTips\b")}
# "What should I ask them?": then the guide's own questions are the answer, not rhetoric.
WANTS_QUESTIONS = re.compile(
    r"\bwhat (?:should|do|can|could|would) (?:i|we) ask\b|\bwhat to ask\b"
    r"|\bquestions? (?:to|should i|do i|can i) ask\b|\bquestions? (?:for|to bring)\b",
    re.I,
)
WORD = re.compile(r"\S+")
MIN_WORDS, MAX_WORDS = 60, 180  # the whole answer, opener and citation included
NOT_COVERED = 0.28  # below this best-sentence similarity the guide does not really cover it


def _sentence(text: str) -> str:
    text = text.strip().rstrip(",;")
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?", ":")) else text + "."


def _name_heavy(text: str) -> bool:
    """A byline or a list of names and titles, not advice."""
    words = text.split()[1:]
    return len(words) >= 4 and sum(w[:1].isupper() for w in words) / len(words) > 0.5


def _word_count(text: str) -> int:
    return len(WORD.findall(text))


# Unit vectors, shared by every engine in the process (the CLI and UI build several) and
# keyed by model, so each guide sentence is embedded once. Bounded for large knowledge bases.


class GuideEngine:
    """Composes answers from retrieved guide chunks. Unit vectors come from the index
    (`unit_vectors`, embedded at ingest); anything else is embedded once per process."""

    def __init__(self, embeddings: LocalEmbeddings,
                 unit_vectors: UnitVectors | None = None) -> None:
        self.embeddings = embeddings
        self.unit_vectors = unit_vectors

    def _vectors(self, texts: list[str]) -> np.ndarray:
        model = getattr(self.embeddings, "model_name", type(self.embeddings).__name__)
        lookup = None if self.unit_vectors is None else (
            lambda rest: self.unit_vectors.lookup(model, rest))
        return shared_cache(self.embeddings).vectors(texts, lookup)

    @staticmethod
    def retrieval_query(question: str, history: list[dict] | None) -> str:
        """Resolve a follow-up ("what about for research?") against the previous question."""
        previous = [t["content"] for t in (history or []) if t.get("role") == "user"]
        if previous and (len(question.split()) <= 8 or FOLLOW_UP.search(question)):
            return f"{previous[-1]} {question}"
        return question

    def _relevance(self, question: str, units: list[Unit], hits: list[Document],
                  query_vector: list[float], audience: str = "mentee",
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(relevance, similarity, vector) of each unit; vectors embed the unit in its context."""
        query = np.asarray(query_vector, dtype=np.float32)
        vectors = self._vectors([unit_text(u) for u in units])
        similarity = vectors @ query
        expanded = expand(question)
        if expanded != question:  # the guide's words for slang the embedder does not know ("PI")
            similarity = (similarity + vectors @ self._vectors([expanded])[0]) / 2
        unit_terms = [set(tokenize(u.text)) for u in units]
        # Rare words say more than "mentor": weight overlap by inverse frequency across units.
        df = Counter(t for terms in unit_terms for t in terms)
        idf = {t: math.log((len(units) + 1) / (n + 0.5)) for t, n in df.items()}
        asked = set(tokenize(question))
        wanted = set(tokenize(expand(question)))
        norm = sum(idf.get(t, 1.0) for t in asked) or 1.0
        overlap = np.array([
            min(1.0, sum(idf.get(t, 0.0) * (1.0 if t in asked else 0.6) for t in wanted & terms)
                / norm)
            for terms in unit_terms
        ])
        chunk = np.array([float(hits[u.chunk_rank].metadata.get("dense", 0.0)) for u in units])
        rank_prior = np.array([0.05 / (u.chunk_rank + 1) for u in units])
        # Rhetorical questions, very short lines and lines that only restate the question
        # rarely answer anything.
        wants_questions = bool(WANTS_QUESTIONS.search(question))
        shape = np.array([
            (0.1 if wants_questions and u.kind != "sentence" and "?" in u.text else 0.0)
            + (-0.12 if u.kind == "sentence" and u.text.endswith("?") else 0.0)
            + (-0.1 if u.kind != "list" and _name_heavy(u.text) else 0.0)
            + (-0.05 if len(u.text.split()) < 8 else 0.0)
            + (-0.08 if len(terms - asked) < 4 else 0.0)
            + (0.05 if ADVICE.search(u.text) else 0.0)
            + (-0.15 if FRAMING.search(u.text) else 0.0)
            + (-0.2 if OTHER_SIDE[audience].search(u.context) else 0.0)
            for u, terms in zip(units, unit_terms, strict=True)
        ])
        score = similarity + 0.25 * overlap + 0.25 * chunk + rank_prior + shape
        return score, similarity, vectors

    def compose(self, question: str, hits: list[Document], query_vector: list[float],
                audience: str = "mentee") -> str:
        """A 60-180 word answer made of the most relevant, non-redundant guide sentences."""
        units = units_of(hits)
        if not units:
            return "I couldn't find anything in the guide about that. Try asking about finding, " \
                   "approaching or working with a mentor."
        relevance, similarity, vectors = self._relevance(question, units, hits, query_vector,
                                                         audience)
        covered = float(similarity.max()) >= NOT_COVERED
        opener = self._opener(question, covered)
        template = next((h for h in hits[:2] if "```" in h.page_content), None)
        extra = ""
        if template is not None:
            extra = f"\n\nThe guide also has a ready-to-adapt email template under " \
                    f"*{template.metadata.get('heading_trail')}*."
        chosen = self._select(units, relevance, vectors,
                              _word_count(opener) + _word_count(extra) + 12)

        def render(picked: list[int]) -> str:
            picked = sorted(picked, key=lambda i: (units[i].chunk_rank, units[i].order))
            sections = "; ".join(dict.fromkeys(units[i].section for i in picked))
            bullets = "\n".join(f"- {_sentence(units[i].text)}" for i in picked)
            return f"{opener}\n\n{bullets}{extra}\n\n*From the guide: {sections}.*"

        text = render(chosen)
        while _word_count(text) > MAX_WORDS and len(chosen) > 1:
            chosen.remove(min(chosen, key=lambda i: relevance[i]))  # drop the weakest point
            text = render(chosen)
        return text

    @staticmethod
    def _select(units: list[Unit], relevance: np.ndarray, vectors: np.ndarray,
                overhead: int) -> list[int]:
        """Greedy MMR within the word budget; stop once the points get much weaker."""
        best = float(relevance.max())
        budget = MAX_WORDS - overhead
        chosen: list[int] = []
        words = 0
        candidates = set(range(len(units)))
        while candidates:
            def mmr(i: int) -> float:
                redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
                return 0.75 * relevance[i] - 0.25 * redundancy

            pick = max(candidates, key=mmr)
            candidates.discard(pick)
            enough = words >= MIN_WORDS - overhead + 10
            if len(chosen) >= 2 and relevance[pick] < best - 0.15 and enough:
                break
            if any(float(vectors[pick] @ vectors[j]) > 0.85 for j in chosen):
                continue  # a near-duplicate adds nothing
            length = _word_count(units[pick].text) + 1
            if words + length > budget:
                continue
            chosen.append(pick)
            words += length
            if len(chosen) >= 5 or words >= budget - 8:
                break
        return chosen

    @staticmethod
    def _opener(question: str, covered: bool) -> str:
        if not covered:
            return "The guide doesn't cover that directly, but here is the closest advice it has:"
        if DISTRESS.search(question):
            return ("That sounds hard, and you don't have to handle it alone. "
                    "Here's what the guide suggests:")
        openers = [
            "Here's what the AMWA guide suggests:",
            "Good question. The guide's advice:",
            "Here's how the guide approaches it:",
        ]
        index = int(hashlib.md5(question.encode()).hexdigest(), 16) % len(openers)
        return openers[index]
