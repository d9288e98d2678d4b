"""The LLM-overhead benchmark skips a sampled question the safety gate stops (no request is
made, so there is nothing to time) instead of failing the run."""

from __future__ import annotations

import pytest

from benchmarks.llm_overhead import ours_once
from coach.ask.result import Answer


class _Coach:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer

    def stream(self, question: str, engine: str):  # noqa: ARG002
        yield self.answer


def test_a_safety_stop_is_skipped_not_fatal():
    stopped = Answer(kind="crisis", answer="Call or text 988.", engine="llm")
    first, final = ours_once(_Coach(stopped), "...should I just go quiet? (asking for myself)")
    assert first is None and final.kind == "crisis"


def test_an_answer_from_another_engine_still_fails_the_run():
    with pytest.raises(RuntimeError, match="did not answer"):
        ours_once(_Coach(Answer(kind="answer", answer="From the guide.", engine="guide")), "q")
