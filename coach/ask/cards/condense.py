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
_LEAD = (r"^\W*(?:(?:ok(?:ay)?|pls|please|can (?:you|u)|could (?:you|u)|hm+|um+|ugh|sorry|"
         r"thanks?|that'?s|it'?s|this is|that is|way|just|give me|what'?s)\W+){0,3}")
_ASK = (r"(?:(?:that'?s |it'?s |way )?too long\W+)?"
        r"(?:make (?:it|that|this) (?:(?:a )?(?:bit|little|lot|tad) |even |much |way )?"
        r"(?:shorter|short|briefer|brief|quicker|more concise)(?: and (?:simpler|clearer))?"
        r"|(?:the )?(?:short|shorter|quick|brief|tl;?dr) (?:version|answer)"
        r"|tl;?dr|too long,? didn'?t read|shorter|shorten(?: it| that| this)?|too long"
        r"|summari[sz]e(?: (?:it|that|this))?|sum (?:it|that) up|(?:a )?summary|more concise"
        r"|(?:say (?:it|that) )?in (?:one|a|1|two|2) (?:sentence|line)s?"
        r"|(?:one|1) (?:sentence|line)"
        r"|(?:in )?fewer words|(?:keep|cut) it (?:short|down)|(?:the )?gist)\b")
_TAIL = (r"(?:\W+(?:please|pls|plz|for me|a bit|a little|(?:a )?lot|more|even more|bit|thanks?|"
         r"ty|lol|haha|i'?m busy|too))*\W*$")
# Unmistakable requests to shorten what was just said, the whole message (a regex for a
# phrase, not for coverage): "Is 300 words too long?" or "summarize the guide" do not match.
SHORTEN = re.compile(_LEAD + _ASK + _TAIL, re.I)
ONE_LINE = re.compile(r"\b(?:one|a|1) (?:sentence|line)\b|\bgist\b", re.I)
KEEP_POINTS = 2
CITED = "*From the guide:"
NEXT = "**Next step:**"


def asks_to_shorten(question: str) -> bool:
    return bool(SHORTEN.search(question.strip()))


def _parts(answer: str) -> tuple[str, list[str]]:
    """The opening paragraph and the bullet lines of a composed card answer."""
    blocks = answer.split("\n\n")
    opening = blocks[0].strip() if blocks else ""
    bullets = [line[2:].strip() for block in blocks[1:] for line in block.splitlines()
               if line.startswith("- ")]
    return opening, bullets


def _citation(answer: str) -> str:
    return next((b.strip() for b in answer.split("\n\n") if b.strip().startswith(CITED)), "")


def _next_step(answer: str) -> str:
    return next((b.strip() for b in answer.split("\n\n") if b.strip().startswith(NEXT)), "")


def condensed(question: str, previous: str, cards: list[Card],
              one_line: bool | None = None) -> tuple[str, list[Source]] | None:
    """The previous card answer cut to its opening, first points and next step (the opening
    alone for "in one sentence", or when `one_line`), with the previous answer's own citation;
    None when `previous` is not a card answer (see `nothing_shorter`)."""
    citation = _citation(previous)
    opening, bullets = _parts(previous)
    if not citation or not opening:
        return None
    if one_line is None:
        one_line = bool(ONE_LINE.search(question))
    kept = [] if one_line else bullets[:KEEP_POINTS]
    points = {p.say: (card, p) for card in cards for p in card.points}
    used = [points[b] for b in kept if b in points]
    if not used:  # the opening alone rests on its card's first passage (an exact match only)
        lead = next((c for c in cards if c.answer and c.answer in opening), None)
        used = [(lead, lead.points[0])] if lead is not None else []
    lines = [opening]
    if kept:
        lines.append("\n".join(f"- {b}" for b in kept))
    step = "" if one_line else _next_step(previous)
    lines += [x for x in (step, citation) if x]
    sources = [Source(section=c.section, source=c.source, text=p.quote, score=0.0)
               for c, p in used]  # score: no retrieval ran (the points were chosen before)
    text = "\n\n".join(lines)
    if len(text) >= len(previous) and not one_line:  # a short answer already: its opening alone
        return condensed(question, previous, cards, one_line=True)
    return text, sources


def nothing_shorter(previous: str) -> str | None:
    """The reply to "make it shorter" after an answer that is not a card answer: the crisis
    resources again (never mentoring tips after a crisis reply), else the previous reply's first
    paragraph; None when there was no previous reply."""
    from coach.safety.responses import crisis_short

    if not previous.strip():
        return None
    if "988" in previous:
        return crisis_short("es" if " llama" in previous.lower() else "en")
    blocks = previous.strip().split("\n\n")
    first = blocks[0]
    if first.rstrip().endswith(":") and len(blocks) > 1:  # "...here is where to turn:" + the first
        first = f"{first}\n\n{blocks[1].splitlines()[0]}"
    return f"In short: {first}"


# "thx!", "ok thank you so much": a thank-you on its own is not a new question (a new user's
# "thx!" got four points on an unrelated card).
_THANKED = (r"(?:thanks?|thx|ty|tysm|thank you|thank u|(?:that|this|it|you|u) (?:(?:really|rly|so|"
            r"super) )?(?:helped|helps|was (?:(?:really|rly|so|super|very) )?helpful))")
THANKS = re.compile(r"^\W*(?:(?:ok(?:ay)?|cool|great|awesome|perfect|got it|nice|amazing)\W+)*"
                    rf"{_THANKED}(?:\W+(?:so much|a lot|lots|again|!+|for (?:the|your) "
                    rf"(?:help|advice|answer)|{_THANKED}))*\W*$", re.I)
WELCOME = ("You're welcome, and good luck! Come back any time you want help finding mentors, "
           "writing to them, or rehearsing the ask.")


def thanks_only(question: str) -> bool:
    return bool(THANKS.search(question.strip()))

