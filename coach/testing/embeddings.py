"""A deterministic fake embedder: hashed bag of words, unit length, no model download."""

from __future__ import annotations

import hashlib
import math
import re

from coach.embeddings import Embeddings

WORD = re.compile(r"[a-z0-9']+")


class FakeEmbeddings(Embeddings):
    """Same interface as `coach.embeddings.LocalEmbeddings`; texts sharing words are similar."""

    def __init__(self, dimensions: int = 384, model_name: str = "fake-hashed-words") -> None:
        self.dimensions = dimensions
        self.model_name = model_name
        self.max_tokens = 256
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for word in WORD.findall(text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dimensions
            vector[slot] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        """Words plus the two special tokens, a stand-in for the word-piece count."""
        return len(WORD.findall(text.lower())) + 2

    def prefetch(self, texts: list[str]) -> int:
        """Nothing to cache: vectors are computed on demand."""
        return 0
