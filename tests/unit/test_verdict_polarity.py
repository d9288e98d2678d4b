"""A card verdict's "Yes"/"No" follows what the yes/no question asks (compose.agree)."""

from __future__ import annotations

import pytest

from coach.ask.cards.compose import agree
from coach.ask.cards.intent import asks

GO_AHEAD = "Yes, a mentor can be a classmate, an older student, a resident or an attending."
NOT_WEIRD = "No, it's not weird: asking with respect and sincerity is how mentorships start."


@pytest.mark.parametrize(("question", "expected"), [
    ("Is it weird to ask a resident to be my mentor?", "worry"),
    ("would it be rude to follow up after a week?", "worry"),
    ("am I being too pushy if I email twice?", "worry"),
    ("Is it okay to email a professor I've never met?", "permission"),
    ("is that normal??", "permission"),
    # a fresh-eyes review: the quality is not the student's own action
    ("Is it a red flag if my mentor takes a week to reply?", None),
    ("Should I tell my mentor if another resident is rude to me?", None),
    ("Is it bad that my mentor never replies?", None),
    ("is it kind of weird to ask a resident?", "worry"),
    ("can a resident be my mentor?", None),
    ("I feel so stupid. should I email her again?", None),  # the worry is not what is asked
    ("is it ok or is it weird?", "permission"),  # the alternative after "or" is not the ask
    ("should i ask 'will you be my mentor' in the first email or is that too much", None),
])
def test_what_the_question_asks(question, expected):
    assert asks(question) == expected


def test_a_worry_gets_not_at_all_and_a_permission_gets_yes():
    assert agree(GO_AHEAD, "is it weird to ask a resident?") == (
        "Not at all. A mentor can be a classmate, an older student, a resident or an attending.")
    assert agree(NOT_WEIRD, "is it okay to email a professor I've never met?") == (
        "Yes. It's not weird: asking with respect and sincerity is how mentorships start.")


def test_a_verdict_that_already_fits_is_kept():
    assert agree(GO_AHEAD, "can a resident be my mentor?") == GO_AHEAD
    assert agree(NOT_WEIRD, "is it weird to email a professor?") == NOT_WEIRD
    assert agree("It's normal: a no is usually about their schedule.", "is it weird?") == \
        "It's normal: a no is usually about their schedule."
