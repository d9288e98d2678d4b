"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by score, section-diverse."""

from __future__ import annotations

import re
from functools import cached_property

import numpy as np
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
    "had not no so if as about into than then there here just also any some more most very "
    "get".split()
)
# Weight of normalised BM25 against cosine similarity (tuned on evals/dev_questions.yaml).
LEXICAL_WEIGHT = 0.3
# Students' words -> the guide's words. Patterns are general phrasings of a concept (word-bounded,
# so "pi" never fires inside "opinion"); the words feed BM25 and the guide engine's overlap score.
EXPANSIONS: dict[str, str] = {
    r"how many|one mentor|more than one|several mentors|only one|just one|enough mentors":
        "multiple network team different mentors",
    r"ghost\w*|radio silen\w*|left (?:me )?on read|ignor\w+ (?:me|my)|no (?:reply|response|answer)"
    r"|(?:never|not|stopped|(?:does|did|has|have|is|are|wo)n'?t) (?:\w+ )?(?:repl\w*|respond\w*"
    r"|answer\w*|gets? back|got(?:ten)? back|writ\w* back|email\w* back|heard?)":
        "follow up persistent reach out multiple times heard back respond",
    r"says? no|said no|turned (?:me )?down|declin\w*|rejected|refus\w*":
        "say no personally schedule timing",
    r"e-?mails?|cold (?:email|message)|message (?:them|him|her)|write to|reach(?:ing)? out":
        "reaching out template subject introduce yourself goals respectful professional",
    r"upperclass\w*|classmates?|older students?|peers?|fellow students?": "peer mentorship",
    r"sponsor\w*": "sponsorship advancement putting your name up",
    r"books?|reading|to read|recommend\w*": "resources books",
    r"podcasts?|audio|commute": "resources podcasts",
    r"summar\w*|sum (?:it )?up|recap|overview|highlights|bullet points|tl;? ?dr|quick version"
    r"|short version|key points|main points|takeaways?|in a nutshell|cheat ?sheet|bottom line"
    r"|in short": "tl dr",
    r"fail\w*|flunk\w*|bad (?:patient )?outcome|patient died|made a mistake|emergenc\w*":
        "emergency mentoring failed exam bad patient outcome group of mentors",
    r"labs?|pis?|principal investigator|publish\w*|publications?|poster|abstract":
        "research mentor",
    r"goals?": "goals determine categories worksheet",
    r"qualit\w*|traits?|characteristics?|good mentor|ideal mentor|great mentor":
        "characteristics mentors expected accessible responsive supportive",
    r"who (?:wrote|made|created|is behind)|authors?|written by": "created guide authors committee",
    r"find\w*|where (?:do|can|should) (?:i|you|we) (?:look|start)|look(?:ing)? for|search\w*":
        "identify locate resources opportunities avenues",
    r"(?:isn'?t|not|doesn'?t|don'?t|didn'?t) work(?:ing|s)? (?:for|with) me|what worked for"
    r"|works for (?:them|her|him)": "each student different worked may or may not work for you",
    r"worth it|overrated|overhyped|even matter|really need a mentor|point of (?:having|getting)":
        "importance good mentorship support",
    r"red flags?|bad (?:mentor|fit)|toxic|not helping|doing all the work|uncomfortable|one-sided"
    r"|waste of (?:my )?time|not working out":
        "listen gut uncomfortable doing all the work respond",
    r"deadlines?|promised|overcommit\w*|can'?t make it|fall(?:ing)? behind|flake\w*"
    r"|let (?:them|him|her) down": "follow through honest",
    r"how often|frequen\w*|schedul\w*|check[- ]ins?|in person|zoom|virtual\w*":
        "regular meetings check ins frequency format schedule video call",
    r"prep\w*|first meeting|meeting with": "prepared agenda questions research beforehand",
    r"thank\w*|apprecia\w*|grateful|gifts?": "gratitude appreciation",
    r"honest\w*|struggl\w*|open up|vulnerable|confiden\w*":
        "honest confidentiality emotional support",
    r"specialt\w*|same field|what they do|career path":
        "field carbon copy similar different specialty",
    r"be (?:a|their|his|her|someone'?s) mentor|become a mentor|mentor (?:someone|others|them|a \w+)"
    r"|mentoring (?:someone|others)|as (?:a|the) mentor|my mentee\w*":
        "serve as a mentor someone else committing regular check ins experiences confidentiality",
    r"as (?:a|the) mentee|mentee'?s? (?:role|job|responsibilit\w*)"
    r"|my (?:role|responsibilit\w*|job)":
        "mentees expected initiative listen feedback appreciation",
    r"(?:this|the) guide|amwa": "created guide team of mentors network",
    r"specific|vague|concrete|measurable|realistic": "concrete measurable time specific",
    r"official\w*|formal\w*|define the relationship":
        "ask directly willing to serve official mentor acknowledgement",
    r"trial|try it out|(?:doesn'?t|don'?t|didn'?t) click|not a (?:good )?fit":
        "trial basis good fit",
    r"worksheet|exercise|questions to ask myself": "goals worksheet categories",
    r"outside (?:of )?medicine|hobb\w*|personal life|relationships?|work[- ]life|balance":
        "outside of medicine community service relationships balance interests",
    r"start (?:a|an|our) (?:\w+ )?(?:program|group)|chapter|pair(?:ing)? (?:up|students)|match\w*":
        "peer mentorship program paired famwa",
}
_EXPANSION_PATTERNS = [(re.compile(rf"\b(?:{p})\b", re.I), w) for p, w in EXPANSIONS.items()]


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
    extra = [words for pattern, words in _EXPANSION_PATTERNS if pattern.search(query)]
    return " ".join([query, *extra])


class HybridRetriever(BaseRetriever):
    """A LangChain retriever fusing Chroma cosine search with BM25 over the same chunks.

    Fusion is a convex combination: cosine similarity + LEXICAL_WEIGHT * BM25 / best BM25.
    Unlike rank fusion it keeps score gaps, so a chunk that only the student's vocabulary
    (via EXPANSIONS) finds can still win. Each returned Document carries `score` (fused) and
    `dense` (cosine similarity) in metadata.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Chroma
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
        got = self.store._collection.get(ids=ids, include=["embeddings"])
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
            return self.store.similarity_search_by_vector_with_relevance_scores(vector, k=k)
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

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return self.search(query)
