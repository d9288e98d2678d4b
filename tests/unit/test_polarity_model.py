"""The learned yes/no polarity (coach/ask/cards/polarity.py) and its eval (evals/blind/polarity)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from coach.ask.cards import polarity
from coach.ask.cards.compose import first_line
from coach.ask.cards.intent import Intent
from coach.ask.cards.model import Card, Point
from coach.ask.cards.polarity import PolarityModel, asking_sentence, lean, load_polarity, opening
from coach.errors import ConfigError
from coach.evals.blind.polarity import label_metrics, load_labels
from coach.evals.blind.polarity import polarity as answer_polarity

QUOTE = "Your mentor might be a classmate, an older student, a resident or an attending physician."


def card(verdict: str | None) -> Card:
    return Card(id="levels", section="The importance of mentorship", audience="mentee",
                answer="a mentor doesn't have to be an attending: a resident can mentor you.",
                verdict=verdict, points=[Point(say="Residents mentor too.", quote=QUOTE)],
                next_step="List one resident you could ask.",
                questions=[f"question {n}?" for n in range(4)])


def model(veto: float = 0.1, fill: float = 0.25) -> PolarityModel:
    return PolarityModel(["mentor"], np.ones(1), np.zeros(3), 0.0,
                         {"embedding_model": "m", "vector_dim": 2, "veto": veto, "fill": fill})


@pytest.fixture
def shipped(monkeypatch):
    """Install `m` as the loaded polarity model for one test."""
    def install(m: PolarityModel | None) -> None:
        monkeypatch.setitem(polarity._LOADED, "model", m)
    return install


def yes_no(p: float | None) -> Intent:
    return Intent(yes_no=True, distress=False, audience="mentee", write_request=False,
                  yes_probability=p)


GO_AHEAD = "Yes, a mentor can be a classmate, an older student, a resident or an attending."


def test_a_verdict_the_model_contradicts_gives_way_to_the_neutral_line(shipped):
    shipped(model())
    line = first_line(card(GO_AHEAD), yes_no(0.2), "do mentors have to be attendings?")
    assert line.startswith("Short answer: a mentor doesn't have to be an attending")


def test_a_verdict_is_kept_when_the_model_agrees_or_is_unsure(shipped):
    shipped(model())
    assert first_line(card(GO_AHEAD), yes_no(0.9), "can a resident mentor me?") == GO_AHEAD
    assert first_line(card(GO_AHEAD), yes_no(0.45), "can a resident mentor me?") == GO_AHEAD


def test_a_card_without_a_verdict_says_yes_or_no_only_when_the_model_is_sure(shipped):
    shipped(model(fill=0.25))
    assert first_line(card(None), yes_no(0.1), "must it be an attending?") == (
        "No. A mentor doesn't have to be an attending: a resident can mentor you.")
    assert first_line(card(None), yes_no(0.8), "x?").startswith("Yes. A mentor")
    assert first_line(card(None), yes_no(0.7), "x?").startswith("Short answer:")


def test_without_a_model_or_a_probability_verdicts_stand(shipped):
    shipped(None)
    assert first_line(card(GO_AHEAD), yes_no(0.0), "do they have to be attendings?") == GO_AHEAD
    shipped(model())
    assert first_line(card(GO_AHEAD), yes_no(None), "do they have to be attendings?") == GO_AHEAD
    assert first_line(card(None), yes_no(None), "x?").startswith("Short answer:")


def test_lean_and_opening():
    assert lean(0.62, 0.1) == "yes" and lean(0.38, 0.1) == "no" and lean(0.55, 0.1) is None
    assert lean(None, 0.1) is None
    assert opening("Yes, ask them.") == "yes"
    assert opening("Not at all. Ask them.") == "no" and opening("No, it's fine.") == "no"
    assert opening("It's normal: most do.") is None


def test_the_asking_sentence_is_the_last_question():
    assert asking_sentence("I failed. Is that bad? Whatever.") == "Is that bad?"
    assert asking_sentence("no question here") == "no question here"


def test_the_numpy_tfidf_matches_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["is it weird to email a resident?", "do I have to go into their specialty?",
             "can a resident be my mentor? is it weird", "is it ok to email twice twice"]
    vec = TfidfVectorizer(ngram_range=polarity.NGRAMS, sublinear_tf=True,
                          token_pattern=polarity.TOKEN.pattern).fit(texts)
    vocab = list(vec.get_feature_names_out())
    m = PolarityModel(vocab, vec.idf_, np.zeros(len(vocab) + 2), 0.0,
                      {"embedding_model": "m", "vector_dim": 2, "veto": 0.1, "fill": 0.2})
    for text in texts + ["Is It WEIRD to email... a resident?? twice"]:
        ours = m.tfidf(text)
        theirs = vec.transform([asking_sentence(text)]).toarray()[0]
        assert np.allclose(ours, theirs, atol=1e-12)


def test_another_embedders_vector_is_not_read():
    m = model()
    assert m.yes_probability("x?", [1.0, 0.0], "other-model") is None
    assert m.yes_probability("x?", [1.0, 0.0, 0.0], "m") is None  # wrong dimension
    assert m.yes_probability("x?", [float("nan"), 0.0], "m") is None
    assert m.yes_probability("x?", None, "m") is None


def test_the_probability_reads_the_words_and_the_vector():
    m = PolarityModel(["mentor"], np.ones(1), np.array([2.0, 0.0, -1.0]), 0.5,
                      {"embedding_model": "m", "vector_dim": 2, "veto": 0.1, "fill": 0.2})
    plain = 1 / (1 + np.exp(-0.5))
    assert m.yes_probability("other words?", [1.0, 0.0], "m") == pytest.approx(plain)
    assert m.yes_probability("a mentor? fine.", [1.0, 0.0], "m") == pytest.approx(
        1 / (1 + np.exp(-2.5)))  # the asking sentence holds the term
    assert m.yes_probability("other words?", [0.0, 3.0], "m") == pytest.approx(
        1 / (1 + np.exp(0.5)))  # the vector is normalised: -1 x 1
    huge = PolarityModel(["mentor"], np.ones(1), np.array([1e6, 0.0, 0.0]), 0.0, m.meta)
    assert huge.yes_probability("mentor?", [1.0, 0.0], "m") == pytest.approx(1.0)


GOOD = {"embedding_model": "m", "vector_dim": 2, "veto": 0.1, "fill": 0.2}


@pytest.mark.parametrize(("vocab", "idf", "coef", "intercept", "meta", "field"), [
    (["a"], np.ones(1), np.zeros(3), 0.0, {**GOOD, "veto": 0.3}, "meta.veto/fill"),
    (["a"], np.ones(1), np.zeros(3), 0.0, {**GOOD, "vector_dim": 5}, "coef"),
    (["a"], np.ones(1), np.zeros(3), 0.0, {k: v for k, v in GOOD.items() if k != "vector_dim"},
     "meta.vector_dim"),
    (["a"], np.ones(1), np.zeros(3), 0.0, {k: v for k, v in GOOD.items()
                                           if k != "embedding_model"}, "meta.embedding_model"),
    (["a", "a"], np.ones(2), np.zeros(4), 0.0, GOOD, "vocab"),
    (["a"], np.array([np.inf]), np.zeros(3), 0.0, GOOD, "idf"),
    (["a"], np.ones(1), np.zeros(3), float("nan"), GOOD, "intercept"),
])
def test_a_malformed_model_names_the_file_and_field(vocab, idf, coef, intercept, meta, field):
    with pytest.raises(ConfigError, match=rf"polarity.npz: field {re.escape(field)}"):
        PolarityModel(vocab, idf, coef, intercept, meta)


def test_disabled_hides_the_model_and_puts_it_back(shipped):
    m = model()
    shipped(m)
    with polarity.disabled():
        assert load_polarity() is None
    assert load_polarity() is m


def test_a_verdict_without_yes_or_no_is_never_contradicted(shipped):
    shipped(model())
    normal = "It's normal: a no is usually about their schedule and timing, not you."
    for p in (0.0, 1.0):
        assert first_line(card(normal), yes_no(p), "is it normal she said no?") == normal


def test_the_shipped_model_loads_with_its_margins(monkeypatch):
    monkeypatch.delitem(polarity._LOADED, "model", raising=False)
    m = load_polarity()
    assert m is not None and 0 < m.veto <= m.fill < 0.5
    assert m.meta["embedding_model"] == "all-MiniLM-L6-v2" and m.meta["vector_dim"] == 384
    with polarity.model_path().open("rb") as handle:
        assert json.loads(str(np.load(handle)["meta"]))["rows"] >= 150


@pytest.mark.parametrize(("answer", "expected"), [
    ("Yes, ask them.\n\n- point", "yes"), ("Not at all. Ask them.", "no"),
    ("No. Keep going.", "no"), ("Short answer: ask them.", None),
    ("That sounds really hard, and it makes sense. Yes, tell her.", "yes"),
    ("It's normal: most do.", None), ("Nobody knows.", None),
    ("Absolutely not: ask.", "no"), ("Of course not.", "no"), ("Definitely, ask.", "yes"),
    ("Don\u2019t wait.", "no"),
])
def test_what_an_answer_opens_with(answer, expected):
    assert answer_polarity(answer) == expected


def test_label_metrics_count_only_yes_and_no_labels(tmp_path):
    path = tmp_path / "verdicts_dev.yaml"
    path.write_text("- {id: a, expected: 'yes'}\n- {id: b, expected: 'no'}\n"
                    "- {id: c, expected: depends}\n- {id: d, expected: 'no'}\n")
    labels = load_labels(path)
    cases = [{"id": "a", "answer": "Yes, do."}, {"id": "b", "answer": "Yes, do."},
             {"id": "c", "answer": "No."}, {"id": "d", "answer": "Short answer: x."},
             {"id": "z", "answer": "Yes."}]
    assert label_metrics(cases, labels) == {"verdict_wrong": 0.333, "verdict_right": 0.333,
                                            "verdict_labelled": 3}


def test_a_bad_label_names_the_file_and_item(tmp_path):
    from coach.errors import InputError

    path = tmp_path / "verdicts_dev.yaml"
    path.write_text("- {id: a, expected: maybe}\n")
    with pytest.raises(InputError, match=r"verdicts_dev.yaml: item a"):
        load_labels(path)
