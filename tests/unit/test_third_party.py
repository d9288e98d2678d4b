"""Someone else at risk (coach.safety.third_party): the reply, whom a crisis is about, and the
gate's use of the detector, with the classifier's scores faked (no MiniLM)."""

from __future__ import annotations

import pytest

import coach.safety.gate as gate
from coach.safety import Verdict, care_for, care_note, crisis_reply, crisis_response
from coach.safety.third_party import (
    gives_confidentiality_advice,
    third_party_care_note,
    third_party_response,
)
from coach.safety.untrusted import _is_gate_reply, student_lines

CUTS = {"crisis": 0.8, "care": 0.5, "about": 0.6}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_third_party_reply_says_how_to_help_them(lang):
    text = third_party_response(lang)
    for must in ("988", "911"):
        assert must in text
    if lang == "en":
        for must in ("Encourage them to call or text 988", "call 988 yourself", "counseling",
                     "Safety comes before confidentiality", "don't have to handle this alone"):
            assert must in text, must
    else:
        assert "confidencialidad" in text and "consejería" in text and "español" in text
    assert len(text.split()) < 200  # kind and short
    note = third_party_care_note(lang)
    assert "988" in note and "911" in note


def test_a_crisis_about_someone_else_gets_the_third_party_reply_in_one_place():
    other = Verdict(kind="crisis", category="crisis", reason="x", about="other")
    own = Verdict(kind="crisis", category="crisis", reason="x")
    assert crisis_reply(other) == third_party_response() != crisis_reply(own) == crisis_response()
    assert crisis_reply(other.model_copy(update={"lang": "es"})) == third_party_response("es")
    unsure = Verdict(kind="ok", category="ok", reason="x", care=True, about="other")
    assert care_for(unsure) == third_party_care_note() and care_note() != care_for(unsure)
    assert care_for(Verdict(kind="ok", category="ok", reason="x")) is None


def test_the_third_party_reply_counts_as_the_gates_own_reply_in_a_history():
    assert _is_gate_reply(third_party_response()) and _is_gate_reply(third_party_response("es"))
    history = [{"role": "user", "content": "my roommate said goodbye forever"},
               {"role": "assistant", "content": third_party_response()},
               {"role": "user", "content": "how do I email a mentor?"}]
    assert student_lines(history) == ["how do I email a mentor?"]


def test_confidentiality_advice_is_recognised_from_its_sources():
    assert gives_confidentiality_advice(["Respect the confidentiality of sensitive information "
                                         "that was shared by the mentee and maintain ..."])
    assert not gives_confidentiality_advice(["Set goals with your mentor early."])


def _fake_scores(monkeypatch, crisis: float, other_risk: float, other_about: float) -> None:
    row = (("ok", 1 - crisis), ("crisis", crisis), ("injection", 0.0), ("extraction", 0.0),
           ("dishonest", 0.0), ("clinical", 0.0), ("homework", 0.0), ("unrelated", 0.0),
           ("other_risk", other_risk), ("other_about", other_about))
    monkeypatch.setattr(gate, "score", lambda texts: tuple(row for _ in texts))
    monkeypatch.setattr(gate, "thresholds", lambda: {"crisis": 0.6, "other": 0.5})
    monkeypatch.setattr(gate, "third_party_cuts", lambda: CUTS)


MENTOR = "my mentee has been having dark thoughts again, what do I do as her mentor?"


def test_the_detector_alone_adds_the_care_note_never_a_crisis_reply(monkeypatch):
    _fake_scores(monkeypatch, crisis=0.1, other_risk=0.9, other_about=0.9)
    verdict = gate.classify(MENTOR)
    assert verdict.kind == "ok" and verdict.care and verdict.about == "other"
    assert care_for(verdict) == third_party_care_note()


def test_on_a_short_line_the_detector_only_says_whom(monkeypatch):
    _fake_scores(monkeypatch, crisis=0.1, other_risk=0.99, other_about=0.99)
    verdict = gate.classify("and if she says no?")
    assert verdict.kind == "ok" and not verdict.care
    _fake_scores(monkeypatch, crisis=0.9, other_risk=0.99, other_about=0.99)
    verdict = gate.classify("she won't be around")  # the main classifier's crisis: whom it is about
    assert verdict.kind == "crisis" and verdict.about == "other"


def test_an_unsure_detector_alone_stays_quiet(monkeypatch):
    _fake_scores(monkeypatch, crisis=0.1, other_risk=0.6, other_about=0.9)  # below its cut
    verdict = gate.classify(MENTOR)
    assert verdict.kind == "ok" and not verdict.care


def test_a_crisis_is_about_the_student_unless_the_about_head_says_otherwise(monkeypatch):
    _fake_scores(monkeypatch, crisis=0.9, other_risk=0.1, other_about=0.2)
    assert gate.classify("everything feels pointless lately").about == "self"
    _fake_scores(monkeypatch, crisis=0.9, other_risk=0.7, other_about=0.9)
    verdict = gate.classify("my roommate gave away his guitar and says he's tired of it all")
    assert verdict.kind == "crisis" and verdict.about == "other"


def test_a_pattern_crisis_is_also_asked_whom_it_is_about(monkeypatch):
    _fake_scores(monkeypatch, crisis=0.9, other_risk=0.9, other_about=0.9)
    verdict = gate.classify("my friend texted me 'i want to die' last night")
    assert verdict.reason.startswith("pattern") and verdict.about == "other"


def test_without_the_detector_the_gate_decides_as_before(monkeypatch):
    _fake_scores(monkeypatch, crisis=0.1, other_risk=0.99, other_about=0.99)
    monkeypatch.setattr(gate, "third_party_cuts", lambda: {})
    verdict = gate.classify(MENTOR)
    assert verdict.kind == "ok" and not verdict.care and verdict.about == "self"
