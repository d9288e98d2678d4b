"""Compose a coaching answer from matched advice cards: a direct answer (a verdict first for
yes/no questions), an empathy line only when the student is upset, the 2-4 points the question
needs (never ones already given), one next step, the sections cited."""

from __future__ import annotations

import hashlib

import numpy as np
from pydantic import BaseModel

from coach.ask.cards.intent import Intent, asks
from coach.ask.cards.matching import CardMatcher, Match
from coach.ask.cards.model import Card, Point
from coach.ask.cards.offices import DEFAULT as DEFAULT_OFFICE
from coach.ask.cards.polarity import lean, load_polarity, opening
from coach.ask.cards.ranker import POOL, candidates, load_ranker, pick, rank
from coach.email.prefill import Prefill, described, for_email_tab

# The 2-4 points. A bigger budget buys coverage at about one bullet's worth each, not
# where a question needs it (blind dev / train2, before LEAD_BONUS): a 5th point for every answer
# gives 0.730 -> 0.761 / 0.633 -> 0.654 at +12 words, but only 13% / 8% of 5th points convey a
# wanted key point; a 5th only for multi-part questions gives +0.003 / +0.002, only for long ones
# (> 15 / 20 words) +0.013 / +0.011 and +0.006 / +0.008, only when the ranker rates it near the
# 4th, or when several cards match closely, no more per added word than for every answer.
MAX_POINTS = 4
CARDS = 3  # without the learned ranker, points come from the best three cards (within the
# ranker's CARD_MARGIN of the best one; multi-part questions span cards)
SAME_POINT = 0.8  # a point this close (cosine) to one already chosen would say it again
# Each next point pays this much (in ranker score, per unit cosine) for its closeness to the
# points already chosen: key points are distinct ideas. Blind dev (5-fold) and train2 coverage
# +0.01 each in simulation (rank_train.py); 0.25-2 alike.
DIVERSITY = 1.0
# ...and the lead card's points get this much more (in ranker score): the answer's first line
# and next step are the lead card's, and its points keep the answer on that thread, which a
# follow-up's new angle most needs. Blind `coach eval`, dev / train2: coverage 0.730 -> 0.737 /
# 0.633 -> 0.636, follow-ups 0.706 -> 0.824 / 0.531 -> 0.594 (0.15-0.5 alike on dev, 0.25-0.35
# best on train2). Only waiving the diversity penalty among the lead card's points moved
# coverage alike but no follow-up.
LEAD_BONUS = 0.3
EMPATHY = (
    "That sounds really hard, and it makes sense that it's weighing on you.",
    "I'm sorry you're dealing with this; what you're feeling is understandable.",
    "That's a lot to carry, and it's completely understandable to feel this way.",
)
HELP_WITH = ("finding and approaching mentors, what to write to them, research and peer "
             "mentors, setting your goals, and making a mentorship work")
NOT_COVERED = ("The guide doesn't cover that, so I won't guess at an answer. {office} is the "
               "right place to ask about it.\n\n"
               f"Here's what I can help with: {HELP_WITH}.")
VERDICT_PREFIX = "Short answer:"


class Handoff(BaseModel):
    """A request to write something, for the email drafter: the kind of email and the student's
    words (the web app's Email tab takes the kind; the JSON carries both)."""

    tool: str = "email"
    kind: str
    context: str
    prefill: Prefill | None = None  # what the question gives the Email tab's boxes


class Used(BaseModel):
    card: Card
    point: Point
    score: float


class Composed(BaseModel):
    text: str
    used: list[Used]
    handoff: Handoff | None = None


def _pick(seed: str, options: tuple[str, ...]) -> str:
    return options[int(hashlib.md5(seed.encode()).hexdigest(), 16) % len(options)]


def given_points(cards: list[Card], history: list[dict]) -> set[str]:
    """Points (their `say` text) the coach already gave in earlier answers."""
    said = " ".join(t["content"] for t in history if t.get("role") == "assistant")
    return {p.say for c in cards for p in c.points if p.say in said}


def choose_points(matches: list[Match], matcher: CardMatcher, vector: list[float],
                  given: set[str], question: str = "", topic: np.ndarray | None = None
                  ) -> list[Used]:
    """Up to MAX_POINTS points not given before, ranked across the best cards by the point
    ranker (coach/ask/cards/ranker.py); the best card always leads."""
    learned = load_ranker() is not None
    cands = candidates(matches, matcher, vector, given, POOL if learned else CARDS)
    if not cands:
        return []
    scores = rank(cands, question, topic)
    used = pick(scores, np.stack([c.vector for c in cands]), [c.point.quote for c in cands],
                [c.rank for c in cands], MAX_POINTS, SAME_POINT, DIVERSITY if learned else 0.0,
                lead_bonus=LEAD_BONUS if learned else 0.0,
                says=[c.point.say for c in cands])
    return [Used(card=cands[i].card, point=cands[i].point, score=cands[i].point_score)
            for i in used]


def first_line(card: Card, intent: Intent, question: str = "") -> str:
    """A yes/no question's first line: the card's verdict unless the polarity model leans the
    other way (then the neutral "Short answer:"), a "Yes."/"No." the model is sure of before the
    answer of a card without a verdict, else "Short answer:" (coach/ask/cards/polarity.py)."""
    if not intent.yes_no:
        return card.answer
    model = load_polarity()
    p = intent.yes_probability if model is not None else None
    if card.verdict:
        said = agree(card.verdict, question)
        word = opening(said)  # a verdict saying neither ("It's normal: ...") is never contradicted
        if p is None or word is None or lean(p, model.veto) in (None, word):
            return said
    elif p is not None and (word := lean(p, model.fill)):
        return f"{word.capitalize()}. {card.answer[0].upper()}{card.answer[1:]}"
    return f"{VERDICT_PREFIX} {card.answer[0].lower()}{card.answer[1:]}"


def agree(verdict: str, question: str) -> str:
    """The card's verdict with its "Yes"/"No" matching the question: every verdict says go
    ahead, so "Is it weird to ask a resident?" gets "Not at all" where "Can I ask a resident?"
    gets "Yes" (a new user saw "Yes, a mentor can be a resident" to "is it weird to...")."""
    head, _, rest = verdict.partition(", ")
    if not rest:
        return verdict
    wants = asks(question)
    if head == "Yes" and wants == "worry":
        return f"Not at all. {rest[0].upper()}{rest[1:]}"
    if head == "No" and wants == "permission":
        return f"Yes. {rest[0].upper()}{rest[1:]}"
    return verdict


def compose(question: str, intent: Intent, used: list[Used]) -> Composed:
    """The answer text for the chosen points (see the module docstring for its shape)."""
    lead = used[0].card
    lines = []
    if intent.distress:
        lines.append(_pick(question, EMPATHY))
    lines.append(first_line(lead, intent, question))
    text = " ".join(lines) if intent.distress else lines[0]
    bullets = "\n".join(f"- {u.point.say}" for u in used)
    handoff = None
    if intent.write_request:
        handoff = Handoff(kind=intent.email_kind, context=question,
                          prefill=for_email_tab(question))
        kind = intent.email_kind.replace("_", "-")
        if handoff.prefill:
            add = "the times you're free" if handoff.prefill.mentor_name else \
                "their name and the times you're free"
            step = (f"**Let's write it:** the email drafter (the Email tab, or `coach email`) "
                    f"can start a {kind} email with {described(handoff.prefill)}; add {add} "
                    "(and your name, year, school and goals if My plan doesn't have them), then "
                    "draft it. In the app, the Email tab already has them.")
        else:
            step = ("**Let's write it:** the email drafter (the Email tab, or `coach email`) "
                    f"fills in the guide's template for a {kind} email from your name, year, "
                    "school and goals and the mentor's name and field.")
    else:
        step = f"**Next step:** {lead.next_step}"
    sections = "; ".join(dict.fromkeys(u.card.section for u in used))
    body = f"{text}\n\n{bullets}\n\n{step}\n\n*From the guide: {sections}.*"
    return Composed(text=body, used=used, handoff=handoff)


def not_covered(question: str, intent: Intent, office: str = DEFAULT_OFFICE) -> Composed:
    """The honest answer when neither the cards nor the guide's text cover the question, naming
    the school `office` that usually handles it (coach/ask/cards/offices.py)."""
    text = NOT_COVERED.format(office=office[:1].upper() + office[1:])
    if intent.distress:
        text = f"{_pick(question, EMPATHY)} {text}"
    return Composed(text=text, used=[])
