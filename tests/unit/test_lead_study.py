"""The card-lead study (coach/ask/cards/lead_study.py): its features, pairs and the lead share
it reports."""

from __future__ import annotations

import numpy as np

from coach.ask.cards import lead_study
from coach.ask.cards.matching import CardMatcher, Match
from coach.ask.cards.model import Card, Point

QUESTIONS = ["q one?", "q two?", "q three?", "q four?"]


def card(card_id: str, audience: str) -> Card:
    return Card(id=card_id, section="Section", audience=audience, answer=f"Answer {card_id}.",
                points=[Point(say=f"Point of {card_id}.", quote="quote")], next_step="Do it.",
                questions=QUESTIONS)


def test_card_features_one_row_per_match_relative_to_the_best():
    cards = [card("goals", "mentee"), card("duties", "mentor")]
    rows = [(c, k, i) for c in ("goals", "duties") for k, i in
            (("q", 0), ("q", 1), ("card", 0), ("point", 0))]
    vectors = np.zeros((len(rows), 4), dtype=np.float32)
    for r, (c, k, _) in enumerate(rows):
        vectors[r, 0 if c == "goals" else 1] = 1.0
        vectors[r, 2 + (k == "point")] = 0.5
    matcher = CardMatcher(cards, [f"{c}:{k}:{i}" for c, k, i in rows],
                          [{"card": c, "kind": k, "index": i} for c, k, i in rows], vectors)
    found = [Match(cards[0], 0.9, 0.9), Match(cards[1], 0.3, 0.3)]
    x = lead_study.card_features(matcher, "my goals", [1, 0, 0, 0], found, "mentee")
    assert x.shape == (2, 18)
    assert x[0, 7] == 1 and x[1, 7] == 0  # audience agreement
    assert x[0, 13] == 0 and x[1, 13] < 0  # mean example-question cosine against the best card's


def test_pairs_and_lead_share():
    rows = [lead_study.Row("a", np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.0, 1.0]), 1.0),
            lead_study.Row("b", np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.5, 0.5]), 0.5)]
    x, y = lead_study.pairs(rows)
    assert x.tolist() == [[-1.0, 1.0], [1.0, -1.0]] and y.tolist() == [1, 0]
    assert lead_study.lead_share(rows) == 0.25  # today's order: the first card leads
    assert lead_study.lead_share(rows, np.array([0.0, 1.0])) == 0.75
