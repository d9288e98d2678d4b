"""The learned point ranker: candidates from the best cards, their features, the shipped model
(valid, up to date with its training data) and the heuristic it falls back to."""

from __future__ import annotations

import numpy as np
import pytest

from coach.ask.cards import rank_train, ranker
from coach.ask.cards.compose import choose_points
from coach.ask.cards.matching import CardMatcher, Match
from coach.ask.cards.model import Card, Point
from coach.errors import ConfigError

QUESTIONS = ["q one?", "q two?", "q three?", "q four?"]


def card(card_id: str, says: list[str]) -> Card:
    return Card(id=card_id, section="Section", audience="mentee", answer=f"Answer of {card_id}.",
                points=[Point(say=s, quote=s) for s in says], next_step="Do one thing.",
                questions=QUESTIONS)


@pytest.fixture
def matcher() -> CardMatcher:
    """Two cards with one-hot point vectors: goals (axes 0, 1, 2) and research (axis 3)."""
    cards = [card("goals", ["Make your goals measurable.", "Give goals a date.",
                            "There is no perfect recipe for this."]),
             card("research", ["Ask a department contact about research."])]
    rows = [("goals", 0), ("goals", 1), ("goals", 2), ("research", 0)]
    ids = [f"{c}:point:{i}" for c, i in rows]
    metadatas = [{"card": c, "kind": "point", "index": i} for c, i in rows]
    return CardMatcher(cards, ids, metadatas, np.eye(4, 5, dtype=np.float32))


def matches(matcher: CardMatcher) -> list[Match]:
    return [Match(matcher.cards["goals"], 0.6, 0.6), Match(matcher.cards["research"], 0.5, 0.5)]


def test_candidates_skip_points_already_given_and_keep_card_ranks(matcher):
    cands = ranker.candidates(matches(matcher), matcher, [1, 0, 0, 0.5, 0],
                              given={"Give goals a date."})
    assert [(c.card.id, c.index, c.rank) for c in cands] == [
        ("goals", 0, 0), ("goals", 2, 0), ("research", 0, 1)]
    assert cands[0].point_score > cands[2].point_score > cands[1].point_score


def test_features_are_relative_to_the_other_candidates(matcher):
    cands = ranker.candidates(matches(matcher), matcher, [1, 0, 0, 0.5, 0], given=set())
    rows = ranker.features(cands, "how do I make measurable goals?")
    assert rows.shape == (4, len(ranker.FEATURES))
    column = {name: rows[:, i] for i, name in enumerate(ranker.FEATURES)}
    assert column["point_cos_gap"][0] == 0 and (column["point_cos_gap"][1:] < 0).all()
    assert column["top_card"].tolist() == [1, 1, 1, 0]
    assert column["action"].tolist() == [1, 1, 0, 1]  # "There is no perfect recipe" is not
    assert column["overlap_q"][0] > column["overlap_q"][1]
    assert (column["topic_cos"] == 0).all() and (column["follow_up"] == 0).all()
    topic = np.array([0, 0, 0, 1, 0], dtype=np.float32)
    assert ranker.features(cands, "and research?", topic)[3, ranker.FEATURES.index("topic_cos")] \
        == pytest.approx(1.0)


def test_the_shipped_model_loads_and_ranks_the_answering_point_first(matcher):
    model = ranker.load_ranker()
    assert model is not None and model.meta["features"] == list(ranker.FEATURES)
    chosen = choose_points(matches(matcher), matcher, [1, 0, 0, 0, 0], set(),
                           "how do I make measurable goals?")
    assert chosen[0].point.say == "Make your goals measurable."
    assert len(chosen) == 4


def test_heuristic_only_switches_the_model_off_while_inside():
    with ranker.heuristic_only():
        assert ranker.load_ranker() is None
    assert ranker.load_ranker() is not None


def test_a_model_for_other_features_is_refused():
    with pytest.raises(ConfigError, match="rank_train"):
        ranker.PointRanker(np.zeros(3, dtype=np.float32), 0.0, {"features": ["a", "b", "c"]})


def test_the_shipped_model_is_up_to_date_with_its_training_data(capsys):
    """Retrain with `python -m coach.ask.cards.rank_train` when the dev split, the cards or the
    feature list change."""
    assert rank_train.main(["--check"]) == 0, capsys.readouterr().out


def test_points_that_restate_one_passage_are_told_apart_from_neighbours():
    passage = "Be organized and persistent. Respond promptly to emails."
    assert ranker.restates(passage, "Respond promptly to emails.")  # one holds the other
    assert ranker.restates("Respond promptly to emails. Bring an agenda to meetings.",
                           "Thank your mentor. Respond promptly to emails.")  # a shared sentence
    assert ranker.restates("Quote one here.", "Another quote here.",
                           "Respond promptly.", "Respond promptly and show up with an agenda.")
    assert not ranker.restates("Make your goals measurable.", "Give goals a date.",
                               "Make your goals measurable.", "Give goals a date.")


def test_an_answer_never_gives_one_passage_twice():
    """The second-best point restates the best one (a new user saw "Respond promptly and show up
    with an agenda." then "Respond promptly."): the next distinct point takes its place."""
    says = ["Respond promptly and show up with an agenda.", "Respond promptly.",
            "Be punctual.", "Thank them."]
    quotes = ["Respond promptly and bring an agenda.", "Respond promptly.", "Be punctual.",
              "Thank them."]
    vectors = np.eye(4, dtype=np.float32)
    chosen = ranker.pick(np.array([3.0, 2.0, 1.0, 0.5]), vectors, quotes, [0, 0, 1, 1], 3, 0.8,
                         says=says)
    assert chosen == [0, 2, 3]
    # without the texts only the passages are compared, and these two passages differ
    assert ranker.pick(np.array([3.0, 2.0, 1.0, 0.5]), vectors, quotes, [0, 0, 1, 1], 3,
                       0.8) == [0, 1, 2]

