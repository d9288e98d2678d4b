"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by score, section-diverse."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

import numpy as np
from langchain_core.documents import Document
from pydantic import BaseModel, ConfigDict, Field, field_validator
from rank_bm25 import BM25Okapi

from coach.index.live import LiveIndex

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    "a an the and or but of to in on for with at by from is are was were be been being it its "
    "this that these those i me my you your we our they them their he she his her what how why "
    "when where who which do does did can could should would will shall may might must have has "
    "had not no so if as about into than then there here just also any some more most very "
    "get".split()
)
# Weight of normalised BM25 against cosine similarity (tuned on evals/dev_questions.yaml).
LEXICAL_WEIGHT = 0.3
EXPANSIONS_FILE = "expansions.yaml"  # coach/data/: students' words -> the guide's words


class Expansion(BaseModel):
    """One concept: regex alternatives in the students' words, and the guide's words for it."""

    model_config = ConfigDict(extra="forbid")
    words: str = Field(min_length=1)
    phrases: list[str] = Field(min_length=1)

    @field_validator("phrases")
    @classmethod
    def _compiles(cls, phrases: list[str]) -> list[str]:
        from coach.safety.patterns import compile_checked  # the one regex check for data files

        compile_checked(_whole_words(phrases), phrases, "phrases")
        return phrases

    def pattern(self) -> re.Pattern:
        """The phrases as one whole-word, case-insensitive pattern ("pi" never in "opinion")."""
        return re.compile(_whole_words(self.phrases), re.I)


def _whole_words(phrases: list[str]) -> str:
    return rf"\b(?:{'|'.join(phrases)})\b"


class Expansions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expansions: list[Expansion]


@lru_cache(maxsize=1)
def _expansion_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    from coach.datafiles import load_data

    table = load_data("coach", EXPANSIONS_FILE, Expansions)
    return tuple((e.pattern(), e.words) for e in table.expansions)


def _stem(word: str) -> str:
    """A light suffix strip so "finding"/"find", "expected"/"expect", "replies"/"reply" meet."""
    if len(word) > 5 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case, lightly stemmed word tokens without stop words."""
    return [_stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS]


def expand(query: str) -> str:
    """The query plus the guide's vocabulary for the student phrases it contains."""
    extra = [words for pattern, words in _expansion_patterns() if pattern.search(query)]
    return " ".join([query, *extra])


class HybridRetriever(BaseModel):
    """Chroma cosine search fused with BM25 over the same chunks.

    Fusion is a convex combination: cosine similarity + LEXICAL_WEIGHT * BM25 / best BM25.
    Unlike rank fusion it keeps score gaps, so a chunk that only the student's vocabulary
    (via EXPANSIONS) finds can still win. Each returned Document carries `score` (fused) and
    `dense` (cosine similarity) in metadata.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: LiveIndex
    k: int = 5
    fetch_k: int = 20
    max_per_section: int = 2

    @cached_property
    def _corpus(self) -> tuple[list[Document], BM25Okapi | None]:
        got = self.store.get(include=["documents", "metadatas", "embeddings"])
        docs = [
            Document(page_content=text, metadata=meta, id=doc_id)
            for doc_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"],
                                          strict=True)
        ]
        # The last good copy: if the store becomes unreadable while serving, search(cached=True)
        # answers from these vectors while the index is rebuilt (coach/index/repair.py).
        matrix = np.asarray(got["embeddings"] if docs else np.zeros((0, 1)), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if docs else 1.0
        self.__dict__["_copy"] = (matrix / np.where(norms == 0, 1.0, norms),
                                  {d.metadata["id"]: i for i, d in enumerate(docs)})
        tokens = [tokenize(d.page_content) for d in docs]
        return docs, (BM25Okapi(tokens) if docs else None)

    @property
    def has_copy(self) -> bool:
        """Whether the chunks were read once (the last good copy is in memory)."""
        return "_copy" in self.__dict__

    def _copy_similarities(self, vector: list[float]) -> np.ndarray:
        query = np.asarray(vector, dtype=np.float32)
        query /= np.linalg.norm(query) or 1.0
        return self.__dict__["_copy"][0] @ query

    def _cosines(self, ids: list[str], vector: list[float],
                 cached: bool = False) -> dict[str, float]:
        """Exact cosine similarity for chunks that only the lexical side found."""
        if not ids:
            return {}
        if cached:
            sims, index = self._copy_similarities(vector), self.__dict__["_copy"][1]
            return {key: float(sims[index[key]]) for key in ids}
        got = self.store.get(ids=ids, include=["embeddings"])
        query = np.asarray(vector, dtype=np.float32)
        query /= np.linalg.norm(query) or 1.0
        out = {}
        for key, emb in zip(got["ids"], got["embeddings"], strict=True):
            emb = np.asarray(emb, dtype=np.float32)
            out[key] = float(emb @ query / (np.linalg.norm(emb) or 1.0))
        return out

    def _dense(self, vector: list[float], k: int, cached: bool) -> list[tuple[Document, float]]:
        """(chunk, cosine distance) of the k nearest: from Chroma, or from the in-memory copy."""
        if not cached:
            return self.store.nearest(vector, k)
        docs = self._corpus[0]
        sims = self._copy_similarities(vector)
        return [(docs[i], 1.0 - float(sims[i])) for i in np.argsort(-sims)[:k]]

    def search(self, query: str, query_vector: list[float] | None = None,
               cached: bool = False) -> list[Document]:
        """Top-k fused hits for `query` (pass `query_vector` to reuse an embedding); `cached`
        searches the in-memory copy of the chunks without touching Chroma."""
        docs, bm25 = self._corpus
        if not docs:
            return []
        vector = query_vector or self.store.embeddings.embed_query(query)
        dense = self._dense(vector, min(self.fetch_k, len(docs)), cached)
        by_id: dict[str, Document] = {}
        similarity: dict[str, float] = {}
        for doc, distance in dense:
            by_id[doc.metadata["id"]] = doc
            similarity[doc.metadata["id"]] = 1.0 - float(distance)  # cosine distance -> similarity
        lexical: dict[str, float] = {}
        terms = tokenize(expand(query))
        if terms and bm25 is not None:
            scores = bm25.get_scores(terms)
            top = float(scores.max())
            for i in sorted(range(len(docs)), key=lambda i: -scores[i])[: self.fetch_k]:
                if scores[i] <= 0:
                    break
                key = docs[i].metadata["id"]
                by_id.setdefault(key, docs[i])
                lexical[key] = float(scores[i]) / top
        similarity.update(self._cosines([k for k in lexical if k not in similarity], vector,
                                        cached))
        fused = {k: similarity.get(k, 0.0) + LEXICAL_WEIGHT * lexical.get(k, 0.0) for k in by_id}
        hits: list[Document] = []
        per_section: dict[str, int] = {}
        for key in sorted(fused, key=lambda k: -fused[k]):
            doc = by_id[key]
            section = doc.metadata.get("section", "")
            if per_section.get(section, 0) >= self.max_per_section:
                continue  # diversity: no single section crowds out the rest
            per_section[section] = per_section.get(section, 0) + 1
            meta = {**doc.metadata, "score": round(fused[key], 5),
                    "dense": round(similarity.get(key, 0.0), 4)}
            hits.append(Document(page_content=doc.page_content, metadata=meta, id=key))
            if len(hits) >= self.k:
                break
        return hits
