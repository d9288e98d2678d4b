"""The persistent Chroma index of the knowledge chunks: ingest incrementally, rebuild aside
(opening it for answers is coach/index/live.py).

The live collection is named by a pointer (a tiny collection's metadata). Every ingest that
changes anything fills a fresh staging collection (unchanged chunks copied with their vectors,
new ones embedded as the files are streamed), switches the pointer in one step and only then
drops the old collection: a file's new chunks go live all at once or not at all, and an
interrupted ingest leaves the previous index serving. New or changed files are screened first
(coach/index/provenance.py); a suspicious one is quarantined, not indexed. The client and
the pointer are in coach/index/client.py.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import chromadb
from tqdm import tqdm

from coach.config import Settings
from coach.embeddings import LocalEmbeddings, get_embeddings
from coach.errors import IndexUnavailable
from coach.index.client import active_collection_name, open_client, pointer_collection
from coach.index.knowledge import iter_chunks, load_sources
from coach.index.live import create_collection
from coach.index.provenance import (
    Quarantine,
    is_named,
    load_allowances,
    record_allowance,
    screen_file,
)
from coach.index.unit_vectors import sync_collection

log = logging.getLogger(__name__)
BATCH = 64
EMBED_GROUP = 512  # texts per encode call: the encoder sorts each call by length (less padding)
__all__ = ["IngestReport", "active_collection_name", "ingest", "open_client"]


@dataclass
class IngestReport:
    files: int = 0
    chunks: int = 0
    embedded: int = 0
    removed: int = 0
    unchanged_files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    quarantined: list[Quarantine] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)  # flagged files indexed with --allow
    rebuilt: bool = False
    collection: str = ""

    def summary(self) -> str:
        text = (
            f"{self.files} file(s), {self.chunks} chunk(s): {self.embedded} embedded, "
            f"{self.removed} removed, {self.unchanged_files} file(s) unchanged"
        )
        if self.skipped:
            text += "; skipped " + ", ".join(f"{n} ({why})" for n, why in self.skipped)
        if self.quarantined:
            text += "; quarantined " + ", ".join(q.name for q in self.quarantined)
        return text


def _sources(settings: Settings, extra: list[Path] | None) -> list[Path]:
    return [settings.knowledge_dir, *(extra or [])]


def ingest(
    settings: Settings,
    sources: list[Path] | None = None,
    rebuild: bool = False,
    progress: bool = True,
    client: chromadb.ClientAPI | None = None,
    allow: list[str | Path] | None = None,
) -> IngestReport:
    """Build or update the index from `knowledge/` (plus `sources`).

    Incremental: files whose hash is unchanged are neither chunked nor screened, unchanged
    chunks are not re-embedded, chunks of changed or deleted files are replaced or removed.
    New or changed files are screened; a suspicious one is quarantined (its previous version,
    if any, stays) unless named in `allow`. Any change is staged in a new collection and
    switched in at once (see the module docstring).
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
    live = client.get_collection(current) if current else None
    existing = live.get(include=["metadatas"]) if live else {"ids": [], "metadatas": []}
    stored = {i: m for i, m in zip(existing["ids"], existing["metadatas"], strict=True)}
    by_file: dict[str, list[str]] = {}
    for key, meta in stored.items():
        by_file.setdefault(meta["source"], []).append(key)

    plan = _plan(settings, loaded.files, stored, by_file, allow or [], report)
    if current is not None and not plan.changed and set(plan.copy_files) == set(by_file):
        report.chunks = sum(len(by_file[n]) for n in plan.copy_files)
        report.collection = current
        return report  # nothing to do: the live collection stays as it is

    stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**6}"
    name = f"{settings.collection}-{stamp}"
    _drop_orphans(client, settings, keep=active_collection_name(client, settings))
    staging = create_collection(client, name, emb)
    try:
        kept = _fill(staging, live, stored, by_file, plan, emb, progress, report)
    except BaseException:
        # Nothing went live: the pointer still names the previous collection, intact.
        _drop(client, name)
        raise
    report.chunks = kept
    report.removed = len(set(stored) - plan.still_present)
    for source in plan.allowed:
        record_allowance(settings.data_dir, source.name, source.file_hash)
    pointer = pointer_collection(client, settings)
    previous = (pointer.metadata or {}).get("current")
    pointer.modify(metadata={"current": name})  # the one step that makes the new chunks live
    if previous and previous != name:
        _drop(client, previous)  # only now: a serving app reopens the live collection
    sync_collection(settings.data_dir, staging, emb)  # the guide engine's units, too
    _prepare_language_cache(settings.data_dir)
    report.collection = name
    return report


@dataclass
class _Plan:
    copy_files: list[str] = field(default_factory=list)  # names whose stored chunks are kept
    changed: list = field(default_factory=list)  # SourceFiles to chunk (new or changed)
    allowed: list = field(default_factory=list)  # flagged SourceFiles indexed with --allow
    still_present: set[str] = field(default_factory=set)  # stored ids still in the index


def _plan(settings: Settings, files: list, stored: dict[str, dict],
          by_file: dict[str, list[str]], allow: list[str | Path],
          report: IngestReport) -> _Plan:
    """Which files are unchanged (copied), changed (chunked) or quarantined (old copy kept)."""
    plan = _Plan()
    allowances = load_allowances(settings.data_dir)
    for source in files:
        hashes = {stored[i]["file_hash"] for i in by_file.get(source.name, [])}
        if hashes == {source.file_hash}:
            plan.copy_files.append(source.name)
            report.unchanged_files += 1
            continue
        findings = screen_file(source)
        if findings and allowances.get(source.name) != source.file_hash:
            if not is_named(source, allow):
                log.warning("Quarantined knowledge file %s (%s); not indexed", source.name,
                            "; ".join(sorted({f.reason for f in findings})))
                report.quarantined.append(Quarantine(source.name, findings))
                if source.name in by_file:  # its previous, screened version stays live
                    plan.copy_files.append(source.name)
                continue
            plan.allowed.append(source)
            report.allowed.append(source.name)
        plan.changed.append(source)
    for name in plan.copy_files:
        plan.still_present.update(by_file.get(name, []))
    return plan


def _copy(staging, live, ids: list[str]) -> None:  # noqa: ANN001 - chromadb collections
    for start in range(0, len(ids), BATCH):
        got = live.get(ids=ids[start : start + BATCH],
                       include=["documents", "metadatas", "embeddings"])
        staging.upsert(ids=got["ids"], documents=got["documents"], metadatas=got["metadatas"],
                    embeddings=got["embeddings"])


def _fill(staging, live, stored: dict[str, dict], by_file: dict[str, list[str]],  # noqa: ANN001
          plan: _Plan, emb: LocalEmbeddings, progress: bool, report: IngestReport) -> int:
    """Copy unchanged chunks, stream the changed files' chunks in (embedding only new text)."""
    for name in plan.copy_files:
        _copy(staging, live, by_file[name])
    count = sum(len(by_file[n]) for n in plan.copy_files)
    bar = tqdm(desc="Embedding guide chunks", unit="chunk",
               disable=not progress or not plan.changed)
    pending: list = []
    reused: list[str] = []

    def flush() -> None:
        if reused:
            _copy(staging, live, reused)
            reused.clear()
        if pending:
            vectors = emb.embed_documents([d.page_content for d in pending])
            for start in range(0, len(pending), BATCH):
                batch = pending[start : start + BATCH]
                staging.upsert(ids=[d.metadata["id"] for d in batch],
                               documents=[d.page_content for d in batch],
                               metadatas=[d.metadata for d in batch],
                               embeddings=vectors[start : start + BATCH])
            bar.update(len(pending))
            report.embedded += len(pending)
            pending.clear()

    for source in plan.changed:
        for doc in iter_chunks(source, emb.count_tokens, emb.max_tokens):
            count += 1
            key = doc.metadata["id"]
            old = stored.get(key)
            plan.still_present.add(key)
            if old is not None and old["content_hash"] == doc.metadata["content_hash"]:
                if old == doc.metadata:
                    reused.append(key)
                else:  # same text, new metadata (the file hash): keep the vector
                    got = live.get(ids=[key], include=["documents", "embeddings"])
                    staging.upsert(ids=[key], documents=got["documents"],
                                   metadatas=[doc.metadata], embeddings=got["embeddings"])
            else:
                pending.append(doc)
            if len(pending) >= EMBED_GROUP or len(reused) >= EMBED_GROUP:
                flush()
    flush()
    bar.close()
    return count


def _drop_orphans(client: chromadb.ClientAPI, settings: Settings, keep: str | None) -> None:
    """Drop collections an earlier, killed ingest left half-filled (never the live one)."""
    pattern = re.compile(rf"{re.escape(settings.collection)}-\d{{14}}-\d+")
    for collection in client.list_collections():
        if collection.name != keep and pattern.fullmatch(collection.name):
            _drop(client, collection.name)


def _drop(client: chromadb.ClientAPI, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception:  # already gone: nothing to clean
        pass


def _prepare_language_cache(data_dir: Path) -> None:
    """The safety gate's language identifier, decompressed once beside the index (best effort:
    the gate builds it on first use anyway)."""
    try:
        from coach.safety.language import prepare_cache

        prepare_cache(data_dir)
    except Exception:  # never fails an ingest
        log.info("language identifier cache not prepared", exc_info=True)
