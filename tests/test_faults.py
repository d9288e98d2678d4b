"""Fault tolerance: index faults (corrupt, half-written, rebuilt under load, bad files) here;
LLM faults against the local fault-injecting OpenAI-compatible server further down."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import pytest

from coach.config import Settings

GUIDE = Path(__file__).resolve().parent.parent / "knowledge" / "amwa-medical-student-mentorship-guide.md"
QUESTIONS = ["How do I find a faculty mentor?", "How many mentors should I have?",
             "What should a research mentor help me with?"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """A Coach over its own freshly built index (so rebuilding it cannot disturb other tests)."""
    from coach.answer import Coach

    settings = Settings(data_dir=tmp_path_factory.mktemp("faults-data"))
    return Coach.from_settings(settings, llm=None)


def run_with_deadline(fn, seconds: float):  # noqa: ANN001, ANN201
    """Run fn in a thread; fail (instead of hanging CI) if it has not returned by the deadline."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the test thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"call still running after the {seconds:.0f} s deadline: it hangs")
    if "error" in box:
        raise box["error"]
    return box["value"]


# --- index faults ----------------------------------------------------------------------------


def test_rebuild_while_serving_never_exposes_a_half_built_index(built):
    """Asks keep returning the full, identical answer while `ingest(rebuild=True)` swaps
    the collection (and deletes the one the Coach had open)."""
    from coach.index import active_collection_name, ingest

    baseline = {q: built.ask(q, engine="guide") for q in QUESTIONS}
    before = active_collection_name(built.retriever.store._client, built.settings)
    results: list = []
    errors: list[str] = []
    rebuilds_done = threading.Event()

    def serve() -> None:
        after_done = 0
        while after_done < 2 * len(QUESTIONS):  # keep asking a little past the last switch
            if rebuilds_done.is_set():
                after_done += 1
            question = QUESTIONS[len(results) % len(QUESTIONS)]
            try:
                results.append((question, built.ask(question, engine="guide")))
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                results.append((question, None))

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    report = ingest(built.settings, rebuild=True, progress=False)
    rebuilds_done.set()
    server.join(120)
    assert not server.is_alive()

    assert errors == []
    assert report.rebuilt and report.embedded == report.chunks > 0
    assert report.collection != before
    assert active_collection_name(built.retriever.store._client, built.settings) \
        == report.collection
    assert len(results) > len(QUESTIONS)
    for question, answer in results:
        assert answer.kind == "answer" and answer.sources
        assert answer.answer == baseline[question].answer
        assert [s.text for s in answer.sources] == [s.text for s in baseline[question].sources]
    # The Coach now reads the live collection (and a fresh BM25 corpus) again.
    assert built.retriever.store._collection.name == report.collection


def _copy_index(built, tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "copy")
    shutil.copytree(built.settings.chroma_dir, settings.chroma_dir)
    return settings


@pytest.mark.parametrize("damage", ["garbage", "half-written"])
def test_corrupt_index_is_moved_aside_and_rebuilt(built, tmp_path, caplog, damage):
    from coach.answer import Coach

    settings = _copy_index(built, tmp_path)
    db = settings.chroma_dir / "chroma.sqlite3"
    if damage == "garbage":
        db.write_bytes(b"\x00not a database\xff" * 4096)
    else:  # a copy or write that stopped half way
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2])

    with caplog.at_level(logging.WARNING, logger="coach.index"):
        coach = Coach.from_settings(settings, llm=None)
    answer = coach.ask(QUESTIONS[0], engine="guide")
    assert answer.kind == "answer" and answer.sources
    assert answer.answer == built.ask(QUESTIONS[0], engine="guide").answer
    assert any("unreadable" in r.getMessage() and "rebuilding" in r.getMessage()
               for r in caplog.records)
    kept = [p for p in settings.data_dir.iterdir() if p.name.startswith("chroma.corrupt-")]
    assert len(kept) == 1, "the damaged index is kept aside for inspection"


def test_unreadable_and_non_utf8_files_are_skipped_with_a_warning(tmp_path, caplog):
    from coach.answer import Coach
    from coach.index import ingest

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "good.md").write_text(GUIDE.read_text(encoding="utf-8")[:6000], encoding="utf-8")
    (knowledge / "latin1-notes.md").write_bytes("## Caf\xe9 notes\n\nR\xe9sum\xe9 tips.\n".encode("latin-1"))
    (knowledge / "broken.pdf").write_bytes(b"%PDF-1.4\n this is not really a pdf")
    (knowledge / "empty.txt").write_text("   \n")
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=knowledge)

    with caplog.at_level(logging.WARNING, logger="coach.knowledge"):
        report = ingest(settings, progress=False)
    skipped = dict(report.skipped)
    assert report.files == 1 and report.chunks > 3
    assert set(skipped) == {"latin1-notes.md", "broken.pdf", "empty.txt"}
    assert skipped["latin1-notes.md"] == "not valid UTF-8 text"
    assert skipped["broken.pdf"].startswith("unreadable")
    warned = " ".join(r.getMessage() for r in caplog.records)
    for name in skipped:
        assert name in warned
    assert all(name in report.summary() for name in skipped)
    coach = Coach.from_settings(settings, llm=None)
    assert coach.ask(QUESTIONS[0], engine="guide").sources
