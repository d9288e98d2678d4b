"""A line the safety gate is unsure about (Verdict.care) is answered, with the 988 / 911 /
school resources beside the reply, at every entry point: ask, rehearsal, email drafts."""

from __future__ import annotations

import pytest

import coach.safety
import coach.safety.untrusted
from coach.email.present import draft_json, draft_markdown, draft_text
from coach.email.request import parse_request
from coach.safety import Verdict, care_note
from coach.safety.untrusted import screen_fields

UNSURE = Verdict(kind="ok", category="ok", reason="in scope", care=True)
SURE = Verdict(kind="ok", category="ok", reason="in scope")


@pytest.fixture
def gate(monkeypatch):
    """Make the gate answer `UNSURE` for lines containing "unsure", else `SURE`."""
    def classify(text, history=None):  # noqa: ANN001, ANN202
        return UNSURE if "unsure" in text else SURE

    monkeypatch.setattr(coach.safety, "classify", classify)
    monkeypatch.setattr(coach.safety.untrusted, "classify", classify)


def test_rehearsal_reply_goes_on_with_the_care_note(gate):
    from coach.rehearsal.session import start_rehearsal

    session = start_rehearsal("faculty", unavailable=False, seed=1)
    calm = session.reply("Hi, I'm Jordan, a second-year here.")
    assert calm.kind == "mentor" and calm.care is None
    unsure = session.reply("honestly I'm unsure I can keep doing this")
    assert unsure.kind == "mentor" and unsure.care == care_note()
    assert "988" in unsure.care and "911" in unsure.care


def test_email_fields_the_gate_is_unsure_about_give_a_draft_with_the_care_note(gate):
    assert screen_fields(["Get research experience", "I'm unsure about everything"]).care
    assert not screen_fields(["Get research experience"]).care


def test_a_draft_carries_the_care_note_in_every_presenter():
    from coach.email.drafting import Draft

    draft = Draft(subject="Hello", body="Dear Dr. Lee,\n\nThank you.", checks=[],
                  care=care_note())
    assert draft_json(draft)["care"] == care_note()
    assert "988" in draft_markdown(draft) and "call or text 988" in draft_text(draft)
    assert "988" not in draft_markdown(draft.model_copy(update={"care": None}))


def test_a_real_draft_request_with_an_unsure_field_is_drafted_with_care(gate):
    from coach.email.drafting import draft_email

    request = parse_request({
        "kind": "research",
        "student": {"name": "Sam Lee", "year": 2, "school": "State Medical School",
                    "email": "sam.lee@example.edu",
                    "goals": ["Get involved in cardiology research", "unsure I belong here"]},
        "times": ["Tuesday afternoons"],
        "mentor": {"name": "Ana Ruiz", "title": "Dr.", "field": "cardiology",
                   "focus": "heart failure outcomes"}})
    draft = draft_email(request)
    assert draft.body and draft.care == care_note()


def test_an_ask_the_gate_is_unsure_about_is_answered_with_the_care_note(gate, coach_instance):
    unsure = coach_instance.ask("how do I find a mentor when I'm unsure about everything")
    assert unsure.kind == "answer" and unsure.care == care_note()
    assert unsure.public()["care"] == care_note()
    calm = coach_instance.ask("how do I find a research mentor?")
    assert calm.care is None and "care" not in calm.public()


def test_a_crisis_late_in_a_long_message_is_still_read():
    from coach.safety import classify

    filler = ("I am a second-year student looking for a research mentor in cardiology and I "
              "want to know how to write the first email. My school has a program but I am "
              "not sure how it works. ")
    verdict = classify(filler * 12 + "I have a bottle of pills set aside for when I fail.")
    assert verdict.kind == "crisis"
