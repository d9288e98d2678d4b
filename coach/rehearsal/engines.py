"""What differs between the scripted mentor and an LLM: the persona's turn, the out-of-character
coaching reply and the feedback narrative, each a guide/LLM pair behind `coach.engine.Engine`.

`rehearsal_engines(llm)` pairs them with `coach.engine.Fallback`, so any LLM failure becomes
the scripted result plus a notice ("...; the scripted mentor replied.").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from coach.engine import Engine, Fallback
from coach.engine.contract import OneShot
from coach.rehearsal.personas import Persona
from coach.rehearsal.state import Line

if TYPE_CHECKING:
    from coach.rehearsal.scorecard import Scorecard

TRANSCRIPT_TOKENS = 2000  # of the role-play so far in a persona prompt (newest turns kept)
FEEDBACK_TOKENS = 3000  # of the transcript in the feedback prompt (a full rehearsal is ~1,500)
LEFT_OUT = ("The written feedback was left out because it did not hold up against the "
            "checklist; the verdicts above are complete.")


class Reply(BaseModel):
    """A persona turn or a coaching reply (text), with a notice when the LLM failed."""

    text: str
    notice: str | None = None


@dataclass(frozen=True)
class PersonaRequest:
    """The persona's next turn: the plan's guidance for an LLM, and the scripted line."""

    persona: Persona
    unavailable: bool
    answer: str
    guidance: str
    scripted: str
    turns: list[Line]


@dataclass(frozen=True)
class CoachRequest:
    """An out-of-character question, with the scripted coaching reply and the scorecard so far."""

    persona: Persona
    question: str
    scripted: str
    covered: str
    next_tip: str
    card: Scorecard
    turns: list[Line]


@dataclass(frozen=True)
class NarrativeRequest:
    """The scorecard (fixed verdicts) and the transcript it scored ({role, text} dicts)."""

    persona: Persona
    card: Scorecard
    turns: list[dict]


class Narrative(BaseModel):
    """A written paragraph on top of the verdicts ("" for none), or a notice why not."""

    text: str = ""
    notice: str | None = None


def _invoke(llm: Any, messages: list[Any]) -> str:
    from langchain_core.output_parsers import StrOutputParser

    return (llm | StrOutputParser()).invoke(messages)


def _said(turns: list[Any], *extra: str) -> str:
    return "\n".join([*(str(t.get("text") or "") for t in turns), *extra])


class Scripted(OneShot):
    """The scripted line the request carries (a persona turn or a coaching reply)."""

    name = "guide"

    def run(self, request: PersonaRequest | CoachRequest) -> Reply:
        return Reply(text=request.scripted)


class _WithModel(OneShot):
    name = "llm"

    def __init__(self, llm: Any):
        self.llm = llm


class LLMPersona(_WithModel):
    """The persona voiced by a chat model from prompts/rehearsal_persona.md, steered by the plan."""

    def run(self, request: PersonaRequest) -> Reply:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        from coach.grounding.turns import guard_persona_turn
        from coach.prompts import render
        from coach.safety.output import clean_output
        from coach.tokens import recent_within

        p = request.persona
        system = render("rehearsal_persona", persona=p, unavailable=request.unavailable,
                        style=p.style or "", answer=request.answer, guidance=request.guidance,
                        questions=p.questions())
        messages: list[Any] = [SystemMessage(system)]
        for t in recent_within(request.turns, TRANSCRIPT_TOKENS, key="text"):
            messages.append((AIMessage if t["role"] == "mentor" else HumanMessage)(t["text"]))
        text = guard_persona_turn(_invoke(self.llm, messages) or "", p, system,
                                  _said(request.turns))  # voice, length, leaks
        return Reply(text=clean_output(text[:1200]))


class LLMCoach(_WithModel):
    """A short coaching reply from prompts/rehearsal_ooc.md; the scripted one when it won't do."""

    def run(self, request: CoachRequest) -> Reply:
        from langchain_core.messages import HumanMessage

        from coach.grounding.turns import guard_coach_reply
        from coach.prompts import render
        from coach.safety.output import clean_output, leaks

        if not request.question:
            return Reply(text=request.scripted)
        p = request.persona
        prompt = render("rehearsal_ooc", persona=p, question=request.question,
                        covered=request.covered, next_tip=request.next_tip,
                        transcript=request.turns[-8:])
        out = _invoke(self.llm, [HumanMessage(prompt)]).strip()
        advice = [request.scripted, f"Carry on with the role-play with {p.name}."]
        out, _ = guard_coach_reply(out, request.card, p, prompt,
                                   _said(request.turns, request.question), advice)
        if out and not leaks(out, prompt):  # else the scripted coaching stands
            return Reply(text=f"(Out of character) {clean_output(out[:800])}")
        return Reply(text=request.scripted)


class GuideNarrative(OneShot):
    """No narrative: the verdicts speak for themselves."""

    name = "guide"

    def run(self, request: NarrativeRequest) -> Narrative:
        return Narrative()


class LLMNarrative(_WithModel):
    """A paragraph from prompts/rehearsal_feedback.md, kept only if it holds up against the card."""

    def run(self, request: NarrativeRequest) -> Narrative:
        from langchain_core.messages import HumanMessage

        from coach.grounding.turns import guard_narrative
        from coach.prompts import render
        from coach.safety.output import clean_output
        from coach.safety.untrusted import screen_history  # flagged lines never reach the prompt
        from coach.tokens import recent_within

        card = request.card
        prompt = render(
            "rehearsal_feedback", persona=request.persona, criteria=card.criteria,
            score=card.score, first_fix=card.first_fix,
            transcript=recent_within(screen_history(request.turns, key="text"),  # newest kept
                                     FEEDBACK_TOKENS, key="text"))
        text = _invoke(self.llm, [HumanMessage(prompt)]).strip()
        narrative, _ = guard_narrative(text, card, request.persona, prompt, _said(request.turns))
        narrative = clean_output(narrative) if narrative else narrative
        return Narrative(text=narrative) if narrative else Narrative(notice=LEFT_OUT)


@dataclass(frozen=True)
class RehearsalEngines:
    """The three engines a rehearsal uses; scripted ones when no chat model is configured."""

    persona: Engine[PersonaRequest, Reply]
    coach: Engine[CoachRequest, Reply]
    narrative: Engine[NarrativeRequest, Narrative]


def rehearsal_engines(llm: Any = None) -> RehearsalEngines:
    """Scripted engines, or LLM ones that fall back to them with a notice (None = scripted)."""
    if llm is None:
        return RehearsalEngines(Scripted(), Scripted(), GuideNarrative())
    return RehearsalEngines(
        Fallback(LLMPersona(llm), Scripted(), instead="the scripted mentor replied"),
        Fallback(LLMCoach(llm), Scripted(), instead="the guide engine replied"),
        Fallback(LLMNarrative(llm), GuideNarrative(),
                 instead="the scorecard comes from the guide engine instead"))
