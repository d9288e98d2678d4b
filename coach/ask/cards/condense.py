""""Make it shorter", "tl;dr", "in one sentence": the previous card answer cut down, not a new
answer. A new user asked for a shorter version and got a longer one (a follow-up reads as a new
angle and gets four fresh points), so a request to shorten an answer keeps the answer's own
opening and its first points, with the sections those points come from.

A request to shorten a *draft* the student asked for is the email drafter's (intent.REVISE).
"""

from __future__ import annotations

import re

from coach.ask.cards.model import Card
from coach.ask.result import Source

# Unmistakable requests to shorten what was just said (a regex for a phrase, not for coverage).
SHORTEN = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|pls|please|can you|could you|hm+|um+|ugh|sorry|thanks?|that'?s|it'?s|"
    r"this is|that is|way)\W+){0,3}"
    r"(?:(?:that'?s |it'?s |way )?too long\W+)?"
    r"(?:make (?:it|that|this) (?:(?:a )?(?:bit|little|lot|tad) |even |much |way )?(?:shorter|short|briefer|brief|quicker)"
    r"|(?:give me |just )?(?:the )?(?:short|shorter|quick|brief|tl;?dr) (?:version|answer)"
    r"|tl;?dr|shorter|shorten(?: it| that| this)?|too long|summari[sz]e(?: (?:it|that|this))?"
    r"|(?:say (?:it|that) )?in (?:one|a|1|two|2) (?:sentence|line)s?|(?:in )?fewer words"
    r"|(?:can you )?(?:keep|cut) it (?:short|down)|(?:the )?gist)\b"
    r"(?:\W+(?:please|pls|plz|for me|a bit|a little|(?:a )?lot|more|even more|bit|thanks?|ty|"
    r"lol|haha|i'?m busy|too))*\W*$",
    re.I,
)
ONE_LINE = re.compile(r"\b(?:one|a|1) (?:sentence|line)\b|\bgist\b", re.I)
KEEP_POINTS = 2
CITED = "*From the guide:"


def asks_to_shorten(question: str) -> bool:
    return bool(SHORTEN.search(question.strip()))


def _parts(answer: str) -> tuple[str, list[str]]:
    """The opening paragraph and the bullet lines of a composed card answer."""
    blocks = answer.split("\n\n")
    opening = blocks[0].strip() if blocks else ""
    bullets = [line[2:].strip() for block in blocks[1:] for line in block.splitlines()
               if line.startswith("- ")]
    return opening, bullets


def condensed(question: str, previous: str, cards: list[Card]) -> tuple[str, list[Source]] | None:
    """The previous card answer cut to its opening and first points (the opening alone for "in
    one sentence"), cited from the cards those points come from; None when `previous` is not a
    card answer (nothing to shorten)."""
    if CITED not in previous:
        return None
    opening, bullets = _parts(previous)
    if not opening:
        return None
    kept = [] if ONE_LINE.search(question) else bullets[:KEEP_POINTS]
    points = {p.say: (card, p) for card in cards for p in card.points}
    used = [points[b] for b in kept if b in points]
    lead = next((c for c in cards if c.answer in opening
                 or (c.verdict and c.verdict.partition(", ")[2] in opening)), None)
    sections = list(dict.fromkeys(
        [c.section for c, _ in used] or ([lead.section] if lead else [])))
    lines = [opening]
    if kept:
        lines.append("\n".join(f"- {b}" for b in kept))
    if sections:
        lines.append(f"*From the guide: {'; '.join(sections)}.*")
    if not used and lead is not None:  # the opening alone rests on its card's first passage
        used = [(lead, lead.points[0])]
    sources = [Source(section=c.section, source=c.source, text=p.quote, score=1.0)
               for c, p in used]
    text = "\n\n".join(lines)
    if len(text) >= len(previous) and kept:  # a short answer already: its opening alone
        return condensed("in one sentence", previous, cards)
    return text, sources
