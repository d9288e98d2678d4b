"""One model call per ask: the question (with what the safety gate reads) is embedded once and
shared by the gate, retrieval, card matching and composition; guide units come from ingest."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from coach.ask.answer import Coach
from coach.ask.cards.matching import CardMatcher
from coach.index.unit_vectors import UnitVectors, path_for, sync_unit_vectors, unit_texts

FRESH = itertools.count()


def fresh(question: str) -> str:
    """The question in words no cache in this process has seen (the suffix is a new token run)."""
    return f"{question} (asked as question {next(FRESH)} of the embedding-count test)"


@pytest.fixture
def encode_calls(coach_instance, monkeypatch):
    """The texts of every call that reaches the model."""
    embeddings = coach_instance.retriever.store.embeddings
    coach_instance.offices._examples()  # embedded once per process, not once per ask
    calls: list[list[str]] = []
    real = embeddings._encode

    def spy(texts):
        calls.append(list(texts))
        return real(texts)

    monkeypatch.setattr(embeddings, "_encode", spy)
    return calls


@pytest.mark.parametrize("question", [
    "How do I find a research mentor?",
    "My mentor stopped replying, what now?",
    "What's the best way to study for the MCAT physics section?",
    "I failed my first exam and I feel awful, who can I talk to?",
])
def test_one_model_call_per_ask(coach_instance, encode_calls, question):
    coach_instance.ask(fresh(question))
    assert len(encode_calls) == 1
    assert len(encode_calls[0]) == 1  # every guide source has cards: the question alone


def test_one_model_call_per_ask_with_history(coach_instance, encode_calls):
    history = [{"role": "user", "content": fresh("How do I approach a faculty member?")},
               {"role": "assistant", "content": fresh("Introduce yourself and your goals.")}]
    coach_instance.ask("what about for research?", history)
    assert len(encode_calls) == 1


def test_a_follow_up_to_a_card_answer_costs_one_model_call(coach_instance, encode_calls):
    """The previous answer's topic comes from stored point vectors, not a second embedding."""
    first_q = "How do I find a mentor?"
    first = coach_instance.ask(first_q)
    encode_calls.clear()
    follow = fresh("what about for research?")
    coach_instance.ask(follow, [{"role": "user", "content": first_q},
                                {"role": "assistant", "content": first.answer}])
    assert len(encode_calls) == 1
    assert follow in encode_calls[0]  # the follow-up's own words, its new angle


def test_extractive_engine_embeds_only_the_question(coach_instance, encode_calls):
    """Without cards the extractive engine answers: its units come from the ingest-time store;
    the question and its expansion are embedded together, once."""
    no_cards = CardMatcher([], [], [], np.zeros((0, 384), dtype=np.float32))
    coach = Coach(coach_instance.settings, coach_instance.retriever, cards=no_cards)
    answer = coach.ask(fresh("How often should a mentor and mentee meet?"))
    assert answer.kind == "answer" and answer.sources
    assert len(encode_calls) == 1
    assert len(encode_calls[0]) == 2  # the question and its expansion (the guide's words)


def test_unit_vectors_are_stored_at_ingest_and_reused(coach_instance, tmp_path, encode_calls):
    docs, _ = coach_instance.retriever._corpus
    stored = UnitVectors(path_for(coach_instance.settings.data_dir))
    model = coach_instance.retriever.store.embeddings.model_name
    texts = unit_texts(docs)
    assert len(stored.lookup(model, texts)) == len(texts) > 100
    embeddings = coach_instance.retriever.store.embeddings
    assert sync_unit_vectors(tmp_path, docs[:3], embeddings) == len(unit_texts(docs[:3]))
    assert sync_unit_vectors(tmp_path, docs[:3], embeddings) == 0  # unchanged: nothing embedded
    extra = "\n\nAlways thank your mentors after every meeting."
    changed = [docs[0].model_copy(update={"page_content": docs[0].page_content + extra})]
    assert sync_unit_vectors(tmp_path, changed + docs[1:3], embeddings) == 1  # one new unit
    now = unit_texts(changed + docs[1:3])
    assert len(UnitVectors(path_for(tmp_path)).lookup(model, now)) == len(now)
    assert sync_unit_vectors(tmp_path, docs[1:3], embeddings) == 0  # a removal embeds nothing
    only_first = set(unit_texts(changed)) - set(unit_texts(docs[1:3]))
    assert UnitVectors(path_for(tmp_path)).lookup(model, list(only_first)) == {}


def test_a_failing_prefetch_never_blocks_the_safety_gate(coach_instance, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("cards unreadable")

    monkeypatch.setattr(Coach, "_may_compose", broken)
    answer = coach_instance.ask(fresh("I want to kill myself tonight"))
    assert answer.kind == "crisis"
