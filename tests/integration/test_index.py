"""Ingest into Chroma: first build, incremental updates, odd files, corruption, rebuilds,
atomic switches (an interrupted ingest leaves the previous index serving), the size cap.

Every test indexes a small knowledge folder of its own under tmp_path (the shared session
index is left alone); the embedder is the real one, loaded once per session.
"""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

import pytest
from test_knowledge import tiny_pdf

from coach.config import Settings
from coach.embeddings import LocalEmbeddings, get_embeddings
from coach.errors import IndexUnavailable
from coach.index.knowledge import chunk_source, load_sources
from coach.index.live import open_store
from coach.index.store import active_collection_name, ingest, open_client
from coach.retrieval import HybridRetriever

PLAYBOOK = """# Mentoring playbook

## Finding mentors

Ask older students which faculty enjoy teaching. Student interest groups often know who mentors.

## Meeting mentors

Bring an agenda and two questions to every meeting.

- Send a short summary afterwards:
  - what you discussed
  - what you will do next

## Thanking mentors

A short thank-you note after a letter of recommendation goes a long way.
"""
NEW_SECTIONS = "".join(
    f"\n## Topic {n}\n\nNew advice number {n}: write to the clinic coordinator about rotation "
    f"{n} and ask which mentors take students.\n" for n in range(12))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "playbook.md").write_text(PLAYBOOK, encoding="utf-8")
    (knowledge / "peers.md").write_text(
        "# Peers\n\n## Peer mentors\n\nUpperclassmen share study strategies that worked.\n",
        encoding="utf-8",
    )
    (knowledge / "notes.txt").write_text(
        "Shadowing helps you test a specialty before you commit.\n", encoding="utf-8"
    )
    pdf = tiny_pdf("Sponsors put your name forward for advancement.")
    (knowledge / "tiny.pdf").write_bytes(pdf)
    return Settings(knowledge_dir=knowledge, data_dir=tmp_path / "data")


def stored(settings: Settings) -> dict[str, dict]:
    """id -> metadata of the live collection."""
    client = open_client(settings)
    got = client.get_collection(active_collection_name(client, settings)).get(
        include=["metadatas"]
    )
    return dict(zip(got["ids"], got["metadatas"], strict=True))


def chunk_hashes(path: Path) -> dict[str, str]:
    emb = get_embeddings("all-MiniLM-L6-v2")
    (source,) = load_sources([path]).files
    return {d.metadata["id"]: d.metadata["content_hash"]
            for d in chunk_source(source, emb.count_tokens, emb.max_tokens)}


def test_first_ingest_embeds_every_chunk_of_md_txt_and_pdf(settings):
    report = ingest(settings, progress=False)
    assert report.rebuilt and report.files == 4 and not report.skipped
    assert report.embedded == report.chunks == len(stored(settings)) > 4
    sources = {meta["source"] for meta in stored(settings).values()}
    assert sources == {"playbook.md", "peers.md", "notes.txt", "tiny.pdf"}
    assert report.collection == active_collection_name(open_client(settings), settings)

    retriever = HybridRetriever(store=open_store(settings), k=2)
    top = retriever.search("who can put my name forward for advancement?")[0]
    assert top.metadata["source"] == "tiny.pdf"
    assert "Sponsors put your name forward" in top.page_content


def test_reingest_of_unchanged_files_embeds_nothing_and_never_loads_the_model(
    settings, monkeypatch
):
    ingest(settings, progress=False)
    fresh = LocalEmbeddings("all-MiniLM-L6-v2")  # no model loaded yet
    monkeypatch.setattr("coach.index.store.get_embeddings", lambda name: fresh)

    def refuse(self, texts):
        raise AssertionError("unchanged chunks must not be re-embedded")

    monkeypatch.setattr(LocalEmbeddings, "embed_documents", refuse)
    report = ingest(settings, progress=False)
    assert (report.embedded, report.removed, report.unchanged_files) == (0, 0, 4)
    assert not report.rebuilt
    assert "model" not in fresh.__dict__


def test_changed_file_reembeds_only_its_changed_chunks(settings):
    first = ingest(settings, progress=False)
    playbook = settings.knowledge_dir / "playbook.md"
    before = chunk_hashes(playbook)
    playbook.write_text(PLAYBOOK.replace("two questions", "three questions"), encoding="utf-8")
    after = chunk_hashes(playbook)
    changed = {i for i, h in after.items() if before.get(i) != h}
    assert 0 < len(changed) < len(after)

    report = ingest(settings, progress=False)
    assert report.embedded == len(changed)
    assert report.unchanged_files == 3 and report.removed == 0
    assert not report.rebuilt  # incremental: the other files' vectors were copied, not re-made
    # staged in a new collection, switched in at once; the old one is dropped only after
    assert report.collection != first.collection
    client = open_client(settings)
    assert active_collection_name(client, settings) == report.collection
    assert first.collection not in {c.name for c in client.list_collections()}
    meta = stored(settings)
    assert {meta[i]["content_hash"] for i in changed} == {after[i] for i in changed}
    # every chunk of the file carries the new file hash, so the next run skips it entirely
    assert len({m["file_hash"] for m in meta.values() if m["source"] == "playbook.md"}) == 1
    again = ingest(settings, progress=False)
    assert (again.embedded, again.unchanged_files) == (0, 4)


def test_deleted_file_leaves_the_index(settings):
    ingest(settings, progress=False)
    notes = [i for i, m in stored(settings).items() if m["source"] == "notes.txt"]
    assert notes
    (settings.knowledge_dir / "notes.txt").unlink()
    report = ingest(settings, progress=False)
    assert report.removed == len(notes) and report.embedded == 0
    assert "notes.txt" not in {m["source"] for m in stored(settings).values()}


def test_unreadable_and_empty_files_are_skipped_with_a_warning(settings, caplog):
    (settings.knowledge_dir / "legacy.md").write_bytes("Caf\xe9 notes".encode("latin-1"))
    (settings.knowledge_dir / "blank.txt").write_text("\n\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        report = ingest(settings, progress=False)
    assert dict(report.skipped) == {"legacy.md": "not valid UTF-8 text", "blank.txt": "empty"}
    assert "legacy.md" in caplog.text and "blank.txt" in caplog.text
    assert "legacy.md" in report.summary() and "blank.txt" in report.summary()
    assert report.files == 4 and report.embedded > 0  # the rest still ingests


def test_corrupt_chroma_dir_is_moved_aside_and_rebuilt(settings, caplog):
    chroma = settings.chroma_dir
    chroma.mkdir(parents=True)
    (chroma / "chroma.sqlite3").write_bytes(b"this is not a sqlite database" * 200)
    with caplog.at_level(logging.WARNING, logger="coach.index.store"):
        report = ingest(settings, progress=False)
    aside = list(chroma.parent.glob("chroma.corrupt-*"))
    assert len(aside) == 1 and (aside[0] / "chroma.sqlite3").exists()
    assert "unreadable" in caplog.text
    assert report.rebuilt and report.embedded == report.chunks > 0
    assert len(stored(settings)) == report.chunks


def test_rebuild_fills_a_new_collection_then_switches_and_drops_the_old(settings):
    first = ingest(settings, progress=False)
    second = ingest(settings, rebuild=True, progress=False)
    client = open_client(settings)
    names = {c.name for c in client.list_collections()}
    assert second.rebuilt and second.collection != first.collection
    assert active_collection_name(client, settings) == second.collection
    assert first.collection not in names and second.collection in names
    assert second.embedded == second.chunks == first.chunks


def test_extra_sources_are_indexed_alongside_knowledge(settings, tmp_path):
    extra = tmp_path / "extra.md"
    extra.write_text("# Extra\n\n## Grants\n\nAsk a mentor to review your grant aims.\n",
                     encoding="utf-8")
    report = ingest(settings, sources=[extra], progress=False)
    assert report.files == 5
    assert "extra.md" in {m["source"] for m in stored(settings).values()}


def test_open_store_builds_the_index_when_there_is_none(settings):
    store = open_store(settings)
    assert store.collection.count() > 0
    assert active_collection_name(open_client(settings), settings) == store.collection.name


def test_no_readable_knowledge_is_a_clear_error(tmp_path):
    empty = tmp_path / "knowledge"
    empty.mkdir()
    settings = Settings(knowledge_dir=empty, data_dir=tmp_path / "data")
    with pytest.raises(IndexUnavailable, match="No readable"):
        ingest(settings, progress=False)


# --- atomicity and limits (issue 11) ---------------------------------------------------------

def live_chunks(settings: Settings) -> tuple[str, dict[str, str]]:
    client = open_client(settings)
    name = active_collection_name(client, settings)
    got = client.get_collection(name).get()
    return name, dict(zip(got["ids"], got["documents"], strict=True))


def test_an_ingest_interrupted_mid_embedding_leaves_the_previous_index_serving(
        settings, monkeypatch):
    from coach.ask.answer import Coach

    ingest(settings, progress=False)
    before_name, before = live_chunks(settings)
    collections_before = {c.name for c in open_client(settings).list_collections()}

    # the changed file has many new chunks; embedding fails after the first group went in
    (settings.knowledge_dir / "playbook.md").write_text(PLAYBOOK + NEW_SECTIONS, encoding="utf-8")
    monkeypatch.setattr("coach.index.store.EMBED_GROUP", 3)
    real = LocalEmbeddings.embed_documents
    calls: list[int] = []

    def fail_on_second_group(self, texts):  # noqa: ANN001, ANN202
        if all(t.startswith("Topic ") for t in texts):  # a group of new chunks (not the screen)
            calls.append(len(texts))
            if len(calls) == 2:
                raise RuntimeError("killed mid-embedding")
        return real(self, texts)

    monkeypatch.setattr(LocalEmbeddings, "embed_documents", fail_on_second_group)
    with pytest.raises(RuntimeError, match="killed mid-embedding"):
        ingest(settings, progress=False)
    assert calls[0] == 3 and len(calls) == 2  # it did fail part way, after some chunks went in

    # the previous index is intact, none of the new chunks are live, no half collection is left
    assert live_chunks(settings) == (before_name, before)
    assert not any("New advice number" in text for text in before.values())
    assert {c.name for c in open_client(settings).list_collections()} == collections_before

    # and answers still come from it
    monkeypatch.setattr(LocalEmbeddings, "embed_documents", real)
    coach = Coach.from_settings(settings, llm=None)
    hits, _ = coach.retrieve("what should I bring to a meeting?")
    assert hits and "agenda" in hits[0].page_content
    assert all("New advice number" not in h.page_content for h in hits)

    # the next complete ingest makes all the new chunks live at once
    report = ingest(settings, progress=False)
    name, after = live_chunks(settings)
    assert name == report.collection != before_name
    assert sum("New advice number" in t for t in after.values()) == 12


def test_the_size_cap_message_says_what_to_do(tmp_path, monkeypatch):
    from coach.cli import main
    from coach.config import get_settings

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "small.md").write_text("# Mentors\n\n## Finding\n\nFind one early.\n",
                                        encoding="utf-8")
    (knowledge / "huge.txt").write_text("mentor " * 30_000, encoding="utf-8")  # 0.21 MB
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_MAX_FILE_MB", "0.1")
    get_settings.cache_clear()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["ingest", "--quiet"])
    assert code == 0
    assert ("warning: skipped huge.txt: 0.2 MB is over the 0.1 MB limit per file "
            "(COACH_MAX_FILE_MB); split it or raise the limit") in out.getvalue()
    assert "1 file(s)" in out.getvalue()
