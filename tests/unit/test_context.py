"""Context in a natural sentence to the mentor, or reported; the greeting rule and the checker."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coach.email.check import check_email
from coach.email.context import Frames, to_second_person, use_context
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
