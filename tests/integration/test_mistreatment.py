"""A student describing mistreatment gets support and reporting options, not mentoring tips."""

from __future__ import annotations

import pytest

from coach.safety.mistreatment import describes_mistreatment, mistreatment_reply


@pytest.mark.parametrize("text", [
    "My mentor has been making sexual comments to me and I feel unsafe. What should I do?",
    "my attending touched me and i feel unsafe around him",
    "my PI keeps making racist jokes in lab meetings, should I still ask him to be my mentor?",
    "a resident has been harassing me on rotation",
])
def test_mistreatment_is_recognised(text):
    assert describes_mistreatment(text)


@pytest.mark.parametrize("text", [
    "my research is on sexual harassment in surgery, how do I find a mentor for it?",
    "how do I find a research mentor?",
    "my mentor said no and I feel awful",
    # a fresh-eyes review's false matches
    "I feel safe with my mentor, should I ask her for a letter?",
    "It suddenly hit me that I don't have a mentor, where do I start?",
    "Her talk really grabbed me, how do I email her?",
    "I want to do research on sexual assault prevention, who could mentor me?",
])
def test_ordinary_questions_are_not(text):
    assert not describes_mistreatment(text)


def test_the_ask_path_answers_with_support_and_911(coach_instance):
    answer = coach_instance.ask("My mentor has been making sexual comments to me and I feel "
                                "unsafe. What should I do?")
    assert answer.kind == "answer" and answer.answer == mistreatment_reply()
    assert "911" in answer.answer and "Title IX" in answer.answer
    assert "fade" not in answer.answer
