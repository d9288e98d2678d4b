"""Scale-out: an index in a real Chroma server (`chroma run`) answers like the embedded one."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

QUESTIONS = [
    "How do I find a faculty mentor?",
    "What should I put in my first email to a potential research mentor?",
    "How many mentors should I have?",
    "What makes a good mentee?",
    "My mentor stopped replying to my emails, what now?",
    "What is peer mentorship good for?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chroma_cli() -> str:
    found = Path(sys.executable).with_name("chroma")
    return str(found) if found.exists() else (shutil.which("chroma") or "chroma")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """A `chroma run` process on a free loopback port; stopped (and reaped) in teardown."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = (path / "server.log").open("wb")
    proc = subprocess.Popen(
        [chroma_cli(), "run", "--path", str(path / "db"), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with {proc.returncode}: "
                            f"{(path / 'server.log').read_text(errors='replace')[-2000:]}")
            try:
                client = chromadb.HttpClient(host="127.0.0.1", port=port,
                                             settings=ChromaSettings(anonymized_telemetry=False))
                client.heartbeat()
                break
            except Exception:
                if time.monotonic() > deadline:
                    pytest.fail("chroma server did not answer its heartbeat within 60 s")
                time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def server_coach(chroma_server, tmp_path_factory: pytest.TempPathFactory):
    """A Coach whose index lives in the Chroma server (built through it on first open)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("COACH_CHROMA_HOST", "127.0.0.1")
    mp.setenv("COACH_CHROMA_PORT", str(chroma_server))
    mp.setenv("COACH_DATA_DIR", str(tmp_path_factory.mktemp("server-app-data")))
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        mp.delenv(key, raising=False)
    from coach.ask.answer import Coach
    from coach.config import Settings

    try:
        yield Coach.from_settings(Settings())
    finally:
        mp.undo()


def test_server_client_is_an_http_client(server_coach, chroma_server):
    import chromadb

    client = server_coach.retriever.store.client
    assert isinstance(client, chromadb.api.client.Client)
    assert type(client._server).__name__ == "FastAPI"  # the HTTP transport, not the local one
    assert client.get_settings().anonymized_telemetry is False
    # Nothing was written to a local embedded store: the app's data dir has no chroma/ folder.
    assert not server_coach.settings.chroma_dir.exists()


@pytest.mark.parametrize("question", QUESTIONS)
def test_same_answers_as_embedded_store(server_coach, coach_instance, question):
    remote = server_coach.ask(question, engine="guide")
    local = coach_instance.ask(question, engine="guide")
    assert remote.kind == local.kind == "answer"
    assert remote.answer == local.answer
    assert [(s.source, s.section, s.text) for s in remote.sources] == \
        [(s.source, s.section, s.text) for s in local.sources]
    assert remote.sources, "a grounded answer always names its sources"
    remote_hits, _ = server_coach.retrieve(question)
    local_hits, _ = coach_instance.retrieve(question)
    assert [d.metadata["id"] for d in remote_hits] == [d.metadata["id"] for d in local_hits]


def test_incremental_ingest_through_the_server(server_coach):
    """A second ingest against the server re-embeds nothing (the chunk hashes match)."""
    from coach.index.store import ingest

    report = ingest(server_coach.settings, progress=False)
    assert report.embedded == 0 and report.removed == 0
    assert report.unchanged_files == report.files >= 1


def test_replica_follows_a_rebuild_on_the_server(server_coach, chroma_server):
    """Another process (here: a second client) rebuilds the index on the server; this replica's
    next question is answered from the new collection, with no error."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from coach.index.store import ingest

    before = server_coach.ask(QUESTIONS[0], engine="guide")
    other = chromadb.HttpClient(host="127.0.0.1", port=chroma_server,
                                settings=ChromaSettings(anonymized_telemetry=False))
    report = ingest(server_coach.settings, rebuild=True, progress=False, client=other)
    after = server_coach.ask(QUESTIONS[0], engine="guide")
    assert after.answer == before.answer and after.sources
    server_coach.retrieve(QUESTIONS[0])  # card-matched answers need no retrieval; this one does
    assert server_coach.retriever.store.collection.name == report.collection
