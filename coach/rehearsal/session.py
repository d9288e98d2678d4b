"""Rehearse the ask: role-play with a mentor persona, then a scorecard that cites the guide.

The scripted mentor (default) reacts to what the student actually said, using the scorecard's
own detectors to see which parts of the ask are still missing, and probes those. With `llm=` the
persona speaks from prompts/rehearsal_persona.md, steered by the same plan; if the model fails,
the scripted turn is used with a notice. Every student line passes the safety gate first.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from coach.errors import InputError
from coach.rehearsal.personas import COMMON_ACKS, PERSONAS, Persona, get_persona
from coach.rehearsal.scorecard import (
    LABELS,
    PRIORITY,
    Scorecard,
    criteria_for,
    detect,
    score_transcript,
)

__all__ = ["PERSONAS", "Persona", "Scorecard", "Session", "Turn", "score_transcript",
           "start_rehearsal"]

log = logging.getLogger(__name__)

MAX_STUDENT_TURNS = 12
UNAVAILABLE_CHANCE = 0.15  # "If they say no, don't take it personally": practise it sometimes
MAX_CHARS = 4000
TRANSCRIPT_TOKENS = 2000  # of the role-play so far in a persona prompt (newest turns kept)
PROBE_CAP = 2  # probe one missing element at most twice in a row, then try another

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
_DEFER = ("Possibly. Before I answer, help me get to know you a little.",
          "I might be. First, though, a couple of questions.",
          "Let's get there. First I'd like to understand what you need.")
_READY_ASK = ("Okay, to your question.", "Now, about what you asked.", "So, to answer you.")
_THANKS_AFTER_NO = ("Of course. And really, don't take it personally. Good luck!",
                    "You're welcome. It's about timing, not you, so don't take it personally.",
                    "Of course. I'm sure you'll find a great mentor; don't take this personally.")
_PAUSED = ("I've stepped out of the role-play. Whenever you're ready, pick up where you left off "
           "with {name}, or type /feedback for your scorecard.")

Kind = Literal["mentor", "crisis", "redirect", "end", "coach"]


@dataclass
class Turn:
    """One reply. kind: mentor (in character), crisis, redirect, end, coach (out of character)."""

    role: str
    text: str
    kind: Kind = "mentor"
    notice: str | None = None


@dataclass
class Session:
    """A role-play. `turns` is the in-character transcript that gets scored; `history` is all."""

    persona: Persona
    unavailable: bool
    rng: random.Random
    llm: Any = None
    turns: list[dict[str, str]] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)
    done: bool = False
    answer: str | None = None  # "accepted" | "declined" once the ask has been answered
    _asks: int = 0
    _streak: tuple[str, int] = ("", 0)
    _used: set[str] = field(default_factory=set)
    last_probe: str | None = None  # what the scripted plan probed for last (eval: re-asks)

    @property
    def opening(self) -> str:
        return self.turns[0]["text"]

    @property
    def student_turns(self) -> int:
        return sum(1 for t in self.turns if t["role"] == "student")

    def feedback(self) -> Scorecard:
        """The scorecard for the student's turns so far (an LLM only adds a narrative)."""
        return score_transcript(self.turns, self.persona, llm=self.llm)

    def reply(self, student_text: str) -> Turn:
        """The mentor's (or coach's) answer to one student line."""
        if self.done:
            raise InputError("this rehearsal has ended; get your feedback or start a new one")
        text = " ".join((student_text or "").split())
        if not text:
            raise InputError("say something to the mentor, or type /feedback to finish")
        if len(text) > MAX_CHARS:
            raise InputError(f"that line is over {MAX_CHARS} characters; keep it to what you'd say")
        if _FEEDBACK.match(text):
            return self._end("Let's pause the role-play there. Here's your feedback.", text)
        ooc = _OOC.match(text)
        from coach.safety.untrusted import student_lines

        earlier = student_lines(self.history, key="text")
        guard = _guard(ooc.group(1) if ooc else text, self.persona, earlier)
        if guard is not None:
            self.history += [{"role": "student", "text": text},
                             {"role": "mentor", "text": guard.text}]
            return guard
        if ooc:
            return self._out_of_character(ooc.group(1).strip(), text)
        self.turns.append({"role": "student", "text": text})
        self.history.append({"role": "student", "text": text})
        if self.student_turns >= MAX_STUDENT_TURNS:
            closing = self._pick(self.persona.closing)
            self.turns.append({"role": "mentor", "text": closing})
            return self._end(f"{closing} (That's the end of the rehearsal; here's your feedback.)",
                             None)
        guidance, scripted = self._plan(text)
        turn = Turn(role="mentor", text=scripted)
        if self.llm is not None:
            turn = self._llm_turn(guidance, scripted)
        self._used.add(turn.text)
        self.turns.append({"role": "mentor", "text": turn.text})
        self.history.append({"role": "mentor", "text": turn.text})
        return turn

    # --- the scripted mentor ----------------------------------------------------------------
    def _plan(self, text: str) -> tuple[str, str]:
        """(guidance for an LLM persona, the scripted reply) for the latest student line."""
        p, ids = self.persona, criteria_for(self.persona)
        new = detect([text], ids)
        # What the student has already said, on every earlier line, with the detector's
        # recall-biased cuts: better to skip a probe than to ask for something said already.
        met = detect([t["text"] for t in self.turns if t["role"] == "student"], ids, memory=True)
        parts: list[str] = []
        notes: list[str] = []
        declined_now = False
        if "direct_ask" in new or "direct_ask" in detect([text], ids, memory=True):
            self._asks += 1
        if self._asks and self.answer is None:
            ready = self.unavailable or {"intro", "goals"} <= met.keys() or self._asks >= 2
            if ready:
                self.answer = "declined" if self.unavailable else "accepted"
                self._streak = ("", 0)  # a new phase: start from its first missing element
                declined_now = self.unavailable
                lead = "" if "direct_ask" in new else self._pick(_READY_ASK) + " "
                parts.append(lead + self._pick(p.decline if self.unavailable else p.accept))
                notes.append("The student has asked you directly to be their mentor. " + (
                    "You cannot take a mentee now: decline kindly, say it is about your schedule "
                    "and timing, not them, and suggest a colleague or the student interest group."
                    if self.unavailable else "Accept warmly."))
            elif "direct_ask" in new:
                parts.append(self._pick(_DEFER))
                notes.append("They asked you to mentor them, but you don't know them or their "
                             "goals yet: say you might, and ask about them first.")
        answers = (("frequency", p.frequency_answer), ("expectations", p.expectations_answer),
                   ("style", p.style_answer.get(p.style or "", ())))
        for cid, lines in answers:
            if cid in new and lines and self.answer != "declined":
                parts.append(self._pick(lines))
                notes.append(f"Answer their point about {LABELS[cid].lower()}.")
        if not parts:
            for cid in ("interest", "goals", "intro", "flexibility", "gratitude"):
                if cid in new:
                    if cid == "gratitude" and self.answer == "declined":
                        parts.append(self._pick(_THANKS_AFTER_NO))
                    else:
                        parts.append(self._pick(COMMON_ACKS[cid]))
                    break
            if not parts and len(text.split()) <= 3:
                parts.append(self._pick(COMMON_ACKS["short"]))
        probe = None if declined_now else self._next_probe(met.keys())
        self.last_probe = probe
        if probe:
            notes.append(f"Then, in your own words, {_PROBE_GOAL[probe]}")
        text_out = self._compose(parts, probe)
        return " ".join(notes) or "Respond naturally and briefly.", text_out

    def _next_probe(self, met: Any) -> str:
        """The element to probe next: the first missing one, not more than PROBE_CAP in a row."""
        if self.answer == "declined":
            return "after_decline"
        if self.answer == "accepted":
            order = ["frequency", *(["expectations", "style"] if self.persona.research else []),
                     "interest", "flexibility"]
        else:
            order = ["intro", "goals", "interest"] + ([] if self._asks else ["ask_hint"])
        missing = [k for k in order if k not in met or k == "ask_hint"]
        streak_key, streak = self._streak
        if not missing:
            choice = "wrap_up"
        elif streak_key not in missing:
            choice = missing[0]  # the first element still missing, in the guide's order
        elif streak < PROBE_CAP:
            choice = streak_key  # keep probing what they haven't said yet
        else:  # asked twice already: try the next missing element, come back to this one later
            choice = missing[(missing.index(streak_key) + 1) % len(missing)]
        self._streak = (choice, streak + 1 if choice == streak_key else 1)
        return choice

    def _compose(self, parts: list[str], probe: str | None) -> str:
        """Join the pieces with a probe phrasing never used before in this session."""
        head = " ".join(parts)
        options = list(self.persona.phrasings(probe)) if probe else [""]
        self.rng.shuffle(options)
        # Phrasings not yet said in any form come first, so the mentor doesn't sound looped.
        options.sort(key=lambda o: any(o and o in used for used in self._used))
        prefixes = [""] + [a for a in COMMON_ACKS["short"] if not head]
        for prefix in prefixes:
            for option in options:
                text = " ".join(x for x in (prefix, head, option) if x)
                if text and text not in self._used:
                    return text
        return " ".join(x for x in (head, "Let me put it another way:", options[0]) if x)

    def _pick(self, lines: tuple[str, ...]) -> str:
        """A line not yet said in this session when possible (seeded, so repeatable)."""
        fresh = [x for x in lines if not any(x in used for used in self._used)]
        return self.rng.choice(fresh or list(lines)) if lines else ""

    def _end(self, text: str, command: str | None) -> Turn:
        self.done = True
        if command:
            self.history.append({"role": "student", "text": command})
        self.history.append({"role": "mentor", "text": text})
        return Turn(role="mentor", text=text, kind="end")

    # --- LLM persona and out-of-character coaching -------------------------------------------
    def _llm_turn(self, guidance: str, scripted: str) -> Turn:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
        from langchain_core.output_parsers import StrOutputParser

        from coach.llm import describe_failure
        from coach.prompts import render

        p = self.persona
        system = render("rehearsal_persona", persona=p, unavailable=self.unavailable,
                        style=p.style or "", answer=self.answer or "", guidance=guidance,
                        questions=p.questions())
        messages: list[Any] = [SystemMessage(system)]
        from coach.tokens import recent_within  # the role-play so far, capped in tokens

        for t in recent_within(self.turns, TRANSCRIPT_TOKENS, key="text"):
            cls = AIMessage if t["role"] == "mentor" else HumanMessage
            messages.append(cls(t["text"]))
        try:
            text = (self.llm | StrOutputParser()).invoke(messages)
            from coach.grounding.turns import guard_persona_turn

            said = "\n".join(t["text"] for t in self.turns)
            text = guard_persona_turn(text or "", p, system, said)  # voice, length, leaks
            return Turn(role="mentor", text=clean_output(text[:1200]))
        except Exception as exc:  # never break the rehearsal: the scripted mentor steps in
            log.warning("rehearsal: persona LLM failed: %s", type(exc).__name__)
            notice = describe_failure(exc).replace(
                "this answer comes from the guide engine instead", "the scripted mentor replied")
            return Turn(role="mentor", text=scripted, notice=notice)

    def _out_of_character(self, question: str, raw: str) -> Turn:
        """A short coaching reply outside the role-play; it is not part of the scored transcript."""
        card = score_transcript(self.turns, self.persona)
        covered = ", ".join(LABELS[c].lower() for c in card.met) or "nothing yet"
        nxt = next((card.get(c) for c in PRIORITY if c in card.missing), None)
        text = f"(Out of character) So far you've covered: {covered}. " + (
            f"Next, {nxt.tip[0].lower()}{nxt.tip[1:]} (guide: \"{nxt.section}\")." if nxt
            else "You've covered every part of the ask.")
        text += f" Then carry on with {self.persona.short_name}."
        notice = None
        if self.llm is not None and question:
            from langchain_core.messages import HumanMessage
            from langchain_core.output_parsers import StrOutputParser

            from coach.llm import describe_failure
            from coach.prompts import render

            try:
                prompt = render("rehearsal_ooc", persona=self.persona, question=question,
                                covered=covered, next_tip=nxt.tip if nxt else "",
                                transcript=self.turns[-8:])
                out = (self.llm | StrOutputParser()).invoke([HumanMessage(prompt)]).strip()
                from coach.grounding.turns import guard_coach_reply

                said = "\n".join(t["text"] for t in self.turns) + "\n" + question
                advice = [text, f"Carry on with the role-play with {self.persona.name}."]
                out, _ = guard_coach_reply(out, card, self.persona, prompt, said, advice)
                if out and not leaks(out, prompt):  # else the scripted coaching stands
                    text = f"(Out of character) {clean_output(out[:800])}"
            except Exception as exc:
                notice = describe_failure(exc).replace(
                    "this answer comes from the guide engine instead", "the guide engine replied")
        self.history += [{"role": "student", "text": raw}, {"role": "mentor", "text": text}]
        return Turn(role="mentor", text=text, kind="coach", notice=notice)


_PROBE_GOAL = {
    "intro": "ask who they are and where they are in training.",
    "goals": "ask what they are hoping to get out of mentorship.",
    "interest": "ask why they chose you (research PIs: whether they have read your work).",
    "ask_hint": "nudge them to say plainly what they are asking of you.",
    "frequency": "ask how often they were thinking of meeting.",
    "expectations": "ask what they want from research: a publication, a poster?",
    "style": "ask how hands-on they would like you to be.",
    "flexibility": "mention your unpredictable schedule and see how they respond.",
    "wrap_up": "ask whether there is anything else before you have to go.",
    "after_decline": "stay warm; ask if there is anything else you can help with.",
}


def leaks(text: str, prompt: str) -> bool:
    from coach.safety.output import leaks as _leaks

    return _leaks(text, prompt)


def clean_output(text: str) -> str:
    from coach.safety.output import clean_output as _clean

    return _clean(text)


def _guard(text: str, persona: Persona, earlier: list[str] | None = None) -> Turn | None:
    """A crisis or redirect turn when the safety gate flags the line (read with the student's
    earlier lines: the role-play so far), else None."""
    try:
        from coach.safety import classify, crisis_response, redirect_response
    except ImportError:  # the safety module is optional in stripped-down builds
        return None
    verdict = classify(text, earlier)
    if verdict.kind == "crisis":
        pause = "The rehearsal is paused; it will be here whenever you want to come back."
        return Turn(role="mentor", text=f"{crisis_response(verdict.lang)}\n\n{pause}",
                    kind="crisis")
    if verdict.kind == "out_of_scope" and verdict.reason.startswith("classifier:"):
        # A role-play is a conversation with a mentor: small talk and side topics belong to it.
        # Only a pattern's out-of-scope (dosing advice, homework) or an injection pauses it.
        return None
    if verdict.kind in ("out_of_scope", "injection"):
        return Turn(role="mentor", kind="redirect",
                    text=f"{redirect_response(verdict)}\n\n{_PAUSED.format(name=persona.short_name)}")
    return None


def start_rehearsal(persona: str | Persona = "faculty", unavailable: bool | None = None,
                    seed: int | None = None, llm: Any = None,
                    style: Literal["hands-on", "hands-off"] | None = None) -> Session:
    """A new role-play; `unavailable=None` lets the seed decide (about 15% say no kindly)."""
    p = get_persona(persona)
    rng = random.Random(seed)
    if unavailable is None:
        unavailable = rng.random() < UNAVAILABLE_CHANCE
    if p.research and (style or not isinstance(persona, Persona)):
        from dataclasses import replace

        p = replace(p, style=style or rng.choice(("hands-on", "hands-off")))
    session = Session(persona=p, unavailable=bool(unavailable), rng=rng, llm=llm)
    session.turns.append({"role": "mentor", "text": p.opening})
    session.history.append({"role": "mentor", "text": p.opening})
    session._used.add(p.opening)
    return session
