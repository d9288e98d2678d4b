"""Speed work changes no answer: the guide engine's answers equal those recorded from the code
before it (tests/answer_snapshot.py made tests/data/answer_snapshot.json from main)."""

from __future__ import annotations

import json

import pytest
from answer_snapshot import SNAPSHOT, answers


def _rounded(answer: dict) -> dict:
    """Scores to 3 decimals: a vector embedded in another batch differs in its 7th digit."""
    return {**answer, "sources": [{**s, "score": round(s["score"], 3)}
                                  for s in answer.get("sources", [])]}


@pytest.fixture(scope="module")
def recorded_and_now(coach_instance):
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return recorded, answers(coach_instance)


def test_asked_answers_are_unchanged(recorded_and_now):
    recorded, now = recorded_and_now
    assert [a["question"] for a in now["ask"]] == [a["question"] for a in recorded["ask"]]
    for before, after in zip(recorded["ask"], now["ask"], strict=True):
        assert _rounded(after["answer"]) == _rounded(before["answer"]), before["question"]


def test_composed_answers_are_unchanged(recorded_and_now):
    recorded, now = recorded_and_now
    for before, after in zip(recorded["compose"], now["compose"], strict=True):
        assert after["answer"] == before["answer"], before["question"]
