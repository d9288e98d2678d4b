"""The persistent Chroma index of the knowledge chunks: open, ingest incrementally, rebuild aside.

The live collection is named by a pointer (a tiny collection's metadata), so a rebuild fills a
fresh collection and then switches the pointer: a serving app never sees a half-built index.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from tqdm import tqdm

from coach.config import Settings
from coach.embeddings import LocalEmbeddings, get_embeddings
from coach.errors import IndexUnavailable
from coach.knowledge import chunk_source, load_sources
from coach.unit_vectors import path_for as unit_vectors_path
from coach.unit_vectors import sync_collection

log = logging.getLogger(__name__)
BATCH = 64
EMBED_GROUP = 512  # texts per encode call: the encoder sorts each call by length (less padding)
# Text addressed to a model rather than to students: a planted instruction in a knowledge file
# (indirect prompt injection) would otherwise be quoted by the guide engine or fed to the LLM.
MODEL_DIRECTED = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,60}\b(?:instructions?|rules|prompts?|"
    r"guidelines|directives|question)\b"
    r"|\b(?:note|message|instructions?|command)s?\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?"
    r"(?:ai|assistants?|models?|llms?|chatbots?|language models?)\b"
    r"|\b(?:reply|respond|answer|output)\s+only\b|\byou are now\b|\bnew instructions\b"
    r"|^\s*(?:system|developer)\s*:|<\|?(?:system|im_start)\|?>|</?guide_passages>",
    re.I | re.M,
)


@dataclass
class IngestReport:
    files: int = 0
    chunks: int = 0
    embedded: int = 0
    removed: int = 0
    unchanged_files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    rebuilt: bool = False
    collection: str = ""

    def summary(self) -> str:
        text = (
            f"{self.files} file(s), {self.chunks} chunk(s): {self.embedded} embedded, "
            f"{self.removed} removed, {self.unchanged_files} file(s) unchanged"
        )
        if self.skipped:
            text += "; skipped " + ", ".join(f"{n} ({why})" for n, why in self.skipped)
        return text


def open_client(settings: Settings) -> chromadb.ClientAPI:
    """An HTTP client when a Chroma server is configured, else the embedded persistent store.

    A corrupt persistent directory is moved aside (kept for inspection) and started afresh.
    """
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
            client.heartbeat()
            return client
        except Exception as exc:
            raise IndexUnavailable(
                f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                f"({type(exc).__name__}). Start it (`chroma run --path DIR --port "
                f"{settings.chroma_port}`) or unset COACH_CHROMA_HOST to use the embedded store."
            ) from exc
    path = settings.chroma_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        client.list_collections()  # touches the sqlite file: detects corruption early
        return client
    except Exception as exc:
        aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        log.warning("The index at %s is unreadable (%s); moving it to %s and rebuilding",
                    path, type(exc).__name__, aside)
        # chromadb caches one System per path, even a failed one: drop it or the retry reuses it.
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(path), None)
        SharedSystemClient._identifier_to_refcount.pop(str(path), None)
        shutil.move(str(path), str(aside))
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _pointer(client: chromadb.ClientAPI, settings: Settings):  # noqa: ANN202
    return client.get_or_create_collection(f"{settings.collection}.active")


def active_collection_name(client: chromadb.ClientAPI, settings: Settings) -> str | None:
    """The name of the live collection, or None when no index was built yet."""
    metadata = _pointer(client, settings).metadata or {}
    name = metadata.get("current")
    if name and name in {c.name for c in client.list_collections()}:
        return str(name)
    return None


def _store(client: chromadb.ClientAPI, name: str, emb: LocalEmbeddings) -> Chroma:
    return Chroma(
        client=client,
        collection_name=name,
        embedding_function=emb,  # never Chroma's default ONNX model (it downloads)
        collection_metadata={"hnsw:space": "cosine", "embedding_model": emb.model_name},
    )


def open_store(settings: Settings, client: chromadb.ClientAPI | None = None) -> Chroma:
    """The live vector store, building the index first if there is none (or it is unusable)."""
    client = client or open_client(settings)
    emb = get_embeddings(settings.embedding_model)
    name = active_collection_name(client, settings)
    if name is not None:
        collection = client.get_collection(name)
        model = (collection.metadata or {}).get("embedding_model")
        if model == emb.model_name and collection.count() > 0:
            if not unit_vectors_path(settings.data_dir).exists():  # an index from before them
                sync_collection(settings.data_dir, collection, emb)
            return _store(client, name, emb)
        log.warning("Index %s is empty or built with another model; rebuilding", name)
    ingest(settings, rebuild=True, client=client)
    return _store(client, active_collection_name(client, settings), emb)


def _sources(settings: Settings, extra: list[Path] | None) -> list[Path]:
    return [settings.knowledge_dir, *(extra or [])]


def ingest(
    settings: Settings,
    sources: list[Path] | None = None,
    rebuild: bool = False,
    progress: bool = True,
    client: chromadb.ClientAPI | None = None,
) -> IngestReport:
    """Build or update the index from `knowledge/` (plus `sources`).

    Incremental: files whose hash is unchanged are not even chunked, unchanged chunks are not
    re-embedded, chunks of changed or deleted files are replaced or removed. `rebuild` fills a
    new collection and switches to it only when complete.
    """
    client = client or open_client(settings)
    emb = get_embeddings(settings.embedding_model)
    loaded = load_sources(_sources(settings, sources), int(settings.max_file_mb * 1_000_000))
    report = IngestReport(files=len(loaded.files), skipped=loaded.skipped)
    if not loaded.files:
        raise IndexUnavailable(
            f"No readable .md, .txt or .pdf files in {settings.knowledge_dir}; nothing to index."
        )

    current = None if rebuild else active_collection_name(client, settings)
    if current is not None:
        model = (client.get_collection(current).metadata or {}).get("embedding_model")
        if model != emb.model_name:
            current = None  # a model change invalidates every vector
    report.rebuilt = current is None
    stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**6}"
    name = current or f"{settings.collection}-{stamp}"
    store = _store(client, name, emb)
    collection = store._collection
    existing = collection.get(include=["metadatas"])
    stored = {i: m for i, m in zip(existing["ids"], existing["metadatas"], strict=True)}
    file_hashes: dict[str, set[str]] = {}
    for meta in stored.values():
        file_hashes.setdefault(meta["source"], set()).add(meta["file_hash"])

    keep: set[str] = set()
    to_add = []
    for source in loaded.files:
        if file_hashes.get(source.name) == {source.file_hash}:
            ids = [i for i, m in stored.items() if m["source"] == source.name]
            keep.update(ids)
            report.chunks += len(ids)
            report.unchanged_files += 1
            continue
        for doc in chunk_source(source, emb.count_tokens, emb.max_tokens):
            if MODEL_DIRECTED.search(doc.page_content):
                where = f"{source.name} ({doc.metadata['heading_trail']})"
                log.warning("Not indexing a chunk of %s: it reads like instructions to a model",
                            where)
                report.skipped.append((where, "reads like instructions to a model"))
                continue
            report.chunks += 1
            keep.add(doc.metadata["id"])
            old = stored.get(doc.metadata["id"])
            if old is None or old["content_hash"] != doc.metadata["content_hash"]:
                to_add.append(doc)
            elif old != doc.metadata:
                collection.update(ids=[doc.metadata["id"]], metadatas=[doc.metadata])

    stale = [i for i in stored if i not in keep]
    if stale:
        collection.delete(ids=stale)
    report.removed = len(stale)

    bar = tqdm(total=len(to_add), desc="Embedding guide chunks", unit="chunk",
               disable=not progress or not to_add)
    for group_start in range(0, len(to_add), EMBED_GROUP):
        group = to_add[group_start : group_start + EMBED_GROUP]
        vectors = emb.embed_documents([d.page_content for d in group])
        for start in range(0, len(group), BATCH):
            batch = group[start : start + BATCH]
            collection.upsert(
                ids=[d.metadata["id"] for d in batch],
                documents=[d.page_content for d in batch],
                metadatas=[d.metadata for d in batch],
                embeddings=vectors[start : start + BATCH],
            )
            bar.update(len(batch))
    bar.close()
    report.embedded = len(to_add)

    if current is None:  # switch the pointer only once the new collection is complete
        pointer = _pointer(client, settings)
        previous = (pointer.metadata or {}).get("current")
        pointer.modify(metadata={"current": name})
        if previous and previous != name:
            try:
                client.delete_collection(previous)
            except Exception:  # already gone: nothing to clean
                pass
    sync_collection(settings.data_dir, collection, emb)  # the guide engine's units, too
    report.collection = name
    return report
