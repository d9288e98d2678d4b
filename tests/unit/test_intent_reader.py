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


def _reader(distress: float, write: float, dim: int = 4) -> reader.IntentReader:
    """A reader whose probabilities are set by the first vector component's sign."""
    coef = np.zeros((2, dim), dtype=np.float32)
    coef[:, 0] = 20.0
    return reader.IntentReader(coef, np.zeros(2, dtype=np.float32),
                               np.asarray([distress, write], dtype=np.float32),
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
    read = reader.refine(calm, [1.0, 0, 0, 0])
    assert read.distress and read.write_request and not read.yes_no
    assert reader.refine(calm, [-1.0, 0, 0, 0]) == calm  # below the cuts: the patterns' reading


def test_the_reader_never_takes_away_what_a_pattern_found(shipped):
    shipped(_reader(0.5, 0.5))
    upset = read_intent("i'm so embarrassed, help me write a reply to my PI")
    assert upset.distress and upset.write_request
    assert reader.refine(upset, [-1.0, 0, 0, 0]) == upset


def test_another_embedders_vector_and_no_model_leave_the_patterns_alone(shipped):
    calm = read_intent("how do i find a mentor")
    shipped(_reader(0.5, 0.5, dim=4))
    assert reader.refine(calm, [1.0] * 8) == calm  # the fake embedder's size: patterns only
    assert reader.refine(calm, None) == calm
    shipped(None)
    assert reader.refine(calm, [1.0, 0, 0, 0]) == calm


def test_a_model_of_other_intents_is_refused_naming_the_file():
    with pytest.raises(ConfigError, match="intent_reader.npz"):
        reader.IntentReader(np.zeros((3, 4)), np.zeros(3), np.zeros(3), {"intents": ["x"]})


def test_the_shipped_model_was_trained_on_writer_js_dev_half():
    path = reader.model_path()
    with path.open("rb") as handle:
        data = np.load(handle, allow_pickle=False)
        meta = json.loads(str(data["meta"]))
        cuts = data["cut"]
    rows = safe_load((reader_train_root() / "evals" / "intent_blind" / "intents.yaml").read_text())
    assert meta["trained_on"] == sum(int(r["id"].rsplit("-", 1)[1]) % 2 == 1 for r in rows)
    assert meta["intents"] == list(reader.INTENTS) and ((cuts > 0) & (cuts < 1)).all()
    for intent in reader.INTENTS:  # the reader found more than the patterns on unseen messages
        held_out = meta["report"][intent]
        assert held_out["writer J test half reader"]["recall"] > \
            held_out["writer J test half patterns"]["recall"]


def reader_train_root():
    from coach.ask.cards.reader_train import ROOT

    return ROOT
