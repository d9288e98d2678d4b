"""Vectors of the guide engine's units (sentences, bullet items, short lists), made at ingest.

The extractive guide engine scores every unit of the retrieved chunks against the question. Its
units are embedded when the index is built or updated and kept in one `.npz` beside the index,
keyed by a hash of the embedding model and the unit's text (as chunks are keyed by content
hash): an unchanged unit is never embedded again, a changed one is, a vanished one is dropped.
At answer time the only text embedded is the question.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

import numpy as np
from langchain_core.documents import Document

log = logging.getLogger(__name__)
FILE_NAME = "unit-vectors.npz"
GROUP = 512  # texts per encode call (the encoder sorts each call by length: less padding)


def unit_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()[:24]


def unit_texts(docs: list[Document]) -> list[str]:
    """What the guide engine embeds for every unit of these chunks (each chunk on its own: a
    chunk's units do not depend on the chunks retrieved with it)."""
    from coach.index.units import unit_text, units_of

    return list(dict.fromkeys(unit_text(u) for doc in docs for u in units_of([doc])))


def path_for(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


class UnitVectors:
    """The stored unit vectors of one data directory, read on first use and re-read when the
    file changes (an ingest in another process)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_ino

    def _refresh(self) -> None:
        stamp = self._stat()
        if stamp == self._stamp:
            return
        rows, vectors = {}, np.zeros((0, 0), dtype=np.float32)
        if stamp is not None:
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    rows = {str(k): i for i, k in enumerate(data["keys"])}
                    vectors = np.asarray(data["vectors"], dtype=np.float32)
            except (OSError, ValueError, KeyError) as exc:  # unreadable: answers embed instead
                log.warning("Cannot read %s (%s); units will be embedded at answer time",
                            self.path, type(exc).__name__)
                rows = {}
        self._rows, self._vectors, self._stamp = rows, vectors, stamp

    def lookup(self, model: str, texts: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those `texts` that have one."""
        keys = {t: unit_key(model, t) for t in texts}
        with self._lock:
            if self._stamp is None or any(k not in self._rows for k in keys.values()):
                self._refresh()
            rows, vectors = self._rows, self._vectors
        return {t: vectors[rows[k]] for t, k in keys.items() if k in rows}


def sync_unit_vectors(data_dir: Path, docs: list[Document], embeddings) -> int:  # noqa: ANN001
    """Make the stored unit vectors match the units of `docs`; returns how many were embedded.

    Nothing is embedded (and torch is not loaded) when every unit is already stored.
    """
    model = getattr(embeddings, "model_name", type(embeddings).__name__)
    path = path_for(data_dir)
    texts = unit_texts(docs)
    keys = [unit_key(model, t) for t in texts]
    stored_keys: list[str] = []
    stored = np.zeros((0, 0), dtype=np.float32)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                stored_keys = [str(k) for k in data["keys"]]
                stored = np.asarray(data["vectors"], dtype=np.float32)
        except (OSError, ValueError, KeyError):
            log.warning("Unit vectors at %s unreadable; embedding them again", path)
            stored_keys = []
    if stored_keys == keys:
        return 0
    rows = {k: i for i, k in enumerate(stored_keys)}
    todo = [t for t, k in zip(texts, keys, strict=True) if k not in rows]
    fresh: dict[str, np.ndarray] = {}
    for start in range(0, len(todo), GROUP):
        group = todo[start:start + GROUP]
        vectors = embeddings.embed_documents(group)
        fresh.update({unit_key(model, t): np.asarray(v, dtype=np.float32)
                      for t, v in zip(group, vectors, strict=True)})
    matrix = np.stack([fresh[k] if k in fresh else stored[rows[k]] for k in keys]) if keys \
        else np.zeros((0, 0), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
    np.savez(partial, keys=np.asarray(keys, dtype=str), vectors=matrix.astype(np.float32))
    os.replace(partial, path)  # readers see the old file or the new one, never half of one
    if todo:
        log.info("Guide units: %d embedded, %d kept", len(todo), len(keys) - len(todo))
    return len(todo)


def sync_collection(data_dir: Path, collection, embeddings) -> int:  # noqa: ANN001
    """`sync_unit_vectors` over every chunk of a Chroma collection (called by ingest)."""
    got = collection.get(include=["documents", "metadatas"])
    docs = [Document(page_content=text, metadata=meta)
            for text, meta in zip(got["documents"], got["metadatas"], strict=True)]
    return sync_unit_vectors(data_dir, docs, embeddings)
