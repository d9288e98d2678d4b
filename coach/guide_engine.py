"""The guide engine: answers composed from the guide's own sentences, with no LLM.

It splits the retrieved chunks into sentences and bullet items, scores each against the
question (embedding similarity plus word overlap), picks a relevant and diverse handful
(maximal marginal relevance), and frames them in a short coaching voice with the sections.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass

import numpy as np
from langchain_core.documents import Document

from coach.embeddings import LocalEmbeddings
from coach.retrieval import expand, tokenize

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:[a-z][.)]\s+)?")
FOLLOW_UP = re.compile(
    r"^(?:and|but|also|what about|how about|what if|same|ok(?:ay)?|so)\b|\b(?:that|it|them|they|those|this one)\b",
    re.I,
)
DISTRESS = re.compile(
    r"\b(stress\w*|anxious|anxiety|overwhelm\w*|failed|fail|burn(?:ed|t)? out|awful|sad|"
    r"scared|worried|nervous|rejected|bad patient outcome|struggl\w*)\b",
    re.I,
)
MIN_WORDS, MAX_WORDS = 60, 180
NOT_COVERED = 0.28  # below this best-sentence similarity the guide does not really cover it


@dataclass(frozen=True)
class Unit:
    """One selectable piece of guide text: a sentence or a bullet item."""

    text: str
    context: str  # heading trail / parent bullet, used for scoring only
    section: str
    chunk_rank: int
    order: int


def _clean(line: str) -> str:
    text = BULLET.sub("", line).strip()
    return re.sub(r"^>\s*|\*\*|__|<u>|</u>", "", text).strip()


def _units(hits: list[Document]) -> list[Unit]:
    """Sentences of paragraphs and bullet items; a bullet whose sub-items are all short is
    kept whole ("Parent: a; b; c") so a list like the TL;DR reads as one point."""
    units: list[Unit] = []

    def add(text: str, context: str, section: str, rank: int) -> None:
        if len(text.split()) >= 3 and not text.endswith(":"):
            units.append(Unit(text, context, section, rank, len(units)))

    for rank, doc in enumerate(hits):
        trail = doc.metadata.get("heading_trail", "")
        section = doc.metadata.get("section", "")
        body = doc.page_content
        if body.startswith(trail):
            body = body[len(trail):]
        body = re.sub(r"```.*?```", "", body, flags=re.S)  # templates are linked, not quoted
        items: list[tuple[str, list[str]]] = []  # (top-level line, nested lines)
        for line in body.split("\n"):
            if not line.strip():
                continue
            if line.startswith((" ", "\t")) and BULLET.match(line) and items:
                items[-1][1].append(_clean(line))
            else:
                items.append((line, []))
        for line, children in items:
            parent = _clean(line)
            if not parent:
                continue
            if not BULLET.match(line):
                for sentence in SENTENCE_END.split(parent):
                    add(sentence, trail, section, rank)
            elif children and all(len(c.split()) <= 12 for c in children):
                joined = "; ".join(c.rstrip(".") for c in children)
                add(f"{parent.rstrip(':')}: {joined}", trail, section, rank)
            else:
                add(parent, trail, section, rank)
                for child in children:
                    add(f"{parent.rstrip(':')}: {child}", f"{trail} {parent}", section, rank)
    return units


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?", ":")) else text + "."


class GuideEngine:
    """Composes answers from retrieved guide chunks. Unit embeddings are cached per process."""

    def __init__(self, embeddings: LocalEmbeddings) -> None:
        self.embeddings = embeddings
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            fresh = self.embeddings.embed_documents(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._cache[text] = np.asarray(vector, dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    @staticmethod
    def retrieval_query(question: str, history: list[dict] | None) -> str:
        """Resolve a follow-up ("what about for research?") against the previous question."""
        previous = [t["content"] for t in (history or []) if t.get("role") == "user"]
        if previous and (len(question.split()) <= 8 or FOLLOW_UP.search(question)):
            return f"{previous[-1]} {question}"
        return question

    def compose(self, question: str, hits: list[Document], query_vector: list[float]) -> str:
        """A 60-180 word answer made of the most relevant, non-redundant guide sentences."""
        units = _units(hits)
        if not units:
            return "I couldn't find anything in the guide about that. Try asking about finding, " \
                   "approaching or working with a mentor."
        vectors = self._vectors([f"{u.context}: {u.text}" for u in units])
        query = np.asarray(query_vector, dtype=np.float32)
        terms = set(tokenize(expand(question)))
        overlap = np.array([
            len(terms & set(tokenize(u.text))) / (len(terms) or 1) for u in units
        ])
        rank_prior = np.array([0.04 / (u.chunk_rank + 1) for u in units])
        # The guide's rhetorical questions and very short lines rarely answer anything.
        shape = np.array([
            (-0.06 if u.text.endswith("?") else 0.0) + (-0.05 if len(u.text.split()) < 8 else 0.0)
            for u in units
        ])
        relevance = vectors @ query + 0.2 * overlap + rank_prior + shape
        best = float(relevance.max())

        chosen: list[int] = []
        words = 0
        candidates = set(range(len(units)))
        while candidates and words < MAX_WORDS - 25:
            def mmr(i: int) -> float:
                redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
                return 0.75 * relevance[i] - 0.25 * redundancy

            pick = max(candidates, key=mmr)
            candidates.discard(pick)
            if len(chosen) >= 3 and relevance[pick] < best - 0.15 and words >= MIN_WORDS:
                break
            if any(float(vectors[pick] @ vectors[j]) > 0.9 for j in chosen):
                continue  # a near-duplicate adds nothing
            length = len(units[pick].text.split())
            if words + length > MAX_WORDS - 20 and words >= MIN_WORDS:
                continue
            chosen.append(pick)
            words += length
            if len(chosen) >= 6:
                break

        chosen.sort(key=lambda i: (units[i].chunk_rank, units[i].order))
        sections = list(dict.fromkeys(units[i].section for i in chosen))
        covered = float((vectors @ query).max()) >= NOT_COVERED
        opener = self._opener(question, covered)
        bullets = "\n".join(f"- {_sentence(units[i].text)}" for i in chosen)
        template = next((h for h in hits[:2] if "```" in h.page_content), None)
        extra = ""
        if template is not None:
            extra = f"\n\nThe guide also has a ready-to-adapt email template under " \
                    f"*{template.metadata.get('heading_trail')}*."
        cite = "; ".join(sections)
        return f"{opener}\n\n{bullets}{extra}\n\n*From the guide: {cite}.*"

    @staticmethod
    def _opener(question: str, covered: bool) -> str:
        if not covered:
            return "The guide doesn't cover that directly, but here is the closest advice it has:"
        if DISTRESS.search(question):
            return "That sounds hard, and you don't have to handle it alone. Here's what the guide suggests:"
        openers = [
            "Here's what the AMWA guide suggests:",
            "Good question. The guide's advice:",
            "Here's how the guide approaches it:",
        ]
        index = int(hashlib.md5(question.encode()).hexdigest(), 16) % len(openers)
        return openers[index]
