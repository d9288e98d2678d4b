"""The follow-up rewrite (used for retrieval) must be a short question in the student's words,
without the prompt; otherwise the student's own question is used."""

from __future__ import annotations

import pytest

from coach.ask.llm_engine import LLMEngine
from coach.grounding.rewrite import MAX_WORDS, standalone_question
from coach.prompts import CANARY, render
from coach.testing import ScriptedChatModel

HISTORY = [{"role": "user", "content": "How do I find a research mentor?"},
           {"role": "assistant", "content": "Look at faculty research interests first."}]
FOLLOW_UP = "And how should I write the first email?"
PROMPT = render("condense", history=HISTORY, question=FOLLOW_UP)


@pytest.mark.parametrize("reply,expected", [
    ("How should I write the first email to a research mentor?",
     "How should I write the first email to a research mentor?"),
    ('Standalone question: "How do I write my first email to a research mentor?"',
     "How do I write my first email to a research mentor?"),
])
def test_a_question_in_the_students_words_is_used(reply, expected):
    assert standalone_question(reply, FOLLOW_UP, HISTORY, PROMPT) == expected


@pytest.mark.parametrize("reply", [
    "",
    "You should write a short, polite email introducing yourself.",  # an answer, not a question
    "What are the best online platforms like Reddit and LinkedIn for networking?",  # drifted
    "Rewrite the student's follow-up as one standalone question about mentorship, using the "
    "conversation for context?",  # the prompt
    "How " + "very " * MAX_WORDS + "long is it?",
    f"How should I write the first email? {CANARY}",
    "How do I find a research mentor?",  # lost the follow-up (only the earlier turn's words)
])
def test_anything_else_falls_back_to_the_students_question(reply):
    assert standalone_question(reply, FOLLOW_UP, HISTORY, PROMPT) == FOLLOW_UP


def test_the_engine_guards_its_rewrite():
    drifted = "Which Reddit forums rank the top dermatology residency programs?\nMore text."
    llm = ScriptedChatModel(drifted)
    engine = LLMEngine(llm, "gpt-4o-mini")
    assert engine.condense(FOLLOW_UP, HISTORY) == FOLLOW_UP
