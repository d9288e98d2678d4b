"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank, section-diverse."""

from __future__ import annotations

import re
from functools import cached_property

from langchain_chroma import Chroma
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict
from rank_bm25 import BM25Okapi

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    "a an the and or but of to in on for with at by from is are was were be been being it its "
    "this that these those i me my you your we our they them their he she his her what how why "
    "when where who which do does did can could should would will shall may might must have has "
    "had not no so if as about into than then there here just also any some more most very get".split()
)
RRF_K = 60
# Students' words -> the guide's words, for the lexical side only (dense search needs none).
EXPANSIONS = {
    "how many": "multiple network team different mentors",
    "ghost": "follow up persistent reach out multiple times respond",
    "stopped replying": "follow up persistent reach out multiple times respond",
    "not responding": "follow up persistent reach out multiple times respond",
    "never replied": "follow up persistent reach out multiple times respond",
    "hasn't replied": "follow up persistent reach out multiple times respond",
    "no reply": "follow up persistent reach out multiple times respond",
    "says no": "say no personally schedule timing",
    "said no": "say no personally schedule timing",
    "turned me down": "say no personally schedule timing",
    "email": "reaching out template subject introduce yourself goals respectful professional",
    "upperclass": "peer mentorship",
    "classmate": "peer mentorship",
    "sponsor": "sponsorship advancement",
    "book": "resources books podcasts",
    "podcast": "resources podcasts",
    "summary": "tldr",
    "tl;dr": "tldr",
    "failed": "emergency mentoring failed exam bad patient outcome",
    "bad outcome": "emergency mentoring bad patient outcome",
    "lab": "research mentor",
    "pi": "research mentor",
    "goal": "goals determine categories worksheet",
    "why": "importance",
    "red flag": "listen gut uncomfortable doing all the work respond",
    "bad mentor": "listen gut uncomfortable doing all the work respond",
}


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words, with a light plural strip."""
    words = (w for w in WORD.findall(text.lower()) if w not in STOPWORDS)
    return [w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w for w in words]


def expand(query: str) -> str:
    """The query plus the guide's vocabulary for the student phrases it contains."""
    lowered = query.lower()
    extra = [words for phrase, words in EXPANSIONS.items() if phrase in lowered]
    return " ".join([query, *extra])


class HybridRetriever(BaseRetriever):
    """A LangChain retriever: RRF of Chroma cosine search and BM25 over the same chunks.

    Each returned Document carries `score` (fused), `dense` (cosine similarity) in metadata.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Chroma
    k: int = 5
    fetch_k: int = 20
    max_per_section: int = 2

    @cached_property
    def _corpus(self) -> tuple[list[Document], BM25Okapi | None]:
        got = self.store.get(include=["documents", "metadatas"])
        docs = [
            Document(page_content=text, metadata=meta, id=doc_id)
            for doc_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        tokens = [tokenize(d.page_content) for d in docs]
        return docs, (BM25Okapi(tokens) if docs else None)

    def search(self, query: str, query_vector: list[float] | None = None) -> list[Document]:
        """Top-k fused hits for `query` (pass `query_vector` to reuse an embedding)."""
        docs, bm25 = self._corpus
        if not docs:
            return []
        vector = query_vector or self.store.embeddings.embed_query(query)
        dense = self.store.similarity_search_by_vector_with_relevance_scores(
            vector, k=min(self.fetch_k, len(docs))
        )
        fused: dict[str, float] = {}
        by_id: dict[str, Document] = {}
        similarity: dict[str, float] = {}
        for rank, (doc, distance) in enumerate(dense):
            key = doc.metadata["id"]
            by_id[key] = doc
            similarity[key] = 1.0 - float(distance)  # cosine distance -> similarity
            fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
        terms = tokenize(expand(query))
        if terms and bm25 is not None:
            scores = bm25.get_scores(terms)
            ranked = sorted(range(len(docs)), key=lambda i: -scores[i])[: self.fetch_k]
            for rank, i in enumerate(ranked):
                if scores[i] <= 0:
                    break
                key = docs[i].metadata["id"]
                by_id.setdefault(key, docs[i])
                fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
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

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return self.search(query)
