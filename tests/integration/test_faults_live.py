"""Faults in words (issue 11), against real processes and files: /healthz follows a real Chroma
server that is killed and started again; a persistent index damaged while serving is rebuilt
in the background while the guide engine answers from the last good copy; nested or
oversized JSON is refused with a clear message."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import gradio as gr
import pytest
from test_chroma_server import chroma_cli, free_port

from coach.config import Settings

PLAYBOOK = """# Mentoring playbook

## Finding mentors

Ask older students which faculty enjoy teaching. Student interest groups often know who mentors.

## Meeting mentors

Bring an agenda and two questions to every meeting, and send a short summary afterwards.

## Thanking mentors

A short thank-you note after a letter of recommendation goes a long way.
"""
QUESTION = "What should I bring to a meeting with my mentor?"
RAW = ("Errno", "Connection refused", "Traceback", "InternalError", "database", "sqlite")


def knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "playbook.md").write_text(PLAYBOOK, encoding="utf-8")
    return folder


def start_server(path: Path, port: int) -> subprocess.Popen:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    log = (path.parent / f"server-{port}-{time.monotonic_ns()}.log").open("wb")
    proc = subprocess.Popen([chroma_cli(), "run", "--path", str(path), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90  # a bound so CI cannot hang, not a timing assertion
    while True:
        if proc.poll() is not None:
            pytest.fail(f"chroma run exited with {proc.returncode}")
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port,
                                settings=ChromaSettings(anonymized_telemetry=False)).heartbeat()
            return proc
        except Exception:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("chroma server did not answer its heartbeat")
            time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def healthz(coach) -> tuple[int, dict]:  # noqa: ANN001
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from coach.web.health import healthz_route

    with TestClient(Starlette(routes=[healthz_route(coach)])) as client:
        reply = client.get("/healthz")
    return reply.status_code, reply.json()


@pytest.mark.server
def test_healthz_follows_a_real_chroma_server_killed_and_restarted(tmp_path, monkeypatch):
    from coach.ask.answer import Coach

    port = free_port()
    db = tmp_path / "server-db"
    proc = start_server(db, port)
    try:
        monkeypatch.setenv("COACH_CHROMA_HOST", "127.0.0.1")
        monkeypatch.setenv("COACH_CHROMA_PORT", str(port))
        settings = Settings(knowledge_dir=knowledge(tmp_path), data_dir=tmp_path / "data")
        coach = Coach.from_settings(settings, llm=None)
        before = coach.ask(QUESTION, engine="guide")
        assert before.kind == "answer" and "agenda" in before.answer
        assert healthz(coach) == (200, {"status": "ok", "index": "ok", "llm": "not configured"})

        stop(proc)  # killed, not shut down politely
        code, body = healthz(coach)
        assert code == 503 and body["status"] == "unavailable" and body["index"] == "unavailable"
        assert not any(raw in json.dumps(body) for raw in RAW)
        during = coach.ask(QUESTION, engine="guide")  # from the last good copy, in words
        assert during.kind == "answer" and during.answer == before.answer
        assert not any(raw in during.answer for raw in RAW)

        proc = start_server(db, port)  # back, same data, same port
        code, body = healthz(coach)
        assert (code, body["status"], body["index"]) == (200, "ok", "ok")
        assert coach.ask(QUESTION, engine="guide").answer == before.answer
    finally:
        stop(proc)


@pytest.fixture
def served(tmp_path):
    """A guide-engine Coach over its own small embedded index, having answered once."""
    from coach.ask.answer import Coach

    settings = Settings(knowledge_dir=knowledge(tmp_path), data_dir=tmp_path / "data")
    coach = Coach.from_settings(settings, llm=None)
    return coach, coach.ask(QUESTION, engine="guide")


def damage(settings: Settings) -> None:
    db = settings.chroma_dir / "chroma.sqlite3"
    db.write_bytes(b"\x00not a database\xff" * 4096)


def test_an_index_damaged_while_serving_is_rebuilt_while_answers_continue(served, caplog):
    from coach.index.repair import is_repairing

    coach, before = served
    assert before.kind == "answer" and "agenda" in before.answer
    old_retriever = coach.retriever
    damage(coach.settings)

    during = coach.ask(QUESTION, engine="guide")  # the guide engine keeps answering
    assert during.kind == "answer" and during.answer == before.answer
    assert [s.text for s in during.sources] == [s.text for s in before.sources]
    assert "answering from the last good copy" in caplog.text

    coach._repair_thread.join(300)  # a bound so CI cannot hang
    assert not is_repairing(coach)
    assert coach.retriever is not old_retriever  # the rebuilt index is live again
    assert coach.retriever.store.collection.count() > 0
    assert healthz(coach)[0] == 200
    assert coach.ask(QUESTION, engine="guide").answer == before.answer
    moved = [p.name for p in coach.settings.data_dir.iterdir() if ".corrupt-" in p.name]
    assert len(moved) == 1  # the damaged copy is kept aside for inspection


def test_with_no_good_copy_the_student_gets_one_kind_sentence(tmp_path):
    from coach.ask.answer import Coach
    from coach.index.repair import INDEX_DOWN
    from coach.web.api import _errors_as_messages, make_api

    settings = Settings(knowledge_dir=knowledge(tmp_path), data_dir=tmp_path / "data")
    coach = Coach.from_settings(settings, llm=None)  # has not read the index yet: no copy
    damage(settings)
    ask = _errors_as_messages(make_api(coach)["ask"])
    with pytest.raises(gr.Error) as caught:
        ask(QUESTION, "[]")
    assert caught.value.message == INDEX_DOWN
    coach._repair_thread.join(300)
    assert ask(QUESTION, "[]")["kind"] == "answer"  # repaired in the background


@pytest.mark.parametrize("endpoint, args", [
    ("ask", ("How do I find a mentor?", "[" * 5000 + "]" * 5000)),
    ("ask", ("How do I find a mentor?", json.dumps([{"role": "user", "content": "x" * 200_000}]))),
    ("draft_email", ('{"a":' * 3000 + "1" + "}" * 3000,)),
    ("rehearse", ("faculty", "[" * 100_000, "hello")),
    ("feedback", ("faculty", "[" * 25 + "{}" + "]" * 25)),
])
def test_nested_or_oversized_json_is_refused_cleanly(endpoint, args):
    from coach.web.api import _errors_as_messages, make_api

    call = _errors_as_messages(make_api(None)[endpoint])  # refused before any coach is used
    with pytest.raises(gr.Error) as caught:
        call(*args)
    message = caught.value.message
    assert ("nested deeper than" in message or "too large" in message), message
    assert "Recursion" not in message and "Traceback" not in message
