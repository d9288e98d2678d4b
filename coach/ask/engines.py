"""The two answer engines behind `coach.engine.Engine`: the guide's own words, or the LLM's.

Both take an `AnswerRequest` (a question already through the safety gate, with its screened
history) and give `Answer`s; `Coach` picks one with `coach.engine.choose` and wraps the LLM
engine in `coach.engine.Fallback`, so an LLM failure becomes the guide answer plus a notice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.ask.deadline import within_deadline
from coach.ask.model_output import leaks_prompt, streamable, strip_images
from coach.ask.result import Answer, Source, sources_from
from coach.engine.contract import EngineName, OneShot
from coach.errors import LLMError, PromptLeak
from coach.grounding import guard_for
from coach.safety.output import clean_output
from coach.spelling import fix

if TYPE_CHECKING:
    from coach.ask.answer import Coach


@dataclass(frozen=True)
class AnswerRequest:
    """A question that passed the safety gate, with its normalised and screened history."""

    question: str
    history: list[dict]


class GuideAnswers(OneShot):
    """Advice cards, else the guide's own sentences, else an honest "not covered" (no LLM)."""

    name: EngineName = "guide"

    def __init__(self, coach: Coach) -> None:
        self.coach = coach

    def run(self, request: AnswerRequest) -> Answer:
        from coach.ask.cards.answer import card_answer

        answer = card_answer(self.coach, request.question, request.history)
        # knowledge is untrusted too: answer and sources are cleaned like any model output
        return answer.model_copy(update={
            "answer": clean_output(answer.answer),
            "sources": [s.model_copy(update={"text": clean_output(s.text)})
                        for s in answer.sources]})


class LLMAnswers:
    """A cited answer streamed from the chat model, each sentence held back until the grounding
    guard passes it. Raises on any failure (`PromptLeak` when the prompt starts to leak)."""

    name: EngineName = "llm"

    def __init__(self, coach: Coach, guide: GuideAnswers) -> None:
        self.coach, self.guide = coach, guide

    def run(self, request: AnswerRequest) -> Answer:
        return deque(self.stream(request), maxlen=1)[0]

    def _steps(self, question: str, history: list[dict]) -> Iterator[object]:
        """The LLM pipeline as one iterator: first the sources, then the answer's tokens."""
        from coach.ask.cards.answer import card_context  # both engines share the cards' grounding

        coach, engine = self.coach, self.coach.llm_engine
        query = engine.condense(question, history) if history else question
        # retrieval and card matching read the line as meant, as the guide engine does (the
        # model is still given what the student typed)
        reading = fix(query)
        hits, vector = coach.retrieve(reading)
        hits = card_context(coach, reading, vector, history) + hits
        yield sources_from(hits)
        yield from engine.stream(question, hits, history)

    def stream(self, request: AnswerRequest) -> Iterator[Answer]:
        question, history = request.question, request.history
        steps = within_deadline(self._steps(question, history), self.coach.settings.llm_deadline)
        sources: list[Source] = next(steps)
        guard = guard_for(self.coach, [s.text for s in sources], question, history)
        text = ""
        for token in steps:
            text += token
            if leaks_prompt(text):  # the prompt is leaking: stop and redirect
                raise PromptLeak()
            shown = guard.feed(token) if guard else streamable(text)
            yield Answer(kind="answer", answer=clean_output(strip_images(shown, partial=True)),
                         sources=sources, engine="llm", done=False)
        if not text.strip():
            raise LLMError("empty reply")
        if not guard:
            yield Answer(kind="answer", answer=clean_output(strip_images(text)), sources=sources,
                         engine="llm")
            return
        final, report = guard.result()
        if not report.enough:  # too little survived: the guide engine answers
            yield self.guide.run(request).model_copy(
                update={"notice": report.fallback_notice, "grounding": report})
            return
        yield Answer(kind="answer", answer=clean_output(strip_images(final)), sources=sources,
                     engine="llm", grounding=report)


def leak_redirect() -> Answer:
    """What a student sees when the model began repeating its instructions."""
    from coach.safety import Verdict, redirect_response

    verdict = Verdict(kind="injection", category="extraction", reason="canary")
    return Answer(kind="redirect", answer=redirect_response(verdict), engine="llm")
