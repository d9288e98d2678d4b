"""The one sentence splitter (coach/text.py) and the one embedding cache (coach/embeddings.py)."""

from __future__ import annotations

import numpy as np
import pytest

from coach.embeddings import VectorCache, shared_cache
from coach.testing import FakeEmbeddings
from coach.text import STARTS, split_sentences


def test_sentences_end_before_a_capital_and_keep_abbreviations():
    text = "Ask Dr. Lee early. then wait. Write again! \"Thanks\" helps (always)."
    assert split_sentences(text) == ["Ask Dr.", "Lee early. then wait.", "Write again!",
                                     "\"Thanks\" helps (always)."]
    assert split_sentences(text, keep=("Dr",))[0] == "Ask Dr. Lee early. then wait."


def test_a_citation_opens_a_sentence_only_when_asked():
    text = "Be specific. [1] Follow up in a week."
    assert split_sentences(text) == [text]
    assert split_sentences(text, STARTS + r"\[") == ["Be specific.", "[1] Follow up in a week."]


def test_each_text_is_embedded_once_and_kept_at_unit_length():
    fake = FakeEmbeddings()
    cache = VectorCache(fake, unit=True)
    first = cache.vectors(["find a mentor", "find a mentor", "email them"])
    again = cache.vectors(["email them", "find a mentor"])
    assert fake.calls == 1 and first.shape == (3, fake.dimensions)
    assert np.allclose(np.linalg.norm(again, axis=1), 1.0)
    assert np.array_equal(again[1], first[0])


def test_the_cache_is_bounded_and_lookups_come_first():
    fake = FakeEmbeddings()
    cache = VectorCache(fake, max_items=2)
    stored = {"from ingest": np.ones(fake.dimensions, dtype=np.float32)}
    got = cache.vectors(["from ingest", "a", "b", "c"], lookup=lambda rest: {
        t: stored[t] for t in rest if t in stored})
    assert np.array_equal(got[0], stored["from ingest"])
    assert list(cache._vectors) == ["b", "c"]  # newest two; lookups are not kept
    cache.vectors(["a"])
    assert fake.calls == 2


@pytest.mark.parametrize("name", ["fake-a", "fake-b"])
def test_one_shared_cache_per_model(name):
    assert shared_cache(FakeEmbeddings(model_name=name)) is shared_cache(
        FakeEmbeddings(model_name=name))
