"""`coach serve` and the benchmark load the full embedding model up front, for the local
MiniLM embedder only (coach.embeddings.load_full_model)."""

from __future__ import annotations

from coach.embeddings import LocalEmbeddings, load_full_model


class OtherEmbedder:
    """A LangChain-style embedder without a full model to load."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[0.0] for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return [0.0]


def test_only_the_local_embedder_loads_its_full_model(monkeypatch):
    loaded = []
    monkeypatch.setattr(LocalEmbeddings, "load_full_model", lambda self: loaded.append(self))
    local = LocalEmbeddings("all-MiniLM-L6-v2")  # the model itself loads lazily: nothing yet
    load_full_model(local)
    load_full_model(OtherEmbedder())  # no attribute error, nothing loaded
    assert loaded == [local]
