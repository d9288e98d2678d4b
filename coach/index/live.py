"""The live chunk collection as the answer engines read it: straight through chromadb.

The answer path needs four things from the index (every chunk once, for BM25 and the in-memory
copy; the k nearest chunks to a vector; given chunks' vectors; the embedder), so it talks to
the Chroma collection directly: no LangChain vector-store wrapper, whose import (with its
tracing stack) cost about a second of every cold start. Ingest lives in coach/index/store.py
and is imported only when the index has to be built.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document

from coach.config import Settings
from coach.embeddings import LocalEmbeddings, get_embeddings
from coach.index.client import active_collection_name, open_client
from coach.index.unit_vectors import path_for as unit_vectors_path

if TYPE_CHECKING:
    import chromadb

log = logging.getLogger(__name__)


def create_collection(client: chromadb.ClientAPI, name: str, emb: LocalEmbeddings):  # noqa: ANN201
    """The collection `name` (created when missing): cosine space, tagged with the model, and
    never Chroma's default ONNX embedder (it downloads): vectors always come from `emb`."""
    return client.get_or_create_collection(
        name=name, embedding_function=None,
        metadata={"hnsw:space": "cosine", "embedding_model": emb.model_name})


class LiveIndex:
    """One Chroma collection of guide chunks and the embedder its vectors came from."""

    def __init__(self, client: chromadb.ClientAPI, collection: Any,
                 embeddings: LocalEmbeddings) -> None:
        self.client, self.collection, self.embeddings = client, collection, embeddings

    @property
    def name(self) -> str:
        return self.collection.name

    def get(self, **kwargs: Any) -> dict:
        """Chroma's `collection.get` (ids, documents, metadatas, embeddings as asked)."""
        return self.collection.get(**kwargs)

    def nearest(self, vector: list[float], k: int) -> list[tuple[Document, float]]:
        """The k chunks nearest to `vector`, each with its cosine distance."""
        got = self.collection.query(query_embeddings=[vector], n_results=k,
                                    include=["documents", "metadatas", "distances"])
        return [(Document(page_content=text, metadata=meta or {}, id=key), float(distance))
                for key, text, meta, distance in zip(got["ids"][0], got["documents"][0],
                                                     got["metadatas"][0], got["distances"][0],
                                                     strict=True)
                if text is not None]


def open_store(settings: Settings, client: chromadb.ClientAPI | None = None) -> LiveIndex:
    """The live index, building it first if there is none (or it is unusable)."""
    client = client or open_client(settings)
    emb = get_embeddings(settings.embedding_model)
    name = active_collection_name(client, settings)
    if name is not None:
        collection = client.get_collection(name, embedding_function=None)
        model = (collection.metadata or {}).get("embedding_model")
        if model == emb.model_name and collection.count() > 0:
            if not unit_vectors_path(settings.data_dir).exists():  # an index from before them
                from coach.index.unit_vectors import sync_collection

                sync_collection(settings.data_dir, collection, emb)
            return LiveIndex(client, collection, emb)
        log.warning("Index %s is empty or built with another model; rebuilding", name)
    from coach.index.store import ingest  # only when there is something to build

    ingest(settings, rebuild=True, client=client)
    live = client.get_collection(active_collection_name(client, settings), embedding_function=None)
    return LiveIndex(client, live, emb)
