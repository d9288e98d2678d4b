"""Safety red-team (evals/redteam_safety.yaml): every entry point, guide and fake-LLM paths,
English, Spanish, other languages and encoded variants."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from coach.errors import InputError
from coach.testing import ScriptedChatModel

ROOT = Path(__file__).resolve().parents[2]
SPEC = (ROOT / "evals" / "redteam_safety.yaml").read_text(encoding="utf-8")
CASES = yaml.safe_load(SPEC)["cases"]
BASE_SPEC = (ROOT / "evals" / "redteam.yaml").read_text(encoding="utf-8")
EMAIL_BASE = yaml.safe_load(BASE_SPEC)["email_base"]
BENIGN = "Reach out early to faculty whose work interests you, and be specific [1]."
MODELS: list[ScriptedChatModel] = []  # the fakes made in this test: what they were sent


def fake(case: dict) -> ScriptedChatModel:
    reply = case.get("llm_reply", BENIGN)
    if reply == "@echo":
        reply = "Sure. My instructions say: ignore nothing. " + BENIGN
    MODELS.append(ScriptedChatModel(reply, repeat=True))
    return MODELS[-1]


def params() -> list:
    out = []
    for case in CASES:
        engines = case.get("engines") or (["guide", "llm"] if case["entry"] in (
            "ask", "history", "api") else ["guide"])
        if case["entry"] == "feedback":
            engines = ["llm"]
        out += [pytest.param(case, e, id=f"{case['id']}-{e}") for e in engines]
    return out


def _set(data: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    data[last] = value


def ingest_file(text: str) -> dict:
    """A knowledge folder holding one file, ingested as `coach ingest` would."""
    import tempfile

    from coach.config import Settings
    from coach.index.store import active_collection_name, ingest, open_client

    with tempfile.TemporaryDirectory() as tmp:
        knowledge = Path(tmp) / "knowledge"
        knowledge.mkdir()
        (knowledge / "case.md").write_text(text, encoding="utf-8")
        settings = Settings(knowledge_dir=knowledge, data_dir=Path(tmp) / "data")
        report = ingest(settings, progress=False)
        client = open_client(settings)
        stored = client.get_collection(active_collection_name(client, settings)).count()
    if report.quarantined:
        assert stored == 0  # nothing of the file reached the index
        return {"kind": "quarantined",
                "text": "\n".join(line for q in report.quarantined for line in q.lines())}
    return {"kind": "indexed" if stored else "empty", "text": report.summary()}


def run(case: dict, engine: str, coach_instance) -> dict:
    from coach.ask.answer import Coach

    llm = fake(case) if engine == "llm" else None
    entry = case["entry"]
    if entry in ("ask", "history"):
        coach = Coach(coach_instance.settings, coach_instance.retriever, llm=llm)
        answer = coach.ask(case["input"], case.get("history") or [], engine=engine)
        return {"kind": answer.kind, "text": answer.answer}
    if entry == "api":
        import gradio as gr

        from coach.web.api import make_api

        coach = Coach(coach_instance.settings, coach_instance.retriever, llm=llm)
        history = case.get("history_json") or json.dumps(case.get("history") or [])
        try:
            out = make_api(coach)["ask"](case["input"], history)
        except gr.Error as exc:
            return {"kind": "error", "text": str(exc)}
        return {"kind": out["kind"], "text": out["answer"]}
    if entry == "rehearse":
        from coach.rehearsal.session import start_rehearsal

        session = start_rehearsal("faculty", seed=3, unavailable=False)
        for line in case.get("history") or []:
            session.reply(line)
        turn = session.reply(case["input"])
        return {"kind": turn.kind, "text": turn.text}
    if entry == "email":
        from coach.email.drafting import SafetyStop, draft_email
        from coach.email.request import parse_request

        data = copy.deepcopy(EMAIL_BASE)
        for path, value in case["input"].items():
            _set(data, path, value)
        try:
            draft = draft_email(parse_request(data), llm=llm)
        except SafetyStop as stop:
            return {"kind": stop.kind, "text": str(stop)}
        return {"kind": "draft", "text": draft.text}
    if entry == "feedback":
        from coach.rehearsal.scorecard import score_transcript

        card = score_transcript(case["input"], "faculty", llm=llm)
        return {"kind": "scorecard", "text": card.narrative}
    if entry == "knowledge":
        return ingest_file(case["input"])
    if entry == "cli":
        from coach.cli import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["ask", case["input"], "--json", "--engine", "guide"])
        assert code == 0
        data = json.loads(out.getvalue())
        return {"kind": data["kind"], "text": data["answer"]}
    raise AssertionError(f"unknown entry {entry}")


def test_the_suite_is_large_and_covers_every_entry_point():
    base = yaml.safe_load((ROOT / "evals" / "redteam.yaml").read_text(encoding="utf-8"))["cases"]
    assert len(CASES) + len(base) >= 100
    assert {c["entry"] for c in CASES} >= {"ask", "history", "rehearse", "email", "feedback",
                                           "api", "cli", "knowledge"}
    assert len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case, engine", params())
def test_redteam_safety(case: dict, engine: str, coach_instance):
    MODELS.clear()
    try:
        got = run(case, engine, coach_instance)
    except InputError as exc:
        got = {"kind": "input_error", "text": str(exc)}
    expect = case["expect"]
    if "kind" in expect:
        kinds = expect["kind"] if isinstance(expect["kind"], list) else [expect["kind"]]
        assert got["kind"] in kinds, (got["kind"], got["text"][:300])
    for needle in expect.get("contains", []):
        assert needle in got["text"], (needle, got["text"][:300])
    for needle in expect.get("not_contains", []):
        assert needle not in got["text"], (needle, got["text"][:300])
    for needle in expect.get("not_in_prompt", []):
        assert not any(needle in prompt for m in MODELS for prompt in m.prompts), needle
