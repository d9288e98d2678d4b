"""The blind QA scorer's checks that need no embedder: capping, bullets, repeated passages."""

from __future__ import annotations

from coach.evals.blind.evaluate import bullets, capped, repeated_passage

SAYS = {"Respond promptly and show up with an agenda.": "Respond promptly. Bring an agenda.",
        "Respond promptly.": "Respond promptly.",
        "Thank your mentor.": "Show gratitude to your mentor."}


def test_two_bullets_on_one_passage_are_counted_as_a_repeat():
    answer = "Short answer.\n\n- Respond promptly and show up with an agenda.\n- Respond promptly."
    assert repeated_passage(bullets(answer), SAYS)
    assert not repeated_passage(["Respond promptly.", "Thank your mentor."], SAYS)


def test_bullets_that_are_not_card_points_are_left_out():
    assert not repeated_passage(["Respond promptly.", "Respond promptly, always."], SAYS)


def test_answers_are_cut_to_the_scored_length():
    long = "word " * 400
    assert len(capped(long).split()) == 180
