"""Rehearse the ask: role-play with a mentor persona, then a scorecard that cites the guide.

A rehearsal is a `RehearsalState` advanced one student line at a time by `step`; the web tab,
the API and the CLI share it. The scripted mentor (coach/rehearsal/planner.py) probes what the
ask still lacks; an LLM persona speaks from the same plan (coach/rehearsal/engines.py), and the
scripted turn stands in, with a notice, when it fails. Every student line passes the safety gate.
"""

from __future__ import annotations

import random
import re
import zlib
from typing import Any, Literal

from pydantic import BaseModel

from coach.errors import InputError
from coach.rehearsal.engines import (
    CoachRequest,
    PersonaRequest,
    RehearsalEngines,
    rehearsal_engines,
)
from coach.rehearsal.personas import PERSONAS, Persona, get_persona
from coach.rehearsal.planner import CRISIS_PAUSE, MISTREATMENT_PAUSE, pick, plan_reply
from coach.rehearsal.scorecard import LABELS, PRIORITY, Scorecard, score_transcript
from coach.rehearsal.state import MAX_HISTORY, RehearsalState, pack_rng, unpack_rng

__all__ = ["PERSONAS", "Persona", "RehearsalState", "Scorecard", "Session", "Turn", "new_state",
           "score_transcript", "start_rehearsal", "step"]

MAX_STUDENT_TURNS = 12
UNAVAILABLE_CHANCE = 0.15  # "If they say no, don't take it personally": practise it sometimes
MAX_CHARS = 4000

_FEEDBACK = re.compile(
    r"^\s*(?:/feedback|/end|/done|(?:can|could|may) i (?:please )?(?:get|have|see) "
    r"(?:some |my |your )?feedback(?: now| please)?|(?:give me |i'?d like |let'?s get )?"
    r"(?:some |my )?feedback,? please|how did i do|end (?:the )?(?:rehearsal|role-?play))"
    r"\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_OOC = re.compile(
    r"^\s*(?:/ooc\b|[(\[]\s*(?:ooc|out of character)\s*[)\]]|(?:ooc|out of character)\s*:)\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_PAUSED = ("I've stepped out of the role-play. Whenever you're ready, pick up where you left off "
           "with {name}, or type /feedback for your scorecard.")

Kind = Literal["mentor", "crisis", "mistreatment", "redirect", "end", "coach"]


class Turn(BaseModel):
    """One reply. kind: mentor (in character), crisis, mistreatment (support and reporting
    options), redirect, end, coach (out of character)."""

    role: str
    text: str
    kind: Kind = "mentor"
    notice: str | None = None
    care: str | None = None  # crisis resources beside the reply when the safety gate was unsure


def persona_of(state: RehearsalState) -> Persona:
    """The state's persona, with the research PI's mentoring style when one was drawn."""
    p = get_persona(state.persona)
    return p.model_copy(update={"style": state.style}) if state.style and p.research else p


def new_state(persona: str | Persona = "faculty", unavailable: bool | None = None,
              seed: int | None = None,
              style: Literal["hands-on", "hands-off"] | None = None) -> RehearsalState:
    """A new role-play; `unavailable=None` lets the seed decide (about 15% say no kindly)."""
    p = get_persona(persona)
    rng = random.Random(seed)
    if unavailable is None:
        unavailable = rng.random() < UNAVAILABLE_CHANCE
    if p.research and (style or not isinstance(persona, Persona)):
        style = style or rng.choice(("hands-on", "hands-off"))
    opening = {"role": "mentor", "text": p.opening}
    return RehearsalState(persona=p.id, style=style or p.style, seed=seed,
                          unavailable=bool(unavailable), turns=[opening], history=[opening],
                          used=[p.opening], rng=pack_rng(rng))


def seed_for(persona: str, first_line: str) -> int:
    """The API's seed: from the persona and the student's first line, so a conversation keeps
    the same mentor behaviour across calls."""
    return zlib.crc32(f"{persona}\n{first_line}".encode())


def _said(state: RehearsalState, *lines: dict) -> None:
    state.history = [*state.history, *lines][-MAX_HISTORY:]


def _end(state: RehearsalState, text: str, command: str | None) -> Turn:
    state.done = True
    _said(state, *([{"role": "student", "text": command}] if command else []),
          {"role": "mentor", "text": text})
    return Turn(role="mentor", text=text, kind="end")


def step(state: RehearsalState, student_text: str,
         engine: RehearsalEngines | None = None) -> tuple[RehearsalState, Turn]:
    """(the next state, the mentor's or coach's answer) for one student line; `state` is kept."""
    if state.done:
        raise InputError("this rehearsal has ended; get your feedback or start a new one")
    text = " ".join((student_text or "").split())
    if not text:
        raise InputError("say something to the mentor, or type /feedback to finish")
    if len(text) > MAX_CHARS:
        raise InputError(f"that line is over {MAX_CHARS} characters; keep it to what you'd say")
    engine = engine or rehearsal_engines()
    state = state.model_copy(deep=True)
    # What the mentor's last line asked about; this turn's probe is set only when the mentor
    # plans a reply.
    asked, state.last_probe = state.last_probe, None
    persona = persona_of(state)
    if _FEEDBACK.match(text):
        return state, _end(state, "Let's pause the role-play there. Here's your feedback.", text)
    ooc = _OOC.match(text)
    from coach.safety.untrusted import student_lines

    guard, care = _guard(ooc.group(1) if ooc else text, persona,
                         student_lines(state.history, key="text"))
    if guard is not None:
        _said(state, {"role": "student", "text": text}, {"role": "mentor", "text": guard.text})
        return state, guard
    state, turn = _carry_on(state, text, ooc, persona, engine, asked)
    return state, turn.model_copy(update={"care": care}) if care else turn


def _carry_on(state: RehearsalState, text: str, ooc: re.Match | None, persona: Persona,
              engine: RehearsalEngines, asked: str | None = None) -> tuple[RehearsalState, Turn]:
    """The reply to a line the safety gate let through: out of character, or in the role-play
    (`asked`: what the mentor's previous line asked about)."""
    if ooc:  # an aside to the coach: the mentor's question is still the one pending
        state.last_probe = asked
        turn = _out_of_character(state, persona, ooc.group(1).strip(), engine)
        _said(state, {"role": "student", "text": text}, {"role": "mentor", "text": turn.text})
        return state, turn
    state.turns.append({"role": "student", "text": text})
    _said(state, {"role": "student", "text": text})
    rng = unpack_rng(state.rng)
    if state.student_turns >= MAX_STUDENT_TURNS:
        closing = pick(state, rng, persona.closing)
        state.turns.append({"role": "mentor", "text": closing})
        state.rng = pack_rng(rng)
        return state, _end(state, f"{closing} (That's the end of the rehearsal; here's your "
                                  "feedback.)", None)
    plan = plan_reply(state, rng, persona, text, asked)
    state.rng = pack_rng(rng)
    reply = engine.persona.run(PersonaRequest(
        persona=persona, unavailable=state.unavailable, answer=state.answer or "",
        guidance=plan.guidance, scripted=plan.scripted, turns=list(state.turns)))
    if reply.text not in state.used:
        state.used.append(reply.text)
    state.turns.append({"role": "mentor", "text": reply.text})
    _said(state, {"role": "mentor", "text": reply.text})
    return state, Turn(role="mentor", text=reply.text, notice=reply.notice)


def _out_of_character(state: RehearsalState, persona: Persona, question: str,
                      engine: RehearsalEngines) -> Turn:
    """A short coaching reply outside the role-play; it is not part of the scored transcript."""
    card = score_transcript(state.turns, persona)
    covered = ", ".join(LABELS[c].lower() for c in card.met) or "nothing yet"
    nxt = next((card.get(c) for c in PRIORITY if c in card.missing), None)
    text = f"(Out of character) So far you've covered: {covered}. " + (
        f"Next, {nxt.tip[0].lower()}{nxt.tip[1:]} (guide: \"{nxt.section}\")." if nxt
        else "You've covered every part of the ask.")
    text += f" Then carry on with {persona.short_name}."
    reply = engine.coach.run(CoachRequest(
        persona=persona, question=question, scripted=text, covered=covered,
        next_tip=nxt.tip if nxt else "", card=card, turns=list(state.turns)))
    return Turn(role="mentor", text=reply.text, kind="coach", notice=reply.notice)


def _guard(text: str, persona: Persona,
           earlier: list[str] | None = None) -> tuple[Turn | None, str | None]:
    """(a crisis or redirect turn when the safety gate flags the line, read with the student's
    earlier lines: the role-play so far; the care note when the gate was unsure). A line that
    describes mistreatment (only the new line is read) pauses the role-play with the support
    and reporting options, as in the ask path: after a crisis, before any redirect."""
    from coach.safety import care_for, classify, crisis_reply, redirect_response
    from coach.safety.mistreatment import describes_mistreatment, mistreatment_reply, reconcile

    mistreated = describes_mistreatment(text)
    verdict = reconcile(classify(text, earlier), mistreated)
    care = care_for(verdict)
    if verdict.kind == "crisis":  # the reporting options too when mistreatment is named
        both = [crisis_reply(verdict), mistreatment_reply(verdict.lang) if mistreated else ""]
        return Turn(role="mentor", text="\n\n".join(filter(None, [*both, CRISIS_PAUSE])),
                    kind="crisis"), None
    if mistreated:  # harassment, assault: not something to role-play past
        return Turn(role="mentor", kind="mistreatment", care=care,
                    text=f"{mistreatment_reply(verdict.lang)}\n\n{MISTREATMENT_PAUSE}"), None
    if verdict.kind == "out_of_scope" and verdict.reason.startswith("classifier:"):
        # A role-play is a conversation with a mentor: small talk and side topics belong to it.
        # Only a pattern's out-of-scope (dosing advice, homework) or an injection pauses it.
        return None, care
    if verdict.kind in ("out_of_scope", "injection"):
        paused = _PAUSED.format(name=persona.short_name)
        return Turn(role="mentor", kind="redirect", care=care,
                    text=f"{redirect_response(verdict)}\n\n{paused}"), None
    return None, care


class Session:
    """A role-play held in one process (CLI, web tab, evals): a `RehearsalState` and its engines."""

    def __init__(self, state: RehearsalState, llm: Any = None):
        self.state, self.llm = state, llm

    @property
    def engines(self) -> RehearsalEngines:
        return rehearsal_engines(self.llm)

    def reply(self, student_text: str) -> Turn:
        """The mentor's (or coach's) answer to one student line."""
        self.state, turn = step(self.state, student_text, self.engines)
        return turn

    def feedback(self) -> Scorecard:
        """The scorecard for the student's turns so far (an LLM only adds a narrative)."""
        return score_transcript(self.turns, self.persona, engine=self.engines.narrative
                                if self.llm is not None else None)

    persona = property(lambda self: persona_of(self.state))
    unavailable = property(lambda self: self.state.unavailable)
    turns = property(lambda self: self.state.turns)
    history = property(lambda self: self.state.history)
    done = property(lambda self: self.state.done)
    answer = property(lambda self: self.state.answer)
    last_probe = property(lambda self: self.state.last_probe)  # eval: re-asks
    opening = property(lambda self: self.state.opening)
    student_turns = property(lambda self: self.state.student_turns)


def start_rehearsal(persona: str | Persona = "faculty", unavailable: bool | None = None,
                    seed: int | None = None, llm: Any = None,
                    style: Literal["hands-on", "hands-off"] | None = None) -> Session:
    """A new role-play; `unavailable=None` lets the seed decide (about 15% say no kindly)."""
    return Session(new_state(persona, unavailable, seed, style), llm=llm)


def replay(persona: str, transcript: list[dict], first_line: str = "", llm: Any = None) -> Session:
    """A Session that continues a transcript sent without its state (older clients and saves):
    the scripted mentor replays the student's lines, then the transcript replaces the replayed
    one, so what was actually said is what gets scored."""
    students = [t["text"] for t in transcript if t["role"] == "student"]
    session = start_rehearsal(persona, seed=seed_for(persona, (students or [first_line])[0]))
    for text in students:
        if session.done:
            break
        session.reply(text)
    if transcript:
        session.state.turns = [{"role": t["role"], "text": t["text"]} for t in transcript]
    session.llm = llm
    return session


def resume(persona: str, transcript: list[dict], state: dict | None = None,
           llm: Any = None) -> Session:
    """Continue a saved rehearsal: from its state when that is valid and matches, else replayed."""
    from coach.rehearsal.state import load_state

    if state:
        try:
            saved = load_state(state)
        except InputError:
            saved = None
        if saved is not None and saved.persona == persona and saved.turns == transcript:
            return Session(saved, llm=llm)
    return replay(persona, transcript, llm=llm)
