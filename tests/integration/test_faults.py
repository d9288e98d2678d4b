"""Fault tolerance: index faults (corrupt, half-written, rebuilt under load, bad files) here;
LLM faults against the local fault-injecting OpenAI-compatible server further down."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import pytest

from coach.config import Settings

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
GUIDE = KNOWLEDGE / "amwa-medical-student-mentorship-guide.md"
QUESTIONS = ["How do I find a faculty mentor?", "How many mentors should I have?",
             "What should a research mentor help me with?"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """A Coach over its own freshly built index (so rebuilding it cannot disturb other tests)."""
    from coach.ask.answer import Coach

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
    from coach.index.store import active_collection_name, ingest

    baseline = {q: built.ask(q, engine="guide") for q in QUESTIONS}
    before = active_collection_name(built.retriever.store.client, built.settings)
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
    assert active_collection_name(built.retriever.store.client, built.settings) \
        == report.collection
    assert len(results) > len(QUESTIONS)
    for question, answer in results:
        assert answer.kind == "answer" and answer.sources
        assert answer.answer == baseline[question].answer
        assert [s.text for s in answer.sources] == [s.text for s in baseline[question].sources]
    # The Coach reads the live collection (and a fresh BM25 corpus) again at its next retrieval
    # (answers matched to advice cards need none).
    built.retrieve("how do I find a mentor?")
    assert built.retriever.store.collection.name == report.collection


def _copy_index(built, tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "copy")
    shutil.copytree(built.settings.chroma_dir, settings.chroma_dir)
    return settings


@pytest.mark.parametrize("damage", ["garbage", "half-written"])
def test_corrupt_index_is_moved_aside_and_rebuilt(built, tmp_path, caplog, damage):
    from coach.ask.answer import Coach

    settings = _copy_index(built, tmp_path)
    db = settings.chroma_dir / "chroma.sqlite3"
    if damage == "garbage":
        db.write_bytes(b"\x00not a database\xff" * 4096)
    else:  # a copy or write that stopped half way
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2])

    with caplog.at_level(logging.WARNING, logger="coach.index.store"):
        coach = Coach.from_settings(settings, llm=None)
    answer = coach.ask(QUESTIONS[0], engine="guide")
    assert answer.kind == "answer" and answer.sources
    assert answer.answer == built.ask(QUESTIONS[0], engine="guide").answer
    assert any("unreadable" in r.getMessage() and "rebuilding" in r.getMessage()
               for r in caplog.records)
    kept = [p for p in settings.data_dir.iterdir() if p.name.startswith("chroma.corrupt-")]
    assert len(kept) == 1, "the damaged index is kept aside for inspection"


def test_unreadable_and_non_utf8_files_are_skipped_with_a_warning(tmp_path, caplog):
    from coach.ask.answer import Coach
    from coach.index.store import ingest

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "good.md").write_text(GUIDE.read_text(encoding="utf-8")[:6000], encoding="utf-8")
    latin1 = "## Caf\xe9 notes\n\nR\xe9sum\xe9 tips.\n".encode("latin-1")
    (knowledge / "latin1-notes.md").write_bytes(latin1)
    (knowledge / "broken.pdf").write_bytes(b"%PDF-1.4\n this is not really a pdf")
    (knowledge / "empty.txt").write_text("   \n")
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=knowledge)

    with caplog.at_level(logging.WARNING, logger="coach.index.knowledge"):
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


# --- LLM faults (against the local OpenAI-compatible server) -------------------------------

KEY = "sk-test-SECRET-4f9d2c1b7a"
QUESTION = "How do I find a faculty mentor?"


@pytest.fixture
def llm_server():
    from openai_server import OpenAIServer

    with OpenAIServer() as server:
        yield server


def llm_coach(coach_instance, base_url: str, **overrides):  # noqa: ANN001, ANN201
    """A Coach over the shared index whose LLM is the real ChatOpenAI pointed at `base_url`."""
    from coach.ask.answer import Coach
    from coach.llm import make_chat_model

    values = {"llm_timeout": 0.5, "llm_max_retries": 2, "llm_deadline": 20.0, **overrides}
    settings = Settings(data_dir=coach_instance.settings.data_dir, OPENAI_BASE_URL=base_url,
                        OPENAI_API_KEY=KEY, **values)
    return Coach(settings, coach_instance.retriever, llm=make_chat_model(settings))


def scripted(name: str) -> tuple[list, str | None, int]:
    """(replies, expected notice words or None for an LLM answer, expected request count)."""
    from openai_server import cut, delay, malformed, rate_limited, server_error, status

    return {
        "429-then-ok": ([rate_limited()], None, 2),
        "500-then-ok": ([server_error()], None, 2),
        "timeout-then-ok": ([delay(3)], None, 2),
        "429-exhausted": ([rate_limited()] * 3, "rate-limited", 3),
        "500-exhausted": ([server_error()] * 3, "server error", 3),
        "timeout-exhausted": ([delay(3)] * 3, "timed out", 3),
        "stream-cut": ([cut()], "language model", 1),
        "malformed-json": ([malformed()], "language model", 1),
        "401-echoing-key": ([status(401, f"Incorrect API key provided: {KEY}")],
                            "rejected the API key", 1),
    }[name]


FAULTS = ["429-then-ok", "500-then-ok", "timeout-then-ok", "429-exhausted", "500-exhausted",
          "timeout-exhausted", "stream-cut", "malformed-json", "401-echoing-key"]


def assert_no_key(caplog, capsys, *texts: str) -> None:
    out, err = capsys.readouterr()
    for text in (caplog.text, out, err, *texts,
                 *(r.getMessage() for r in caplog.records)):
        assert KEY not in text and KEY[8:] not in text


@pytest.mark.parametrize("fault", FAULTS)
def test_llm_fault_is_survived(fault, llm_server, coach_instance, caplog, capsys):
    """Bounded retries, then the guide engine answers with a one-line notice; no key anywhere."""
    caplog.set_level(logging.DEBUG)  # everything any library logs, at every level
    replies, notice_words, requests = scripted(fault)
    llm_server.enqueue(*replies)
    coach = llm_coach(coach_instance, llm_server.base_url)
    updates = run_with_deadline(lambda: list(coach.stream(QUESTION)), 60)
    final = updates[-1]

    assert final.done and final.kind == "answer" and final.sources
    assert len(llm_server.chat_requests) == requests  # retries are bounded (max_retries=2)
    if notice_words is None:
        assert final.engine == "llm" and final.notice is None
    else:
        assert final.engine == "guide"
        assert final.answer == coach_instance.ask(QUESTION, engine="guide").answer
        assert notice_words in final.notice and "\n" not in final.notice
        assert final.notice.endswith("this answer comes from the guide engine instead.")
        assert "LLM engine failed" in caplog.text  # logged for the operator, without the key
    if fault == "stream-cut":
        assert any(u.engine == "llm" for u in updates[:-1])  # some tokens arrived first
    auth = {r.headers.get("authorization") for r in llm_server.chat_requests}
    assert auth == {f"Bearer {KEY}"}  # the key was really in play
    assert_no_key(caplog, capsys, *(u.model_dump_json() for u in updates))


def test_connection_refused(coach_instance, caplog, capsys):
    from openai_server import closed_port

    caplog.set_level(logging.DEBUG)
    coach = llm_coach(coach_instance, f"http://127.0.0.1:{closed_port()}/v1", llm_max_retries=1)
    final = run_with_deadline(lambda: coach.ask(QUESTION), 60)
    assert final.engine == "guide" and final.sources
    assert "unreachable" in final.notice
    assert_no_key(caplog, capsys, final.model_dump_json())


@pytest.mark.parametrize("fault", ["retry-after-30", "slow-first-token"])
def test_overall_deadline_bounds_retries_and_slow_streams(fault, llm_server, coach_instance):
    """Per-request timeouts do not bound Retry-After waits or a slow server; the deadline does."""
    from openai_server import delay, status

    if fault == "retry-after-30":  # the client would sleep 30 s before each of 2 retries
        llm_server.enqueue(*[status(429, "slow down", retry_after="30")] * 3)
        coach = llm_coach(coach_instance, llm_server.base_url, llm_deadline=1.0)
    else:  # within the per-request timeout, but past the answer's deadline
        llm_server.enqueue(delay(8))
        coach = llm_coach(coach_instance, llm_server.base_url, llm_timeout=30,
                          llm_max_retries=0, llm_deadline=1.0)
    final = run_with_deadline(lambda: coach.ask(QUESTION), 20)
    assert final.engine == "guide" and final.sources
    assert "timed out" in final.notice


def test_forced_llm_engine_raises_a_clean_error(llm_server, coach_instance, caplog, capsys):
    from openai_server import status

    from coach.errors import LLMError

    llm_server.enqueue(status(401, f"Incorrect API key provided: {KEY}"))
    coach = llm_coach(coach_instance, llm_server.base_url)
    with pytest.raises(LLMError) as raised:
        run_with_deadline(lambda: coach.ask(QUESTION, engine="llm"), 60)
    assert "rejected the API key" in str(raised.value) and "\n" not in str(raised.value)
    assert "guide engine" not in str(raised.value)  # forced: no fallback is offered
    assert_no_key(caplog, capsys, str(raised.value), repr(raised.value))


def test_redaction_filter_scrubs_keys_and_emails(caplog):
    from coach.logs import RedactingFilter, redact

    assert redact(f"auth Bearer {KEY} from zoe.q@example.edu") == "auth [secret] from [email]"
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "key=%s mail=%s",
                               (KEY, "zoe.q@example.edu"), None)
    RedactingFilter().filter(record)
    assert KEY not in record.getMessage() and "zoe.q" not in record.getMessage()
