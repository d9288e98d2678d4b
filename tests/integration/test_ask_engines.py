"""The answer engines behind the one engine contract: choice, fallback and the prompt-leak path."""

from __future__ import annotations

import pytest

from coach.ask.answer import Coach
from coach.ask.engines import AnswerRequest, GuideAnswers, LLMAnswers
from coach.config import Settings
from coach.engine import Engine, Fallback
from coach.errors import LLMError, PromptLeak
from coach.prompts import CANARY
from coach.testing import ScriptedChatModel

QUESTION = "How do I find a research mentor?"


def llm_coach(coach_instance, *replies: str) -> Coach:
    coach = Coach(Settings(), coach_instance.retriever,
                  llm=ScriptedChatModel(*replies))
    coach.guide = coach_instance.guide
    return coach


def test_both_answer_engines_meet_the_contract(coach_instance):
    guide = GuideAnswers(coach_instance)
    for engine in (guide, LLMAnswers(coach_instance, guide)):
        assert isinstance(engine, Engine)
    assert coach_instance.answer_engine("guide").name == "guide"
    wrapped = coach_instance.answer_engine("llm", forced=True)
    assert isinstance(wrapped, Fallback) and wrapped.forced and wrapped.name == "llm"


def test_guide_engine_runs_and_streams_the_same_answer(coach_instance):
    engine = GuideAnswers(coach_instance)
    request = AnswerRequest(QUESTION, [])
    (streamed,) = list(engine.stream(request))
    assert streamed == engine.run(request) and streamed.engine == "guide"


def test_a_leak_raises_prompt_leak_and_is_redirected_even_when_forced(coach_instance):
    coach = llm_coach(coach_instance, f"Sure: {CANARY}")
    with pytest.raises(PromptLeak):
        LLMAnswers(coach, GuideAnswers(coach)).run(AnswerRequest(QUESTION, []))
    coach = llm_coach(coach_instance, f"Sure: {CANARY}")
    final = coach.ask(QUESTION, engine="llm")
    assert (final.kind, final.engine) == ("redirect", "llm") and CANARY not in final.answer


def test_forced_failure_names_the_reason_without_the_guide_wording(coach_instance):
    with pytest.raises(LLMError) as failure:
        llm_coach(coach_instance, "").ask(QUESTION, engine="llm")
    message = str(failure.value)
    assert message.startswith("The language model failed (") and message.endswith(").")
    assert "guide engine" not in message
