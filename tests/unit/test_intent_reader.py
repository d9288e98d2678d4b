"""The learned intent reader (coach/ask/cards/reader.py): it only adds to the patterns' reading,
reads nothing from another embedder's vectors, and a bad model file names the file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coach.ask.cards import reader
from coach.ask.cards.intent import read_intent
from coach.errors import ConfigError
from coach.yamlio import safe_load


def _reader(distress: float, write: float, dim: int = 4,
            mentor: float | None = None) -> reader.IntentReader:
    """A reader whose probabilities are set by the first vector component's sign (the mentor
    side never read unless its cut is given)."""
    coef = np.zeros((3, dim), dtype=np.float32)
    coef[:, 0] = 20.0
    intercept = np.zeros(3, dtype=np.float32)
    if mentor is None:
        coef[2], intercept[2], mentor = 0.0, -20.0, 0.5
    return reader.IntentReader(coef, intercept,
                               np.asarray([distress, write, mentor], dtype=np.float32),
                               {"intents": list(reader.INTENTS)})


@pytest.fixture
def shipped(monkeypatch):
    def use(r):
        monkeypatch.setitem(reader._LOADED, "model", r)
    yield use


def test_the_reader_adds_an_intent_and_a_write_request_is_not_a_yes_no_question(shipped):
    shipped(_reader(0.5, 0.5))
    calm = read_intent("could you look over the email to dr kim?")
    assert calm.yes_no and not calm.write_request and not calm.distress
    read = reader.refine(calm, [1.0, 0, 0, 0], "could you look over the email to dr kim?")
    assert read.distress and read.write_request and not read.yes_no
    assert reader.refine(calm, [-1.0, 0, 0, 0]) == calm  # below the cuts: the patterns' reading


def test_the_reader_never_takes_away_what_a_pattern_found(shipped):
    shipped(_reader(0.5, 0.5))
    upset = read_intent("i'm so embarrassed, help me write a reply to my PI")
    assert upset.distress and upset.write_request
    assert reader.refine(upset, [-1.0, 0, 0, 0]) == upset


def test_a_line_naming_nothing_to_write_is_never_made_a_write_request(shipped):
    """A review found "more pls" and "can you proofread this" read as requests to draft."""
    shipped(_reader(0.99, 0.5))
    for line in ("more pls", "send pls", "can you proofread this"):
        assert not reader.refine(read_intent(line), [1.0, 0, 0, 0], line).write_request


def test_another_embedders_vector_and_no_model_leave_the_patterns_alone(shipped):
    calm = read_intent("how do i find a mentor")
    r = _reader(0.5, 0.5, dim=4)
    r.meta["embedding_model"] = "all-MiniLM-L6-v2"
    shipped(r)
    assert reader.refine(calm, [1.0] * 8) == calm  # another size: patterns only
    assert reader.refine(calm, [1.0, 0, 0, 0], "x", "FakeEmbeddings") == calm  # same size
    assert reader.refine(calm, [1.0, 0, 0, 0], "x", "all-MiniLM-L6-v2").distress
    assert reader.refine(calm, None) == calm
    shipped(None)
    assert reader.refine(calm, [1.0, 0, 0, 0]) == calm


def test_a_model_of_other_intents_or_a_cut_outside_0_1_is_refused_naming_the_file():
    with pytest.raises(ConfigError, match="intent_reader.npz"):
        reader.IntentReader(np.zeros((3, 4)), np.zeros(3), np.zeros(3), {"intents": ["x"]})
    with pytest.raises(ConfigError, match="intent_reader.npz"):  # an old two-intent file
        reader.IntentReader(np.zeros((2, 4)), np.zeros(2), np.asarray([0.5, 0.5]),
                            {"intents": ["distress", "write_request"]})
    with pytest.raises(ConfigError, match="intent_reader.npz"):
        reader.IntentReader(np.zeros((3, 4)), np.zeros(3), np.asarray([0.5, -1.0, 0.5]),
                            {"intents": list(reader.INTENTS)})


def test_the_mentor_side_is_read_only_from_a_line_that_names_no_side(shipped):
    """A new user's "a couple med students want me to mentor them" got a mentee's advice; a
    line saying "my mentor" (a mentee) or naming both sides keeps the patterns' reading."""
    shipped(_reader(0.99, 0.99, mentor=0.5))
    line = "a couple of second years asked if i'd help them out this year"
    assert read_intent(line).audience == "mentee"
    assert reader.refine(read_intent(line), [1.0, 0, 0, 0], line).audience == "mentor"
    assert reader.refine(read_intent(line), [-1.0, 0, 0, 0], line).audience == "mentee"
    for kept in ("how do i thank my mentor", "how often do mentors and mentees meet?",
                 "what's the mentee's side of the deal?"):
        assert reader.refine(read_intent(kept), [1.0, 0, 0, 0], kept).audience == "mentee"


def test_sides_said_in_words_outrank_the_readers_guess(shipped):
    """The line's words, then the conversation's, then the reader: a review found "how do i keep
    them engaged" read as a mentor's right after "my mentor hasnt answered my last 3 emails"."""
    from coach.ask.cards.answer import question_intent

    line = "a couple of second years asked if i'd help them out this year"
    shipped(_reader(0.99, 0.99, mentor=0.5))
    calm = [{"role": "user", "content": "how do i plan my week"},
            {"role": "assistant", "content": "Start with your goals."}]
    assert question_intent(line, calm, [1.0, 0, 0, 0]).audience == "mentor"  # nothing said
    mentee_talk = [{"role": "user", "content": "my mentor hasnt answered my last 3 emails"}]
    assert question_intent("how do i keep them engaged", mentee_talk,
                           [1.0, 0, 0, 0]).audience == "mentee"
    shipped(_reader(0.99, 0.99))  # the reader silent: the conversation's side
    mentor_talk = [{"role": "user", "content": "i'm mentoring an ms1 this year"}]
    assert question_intent("what about research?", mentor_talk, [1.0, 0, 0, 0]).audience == \
        "mentor"


def test_the_shipped_model_was_trained_on_writer_js_dev_half():
    path = reader.model_path()
    with path.open("rb") as handle:
        data = np.load(handle, allow_pickle=False)
        meta = json.loads(str(data["meta"]))
        cuts = data["cut"]
    rows = safe_load((reader_train_root() / "evals" / "intent_blind" / "intents.yaml").read_text())
    assert meta["trained_on"] == sum(int(r["id"].rsplit("-", 1)[1]) % 2 == 1 for r in rows)
    assert meta["intents"] == list(reader.INTENTS) and ((cuts > 0) & (cuts < 1)).all()
    assert meta["embedding_model"] == "all-MiniLM-L6-v2"
    for intent in reader.INTENTS:  # the reader found more than the patterns on unseen messages
        held_out = meta["report"][intent]
        assert held_out["writer J test half reader"]["recall"] > \
            held_out["writer J test half patterns"]["recall"]


def reader_train_root():
    from coach.ask.cards.reader_train import ROOT

    return ROOT


def test_only_the_classifiers_homework_guess_yields_to_a_request_for_the_email():
    from types import SimpleNamespace

    from coach.ask.answer import asks_for_the_email

    guess = SimpleNamespace(kind="out_of_scope", category="homework",
                            reason="classifier:homework p=0.83")
    pattern = SimpleNamespace(kind="out_of_scope", category="homework", reason="pattern:homework")
    about_email = [{"role": "user", "content": "i emailed dr reyes and she hasnt replied"}]
    assert asks_for_the_email("can you write it for me", about_email, guess)
    assert not asks_for_the_email("can you write it for me", [], guess)  # what "it" is: unknown
    assert not asks_for_the_email("can you write it for me", about_email, pattern)
    assert not asks_for_the_email("what should i study tonight", about_email, guess)


@pytest.mark.parametrize(("line", "kind"), [
    ("type up an email to Dr. Goldberg asking to be my mentor", "faculty"),
    ("draft email. dr. fitzgerald. ENT. met at grand rounds.", "faculty"),
    ("emailed dr. kowalski twice already, nothing. write a 3rd follow up??", "follow_up"),
    ("write an email to sarah, an ms4 going into ortho, asking if she'd mentor me", "peer"),
    ("Hi! I'm an MS2 and I'm hoping to reach out to Dr. Washington. Could you write that email "
     "for me? Thank you so much!!", "faculty"),
    ("help me write an email to dr. chen asking if she has chart review projects", "research"),
    ("write a quick thank you to dr. abara for letting me shadow", "thank_you"),
])
def test_write_requests_in_students_words_and_their_kind(line, kind):
    """Blind write requests (evals/write_blind) missed by the patterns, or given the wrong kind:
    'type up', an article left out, a polite 'thank you so much!!', a peer's year."""
    read = read_intent(line)
    assert read.write_request and read.email_kind == kind


def test_writing_it_oneself_is_not_a_write_request():
    line = "I'll write the email myself, I just want to know: should I mention who referred me?"
    assert not read_intent(line).write_request
