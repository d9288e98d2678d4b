"""The scripted mentor's plan: what the student has covered, what to answer, what to probe next.

It reacts to what the student actually said, using the scorecard's own detectors to see which
parts of the ask are still missing. Functions over a `RehearsalState` (updated in place) and its
random generator; the same plan steers an LLM persona through `guidance`.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass

from coach.rehearsal.criteria import get_detector
from coach.rehearsal.personas import COMMON_ACKS, Persona
from coach.rehearsal.scorecard import LABELS, criteria_for, detect
from coach.rehearsal.state import RehearsalState

# Probe a missing element once, then move on to the next one not yet covered and come back to it
# later. Asking the same thing twice in a row doubled the cost of every "already said?" miss: a
# student who had said it heard the question twice running (held-out dev transcripts: re-asks
# 2/80 at 2 in a row, 1/80 at 1; an element that alone is missing is still asked again).
PROBE_CAP = 1
# A reply to the mentor's question about an element covers it at a lower bar than a line out
# of the blind: the memory cut times ANSWER_FACTOR (chosen held out, see README).
ANSWER_FACTOR = 0.5
# The element each probe asks the student for (the evals count a probe for an element the
# student had already said as a re-ask).
PROBE_ELEMENT = {"intro": "intro", "goals": "goals", "interest": "interest",
                 "ask_hint": "direct_ask", "frequency": "frequency", "style": "style",
                 "expectations": "expectations", "flexibility": "flexibility"}
# How a crisis turn of the role-play ends (coach/rehearsal/session.py): the line before it was
# said to the mentor but kept out of the scored transcript.
CRISIS_PAUSE = "The rehearsal is paused; it will be here whenever you want to come back."
# How a turn that met a description of mistreatment (harassment, assault, threats) ends: the
# support and reporting options, then this; the line is kept out of the scored transcript too.
MISTREATMENT_PAUSE = ("The rehearsal is paused so you can look after this first; it will be "
                      "here whenever you want to come back.")
PAUSES = (CRISIS_PAUSE, MISTREATMENT_PAUSE)  # the lines a safety pause ends with

_DEFER = ("Possibly. Before I answer, help me get to know you a little.",
          "I might be. First, though, a couple of questions.",
          "Let's get there. First I'd like to understand what you need.")
_READY_ASK = ("Okay, to your question.", "Now, about what you asked.", "So, to answer you.")
_THANKS_AFTER_NO = ("Of course. And really, don't take it personally. Good luck!",
                    "You're welcome. It's about timing, not you, so don't take it personally.",
                    "Of course. I'm sure you'll find a great mentor; don't take this personally.")
PROBE_GOAL = {
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


@dataclass
class Plan:
    """The scripted reply to one student line, and the guidance an LLM persona gets instead."""

    guidance: str
    scripted: str


def pick(state: RehearsalState, rng: random.Random, lines: tuple[str, ...]) -> str:
    """A line not yet said in this rehearsal when possible (seeded, so repeatable)."""
    fresh = [x for x in lines if not any(x in used for used in state.used)]
    return rng.choice(fresh or list(lines)) if lines else ""


def _answer_the_ask(state: RehearsalState, rng: random.Random, persona: Persona,
                    new: Collection[str], met: Collection[str]) -> tuple[list[str], list[str]]:
    """(reply parts, guidance notes) once the student has asked directly."""
    ready = state.unavailable or {"intro", "goals"} <= set(met) or state.asks >= 2
    if ready:
        state.answer = "declined" if state.unavailable else "accepted"
        state.probe, state.probe_streak = "", 0  # a new phase: start from its first gap
        lead = "" if "direct_ask" in new else pick(state, rng, _READY_ASK) + " "
        line = pick(state, rng, persona.decline if state.unavailable else persona.accept)
        return [lead + line], ["The student has asked you directly to be their mentor. " + (
            "You cannot take a mentee now: decline kindly, say it is about your schedule "
            "and timing, not them, and suggest a colleague or the student interest group."
            if state.unavailable else "Accept warmly.")]
    if "direct_ask" in new:
        return [pick(state, rng, _DEFER)], [
            "They asked you to mentor them, but you don't know them or their goals yet: say "
            "you might, and ask about them first."]
    return [], []


def _acknowledge(state: RehearsalState, rng: random.Random, new: Collection[str],
                 text: str) -> list[str]:
    """A short acknowledgement of what the student just did, if nothing else was said."""
    for cid in ("interest", "goals", "intro", "flexibility", "gratitude"):
        if cid in new:
            if cid == "gratitude" and state.answer == "declined":
                return [pick(state, rng, _THANKS_AFTER_NO)]
            return [pick(state, rng, COMMON_ACKS[cid])]
    return [pick(state, rng, COMMON_ACKS["short"])] if len(text.split()) <= 3 else []


def heard(state: RehearsalState) -> list[str]:
    """Every line the student said to the mentor, oldest first: the scored turns, and the lines
    the safety gate paused on (a possible crisis, a description of mistreatment). Those are not
    scored, but the student did say them (a false alarm on "I'm dying to learn..."), so the
    mentor must not ask for them again."""
    history = state.history
    paused = [s["text"] for s, m in zip(history, history[1:], strict=False)
              if s["role"] == "student" and m["role"] == "mentor"
              and m["text"].endswith(PAUSES)]
    return [*paused, *(t["text"] for t in state.turns if t["role"] == "student")]


def plan_reply(state: RehearsalState, rng: random.Random, persona: Persona, text: str,
               asked: str | None = None) -> Plan:
    """The reply to the latest student line (already in `state.turns`), which answers the
    mentor's question about `asked` when that is set; updates the state."""
    ids = criteria_for(persona)
    new = detect([text], ids)
    # What the student has already said, on every earlier line, with the detector's
    # recall-biased cuts: better to skip a probe than to ask for something said already.
    met = detect(heard(state), ids, memory=True)
    _note_answer(state, text, ids, met, asked)
    parts: list[str] = []
    notes: list[str] = []
    declined_now = False
    if "direct_ask" in new or "direct_ask" in detect([text], ids, memory=True):
        state.asks += 1
    if state.asks and state.answer is None:
        parts, notes = _answer_the_ask(state, rng, persona, new, met.keys())
        declined_now = state.answer == "declined"
    answers = (("frequency", persona.frequency_answer),
               ("expectations", persona.expectations_answer),
               ("style", persona.style_answer.get(persona.style or "", ())))
    for cid, lines in answers:
        if cid in new and lines and state.answer != "declined":
            parts.append(pick(state, rng, lines))
            notes.append(f"Answer their point about {LABELS[cid].lower()}.")
    if not parts:
        parts = _acknowledge(state, rng, new, text)
    # An element answered at the lower bar is not asked for again, but it does not count toward
    # the mentor's readiness to say yes (the scorecard may still find it missing).
    probe = None if declined_now else next_probe(state, persona, {*met, *state.answered})
    state.last_probe = probe
    if probe:
        notes.append(f"Then, in your own words, {PROBE_GOAL[probe]}")
    return Plan(" ".join(notes) or "Respond naturally and briefly.",
                compose(state, rng, persona, parts, probe))


def _note_answer(state: RehearsalState, text: str, ids: Collection[str],
                 met: Collection[str], asked: str | None) -> None:
    """Remember an element the student covered by answering the question just asked about it."""
    cid = PROBE_ELEMENT.get(asked or "", "")
    if cid in ids and cid not in met and cid not in state.answered \
            and get_detector().answers(text, cid, ANSWER_FACTOR):
        state.answered.append(cid)


def next_probe(state: RehearsalState, persona: Persona, met: Collection[str]) -> str:
    """The element to probe next: the first missing one, not more than PROBE_CAP in a row."""
    if state.answer == "declined":
        return "after_decline"
    if state.answer == "accepted":
        order = ["frequency", *(["expectations", "style"] if persona.research else []),
                 "interest", "flexibility"]
    else:
        order = ["intro", "goals", "interest"] + ([] if state.asks else ["ask_hint"])
    missing = [k for k in order if k not in met or k == "ask_hint"]
    streak_key, streak = state.probe, state.probe_streak
    if not missing:
        choice = "wrap_up"
    elif streak_key not in missing:
        choice = missing[0]  # the first element still missing, in the guide's order
    elif streak < PROBE_CAP:
        choice = streak_key  # keep probing what they haven't said yet
    else:  # asked PROBE_CAP times in a row: try the next missing element, come back later
        choice = missing[(missing.index(streak_key) + 1) % len(missing)]
    state.probe, state.probe_streak = choice, streak + 1 if choice == streak_key else 1
    return choice


def compose(state: RehearsalState, rng: random.Random, persona: Persona, parts: list[str],
            probe: str | None) -> str:
    """Join the pieces with a probe phrasing never used before in this rehearsal."""
    head = " ".join(parts)
    options = list(persona.phrasings(probe)) if probe else [""]
    rng.shuffle(options)
    # Phrasings not yet said in any form come first, so the mentor doesn't sound looped.
    options.sort(key=lambda o: any(o and o in used for used in state.used))
    prefixes = [""] + [a for a in COMMON_ACKS["short"] if not head]
    for prefix in prefixes:
        for option in options:
            text = " ".join(x for x in (prefix, head, option) if x)
            if text and text not in state.used:
                return text
    return " ".join(x for x in (head, "Let me put it another way:", options[0]) if x)
