"""Eval-time embeddings: each distinct text embedded once per scorer, whatever asks for it."""

from __future__ import annotations

import numpy as np

EMPTY_DIM = 384  # MiniLM's width: the shape of "no vectors"


class VectorCache:
    """Embeds texts with a LangChain `Embeddings`, each distinct text once."""

    def __init__(self, embeddings) -> None:  # noqa: ANN001 - LangChain Embeddings
        self.embeddings = embeddings
        self._cache: dict[str, np.ndarray] = {}

    def vectors(self, texts: list[str]) -> np.ndarray:
        """One float32 row per text, in order (texts may repeat)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            for text, vector in zip(todo, self.embeddings.embed_documents(todo), strict=True):
                self._cache[text] = np.asarray(vector, dtype=np.float32)
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, EMPTY_DIM))
