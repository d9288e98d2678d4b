"""Context in a natural sentence to the mentor, or reported; the greeting rule and the checker."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coach.email.check import check_email
from coach.email.context import Frames, in_my_words, to_second_person, use_context
from coach.email.request import Mentor, parse_request

NAMES = ["Dr. Elise Warner", "Elise Warner", "Elise", "Warner", "Dr. Warner"]


@pytest.mark.parametrize(("text", "spoken"), [
    ("we met briefly after grand rounds and she said I could email her",
     "we met briefly after grand rounds and you said I could email you"),
    ("Dr. Warner offered to let me sit in on her family meetings",
     "you offered to let me sit in on your family meetings"),
    ("Elise was my anatomy TA and he's great", "you were my anatomy TA and you're great"),
    ("I read Dr. Warner's paper", "I read your paper"),
])
def test_context_speaks_to_the_mentor(text, spoken):
    assert to_second_person(text, NAMES).lower() == spoken.lower()


def _fake_embed(texts):  # frame choice is not under test here: every text looks the same
    return [[1.0, 0.0] for _ in texts]


def test_context_not_meant_for_the_mentor_is_reported_not_used():
    for text in ("Don't mention that I failed anatomy", "Should I mention my exam?"):
        used = use_context(text, NAMES, embed=_fake_embed)
        assert used.sentence == "" and "Your context was not used" in used.note


def test_frames_file_shape_is_validated():
    with pytest.raises(ValidationError):
        Frames.model_validate({"frames": {"x": {"lead": "{sentence}", "examples": [], "y": 1}}})


@pytest.mark.parametrize(("mentor", "peer", "greeting"), [
    ({"name": "Lena Okafor", "title": "Dr."}, False, "Dear Dr. Okafor,"),
    ({"name": "Lena Okafor", "title": "Associate Professor"}, False, "Dear Professor Okafor,"),
    ({"name": "Lena Okafor, MD"}, False, "Dear Dr. Okafor,"),
    ({"name": "Lena Okafor"}, False, "Dear Lena Okafor,"),
    ({"name": "Lena Okafor"}, True, "Hi Lena,"),
    ({"name": "Jordan Pierce", "field": "MS2 student"}, False, "Hi Jordan,"),
])
def test_greeting_follows_the_chosen_title(mentor, peer, greeting):
    data = {"field": "Cardiology", "focus": "heart failure", **mentor}
    assert Mentor.model_validate(data).salutation(peer) == greeting


def test_checker_uses_the_same_greeting_rule():
    request = parse_request({
        "kind": "faculty", "times": ["Mondays"],
        "student": {"name": "Ana Ruiz", "year": "MS1", "school": "Lakeview", "email": "a@b.edu",
                    "goals": ["Match into cardiology"]},
        "mentor": {"name": "Lena Okafor", "title": "Professor", "field": "Cardiology",
                   "focus": "heart failure"}})
    for opening, ok in (("Dear Professor Okafor,", True), ("Dear Dr. Okafor,", False),
                        ("Dear Okafor,", True)):
        greeting = {c.id: c for c in check_email(f"Subject: Hi\n\n{opening}\n\nText.", request)}[
            "greeting"]
        assert greeting.passed is ok
        assert ok or greeting.tip == "Open with 'Dear Professor Okafor,'."


@pytest.mark.parametrize(("text", "mine"), [
    ("she has not replied to my last two emails in 3 weeks",
     "I haven't heard back on my last two emails in 3 weeks"),
    ("Dr. Warner hasn't gotten back to me", "I haven't heard back"),
    ("he never responded to my email about the lab",
     "I haven't heard back on my email about the lab"),
    ("she ignored my message", "I haven't heard back on my message"),
    ("she didn't answer yet", "I haven't heard back"),
])
def test_their_silence_is_told_in_the_students_voice(text, mine):
    assert in_my_words(text, NAMES) == mine


def test_a_reply_she_did_send_is_left_alone():
    """...and silences about other things (a review found "I haven't heard backs to emails on
    weekends" and "I haven't heard back your pages")."""
    for text in ("she replied to my email last week", "I have not heard back from her",
                 "she answered all my questions", "he never responds to emails on weekends",
                 "she didn't respond well to my idea", "she doesn't answer her pages",
                 "Dr. Warner has been ignoring the lab's requests"):
        assert in_my_words(text, NAMES) == text


def test_a_note_typed_without_its_subject_is_told_in_the_students_voice_too():
    """A new user's draft read "I hope you are doing well. Hasn't answered my last 2 emails." """
    assert in_my_words("hasn't answered my last 2 emails", NAMES) == \
        "I haven't heard back on my last 2 emails"
    assert in_my_words("we met monthly, hasn't replied since march", NAMES) == \
        "we met monthly, I haven't heard back since march"
    assert in_my_words("has not been well", NAMES) == "has not been well"


def test_a_surname_ending_in_ms_keeps_it():
    """A new user's "Rachel Adams" was greeted "Dear Dr. Ada," ("ms" read as a title)."""
    for name, greeting in (("Rachel Adams", "Dear Rachel Adams,"), ("Dr. Rachel Adams",
                           "Dear Dr. Adams,"), ("Tom Sims", "Dear Tom Sims,"),
                           ("Ms. Jo Williams", "Dear Ms. Williams,")):
        assert Mentor(name=name, field="surgery").salutation() == greeting


def test_a_phones_curly_apostrophe_is_read_too():
    assert in_my_words("she hasn’t replied to my last two emails", NAMES) == \
        "I haven't heard back on my last two emails"


@pytest.mark.parametrize("line", [
    "You have not replied to my last two emails.", "you haven't gotten back to me",
    "You never respond to my emails.", "You've been ignoring my messages.",
    "Why haven't you answered?", "You haven’t replied.", "Why haven’t you answered?",
    "You cancelled twice."])
def test_the_tone_check_flags_blame(line):
    draft = f"Subject: Following up\n\nDear Dr. Lee,\n\n{line}\n\nBest regards,\nSam"
    tone = next(c for c in check_email(draft, None) if c.id == "tone")
    assert not tone.passed and "reproachful" in tone.evidence


def test_the_tone_check_passes_the_same_fact_in_ones_own_voice():
    draft = ("Subject: Following up\n\nDear Dr. Lee,\n\nI haven't heard back on my last email, "
             "and I know how busy you are; I hope you haven't had too hectic a week.\n\n"
             "Best regards,\nSam")
    assert next(c for c in check_email(draft, None) if c.id == "tone").passed
