"""Saved rehearsals with their scorecards, and progress across attempts (first / best / latest
per persona and criterion, what improved since last time). Plain functions over browser JSON."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from coach.history.chats import now
from coach.history.store import BrowserStore, find

MAX_ATTEMPTS = 60


class Attempt(BaseModel):
    """One role-play: the scored transcript, the Chatbot messages and the scorecard, if any."""

    model_config = ConfigDict(extra="ignore")
    id: str
    persona: str
    started: str = Field(default_factory=now)
    turns: list[dict] = Field(default_factory=list)  # [{role: mentor|student, text}]
    messages: list[dict] = Field(default_factory=list)
    card: dict | None = None  # present.card_json(): score, criteria [{id, label, met, ...}]...
    state: dict | None = None  # the rehearsal state, to continue it (kept for the current only)


class RehearsalStore(BrowserStore):
    attempts: list[Attempt] = Field(default_factory=list)

    def get(self, attempt_id: str | None) -> Attempt | None:
        return find(self.attempts, attempt_id)


def load_rehearsals(data: object) -> RehearsalStore:
    return RehearsalStore.load(data)


def _students(turns: list[dict]) -> list[str]:
    return [t.get("text", "") for t in turns if t.get("role") == "student"]


def record(store: RehearsalStore, persona: str, turns: list[dict], messages: list[dict],
           card: dict | None = None, state: dict | None = None) -> RehearsalStore:
    """Save the role-play in progress. It continues the current attempt when that attempt's
    transcript is the start of this one (same persona); otherwise it is a new attempt.
    Attempts where the student said nothing and got no scorecard are not kept."""
    current = store.get(store.current)
    continues = (current is not None and current.persona == persona
                 and turns[:len(current.turns)] == current.turns)
    if continues:
        attempt = current.model_copy(update={"turns": turns, "messages": messages, "state": state,
                                             "card": card if card is not None else current.card})
    else:
        attempt = Attempt(id=uuid.uuid4().hex[:12], persona=persona, turns=turns,
                          messages=messages, card=card, state=state)
    others = [a.model_copy(update={"state": None}) for a in store.attempts
              if a.id != attempt.id and (a.card or _students(a.turns))]
    return RehearsalStore(current=attempt.id, attempts=[*others, attempt][-MAX_ATTEMPTS:])


def scored(store: RehearsalStore, persona: str | None = None) -> list[Attempt]:
    """Attempts with a scorecard, oldest first (optionally one persona's)."""
    return [a for a in store.attempts if a.card and (persona is None or a.persona == persona)]


class CriterionProgress(BaseModel):
    id: str
    label: str
    first: bool
    best: bool
    latest: bool


class PersonaProgress(BaseModel):
    persona: str
    attempts: int
    scores: list[int]
    first: int
    best: int
    latest: int
    criteria: list[CriterionProgress]
    improved: list[str]  # criteria met now, missed the time before
    slipped: list[str]  # met the time before, missed now
    next_step: str  # the latest scorecard's first thing to work on


def progress(store: RehearsalStore) -> list[PersonaProgress]:
    """Per persona with a scored attempt: first / best / latest score and criteria."""
    out = []
    for persona in dict.fromkeys(a.persona for a in scored(store)):
        cards: list[dict[str, Any]] = [a.card for a in scored(store, persona)]
        scores = [int(c.get("score", 0)) for c in cards]
        met = [{x["id"]: bool(x.get("met")) for x in c.get("criteria", [])} for c in cards]
        labels = {x["id"]: x.get("label") or x["id"] for c in cards for x in c.get("criteria", [])}
        criteria = [CriterionProgress(id=cid, label=label, first=met[0].get(cid, False),
                                      best=any(m.get(cid, False) for m in met),
                                      latest=met[-1].get(cid, False))
                    for cid, label in labels.items()]
        before = met[-2] if len(met) > 1 else {}
        improved = [labels[c] for c, ok in met[-1].items() if ok and before and not before.get(c)]
        slipped = [labels[c] for c, ok in before.items() if ok and not met[-1].get(c)]
        out.append(PersonaProgress(persona=persona, attempts=len(cards), scores=scores,
                                   first=scores[0], best=max(scores), latest=scores[-1],
                                   criteria=criteria, improved=improved, slipped=slipped,
                                   next_step=str(cards[-1].get("first_fix") or "")))
    return out


def attempt_markdown(attempt: Attempt, persona_name: str = "") -> str:
    """A rehearsal as Markdown: the transcript, then the scorecard."""
    lines = [f"# Rehearsal with {persona_name or attempt.persona}", "",
             f"*Mentor Coach, {attempt.started[:10]}*", ""]
    for turn in attempt.turns:
        who = "You" if turn.get("role") == "student" else "Mentor"
        lines += [f"**{who}:** {turn.get('text', '')}", ""]
    if attempt.card:
        card = attempt.card
        lines += [f"## Score: {int(card.get('score', 0))}/100", ""]
        lines += [f"- {'✓' if c.get('met') else '·'} {c.get('label') or c.get('id')}"
                  for c in card.get("criteria", [])]
        if card.get("first_fix"):
            lines += ["", f"**Next step:** {card['first_fix']}"]
    return "\n".join(lines).rstrip() + "\n"
