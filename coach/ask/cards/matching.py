"""Card matching: example questions and points embedded at ingest into a Chroma collection beside
the chunks, then hybrid dense + BM25 scoring per card, an audience filter and a covered threshold.

Stored vectors are keyed by a content hash (text + embedding model), so an unchanged card is
never re-embedded; at answer time only the student's question is embedded (by the caller).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from rank_bm25 import BM25Okapi

from coach.ask.cards.model import Card, load_cards
from coach.errors import InputError
from coach.retrieval import expand, tokenize
from coach.yamlio import safe_load

log = logging.getLogger(__name__)
BATCH = 128
LEXICAL_WEIGHT = 0.15  # BM25 (normalised by the best card) against cosine; tuned on qa_blind dev
CARD_TEXT_WEIGHT = 0.9  # the card's own advice text counts a little less than a question match
# Fused score at or above which the guide is taken to cover the question (calibrated on the
# blind dev split: see evals/README.md, "Advice cards").
COVERED = 0.40
# A follow-up to a covered answer stays on a topic the guide covers unless it clearly leaves it
# (the out-of-scope check still applies), so its floor is lower.
FOLLOW_UP_COVERED = 0.32
FOLLOW_UP_OOS_MARGIN = -0.05  # ...and an out-of-scope example must be clearly closer to stop it
OOS_MARGIN = 0.02  # the best card's cosine must beat the nearest out-of-scope example by this


@dataclass(frozen=True)
class Match:
    card: Card
    score: float  # fused
    dense: float  # best cosine over the card's example questions and text


def collection_name(base: str) -> str:
    return f"{base}.cards"


OUT_OF_SCOPE = "out-of-scope"  # pseudo card id of the questions the guide does not cover


def load_out_of_scope(knowledge_dir: Path) -> list[str]:
    """Example questions the guide does not cover (knowledge/out_of_scope.yaml; may be absent)."""
    path = knowledge_dir / "out_of_scope.yaml"
    if not path.is_file():
        return []
    try:
        return OutOfScope.model_validate(safe_load(path.read_text(encoding="utf-8"))).questions
    except (yaml.YAMLError, ValidationError) as exc:
        raise InputError(f"{path.name}: field questions: {exc}") from None


class OutOfScope(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[str]
    terms: list[str] = []  # topic words the guide never addresses (coach/ask/cards/topics.py)
    always: list[str] = []  # ...not covered even beside "mentor" (immigration, work authorization)


def _entries(cards: list[Card], model: str,
             out_of_scope: list[str] = ()) -> list[tuple[str, str, dict]]:
    """(id, text, metadata) for every embedded text: example questions, card text, points,
    and the out-of-scope examples."""
    rows = []
    for i, text in enumerate(out_of_scope):
        digest = hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()[:16]
        rows.append((f"{OUT_OF_SCOPE}:oos:{i}", text,
                     {"card": OUT_OF_SCOPE, "kind": "oos", "index": i, "content_hash": digest}))
    for card in cards:
        texts = [("q", i, q) for i, q in enumerate(card.questions)]
        texts.append(("card", 0, f"{card.answer} {' '.join(p.say for p in card.points)}"))
        texts += [("point", i, p.say) for i, p in enumerate(card.points)]
        for kind, i, text in texts:  # ids by kind and position: one edit re-embeds one text
            digest = hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()[:16]
            rows.append((f"{card.id}:{kind}:{i}", text,
                         {"card": card.id, "kind": kind, "index": i, "content_hash": digest}))
    return rows


def sync_cards(client, base_name: str, embeddings, cards: list[Card],  # noqa: ANN001
               out_of_scope: list[str] = ()) -> int:
    """Make the cards collection match `cards`; returns how many texts were (re-)embedded."""
    model = getattr(embeddings, "model_name", type(embeddings).__name__)
    collection = client.get_or_create_collection(  # vectors only from `embeddings`, never ONNX
        collection_name(base_name), embedding_function=None,
        metadata={"hnsw:space": "cosine", "embedding_model": model})
    rows = _entries(cards, model, out_of_scope)
    stored = collection.get(include=["metadatas"])
    have = {i: m.get("content_hash") for i, m in zip(stored["ids"], stored["metadatas"],
                                                      strict=True)}
    wanted = {r[0] for r in rows}
    stale = [i for i in have if i not in wanted]
    if stale:
        collection.delete(ids=stale)
    todo = [r for r in rows if have.get(r[0]) != r[2]["content_hash"]]
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        vectors = embeddings.embed_documents([r[1] for r in batch])
        collection.upsert(ids=[r[0] for r in batch], documents=[r[1] for r in batch],
                          metadatas=[r[2] for r in batch], embeddings=vectors)
    if todo or stale:
        log.info("Cards index: %d text(s) embedded, %d removed", len(todo), len(stale))
    return len(todo)


class CardMatcher:
    """Scores every card against a question vector; vectors are read from Chroma once."""

    def __init__(self, cards: list[Card], ids: list[str], metadatas: list[dict],
                 vectors: np.ndarray) -> None:
        self.cards = {c.id: c for c in cards}
        self.order = [c.id for c in cards]
        position = {cid: i for i, cid in enumerate(self.order)}
        oos = np.array([m["card"] == OUT_OF_SCOPE for m in metadatas], dtype=bool)
        self.oos_vectors = vectors[oos] if oos.any() else np.zeros((0, vectors.shape[1]))
        norms = np.linalg.norm(self.oos_vectors, axis=1, keepdims=True)
        self.oos_vectors = (self.oos_vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
        vectors = vectors[~oos]
        metadatas = [m for m, o in zip(metadatas, oos, strict=True) if not o]
        ids = [i for i, o in zip(ids, oos, strict=True) if not o]
        self.row_card = np.array([position[m["card"]] for m in metadatas], dtype=np.int64)
        self.row_kind = [m["kind"] for m in metadatas]
        self.row_ids = ids
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
        self.weight = np.array([CARD_TEXT_WEIGHT if k == "card" else 1.0 for k in self.row_kind],
                               dtype=np.float32)
        self.matchable = np.array([k != "point" for k in self.row_kind])
        self.point_rows = {(self.order[c], int(i.rsplit(":", 1)[1])): r
                           for r, (c, i, k) in enumerate(zip(self.row_card, ids, self.row_kind,
                                                             strict=True)) if k == "point"}
        docs = [tokenize(expand(" ".join([c.answer, *c.questions, *(p.say for p in c.points)])))
                for c in cards]
        self.bm25 = BM25Okapi(docs) if docs else None
        self.sources = {c.source for c in cards}

    @classmethod
    def open(cls, client, base_name: str, embeddings, knowledge_dir: Path) -> CardMatcher:  # noqa: ANN001
        """Load and verify the cards, bring their vectors up to date, read them back."""
        cards = load_cards(knowledge_dir)
        sync_cards(client, base_name, embeddings, cards, load_out_of_scope(knowledge_dir))
        got = client.get_collection(collection_name(base_name), embedding_function=None).get(
            include=["metadatas", "embeddings"])
        vectors = (np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1)
                   if len(got["ids"]) else np.zeros((0, 1), dtype=np.float32))
        return cls(cards, list(got["ids"]), list(got["metadatas"]), vectors)

    def __bool__(self) -> bool:
        return bool(self.cards)

    def match(self, question: str, vector: list[float], audience: str = "mentee",
              exclude: frozenset[str] = frozenset(),
              lexical_text: str | None = None) -> list[Match]:
        """Cards for `question`, best first, restricted to the student's side of mentoring.
        `lexical_text` (default: the question) is what BM25 reads: a follow-up's own words, so
        "what about research?" is not pulled back to the previous question's cards."""
        if not self.cards:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query /= np.linalg.norm(query) or 1.0
        sims = (self.vectors @ query) * self.weight
        sims[~self.matchable] = -1.0
        dense = np.full(len(self.order), -1.0, dtype=np.float32)
        np.maximum.at(dense, self.row_card, sims)
        lexical = np.zeros(len(self.order))
        terms = tokenize(expand(lexical_text if lexical_text is not None else question))
        if terms and self.bm25 is not None:
            scores = self.bm25.get_scores(terms)
            if scores.max() > 0:
                lexical = scores / scores.max()
        fused = dense + LEXICAL_WEIGHT * lexical
        allowed = {"both", audience}
        out = [Match(self.cards[cid], float(fused[i]), float(dense[i]))
               for i, cid in enumerate(self.order)
               if self.cards[cid].audience in allowed and cid not in exclude]
        return sorted(out, key=lambda m: -m.score)

    def out_of_scope(self, vector: list[float]) -> float:
        """Cosine of the question with its nearest out-of-scope example (-1 when none)."""
        if not len(self.oos_vectors):
            return -1.0
        query = np.asarray(vector, dtype=np.float32)
        query /= np.linalg.norm(query) or 1.0
        return float((self.oos_vectors @ query).max())

    def covers(self, matches: list[Match], vector: list[float], follow_up: bool = False) -> bool:
        """Covered: the best card clears the floor and beats the nearest out-of-scope example
        (both relaxed for a follow-up to a covered answer)."""
        if not matches:
            return False
        best = matches[0]
        floor, margin = (FOLLOW_UP_COVERED, FOLLOW_UP_OOS_MARGIN) if follow_up else \
            (COVERED, OOS_MARGIN)
        return best.score >= floor and best.dense >= self.out_of_scope(vector) + margin

    def point_vector(self, card: Card, index: int) -> np.ndarray:
        """The stored (normalised) vector of one of the card's points."""
        return self.vectors[self.point_rows[(card.id, index)]]

    def point_scores(self, card: Card, vector: list[float]) -> list[float]:
        """Cosine of the question with each of the card's points."""
        query = np.asarray(vector, dtype=np.float32)
        query /= np.linalg.norm(query) or 1.0
        return [float(self.vectors[self.point_rows[(card.id, i)]]
                      @ query) for i in range(len(card.points))]


_LOCK = threading.Lock()


def open_matcher(settings, client, embeddings) -> CardMatcher:  # noqa: ANN001
    """The card matcher for these settings (serialised: two threads never sync at once)."""
    with _LOCK:
        return CardMatcher.open(client, settings.collection, embeddings, settings.knowledge_dir)
