"""Ingest limits and atomicity (issue 11): a file's new chunks go live all at once or not at
all; text files are read and split as a stream; the size cap says what to do."""

from __future__ import annotations

import contextlib
import io
import tracemalloc
from pathlib import Path

import pytest

from coach.config import Settings
from coach.embeddings import LocalEmbeddings

OLD = ("# Playbook\n\n## Meetings\n\nBring an agenda and two questions to every meeting.\n\n"
       "## Thanks\n\nA short thank-you note after a letter of recommendation goes a long way.\n")
NEW_SECTIONS = "".join(
    f"\n## Topic {n}\n\nNew advice number {n}: write to the clinic coordinator about rotation "
    f"{n} and ask which mentors take students.\n" for n in range(12))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "playbook.md").write_text(OLD, encoding="utf-8")
    (knowledge / "peers.md").write_text(
        "# Peers\n\n## Peer mentors\n\nUpperclassmen share study strategies that worked.\n",
        encoding="utf-8")
    return Settings(knowledge_dir=knowledge, data_dir=tmp_path / "data")


def live_chunks(settings: Settings) -> tuple[str, dict[str, str]]:
    from coach.index.store import active_collection_name, open_client

    client = open_client(settings)
    name = active_collection_name(client, settings)
    got = client.get_collection(name).get()
    return name, dict(zip(got["ids"], got["documents"], strict=True))


def test_an_ingest_interrupted_mid_embedding_leaves_the_previous_index_serving(
        settings, monkeypatch):
    from coach.ask.answer import Coach
    from coach.index.store import ingest, open_client

    ingest(settings, progress=False)
    before_name, before = live_chunks(settings)
    collections_before = {c.name for c in open_client(settings).list_collections()}

    # the changed file has many new chunks; embedding fails after the first group went in
    (settings.knowledge_dir / "playbook.md").write_text(OLD + NEW_SECTIONS, encoding="utf-8")
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


def test_text_files_are_split_as_a_stream(tmp_path):
    """A large file is read and chunked incrementally: the first chunk comes before the file
    is read through, and memory stays far below the file's size."""
    from coach.index.knowledge import iter_chunks, load_sources

    path = tmp_path / "big.txt"
    paragraph = "Mentors answer email faster when the subject line is specific and short. " * 3
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(14_000):  # ~3 MB
            handle.write(paragraph + "\n\n")
    (source,) = load_sources([path], max_bytes=10_000_000).files
    assert source.text == ""  # not held in memory

    def words(text: str) -> int:
        return len(text.split())

    read = [0]  # lines taken from the file so far
    original = source.lines

    def counted():  # noqa: ANN202
        for line in original():
            read[0] += 1
            yield line

    object.__setattr__(source, "lines", counted)
    chunks = iter_chunks(source, words, 256)
    first = next(chunks)
    assert first.page_content and read[0] < 28_000 // 10  # far from the end of the file

    tracemalloc.start()
    count = 1 + sum(1 for _ in chunks)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count > 1000 and read[0] >= 28_000
    assert peak < path.stat().st_size / 4


def test_the_size_cap_message_says_what_to_do(tmp_path, monkeypatch):
    from coach.cli.main import main
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
