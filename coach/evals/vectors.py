"""Eval-time embeddings: the shared VectorCache, with an empty batch giving an empty matrix."""

from __future__ import annotations

import numpy as np

from coach.embeddings import VectorCache as _Cache

EMPTY_DIM = 384  # MiniLM's width: the shape of "no vectors"


class VectorCache(_Cache):
    """Embeds texts with a LangChain `Embeddings`, each distinct text once (coach.embeddings)."""

    def vectors(self, texts: list[str], lookup=None) -> np.ndarray:  # noqa: ANN001
        """One float32 row per text, in order (texts may repeat); (0, 384) for none."""
        return super().vectors(texts, lookup) if texts else np.zeros((0, EMPTY_DIM))
