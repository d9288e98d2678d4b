"""Follow-ups read against the previous answer: its topic from stored point vectors, the card it
led with, what gets embedded; and the side a student is on when they ask how to be a mentee."""

from __future__ import annotations

import numpy as np
import pytest

from coach.ask.cards.follow_up import blend, match_text, previous_lead, previous_topic, resolve
from coach.ask.cards.intent import side
from coach.ask.cards.matching import CardMatcher
from coach.ask.cards.model import Card, Point

QUESTIONS = ["q one?", "q two?", "q three?", "q four?"]


def card(card_id: str, says: list[str], verdict: str | None = None) -> Card:
    return Card(id=card_id, section="Section", audience="mentee", answer=f"Answer of {card_id}.",
                verdict=verdict, points=[Point(say=s, quote=s) for s in says],
                next_step="Do one thing.", questions=QUESTIONS)


@pytest.fixture
def matcher() -> CardMatcher:
    """Two cards with one-hot point vectors: goals (axes 0, 1) and research (axis 2)."""
    cards = [card("goals", ["Make goals measurable.", "Give goals a date."],
                  verdict="Yes, write them down."),
             card("research", ["Find a department contact."])]
    rows = [("goals", 0), ("goals", 1), ("research", 0)]
    ids = [f"{c}:point:{i}" for c, i in rows]
    metadatas = [{"card": c, "kind": "point", "index": i} for c, i in rows]
    return CardMatcher(cards, ids, metadatas, np.eye(3, 4, dtype=np.float32))


def turns(answer: str) -> list[dict]:
    return [{"role": "user", "content": "how do I set goals with my mentor?"},
            {"role": "assistant", "content": answer}]


GOALS_ANSWER = ("Answer of goals.\n\n- Make goals measurable.\n- Give goals a date.\n\n"
                "**Next step:** Do one thing.\n\n*From the guide: Section.*")


def test_previous_topic_is_the_mean_of_the_points_the_last_answer_gave(matcher):
    topic = previous_topic(matcher, turns(GOALS_ANSWER))
    assert np.allclose(topic, np.array([1, 1, 0, 0]) / np.sqrt(2))
    assert previous_topic(matcher, turns("The guide doesn't cover that.")) is None
    assert previous_topic(matcher, []) is None


def test_a_follow_up_to_a_card_answer_is_embedded_on_its_own_words(matcher):
    question = "what should they look like?"
    text, topic = match_text(matcher, question, turns(GOALS_ANSWER))
    assert text == question and topic is not None
    # no card points in the last answer: the previous question is read with it instead
    text, topic = match_text(matcher, question, turns("Some other answer."))
    assert text == resolve(question, turns("x")) != question and topic is None
    # a new, standalone question is not a follow-up
    standalone = ("I am a third year student and I would like to know how people usually go "
                  "about finding research opportunities in a department")
    assert match_text(matcher, standalone, turns(GOALS_ANSWER)) == (standalone, None)


def test_blend_pulls_the_question_towards_the_previous_topic():
    own = [0.0, 0.0, 2.0, 0.0]
    topic = np.array([1.0, 0.0, 0.0, 0.0])
    mixed = np.array(blend(own, topic))
    assert np.isclose(np.linalg.norm(mixed), 1.0)
    assert mixed[0] > 0 and mixed[2] > 0  # both the new angle and the topic
    assert blend(own, None) == own


@pytest.mark.parametrize(("opening", "expected"), [
    ("Answer of goals.", "goals"),
    ("Short answer: answer of research.", "research"),
    ("That sounds hard. Yes, write them down.", "goals"),
    ("The guide doesn't cover that.", None),
])
def test_previous_lead_is_the_card_that_opened_the_last_answer(matcher, opening, expected):
    assert previous_lead(matcher, turns(f"{opening}\n\n- a point")) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("what's the TLDR of how to be a good mentee", "mentee"),
    ("what are my responsibilities as a mentee?", "mentee"),
    ("how do I become a better mentee?", "mentee"),
    ("how do I help my mentee be a good mentee?", "mentor"),
    ("I have a mentee who never replies", "mentor"),
    # a new user's lines (session 12): a good mentee is asked about by a mentee; a student who
    # asks whether they can be a mentor, or is asked to be one, speaks as a mentor
    ("what makes a good mentee? i dont want to waste their time", "mentee"),
    ("what's the mentees side of the deal? like what am i responsible for", "mentee"),
    ("can I be a mentor as a med student?", "mentor"),
    ("im a PGY2 and a couple med students want me to mentor them", "mentor"),
    ("she asked me to be her research mentor", "mentor"),
    ("they want me to be there at 8", None),
    ("can i ask her to be my mentor", "mentee"),
    # session 15's new user, matched as a peer mentor, was told to start a peer program and to
    # "bend to your mentor's calendar"; a mentee wanting one as a peer mentor is no mentor
    ("i just got matched as a peer mentor to an ms1. what am i supposed to do as a peer mentor?",
     "mentor"),
    ("as a research mentor what do I owe my student", "mentor"),
    ("I want an MS3 as a peer mentor", None),
])
def test_asking_how_to_be_a_mentee_is_the_mentee_side(question, expected):
    assert side(question) == expected
