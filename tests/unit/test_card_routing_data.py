"""The unseen writers' card questions (evals/card_questions) name every shipped card."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.ask.cards.model import load_cards
from coach.ask.cards.routing_study import FILES
from coach.yamlio import safe_load

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", FILES)
def test_every_card_has_eight_questions_from_each_writer(name):
    questions = safe_load((ROOT / "evals" / "card_questions" / name).read_text(encoding="utf-8"))
    assert set(questions) == {c.id for c in load_cards(ROOT / "knowledge")}
    assert {len(v) for v in questions.values()} == {8}
    assert all(isinstance(q, str) and q.strip() for v in questions.values() for q in v)
